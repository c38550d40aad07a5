#pragma once
/// \file synthetic_followup_model.h
/// \brief Private building blocks of generateSyntheticFollowup(): the deformation map, zone
/// ellipsoids and the analytic margin truth. All positions LPS mm (planning frame unless stated
/// otherwise).

#include <vector>

#include "anatomy_model.h"
#include "rfa/core/points.h"
#include "rfa/phantom/synthetic_followup.h"

namespace rfa::phantom::detail {

/// \brief The backward map y -> y + v(y) of a FollowupDeformation (see followup.h), with the
/// rotation matrix precomputed. Identity bit for bit for the default deformation.
class DeformationMap {
 public:
  /// \brief \throws UsageError for non-finite numbers, a zero rotation axis with a
  /// non-zero angle or a bump sigma <= 0.
  explicit DeformationMap(const FollowupDeformation& d);
  /// \brief followupToPlanning(y) = y + v(y), LPS mm.
  [[nodiscard]] Vec3 apply(const Vec3& y) const;
  /// \brief The y with apply(y) = x, by fixed-point iteration (see
  /// SyntheticFollowup::planningToFollowup). \throws GeometryError without convergence.
  [[nodiscard]] Vec3 invert(const Vec3& x) const;

 private:
  FollowupDeformation d_;
  bool rotate_ = false;
  Mat3 rotation_ = Mat3::Identity();
};

/// \brief True if p (LPS mm) lies inside or on the zone ellipsoid.
bool zoneContains(const FollowupZone& zone, const Vec3& p);
/// \brief Axis-aligned box (LPS mm) of the zone ellipsoid.
Box zoneBox(const FollowupZone& zone);
/// \brief Axis-aligned box (LPS mm) of a rotated ellipsoid.
Box ellipsoidBox(const Vec3& centre, const Mat3& rotation, const Vec3& semi_axes);

/// \brief Samples (LPS mm) on the surface of the ellipsoid centre + rotation * diag(semi) * S^2,
/// with at most `spacing_mm` between neighbours along both parameter directions (every surface
/// point lies within spacing_mm / sqrt(2) of a sample).
std::vector<Vec3> sampleEllipsoidSurface(const Vec3& centre, const Mat3& rotation,
                                         const Vec3& semi_axes, double spacing_mm);

/// \brief MarginTruth of every lesion label that appears in `zones` (ascending), see
/// MarginTruth in followup.h. `lesions` are the planning shapes; the lumens of `vessels` with
/// radius >= patent_vessel_radius_mm (outside every lesion) are carved out of the zones.
std::vector<MarginTruth> computeMarginTruth(const std::vector<LesionShape>& lesions,
                                            const std::vector<FollowupZone>& zones,
                                            const std::vector<VesselSegment>& vessels,
                                            double patent_vessel_radius_mm);

}  // namespace rfa::phantom::detail
