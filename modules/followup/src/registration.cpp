// Follow-up to planning registration: the map, resampling through it and the driver of the ITK
// stages (registration.h). Stages: registration_stages.cpp; quality: registration_quality.cpp;
// files: registration_io.cpp; grid helpers: registration_grid.cpp.
#include "rfa/followup/registration.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "registration_internal.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"

namespace rfa::followup {

namespace regdetail {

namespace {

// Trilinear sampling of a 3-component field stored interleaved (x fastest), at a continuous index
// within [-0.5, n - 0.5] (clamped to the outer voxel centres); false outside.
bool sampleField3(const float* field, const std::array<std::int64_t, 3>& n, const double g[3],
                  double out[3]) {
  std::int64_t lo[3];
  std::int64_t step[3];
  double w[3];
  for (int a = 0; a < 3; ++a) {
    if (!(g[a] >= -0.5 && g[a] <= static_cast<double>(n[a]) - 0.5)) return false;
    if (n[a] == 1) {
      lo[a] = 0;
      step[a] = 0;
      w[a] = 0.0;
      continue;
    }
    const double maxi = static_cast<double>(n[a] - 1);
    const double c = std::clamp(g[a], 0.0, maxi);
    lo[a] = std::min(static_cast<std::int64_t>(c), n[a] - 2);
    step[a] = 1;
    w[a] = c - static_cast<double>(lo[a]);
  }
  const std::int64_t sx = 3 * step[0];
  const std::int64_t sy = 3 * n[0] * step[1];
  const std::int64_t sz = 3 * n[0] * n[1] * step[2];
  const float* p = field + 3 * (lo[0] + n[0] * (lo[1] + n[1] * lo[2]));
  for (int c = 0; c < 3; ++c) {
    const float* q = p + c;
    const double c00 = q[0] + (q[sx] - q[0]) * w[0];
    const double c10 = q[sy] + (q[sy + sx] - q[sy]) * w[0];
    const double c01 = q[sz] + (q[sz + sx] - q[sz]) * w[0];
    const double c11 = q[sz + sy] + (q[sz + sy + sx] - q[sz + sy]) * w[0];
    out[c] = (c00 + (c10 - c00) * w[1]) * (1.0 - w[2]) + (c01 + (c11 - c01) * w[1]) * w[2];
  }
  return true;
}

bool hasField(const Registration& r) {
  return !r.displacement_x.empty();
}

}  // namespace

Vec3 sampleDisplacement(const Registration& r, const Vec3& x_fixed_lps) {
  if (!hasField(r)) return Vec3::Zero();
  const ImageGeometry& g = r.displacement_x.geometry();
  const Vec3 gi = g.lpsToIndex(x_fixed_lps);
  const auto& s = g.size();
  const std::array<std::int64_t, 3> n{static_cast<std::int64_t>(s[0]),
                                      static_cast<std::int64_t>(s[1]),
                                      static_cast<std::int64_t>(s[2])};
  if (!(gi[0] >= -0.5 && gi[1] >= -0.5 && gi[2] >= -0.5 &&
        gi[0] <= static_cast<double>(n[0]) - 0.5 && gi[1] <= static_cast<double>(n[1]) - 0.5 &&
        gi[2] <= static_cast<double>(n[2]) - 0.5)) {
    return Vec3::Zero();
  }
  Vec3 out = Vec3::Zero();
  const std::array<const ImageVolume*, 3> comp{&r.displacement_x, &r.displacement_y,
                                               &r.displacement_z};
  for (std::size_t c = 0; c < 3; ++c) {
    double v = 0;
    LinearSampler<float>(*comp[c]).sample(gi[0], gi[1], gi[2], v);
    out[static_cast<Eigen::Index>(c)] = v;
  }
  return out;
}

GridMapper::GridMapper(const Registration& r, const ImageGeometry& target,
                       const ImageGeometry& source) {
  const Mat3& ls = source.lpsToIndexMatrix();
  m_ = ls * r.rotation * target.indexToLpsMatrix();
  u0_ = ls * (r.rotation * (target.origin() - r.centre_lps) + r.centre_lps + r.translation_mm -
              source.origin());
  if (!hasField(r)) return;
  has_field_ = true;
  const ImageGeometry& fg = r.displacement_x.geometry();
  g_ = fg.lpsToIndexMatrix() * target.indexToLpsMatrix();
  g0_ = fg.lpsToIndex(target.origin());
  for (int a = 0; a < 3; ++a) gn_[a] = static_cast<std::int64_t>(fg.size()[a]);
  const std::size_t n = fg.voxelCount();
  field_.resize(3 * n);
  const auto dx = r.displacement_x.data();
  const auto dy = r.displacement_y.data();
  const auto dz = r.displacement_z.data();
  for (std::size_t v = 0; v < n; ++v) {
    const Vec3 d = ls * Vec3(dx[v], dy[v], dz[v]);
    field_[3 * v] = static_cast<float>(d[0]);
    field_[3 * v + 1] = static_cast<float>(d[1]);
    field_[3 * v + 2] = static_cast<float>(d[2]);
  }
}

void GridMapper::map(std::int64_t i, std::int64_t j, std::int64_t k, double out[3]) const {
  const double fi = static_cast<double>(i);
  const double fj = static_cast<double>(j);
  const double fk = static_cast<double>(k);
  for (int a = 0; a < 3; ++a) out[a] = u0_[a] + m_(a, 0) * fi + m_(a, 1) * fj + m_(a, 2) * fk;
  if (!has_field_) return;
  double g[3];
  for (int a = 0; a < 3; ++a) g[a] = g0_[a] + g_(a, 0) * fi + g_(a, 1) * fj + g_(a, 2) * fk;
  double d[3];
  if (sampleField3(field_.data(), gn_, g, d)) {
    for (int a = 0; a < 3; ++a) out[a] += d[a];
  }
}

template <class T>
ImageVolume pullThrough(const Volume<T>& source, const Registration& r, const ImageGeometry& target,
                        float outside, Mask* valid) {
  ImageVolume out(target, outside);
  if (valid != nullptr) *valid = Mask(target, 0);
  if (source.empty() || out.empty()) return out;
  const GridMapper mapper(r, target, source.geometry());
  const LinearSampler<T> sampler(source);
  const auto& n = target.size();
  parallelFor(n[2], [&](std::size_t k) {
    double u[3];
    for (std::size_t j = 0; j < n[1]; ++j) {
      float* row = &out(0, j, k);
      std::uint8_t* vrow = valid != nullptr ? &(*valid)(0, j, k) : nullptr;
      for (std::size_t i = 0; i < n[0]; ++i) {
        mapper.map(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j),
                   static_cast<std::int64_t>(k), u);
        double v = 0;
        if (sampler.sample(u[0], u[1], u[2], v)) {
          row[i] = static_cast<float>(v);
          if (vrow != nullptr) vrow[i] = 1;
        }
      }
    }
  });
  return out;
}
template ImageVolume pullThrough(const Volume<float>&, const Registration&, const ImageGeometry&,
                                 float, Mask*);
template ImageVolume pullThrough(const Volume<std::uint8_t>&, const Registration&,
                                 const ImageGeometry&, float, Mask*);

}  // namespace regdetail

Vec3 Registration::fixedToMoving(const Vec3& x_fixed_lps) const {
  return rotation * (x_fixed_lps - centre_lps) + centre_lps + translation_mm +
         regdetail::sampleDisplacement(*this, x_fixed_lps);
}

ImageVolume resampleToFixed(const ImageVolume& moving, const Registration& r,
                            const ImageGeometry& fixed_grid, float outside) {
  return regdetail::pullThrough(moving, r, fixed_grid, outside);
}

Mask resampleMaskToFixed(const Mask& moving, const Registration& r,
                         const ImageGeometry& fixed_grid) {
  const ImageVolume fraction = regdetail::pullThrough(moving, r, fixed_grid, 0.0F);
  return regdetail::threshold(fraction, 0.5F);
}

namespace {

using regdetail::IndexBox;
using regdetail::RigidParameters;

constexpr double kRegionDilationMm = 10.0;  // metric region: fixed region grown by this
constexpr double kBoxMarginMm = 20.0;       // stage images: metric region box grown by this
constexpr double kMovingMarginMm = 20.0;    // moving crop around the rigidly mapped stage box
constexpr double kFieldSpacingMm = 4.0;     // grid of the stored displacement field
constexpr double kSurfaceBoxMarginMm = 50.0;
constexpr std::size_t kMinStageVoxels = 100;

void checkGrid(const Mask& m, const ImageGeometry& g, const std::string& what,
               const std::string& image) {
  if (!m.geometry().sameGrid(g)) {
    throw GeometryError("registration: the " + what + " (" + m.geometry().describe() +
                        ") is not on the " + image + " image's grid (" + g.describe() + ")");
  }
}

void checkOptions(const RegistrationOptions& o) {
  auto positive = [](double v, const char* name) {
    if (!(std::isfinite(v) && v > 0)) {
      throw UsageError(std::string("registration: ") + name + " must be > 0 (got " +
                       std::to_string(v) + ")");
    }
  };
  positive(o.rigid_spacing_mm, "rigid_spacing_mm");
  positive(o.deformable_spacing_mm, "deformable_spacing_mm");
  positive(o.bspline_grid_spacing_mm, "bspline_grid_spacing_mm");
  positive(o.max_surface_mean_mm, "max_surface_mean_mm");
  positive(o.max_surface_p95_mm, "max_surface_p95_mm");
  if (!(o.sampling_fraction > 0 && o.sampling_fraction <= 1)) {
    throw UsageError("registration: sampling_fraction must be in (0, 1] (got " +
                     std::to_string(o.sampling_fraction) + ")");
  }
  if (o.rigid_iterations < 1 || o.deformable_iterations < 1 || o.linear_screen_iterations < 0) {
    throw UsageError("registration: the iteration counts must be >= 1 (screening: >= 0)");
  }
  for (const Vec3& s : o.linear_start_offsets_mm) {
    if (!s.allFinite()) throw UsageError("registration: a linear start offset is not finite");
  }
}

Registration rigidRegistration(const RigidParameters& p) {
  Registration r;
  r.rotation = p.rotation;
  r.centre_lps = p.centre;
  r.translation_mm = p.translation;
  return r;
}

// Box (moving grid) of the rigidly mapped corners of `target` grown by `margin_mm`.
IndexBox mappedBox(const ImageGeometry& target, const Registration& rigid,
                   const ImageGeometry& moving, double margin_mm) {
  Vec3 lo = Vec3::Constant(std::numeric_limits<double>::infinity());
  Vec3 hi = -lo;
  for (int c = 0; c < 8; ++c) {
    Vec3 idx;
    for (int a = 0; a < 3; ++a) {
      idx[a] = ((c >> a) & 1) != 0 ? static_cast<double>(target.size()[a]) - 0.5 : -0.5;
    }
    const Vec3 u = moving.lpsToIndex(rigid.fixedToMoving(target.indexToLps(idx)));
    lo = lo.cwiseMin(u);
    hi = hi.cwiseMax(u);
  }
  IndexBox box;
  for (int a = 0; a < 3; ++a) {
    const double m = margin_mm / moving.spacing()[a];
    const double n = static_cast<double>(moving.size()[a]);
    box.lo[a] = static_cast<std::int64_t>(std::max(0.0, std::floor(lo[a] - m)));
    box.hi[a] = static_cast<std::int64_t>(std::min(n - 1, std::ceil(hi[a] + m)));
  }
  return box;
}

// The moving stage image pulled through `rigid` onto `target`, windowed by its values in `mask`;
// voxels mapped outside the moving image get the window's low end and 0 in `valid`.
ImageVolume movingOnFixedGrid(const ImageVolume& moving_stage, const Registration& rigid,
                              const ImageGeometry& target, const Mask& mask, Mask& valid) {
  ImageVolume out = regdetail::pullThrough(moving_stage, rigid, target, 0.0F, &valid);
  std::vector<float> values;
  const auto v = out.data();
  const auto m = mask.data();
  const auto ok = valid.data();
  for (std::size_t n = 0; n < v.size(); ++n) {
    if (m[n] != 0 && ok[n] != 0) values.push_back(v[n]);
  }
  if (values.size() < kMinStageVoxels) {
    throw NoDataError(
        "registration: the follow-up image does not cover the fixed region after the rigid "
        "stage (" +
        std::to_string(values.size()) + " region voxels inside it)");
  }
  const auto window = regdetail::robustWindow(std::move(values));
  auto o = out.data();
  for (std::size_t n = 0; n < o.size(); ++n) {
    o[n] = ok[n] != 0 ? std::clamp(o[n], window[0], window[1]) : window[0];
  }
  return out;
}

}  // namespace

Registration registerImages(const ImageVolume& fixed, const ImageVolume& moving,
                            const Mask& fixed_region, const RegistrationOptions& options,
                            const Mask* fixed_liver, const Mask* moving_liver, const Mask* exclude,
                            const RegistrationProgress& progress) {
  const auto t_start = std::chrono::steady_clock::now();
  if (fixed.empty() || moving.empty()) {
    throw GeometryError(std::string("registration: the ") + (fixed.empty() ? "fixed" : "moving") +
                        " image is empty");
  }
  checkOptions(options);
  const ImageGeometry& fg = fixed.geometry();
  checkGrid(fixed_region, fg, "fixed region", "fixed");
  if (fixed_liver != nullptr) checkGrid(*fixed_liver, fg, "fixed liver mask", "fixed");
  if (moving_liver != nullptr) {
    checkGrid(*moving_liver, moving.geometry(), "moving liver mask", "moving");
  }
  if (exclude != nullptr) checkGrid(*exclude, fg, "exclusion mask", "fixed");
  if (regdetail::countNonZero(fixed_region) == 0)
    throw GeometryError("registration: the fixed region is empty");

  // Metric region: the region grown by 10 mm, without the excluded voxels.
  Mask metric_region = regdetail::dilate(fixed_region, kRegionDilationMm);
  Mask quality_region = fixed_region;
  if (exclude != nullptr) {
    const auto ex = exclude->data();
    auto mr = metric_region.data();
    auto qr = quality_region.data();
    for (std::size_t n = 0; n < ex.size(); ++n) {
      if (ex[n] != 0) {
        mr[n] = 0;
        qr[n] = 0;
      }
    }
    if (regdetail::countNonZero(quality_region) == 0) quality_region = fixed_region;
  }
  const IndexBox box = regdetail::grow(regdetail::maskBounds(metric_region), fg, kBoxMarginMm);
  if (box.empty()) {
    throw NoDataError("registration: no voxel of the fixed region is left outside the exclusion");
  }

  // Initial rigid map: centroids of the livers (else of the images).
  const Vec3 region_centre = regdetail::centroidLps(fixed_region, fg.centerLps());
  RigidParameters initial;
  initial.centre =
      fixed_liver != nullptr ? regdetail::centroidLps(*fixed_liver, region_centre) : region_centre;
  if (moving_liver != nullptr && regdetail::countNonZero(*moving_liver) > 0) {
    initial.translation = regdetail::centroidLps(*moving_liver, Vec3::Zero()) - initial.centre;
  } else {
    initial.translation = moving.geometry().centerLps() - fg.centerLps();
  }

  // Rigid stage.
  ImageVolume fixed_rigid = regdetail::boxAverage(fixed, box, options.rigid_spacing_mm);
  const Mask mask_rigid =
      regdetail::threshold(regdetail::boxAverage(metric_region, box, options.rigid_spacing_mm));
  const std::size_t rigid_voxels = regdetail::countNonZero(mask_rigid);
  if (rigid_voxels < kMinStageVoxels) {
    throw NoDataError("registration: the fixed region has " + std::to_string(rigid_voxels) +
                      " voxels at the rigid stage's " + std::to_string(options.rigid_spacing_mm) +
                      " mm; at least " + std::to_string(kMinStageVoxels) + " are needed");
  }
  regdetail::clampTo(fixed_rigid,
                     regdetail::robustWindow(regdetail::valuesInMask(fixed_rigid, mask_rigid)));
  ImageVolume moving_rigid = regdetail::boxAverage(moving, regdetail::wholeGrid(moving.geometry()),
                                                   options.rigid_spacing_mm);
  {  // moving window: values where the initial map puts the metric region
    Mask valid;
    const ImageVolume mapped = regdetail::pullThrough(moving_rigid, rigidRegistration(initial),
                                                      fixed_rigid.geometry(), 0.0F, &valid);
    std::vector<float> values;
    const auto v = mapped.data();
    const auto m = mask_rigid.data();
    const auto ok = valid.data();
    for (std::size_t n = 0; n < v.size(); ++n) {
      if (m[n] != 0 && ok[n] != 0) values.push_back(v[n]);
    }
    if (values.size() < rigid_voxels / 10) {  // initial map mostly outside: whole image
      const auto all = moving_rigid.data();
      values.assign(all.begin(), all.end());
    }
    regdetail::clampTo(moving_rigid, regdetail::robustWindow(std::move(values)));
  }
  // Linear stage: from the centroid alignment, or from the best-scored of it and the extra
  // starts (each screened with linear_screen_iterations, the best then run in full).
  Vec3 start_kept(0, 0, 0);
  const auto from = [&](const Vec3& offset, const RegistrationOptions& o) {
    RigidParameters start = initial;
    start.translation += offset;
    return regdetail::runRigidStage(fixed_rigid, mask_rigid, moving_rigid, start, o, progress);
  };
  const bool several = !options.linear_start_offsets_mm.empty();
  const bool screened = several && options.linear_screen_iterations > 0;
  RegistrationOptions screening = options;
  if (screened) screening.rigid_iterations = options.linear_screen_iterations;
  RigidParameters rigid = from(start_kept, screening);
  if (several) {
    const auto score = [&](const RigidParameters& r) {
      return options.linear_start_score ? options.linear_start_score(rigidRegistration(r))
                                        : r.metric;
    };
    double best = score(rigid);
    for (const Vec3& offset : options.linear_start_offsets_mm) {
      const RigidParameters r = from(offset, screening);
      const double s = score(r);
      if (s < best) {
        best = s;
        rigid = r;
        start_kept = offset;
      }
    }
    if (screened) rigid = from(start_kept, options);
  }

  Registration result = rigidRegistration(rigid);
  const Registration rigid_only = result;

  // Deformable stage: B-spline between the fixed image and the moving image pulled through the
  // rigid map, at deformable_spacing_mm; d(x) = rotation * b(x). (A coarser first level was
  // tried: at 4 mm the liver's vessels blur and the B-spline drifts, which the fine level then
  // has to undo; one level is both faster and more accurate.)
  if (options.deformable) {
    const double s = options.deformable_spacing_mm;
    regdetail::DeformableInputs inputs;
    inputs.fixed = regdetail::boxAverage(fixed, box, s);
    inputs.mask = regdetail::threshold(regdetail::boxAverage(metric_region, box, s));
    if (regdetail::countNonZero(inputs.mask) < kMinStageVoxels) {
      throw NoDataError(
          "registration: the fixed region has too few voxels at the deformable "
          "stage's " +
          std::to_string(s) + " mm");
    }
    regdetail::clampTo(inputs.fixed,
                       regdetail::robustWindow(regdetail::valuesInMask(inputs.fixed, inputs.mask)));
    const IndexBox mbox =
        mappedBox(inputs.fixed.geometry(), rigid_only, moving.geometry(), kMovingMarginMm);
    if (mbox.empty()) {
      throw NoDataError(
          "registration: the fixed region maps outside the follow-up image after the rigid stage");
    }
    const ImageVolume moving_stage = regdetail::boxAverage(moving, mbox, s);
    inputs.moving = movingOnFixedGrid(moving_stage, rigid_only, inputs.fixed.geometry(),
                                      inputs.mask, inputs.moving_valid);
    const ImageGeometry field_grid = regdetail::stageGeometry(fg, box, kFieldSpacingMm);
    const auto b = regdetail::runDeformableStage(inputs, field_grid, options, progress);
    result.displacement_x = ImageVolume(field_grid, 0.0F);
    result.displacement_y = ImageVolume(field_grid, 0.0F);
    result.displacement_z = ImageVolume(field_grid, 0.0F);
    const std::size_t n = field_grid.voxelCount();
    for (std::size_t v = 0; v < n; ++v) {
      const Vec3 d = rigid.rotation * Vec3(b[0].data()[v], b[1].data()[v], b[2].data()[v]);
      result.displacement_x.data()[v] = static_cast<float>(d[0]);
      result.displacement_y.data()[v] = static_cast<float>(d[1]);
      result.displacement_z.data()[v] = static_cast<float>(d[2]);
    }
  }

  // Quality.
  RegistrationQuality& q = result.quality;
  q.mean_abs_difference_initial =
      regdetail::meanAbsDifference(fixed, moving, quality_region, Registration{});
  q.mean_abs_difference_rigid =
      regdetail::meanAbsDifference(fixed, moving, quality_region, rigid_only);
  q.mean_abs_difference_final =
      options.deformable ? regdetail::meanAbsDifference(fixed, moving, quality_region, result)
                         : q.mean_abs_difference_rigid;
  if (fixed_liver != nullptr && moving_liver != nullptr) {
    const IndexBox lb =
        regdetail::grow(regdetail::maskBounds(*fixed_liver), fg, kSurfaceBoxMarginMm);
    double mean = 0;
    double p95 = 0;
    bool ok = false;
    if (!lb.empty()) {
      const Mask mapped =
          resampleMaskToFixed(*moving_liver, result, regdetail::cropGeometry(fg, lb));
      // Surface next to the excluded voxels (the ablation zones) does not count: the follow-up
      // liver segmentation leaves hypodense zones at the liver edge out.
      const Mask skip = exclude != nullptr ? regdetail::crop(*exclude, lb) : Mask();
      ok = regdetail::surfaceDistance(regdetail::crop(*fixed_liver, lb), mapped, mean, p95,
                                      exclude != nullptr ? &skip : nullptr);
    }
    if (ok) {
      q.liver_surface_mean_mm = mean;
      q.liver_surface_p95_mm = p95;
    } else {
      q.warnings.emplace_back(
          "liver surface distance not measurable: the mapped follow-up liver mask does not meet "
          "the planning liver mask (or one of them is empty)");
    }
  }
  if (options.deformable) {
    regdetail::fieldStatistics(result, quality_region, q.max_deformable_displacement_mm,
                               q.min_jacobian);
  }
  q.rotation_deg = regdetail::rotationAngleDeg(rigid.rotation);
  q.linear_start_offset_mm = start_kept;
  q.translation_mm = (rigid_only.fixedToMoving(region_centre) - region_centre).norm();
  regdetail::judgeQuality(q, options);
  q.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return result;
}

}  // namespace rfa::followup
