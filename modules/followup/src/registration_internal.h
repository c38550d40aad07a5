#pragma once
// Private helpers of the follow-up registration (registration.h), shared by registration_*.cpp.
// All points LPS mm; "index" means a continuous voxel index of the grid named alongside.
// Namespace regdetail, not detail: other private headers of this module define detail::IndexBox
// and detail::crop with other meanings (one definition rule).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/followup/registration.h"

namespace rfa::followup::regdetail {

/// Inclusive voxel index box; empty when lo > hi on an axis.
struct IndexBox {
  std::array<std::int64_t, 3> lo{0, 0, 0};
  std::array<std::int64_t, 3> hi{-1, -1, -1};
  [[nodiscard]] bool empty() const { return lo[0] > hi[0] || lo[1] > hi[1] || lo[2] > hi[2]; }
};

/// Box of the non-zero voxels of `m` (empty box when none).
IndexBox maskBounds(const Mask& m);
/// `box` grown by `margin_mm` on each side (per-axis voxel counts from the spacing) and clipped to
/// the grid `g`.
IndexBox grow(const IndexBox& box, const ImageGeometry& g, double margin_mm);
/// The whole grid as a box.
IndexBox wholeGrid(const ImageGeometry& g);
/// Geometry of the sub-grid `box` of `g` (same spacing and direction).
ImageGeometry cropGeometry(const ImageGeometry& g, const IndexBox& box);
/// Voxels of `v` inside `box` (a volume on cropGeometry(v.geometry(), box)).
template <class T>
Volume<T> crop(const Volume<T>& v, const IndexBox& box);

/// `m` dilated by `radius_mm` (Euclidean, exact for the grid spacing), on m's grid.
Mask dilate(const Mask& m, double radius_mm);

/// Number of non-zero voxels.
std::size_t countNonZero(const Mask& m);
/// Centroid (LPS mm) of the non-zero voxels; `fallback` when there are none.
Vec3 centroidLps(const Mask& m, const Vec3& fallback);

/// Grid of boxAverage(): direction of `g`, spacing per axis the native spacing times the integer
/// factor max(1, round(spacing_mm / native)), covering `box` (cells of `factor` voxels from its
/// first voxel; the last cell may hold fewer).
ImageGeometry stageGeometry(const ImageGeometry& g, const IndexBox& box, double spacing_mm);
/// Box average of `src` over `box` onto stageGeometry(src.geometry(), box, spacing_mm): each
/// output voxel is the mean of the source voxels of its cell. Mask input gives the fraction of set
/// voxels.
template <class T>
ImageVolume boxAverage(const Volume<T>& src, const IndexBox& box, double spacing_mm);
/// Mask from a fraction volume (>= 0.5 set).
Mask threshold(const ImageVolume& fraction, float level = 0.5F);

/// Robust intensity window: the 0.5 and 99.5 percentiles of `values` (widened to >= 1 unit).
std::array<float, 2> robustWindow(std::vector<float> values);
/// Values of `img` at the set voxels of `mask` (same grid).
std::vector<float> valuesInMask(const ImageVolume& img, const Mask& mask);
/// Clamps every voxel of `img` into `window`.
void clampTo(ImageVolume& img, const std::array<float, 2>& window);

// ---- Mapping a fixed grid into the moving image --------------------------------------------

/// Trilinear sampling of a volume at a continuous index: inside when the index lies within
/// [-0.5, n - 0.5] on every axis (clamped to the outermost voxel centres there), else outside.
template <class T>
class LinearSampler {
 public:
  explicit LinearSampler(const Volume<T>& v)
      : data_(v.data().data()),
        n_{static_cast<std::int64_t>(v.size()[0]), static_cast<std::int64_t>(v.size()[1]),
           static_cast<std::int64_t>(v.size()[2])},
        sy_(n_[0]),
        sz_(n_[0] * n_[1]) {}

  /// Writes the interpolated value to `out` and returns true when inside.
  bool sample(double x, double y, double z, double& out) const {
    if (!(x >= -0.5 && y >= -0.5 && z >= -0.5 && x <= static_cast<double>(n_[0]) - 0.5 &&
          y <= static_cast<double>(n_[1]) - 0.5 && z <= static_cast<double>(n_[2]) - 0.5)) {
      return false;
    }
    std::int64_t i0 = 0;
    std::int64_t j0 = 0;
    std::int64_t k0 = 0;
    std::int64_t di = 0;
    std::int64_t dj = 0;
    std::int64_t dk = 0;
    const double fx = axis(x, n_[0], i0, di);
    const double fy = axis(y, n_[1], j0, dj);
    const double fz = axis(z, n_[2], k0, dk);
    const T* p = data_ + i0 + sy_ * j0 + sz_ * k0;
    const std::int64_t oy = dj * sy_;
    const std::int64_t oz = dk * sz_;
    const double c00 = lerp(p[0], p[di], fx);
    const double c10 = lerp(p[oy], p[oy + di], fx);
    const double c01 = lerp(p[oz], p[oz + di], fx);
    const double c11 = lerp(p[oz + oy], p[oz + oy + di], fx);
    out = (c00 + (c10 - c00) * fy) * (1.0 - fz) + (c01 + (c11 - c01) * fy) * fz;
    return true;
  }

 private:
  static double lerp(T a, T b, double f) {
    const auto da = static_cast<double>(a);
    return da + (static_cast<double>(b) - da) * f;
  }
  // Lower voxel, step to the upper one (0 on a 1-voxel axis) and weight of the upper one.
  static double axis(double x, std::int64_t n, std::int64_t& lo, std::int64_t& step) {
    if (n == 1) {
      lo = 0;
      step = 0;
      return 0.0;
    }
    const double maxi = static_cast<double>(n - 1);
    const double c = x < 0.0 ? 0.0 : (x > maxi ? maxi : x);
    lo = std::min(static_cast<std::int64_t>(c), n - 2);
    step = 1;
    return c - static_cast<double>(lo);
  }

  const T* data_;
  std::array<std::int64_t, 3> n_;
  std::int64_t sy_;
  std::int64_t sz_;
};

/// fixedToMoving() of a Registration over the voxels of a target grid, as an affine map of the
/// target index plus the trilinear displacement, giving continuous indices of a source grid.
class GridMapper {
 public:
  GridMapper(const Registration& r, const ImageGeometry& target, const ImageGeometry& source);
  /// Source index of target voxel (i, j, k) (continuous).
  void map(std::int64_t i, std::int64_t j, std::int64_t k, double out[3]) const;

 private:
  Mat3 m_;   // target index -> source index (rigid part)
  Vec3 u0_;  // source index of target voxel (0,0,0) (rigid part)
  bool has_field_ = false;
  Mat3 g_;  // target index -> displacement-grid index
  Vec3 g0_;
  std::array<std::int64_t, 3> gn_{0, 0, 0};
  std::vector<float> field_;  // displacement in source index units, 3 per grid voxel, x fastest
};

/// Trilinear displacement of `r` at a fixed-frame point (0 outside its grid), LPS mm.
Vec3 sampleDisplacement(const Registration& r, const Vec3& x_fixed_lps);

/// Values of `source` pulled through `r` onto `target`: out = trilinear at fixedToMoving(voxel),
/// `outside` where the point leaves the source grid; `valid` (if not null) is set to 1 where
/// inside. Parallel over slices.
template <class T>
ImageVolume pullThrough(const Volume<T>& source, const Registration& r, const ImageGeometry& target,
                        float outside, Mask* valid = nullptr);

// ---- ITK stages (registration_stages.cpp) ---------------------------------------------------

/// The linear map y = rotation (x - centre) + centre + translation ("rotation" is a general 3x3
/// matrix when RegistrationOptions::affine is set).
struct RigidParameters {
  Mat3 rotation = Mat3::Identity();
  Vec3 centre{0, 0, 0};
  Vec3 translation{0, 0, 0};
  double metric = 0;  ///< the stage's final Mattes value (lower is better); 0 before a stage
};

/// Inputs of the rigid (or affine) stage: fixed stage image and metric mask (fixed frame), moving
/// stage image (moving frame), all already intensity-windowed.
RigidParameters runRigidStage(const ImageVolume& fixed, const Mask& fixed_mask,
                              const ImageVolume& moving, const RigidParameters& initial,
                              const RegistrationOptions& options,
                              const RegistrationProgress& progress);

/// Inputs of the deformable stage: fixed stage image and metric mask (fixed frame), and the
/// moving image already pulled through the rigid map onto the same grid, with its validity mask
/// (0 where the rigid map left the moving image); all intensity-windowed.
struct DeformableInputs {
  ImageVolume fixed;
  Mask mask;
  ImageVolume moving;
  Mask moving_valid;
};

/// B-spline stage over the fixed stage image's extent. Returns b(x) - x sampled at the voxel
/// centres of `field_grid` in LPS mm (3 volumes: x, y, z), i.e. the B-spline displacement in the
/// fixed frame before the rigid rotation; 0 outside the B-spline's support.
std::array<ImageVolume, 3> runDeformableStage(const DeformableInputs& inputs,
                                              const ImageGeometry& field_grid,
                                              const RegistrationOptions& options,
                                              const RegistrationProgress& progress);

// ---- Quality (registration_quality.cpp) -----------------------------------------------------

/// Mean |fixed - moving(fixedToMoving)| over the set voxels of `region` (fixed grid); voxels
/// mapped outside the moving image are skipped (0 when none is left).
double meanAbsDifference(const ImageVolume& fixed, const ImageVolume& moving, const Mask& region,
                         const Registration& r);

/// Symmetric surface distance (mm) of two masks on the same grid: mean and 95th percentile over
/// the boundary voxels of both, those in `skip` (same grid, may be null) left out. Returns false
/// when either boundary is empty or every boundary voxel is skipped.
bool surfaceDistance(const Mask& a, const Mask& b, double& mean_mm, double& p95_mm,
                     const Mask* skip = nullptr);

/// Largest |d| and smallest det(I + grad d) of the displacement field over its voxels whose
/// centre lies in `region` (fixed grid).
void fieldStatistics(const Registration& r, const Mask& region, double& max_mm,
                     double& min_jacobian);

/// Fills quality.poor and quality.warnings from the figures and thresholds.
void judgeQuality(RegistrationQuality& q, const RegistrationOptions& options);

/// Rotation angle (degrees) of a rotation matrix.
double rotationAngleDeg(const Mat3& r);

}  // namespace rfa::followup::regdetail
