// Automatic liver segmentation: intensity model, threshold, opening, component choice, closing and
// hole filling on a coarse work grid, then back to the CT grid (see liver.h).
#include "rfa/segmentation/liver.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "liver_internal.h"
#include "mask_stats.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/distance.h"
#include "standard_grid.h"

namespace rfa::segmentation {

namespace {

using liver_detail::IntensityModel;

[[noreturn]] void noLiver(const std::string& why) {
  throw NoDataError("no liver found: " + why);
}

// LPS x (mm) of every voxel centre of the grid: x = origin.x + row 0 of indexToLpsMatrix * ijk.
class LpsX {
 public:
  explicit LpsX(const ImageGeometry& g)
      : o_(g.origin().x()), m_(g.indexToLpsMatrix().row(0).transpose()) {}
  [[nodiscard]] double at(std::size_t i, std::size_t j, std::size_t k) const {
    return o_ + m_.x() * static_cast<double>(i) + m_.y() * static_cast<double>(j) +
           m_.z() * static_cast<double>(k);
  }

 private:
  double o_;
  Vec3 m_;
};

using detail::MaskStats;

// The work-grid state shared by the steps.
struct Work {
  const LiverOptions& options;
  ImageVolume smooth;  // box-averaged, median-filtered CT (HU)
  Mask body;
  double body_cx = 0;              // LPS x of the body centroid (mm)
  std::vector<std::size_t> seeds;  // linear indices of the seeds inside the body
};

// Model from the patient-right half of the body, away from the body wall.
IntensityModel automaticModel(const Work& w) {
  const Mask inner = erode(w.body, w.options.body_margin_mm);
  const LpsX x(w.body.geometry());
  const Size3& s = w.body.size();
  std::vector<float> values;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (inner(i, j, k) != 0 && x.at(i, j, k) < w.body_cx) values.push_back(w.smooth(i, j, k));
      }
    }
  }
  const auto m = liver_detail::histogramMode(
      values, w.options.soft_tissue_min_hu, w.options.soft_tissue_max_hu,
      voxelsForVolume(w.body.geometry(), w.options.min_liver_ml));
  if (!m) {
    std::ostringstream msg;
    msg << "less than " << w.options.min_liver_ml << " mL of soft tissue ("
        << w.options.soft_tissue_min_hu << " to " << w.options.soft_tissue_max_hu
        << " HU) on the patient-right side of the body";
    noLiver(msg.str());
  }
  return *m;
}

// Voxels within `radius_mm` of any seed (linear indices on the work grid).
std::vector<std::size_t> seedNeighbourhood(const Work& w, double radius_mm) {
  Mask seeds(w.body.geometry(), 0);
  for (const std::size_t n : w.seeds) seeds.data()[n] = 1;
  const Mask ball = dilate(seeds, radius_mm);
  std::vector<std::size_t> out;
  for (std::size_t n = 0; n < ball.voxelCount(); ++n) {
    if (ball.data()[n] != 0 && w.body.data()[n] != 0) out.push_back(n);
  }
  return out;
}

IntensityModel seedModel(const Work& w) {
  std::vector<float> values;
  for (const std::size_t n : seedNeighbourhood(w, w.options.seed_radius_mm)) {
    values.push_back(w.smooth.data()[n]);
  }
  return liver_detail::robustModel(values);
}

IntensityModel clampModel(IntensityModel m, const LiverOptions& o) {
  m.sd = std::clamp(m.sd, o.min_sd_hu, o.max_sd_hu);
  return m;
}

// Threshold, opening, component choice and regrowth, closing and hole filling.
Mask liverCandidate(const Work& w, const IntensityModel& m) {
  const LiverOptions& o = w.options;
  const double lo = m.mean - o.lower_sd * m.sd;
  const double hi = m.mean + o.upper_sd * m.sd;
  Mask in_range(w.body.geometry(), 0);
  for (std::size_t n = 0; n < in_range.voxelCount(); ++n) {
    const double v = w.smooth.data()[n];
    in_range.data()[n] = w.body.data()[n] != 0 && v >= lo && v <= hi ? 1 : 0;
  }
  const Mask opened = dilate(erode(in_range, o.opening_radius_mm), o.opening_radius_mm);
  const Mask parts =
      removeSmallComponents(opened, voxelsForVolume(opened.geometry(), 1.0), Connectivity::k6);
  const ComponentLabels labels = labelComponents(parts, Connectivity::k6);
  if (labels.count() == 0) return Mask(w.body.geometry(), 0);
  // Score: voxels near the seeds, or else voxels on the patient-right half.
  std::vector<std::size_t> score(labels.count() + 1, 0);
  if (!w.seeds.empty()) {
    for (const std::size_t n : seedNeighbourhood(w, o.seed_radius_mm + o.opening_radius_mm)) {
      ++score[labels.labels.data()[n]];
    }
  } else {
    const LpsX x(parts.geometry());
    const Size3& s = parts.size();
    for (std::size_t k = 0; k < s[2]; ++k) {
      for (std::size_t j = 0; j < s[1]; ++j) {
        for (std::size_t i = 0; i < s[0]; ++i) {
          if (x.at(i, j, k) < w.body_cx) ++score[labels.labels(i, j, k)];
        }
      }
    }
  }
  score[0] = 0;
  const auto best =
      static_cast<std::uint16_t>(std::max_element(score.begin(), score.end()) - score.begin());
  if (score[best] == 0) return Mask(w.body.geometry(), 0);
  Mask chosen(w.body.geometry(), 0);
  for (std::size_t n = 0; n < chosen.voxelCount(); ++n) {
    chosen.data()[n] = labels.labels.data()[n] == best ? 1 : 0;
  }
  const double step = w.body.geometry().spacing().maxCoeff();
  Mask grown = dilate(chosen, o.opening_radius_mm + step);
  for (std::size_t n = 0; n < grown.voxelCount(); ++n) {
    grown.data()[n] = grown.data()[n] != 0 && in_range.data()[n] != 0 ? 1 : 0;
  }
  Mask closed = fillHolesPerSlice(fillHoles(close(grown, o.closing_radius_mm)));
  return largestComponent(closed, Connectivity::k6);
}

// Adds the hypodense regions (lesion_min_hu up to `lower`) that the liver wraps: components of the
// opened hypodense mask with at least lesion_contact of their surface facing the liver (surface
// lesions that hole filling cannot reach). Then closing, hole filling, fluid removal.
Mask withSurfaceLesions(const Work& w, const Mask& liver, double lower) {
  const LiverOptions& o = w.options;
  const ImageGeometry& g = liver.geometry();
  Mask hypo(g, 0);
  for (std::size_t n = 0; n < hypo.voxelCount(); ++n) {
    const double v = w.smooth.data()[n];
    hypo.data()[n] =
        w.body.data()[n] != 0 && liver.data()[n] == 0 && v >= o.lesion_min_hu && v < lower ? 1 : 0;
  }
  const Mask core = dilate(erode(hypo, o.lesion_opening_mm), o.lesion_opening_mm);
  const ComponentLabels labels = labelComponents(
      removeSmallComponents(core, voxelsForVolume(g, 0.5), Connectivity::k6), Connectivity::k6);
  std::vector<std::size_t> faces(labels.count() + 1, 0);
  std::vector<std::size_t> contact(labels.count() + 1, 0);
  const Size3& s = g.size();
  const auto& lab = labels.labels;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const std::uint16_t l = lab(i, j, k);
        if (l == 0) continue;
        const auto face = [&](bool inside, std::size_t x, std::size_t y, std::size_t z) {
          if (inside && lab(x, y, z) == l) return;
          ++faces[l];
          if (inside && liver(x, y, z) != 0) ++contact[l];
        };
        face(i > 0, i - 1, j, k);
        face(i + 1 < s[0], i + 1, j, k);
        face(j > 0, i, j - 1, k);
        face(j + 1 < s[1], i, j + 1, k);
        face(k > 0, i, j, k - 1);
        face(k + 1 < s[2], i, j, k + 1);
      }
    }
  }
  Mask add(g, 0);
  for (std::size_t n = 0; n < add.voxelCount(); ++n) {
    const std::uint16_t l = lab.data()[n];
    add.data()[n] = l != 0 && static_cast<double>(contact[l]) >=
                                  o.lesion_contact * static_cast<double>(faces[l])
                        ? 1
                        : 0;
  }
  Mask out = dilate(add, o.lesion_opening_mm);
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    out.data()[n] = liver.data()[n] != 0 || (out.data()[n] != 0 && hypo.data()[n] != 0) ? 1 : 0;
  }
  out = fillHolesPerSlice(fillHoles(close(out, o.closing_radius_mm)));
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    if (w.smooth.data()[n] < o.fluid_max_hu) out.data()[n] = 0;
  }
  return largestComponent(out, Connectivity::k6);
}

// Linear indices of the seeds on the work grid that fall inside the body; `first` receives the
// first such seed.
std::vector<std::size_t> seedIndices(const Mask& body, std::span<const Vec3> seeds_lps,
                                     Vec3& first) {
  std::vector<std::size_t> out;
  const ImageGeometry& g = body.geometry();
  for (const Vec3& p : seeds_lps) {
    const Vec3 c = g.lpsToIndex(p);
    const Index3 ijk{std::llround(c.x()), std::llround(c.y()), std::llround(c.z())};
    if (!g.contains(ijk)) continue;
    const std::size_t n =
        body.linearIndex(static_cast<std::size_t>(ijk[0]), static_cast<std::size_t>(ijk[1]),
                         static_cast<std::size_t>(ijk[2]));
    if (body.data()[n] == 0) continue;
    if (out.empty()) first = p;
    out.push_back(n);
  }
  return out;
}

// The voxel of `m` farthest from its background, LPS mm.
Vec3 deepestPoint(const Mask& m) {
  Mask outside(m.geometry(), 0);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) outside.data()[n] = m.data()[n] == 0 ? 1 : 0;
  const Volume<float> d2 = squaredDistanceMm2(outside);
  std::size_t best = 0;
  float best_d2 = -1.0F;
  for (std::size_t n = 0; n < d2.voxelCount(); ++n) {
    if (m.data()[n] != 0 && d2.data()[n] > best_d2) {
      best_d2 = d2.data()[n];
      best = n;
    }
  }
  const Size3& s = m.size();
  const Vec3 ijk(static_cast<double>(best % s[0]), static_cast<double>((best / s[0]) % s[1]),
                 static_cast<double>(best / (s[0] * s[1])));
  return m.geometry().indexToLps(ijk);
}

}  // namespace

// segmentLiver() on a CT in canonical storage (reorient.h).
static LiverSegmentation segmentLiverCanonical(const ImageVolume& ct_hu,
                                               const LiverOptions& options,
                                               std::span<const Vec3> seeds_lps) {
  if (ct_hu.empty()) noLiver("the CT volume is empty");
  const ImageGeometry grid = liver_detail::workGrid(ct_hu.geometry(), options.working_spacing_mm);
  Work w{options, liver_detail::median3(liver_detail::boxDownsample(ct_hu, grid)), Mask{}, 0.0, {}};
  try {
    w.body = segmentBody(w.smooth);
  } catch (const NoDataError& e) {
    noLiver(e.what());
  }
  const MaskStats body = detail::maskStats(w.body);
  w.body_cx = body.centroid_lps.x();
  Vec3 first_seed(0, 0, 0);
  w.seeds = seedIndices(w.body, seeds_lps, first_seed);
  if (!seeds_lps.empty() && w.seeds.empty()) noLiver("every seed lies outside the body");

  LiverSegmentation r;
  IntensityModel model = clampModel(w.seeds.empty() ? automaticModel(w) : seedModel(w), options);
  Mask liver = liverCandidate(w, model);
  if (detail::maskStats(liver).count > 0) {
    const Mask core = erode(liver, 3.0);
    std::vector<float> values;
    for (std::size_t n = 0; n < core.voxelCount(); ++n) {
      if (core.data()[n] != 0) values.push_back(w.smooth.data()[n]);
    }
    if (values.size() >= voxelsForVolume(grid, options.min_liver_ml)) {
      model = clampModel(liver_detail::robustModel(values), options);
      liver = liverCandidate(w, model);
    }
  }

  liver = withSurfaceLesions(w, liver, model.mean - options.lower_sd * model.sd);
  const MaskStats coarse = detail::maskStats(liver);
  const double coarse_ml = detail::volumeMl(grid, coarse.count);
  std::ostringstream why;
  if (coarse_ml < options.min_liver_ml) {
    why << "the largest region at " << model.mean << " HU (sd " << model.sd << " HU) holds "
        << coarse_ml << " mL, less than " << options.min_liver_ml << " mL";
    noLiver(why.str());
  }
  if (coarse_ml > options.max_body_fraction * detail::volumeMl(grid, body.count)) {
    why << "the region at " << model.mean << " HU (" << coarse_ml << " mL) fills more than "
        << options.max_body_fraction * 100.0 << " % of the body: no distinct organ";
    noLiver(why.str());
  }
  if (w.seeds.empty() && coarse.centroid_lps.x() >= w.body_cx) {
    why << "the region at " << model.mean << " HU lies on the patient-left side of the body";
    noLiver(why.str());
  }

  r.mask = liver_detail::upsampleMask(liver, ct_hu.geometry());
  const MaskStats fine = detail::maskStats(r.mask);
  r.volume_ml = detail::volumeMl(ct_hu.geometry(), fine.count);
  r.centroid_lps = fine.centroid_lps;
  r.mean_hu = model.mean;
  r.sd_hu = model.sd;
  r.lower_hu = model.mean - options.lower_sd * model.sd;
  r.upper_hu = model.mean + options.upper_sd * model.sd;
  r.seed_from_user = !w.seeds.empty();
  r.seed_lps = r.seed_from_user ? first_seed : deepestPoint(liver);
  return r;
}

LiverSegmentation segmentLiver(const ImageVolume& ct_hu, const LiverOptions& options,
                               std::span<const Vec3> seeds_lps) {
  // The working grid, the slice-wise passes and the scan orders are index-space: run them on one
  // canonical storage so that prone, feet-first or flipped storages of the same anatomy agree.
  const detail::StandardGrid grid(ct_hu.geometry());
  if (grid.passthrough() || ct_hu.empty()) return segmentLiverCanonical(ct_hu, options, seeds_lps);
  LiverSegmentation s = segmentLiverCanonical(grid.image(ct_hu), options, seeds_lps);
  s.mask = grid.back(s.mask);
  if (grid.oblique()) {
    const MaskStats m = detail::maskStats(s.mask);
    s.volume_ml = detail::volumeMl(ct_hu.geometry(), m.count);
    s.centroid_lps = m.centroid_lps;
  }
  return s;
}

}  // namespace rfa::segmentation
