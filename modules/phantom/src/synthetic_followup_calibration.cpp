// A typical follow-up deformation of a liver, scaled to a chosen maximum displacement
// (calibratedDeformation, followup.h). LPS mm, planning frame.
#include <algorithm>
#include <cmath>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/phantom/synthetic_followup.h"
#include "synthetic_followup_model.h"

namespace rfa::phantom {
namespace {

// The shape: a mostly cranio-caudal translation, a rotation about the liver centroid and two
// Gaussian bumps placed in the liver's box; translation and bump amplitudes scaled by `alpha`.
FollowupDeformation shaped(const Vec3& centroid, const Vec3& extent, double rotate_deg,
                           double alpha) {
  FollowupDeformation d;
  d.rotation_centre_lps = centroid;
  d.rotation_axis = Vec3(0.2, 0.3, 1.0).normalized();
  d.rotation_deg = rotate_deg;
  d.translation_mm = alpha * 0.6 * Vec3(0.25, -0.35, 0.9).normalized();
  FollowupDeformation::Bump b1;
  b1.centre_lps = centroid + Vec3(0.25 * extent.x(), 0.0, 0.15 * extent.z());
  b1.amplitude_mm = alpha * Vec3(0.0, 0.3, 1.0).normalized();
  b1.sigma_mm = kCalibratedBumpSigmaMm;
  FollowupDeformation::Bump b2;
  b2.centre_lps = centroid + Vec3(-0.25 * extent.x(), 0.1 * extent.y(), -0.15 * extent.z());
  b2.amplitude_mm = alpha * 0.8 * Vec3(1.0, -0.5, 0.2).normalized();
  b2.sigma_mm = kCalibratedBumpSigmaMm;
  d.bumps = {b1, b2};
  return d;
}

// max |planningToFollowup(x) - x| over `points`.
double maxDisplacement(const FollowupDeformation& d, const std::vector<Vec3>& points) {
  const detail::DeformationMap map(d);
  double m = 0;
  for (const Vec3& x : points) m = std::max(m, (map.invert(x) - x).norm());
  return m;
}

}  // namespace

FollowupDeformation calibratedDeformation(const Mask& liver, double target_mm, double rotate_deg,
                                          std::size_t samples) {
  if (!(target_mm >= 0.0) || !std::isfinite(target_mm) || !std::isfinite(rotate_deg)) {
    throw UsageError("calibrated deformation: the target displacement must be >= 0 mm");
  }
  const ImageGeometry& g = liver.geometry();
  std::size_t voxels = 0;
  for (const auto v : liver.data()) voxels += v != 0 ? 1 : 0;
  if (voxels == 0) throw NoDataError("calibrated deformation: the liver mask is empty");
  const double per =
      static_cast<double>(voxels) / static_cast<double>(std::max<std::size_t>(samples, 1));
  const std::size_t stride =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(std::cbrt(std::max(per, 1.0)))));
  std::vector<Vec3> points;
  Vec3 centroid(0, 0, 0);
  Vec3 lo = Vec3::Constant(1e300);
  Vec3 hi = Vec3::Constant(-1e300);
  const Size3& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (liver(i, j, k) == 0) continue;
        const Vec3 x = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        centroid += x;
        lo = lo.cwiseMin(x);
        hi = hi.cwiseMax(x);
        if (i % stride == 0 && j % stride == 0 && k % stride == 0) points.push_back(x);
      }
    }
  }
  centroid /= static_cast<double>(voxels);
  const Vec3 extent = hi - lo;
  if (target_mm == 0.0) return FollowupDeformation{};
  const auto f = [&](double alpha) {
    return maxDisplacement(shaped(centroid, extent, rotate_deg, alpha), points);
  };
  if (f(0.0) >= target_mm) return shaped(centroid, extent, rotate_deg, 0.0);
  double a = 0.0;
  double b = 1.0;
  while (f(b) < target_mm && b < 1e3) {
    a = b;
    b *= 2.0;
  }
  for (int it = 0; it < 30 && b - a > 1e-4; ++it) {
    const double mid = 0.5 * (a + b);
    (f(mid) < target_mm ? a : b) = mid;
  }
  return shaped(centroid, extent, rotate_deg, 0.5 * (a + b));
}

}  // namespace rfa::phantom
