// segmentLiverWithAtlases() (atlas_liver.h): register, map, vote, refine.
#include "rfa/atlas/atlas_liver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "box_mean.h"
#include "rfa/core/error.h"
#include "rfa/followup/registration.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/components.h"

namespace rfa::atlas {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void checkOptions(const AtlasLiverOptions& o) {
  auto positive = [](double v, const char* name) {
    if (!(std::isfinite(v) && v > 0)) {
      throw UsageError(std::string("atlas liver: ") + name + " must be > 0 (got " +
                       std::to_string(v) + ")");
    }
  };
  positive(o.affine_spacing_mm, "affine_spacing_mm");
  positive(o.deformable_spacing_mm, "deformable_spacing_mm");
  positive(o.bspline_grid_spacing_mm, "bspline_grid_spacing_mm");
  positive(o.intensity_sd, "intensity_sd");
  positive(o.weighting_radius_mm, "weighting_radius_mm");
  if (o.affine_iterations < 1 || o.deformable_iterations < 1 || o.start_screen_iterations < 0) {
    throw UsageError("atlas liver: iterations must be >= 1 (screening: >= 0)");
  }
  for (const double s : o.start_shifts_mm) {
    if (!std::isfinite(s)) throw UsageError("atlas liver: a start shift is not finite");
  }
  if (!(o.possible_fraction > 0 && o.possible_fraction <= o.sure_fraction &&
        o.sure_fraction <= 1)) {
    throw UsageError("atlas liver: need 0 < possible_fraction <= sure_fraction <= 1 (got " +
                     std::to_string(o.possible_fraction) + ", " + std::to_string(o.sure_fraction) +
                     ")");
  }
}

// The body of an image of the given modality (segmentation::segmentBody; the MR background
// threshold on MR).
Mask bodyOf(const ImageVolume& image, segmentation::Modality modality, const std::string& what) {
  segmentation::BodyOptions o;
  try {
    if (modality == segmentation::Modality::kMR) {
      o.air_threshold_hu = segmentation::mrBackgroundThreshold(image);
    }
    return segmentation::segmentBody(image, o);
  } catch (const NoDataError& e) {
    throw NoDataError("atlas liver: " + what + ": " + e.what());
  }
}

float median(std::vector<float>& v) {
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Median of the atlas image inside its liver.
float atlasLiverMedian(const Atlas& a) {
  std::vector<float> v;
  const auto img = a.image.data();
  const auto m = a.liver.data();
  for (std::size_t n = 0; n < m.size(); ++n) {
    if (m[n] != 0) v.push_back(img[n]);
  }
  return v.empty() ? 0.0F : median(v);
}

// Locally weighted vote: atlas a's label counts at x with the weight exp(-D_a(x) / sd), D_a the
// box mean (weighting_radius_mm) of |target - s_a atlas_a(mapped)|, s_a = core_median / (the
// atlas's own liver median): atlases whose image matches the target around x count more.
ImageVolume locallyWeightedVote(const ImageVolume& target, const std::vector<Atlas>& atlases,
                                const std::vector<followup::Registration>& maps, float core_median,
                                float core_sd, const AtlasLiverOptions& options) {
  const ImageGeometry& grid = target.geometry();
  ImageVolume weighted(grid, 0.0F);
  ImageVolume total(grid, 0.0F);
  const auto t = target.data();
  const float sd = std::max(core_sd, 1e-3F);
  for (std::size_t n = 0; n < atlases.size(); ++n) {
    const float m = atlasLiverMedian(atlases[n]);
    const float scale = m > 0 ? core_median / m : 1.0F;
    ImageVolume diff = followup::resampleToFixed(atlases[n].image, maps[n], grid, 0.0F);
    auto d = diff.data();
    for (std::size_t v = 0; v < d.size(); ++v) d[v] = std::fabs(t[v] - scale * d[v]);
    const ImageVolume local = detail::boxMean(diff, options.weighting_radius_mm);
    const Mask label = followup::resampleMaskToFixed(atlases[n].liver, maps[n], grid);
    const auto ld = local.data();
    const auto lb = label.data();
    auto wsum = weighted.data();
    auto tsum = total.data();
    for (std::size_t v = 0; v < ld.size(); ++v) {
      const float w = std::exp(-ld[v] / sd);
      tsum[v] += w;
      if (lb[v] != 0) wsum[v] += w;
    }
  }
  auto w = weighted.data();
  const auto tt = total.data();
  for (std::size_t v = 0; v < w.size(); ++v) w[v] = tt[v] > 0 ? w[v] / tt[v] : 0.0F;
  return weighted;
}

// Spread of the target's values inside the atlas liver mapped by `linear` (lower: more like one
// tissue): the median absolute deviation, over the median's magnitude on MR (arbitrary units).
// Every second voxel per axis is enough to rank the starts.
double mappedLiverSpread(const ImageVolume& target, const Atlas& atlas,
                         const followup::Registration& linear, segmentation::Modality modality) {
  const ImageGeometry& g = target.geometry();
  const ImageGeometry& ag = atlas.liver.geometry();
  const Size3 n = g.size();
  const Size3 an = ag.size();
  const auto lab = atlas.liver.data();
  const auto img = target.data();
  std::vector<float> values;
  for (std::size_t k = 0; k < n[2]; k += 2) {
    for (std::size_t j = 0; j < n[1]; j += 2) {
      for (std::size_t i = 0; i < n[0]; i += 2) {
        const Vec3 x = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const Vec3 a = ag.lpsToIndex(linear.fixedToMoving(x));
        const long ai = std::lround(a[0]);
        const long aj = std::lround(a[1]);
        const long ak = std::lround(a[2]);
        if (ai < 0 || aj < 0 || ak < 0 || ai >= static_cast<long>(an[0]) ||
            aj >= static_cast<long>(an[1]) || ak >= static_cast<long>(an[2])) {
          continue;
        }
        const auto av =
            (static_cast<std::size_t>(ak) * an[1] + static_cast<std::size_t>(aj)) * an[0] +
            static_cast<std::size_t>(ai);
        if (lab[av] != 0) values.push_back(img[(k * n[1] + j) * n[0] + i]);
      }
    }
  }
  if (values.size() < 100) return std::numeric_limits<double>::infinity();
  const float mid = median(values);
  for (float& v : values) v = std::fabs(v - mid);
  const double mad = median(values);
  if (modality == segmentation::Modality::kMR) {
    return std::fabs(mid) > 1e-6F ? mad / std::fabs(mid) : std::numeric_limits<double>::infinity();
  }
  return mad;
}

// Registers every atlas to `target`, the metric over `body` (grown by 10 mm), initialised by the
// centroids of the bodies. (A second pass with the metric over the first fused liver, initialised
// by the liver centroids, was tried: CHAOS median 0.850 instead of 0.851, case 15 0.21 instead of
// 0.58, twice the time.)
std::vector<followup::Registration> registerAll(const ImageVolume& target,
                                                const std::vector<Atlas>& atlases, const Mask& body,
                                                const followup::RegistrationOptions& reg,
                                                const AtlasLiverOptions& options,
                                                std::vector<AtlasRun>& runs,
                                                const std::function<void()>& step) {
  for (const Atlas& a : atlases) {
    if (!a.liver.geometry().sameGrid(a.image.geometry())) {
      throw GeometryError("atlas liver: the liver of atlas " + a.name +
                          " is not on its image's grid");
    }
  }
  // One after another: ITK's random sampling draws from a process-wide generator, so two
  // registrations at once change each other's samples (tried: the masks then differ between
  // runs); each registration is deterministic on its own (fixed seeds and work units).
  std::vector<followup::Registration> maps;
  for (const Atlas& a : atlases) {
    const auto ta = Clock::now();
    // The atlas body is only the initialisation's mask (no fixed liver: no surface distance).
    const Mask atlas_body = bodyOf(a.image, options.modality, "atlas " + a.name);
    followup::RegistrationOptions r = reg;
    r.linear_start_score = [&](const followup::Registration& linear) {
      return mappedLiverSpread(target, a, linear, options.modality);
    };
    try {
      maps.push_back(followup::registerImages(target, a.image, body, r, nullptr, &atlas_body));
    } catch (const NoDataError& e) {
      throw NoDataError("atlas liver: registering atlas " + a.name + ": " + e.what());
    }
    runs.push_back({a.name, secondsSince(ta), maps.back().quality.linear_start_offset_mm[2], 0.0});
    step();
  }
  return maps;
}

// Fuses the mapped atlas livers (see AtlasLiverOptions) into out.vote, core_*, mask, volume_ml
// and the runs' mapped volumes.
void fuse(const ImageVolume& target, const std::vector<Atlas>& atlases,
          const std::vector<followup::Registration>& maps, const AtlasLiverOptions& options,
          AtlasLiverSegmentation& out) {
  const ImageGeometry& grid = target.geometry();
  const double voxel_ml = grid.voxelVolumeMm3() / 1000.0;
  out.vote = ImageVolume(grid, 0.0F);
  auto vote = out.vote.data();
  for (std::size_t n = 0; n < atlases.size(); ++n) {
    const Mask mapped = followup::resampleMaskToFixed(atlases[n].liver, maps[n], grid);
    std::size_t count = 0;
    const auto m = mapped.data();
    for (std::size_t v = 0; v < m.size(); ++v) {
      if (m[v] != 0) {
        vote[v] += 1.0F;
        ++count;
      }
    }
    out.atlases[out.atlases.size() - atlases.size() + n].mapped_liver_ml =
        static_cast<double>(count) * voxel_ml;
  }
  const auto k = static_cast<float>(atlases.size());
  for (float& x : vote) x /= k;

  // The intensity model from the voxels every atlas agrees on (at least the sure ones when
  // unanimity is empty).
  const auto img = target.data();
  std::vector<float> core;
  for (const float level : {1.0F, static_cast<float>(options.sure_fraction)}) {
    for (std::size_t v = 0; v < vote.size(); ++v) {
      if (vote[v] >= level - 1e-6F) core.push_back(img[v]);
    }
    if (!core.empty()) break;
  }
  if (core.empty()) throw NoDataError("atlas liver: no atlas liver maps into the image");
  out.core_median = median(core);
  for (float& c : core) c = std::fabs(c - out.core_median);
  out.core_sd = 1.4826F * median(core);

  if (options.local_weighting) {
    out.vote = locallyWeightedVote(target, atlases, maps, out.core_median, out.core_sd, options);
    vote = out.vote.data();
  }

  Mask liver(grid, 0);
  auto l = liver.data();
  const auto sure = static_cast<float>(options.sure_fraction);
  const auto possible = static_cast<float>(options.possible_fraction);
  const auto reach = static_cast<float>(options.intensity_sd) * out.core_sd;
  for (std::size_t v = 0; v < vote.size(); ++v) {
    l[v] = (vote[v] >= sure - 1e-6F ||
            (vote[v] >= possible - 1e-6F && std::fabs(img[v] - out.core_median) <= reach))
               ? 1
               : 0;
  }
  out.mask = segmentation::fillHoles(
      segmentation::largestComponent(liver, segmentation::Connectivity::k6));
  std::size_t n = 0;
  for (const auto x : out.mask.data()) n += x;
  if (n == 0) throw NoDataError("atlas liver: the fused liver is empty");
  out.volume_ml = static_cast<double>(n) * voxel_ml;
}

}  // namespace

AtlasLiverSegmentation segmentLiverWithAtlases(const ImageVolume& target,
                                               const std::vector<Atlas>& atlases,
                                               const AtlasLiverOptions& options,
                                               const AtlasProgress& progress) {
  const auto t0 = Clock::now();
  checkOptions(options);
  if (atlases.empty()) throw UsageError("atlas liver: no atlas given");
  if (target.empty()) throw NoDataError("atlas liver: the image is empty");
  const Mask body = bodyOf(target, options.modality, "the image to segment");

  followup::RegistrationOptions reg;
  reg.affine = true;
  reg.rigid_spacing_mm = options.affine_spacing_mm;
  reg.deformable_spacing_mm = options.deformable_spacing_mm;
  reg.bspline_grid_spacing_mm = options.bspline_grid_spacing_mm;
  reg.rigid_iterations = options.affine_iterations;
  reg.deformable_iterations = options.deformable_iterations;
  for (const double dz : options.start_shifts_mm)
    reg.linear_start_offsets_mm.emplace_back(0, 0, dz);
  reg.linear_screen_iterations = options.start_screen_iterations;

  const std::size_t total = atlases.size();
  std::size_t done = 0;
  const auto step = [&] {
    if (progress) progress(++done, total);
  };
  AtlasLiverSegmentation out;
  const auto maps = registerAll(target, atlases, body, reg, options, out.atlases, step);
  fuse(target, atlases, maps, options, out);
  out.seconds = secondsSince(t0);
  return out;
}

}  // namespace rfa::atlas
