// measureLesions() on the phantom's lesions against lesion_truth, and the gap from lesion 1 (placed
// next to a vessel of radius >= 2.5 mm, 1.2-2.8 mm from its lumen) to its vessel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>

#include "phantom_fixture.h"
#include "rfa/segmentation/measurements.h"

namespace rfa::segmentation {
namespace {

using test::testPhantom;

TEST(PhantomLesions, VolumesCentroidsAndDiametersMatchTheTruth) {
  const phantom::Phantom& p = testPhantom();
  const auto r = measureLesions(p.lesions, p.vessel_radius);
  ASSERT_EQ(r.size(), p.lesion_truth.size());
  const double diagonal = p.ct.geometry().spacing().norm();
  int checked = 0;
  for (std::size_t n = 0; n < r.size(); ++n) {
    const phantom::LesionTruth& t = p.lesion_truth[n];
    const LesionMeasurement& m = r[n];
    ASSERT_EQ(m.label, t.label);
    std::cout << "lesion " << t.label << ": d " << t.diameter_mm << " mm, volume " << m.volume_ml
              << " / " << t.volume_ml_analytic << " mL, axial " << m.axial_long_mm << " x "
              << m.axial_short_mm << " mm, 3D " << m.longest_3d_mm << " mm\n";
    // The voxel count is exact: it is the truth's own voxelisation.
    EXPECT_NEAR(m.volume_ml, t.volume_ml_voxels, 1e-9);
    EXPECT_LT((m.centroid_lps - t.centroid_voxels_lps).norm(), 1e-6);
    const double semi_max = 2.0 * t.semi_axes_mm.maxCoeff();
    const double semi_min = 2.0 * t.semi_axes_mm.minCoeff();
    EXPECT_LE(m.longest_3d_mm, semi_max + diagonal);
    EXPECT_GE(m.axial_long_mm, semi_min - diagonal);
    EXPECT_LE(m.axial_long_mm, m.longest_3d_mm + 1e-9);
    if (t.diameter_mm < 10.0) continue;
    ++checked;
    EXPECT_NEAR(m.volume_ml, t.volume_ml_analytic, 0.10 * t.volume_ml_analytic);
    EXPECT_LT((m.centroid_lps - t.center_lps).norm(), 0.5 * diagonal);
    EXPECT_GE(m.longest_3d_mm, semi_max - diagonal);
  }
  EXPECT_GE(checked, 2);
}

// The vessel segment whose lumen is nearest to the voxel centres of `label` (truth geometry).
const phantom::VesselSegmentTruth& nearestSegment(const phantom::Phantom& p, std::uint16_t label) {
  double best = std::numeric_limits<double>::max();
  const phantom::VesselSegmentTruth* nearest = &p.vessel_truth.front();
  const Size3& s = p.lesions.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (p.lesions(i, j, k) != label) continue;
        const Vec3 x = p.ct.geometry().indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        for (const phantom::VesselSegmentTruth& v : p.vessel_truth) {
          const Vec3 ab = v.end_lps - v.start_lps;
          const double t = std::clamp((x - v.start_lps).dot(ab) / ab.squaredNorm(), 0.0, 1.0);
          const double gap = (x - (v.start_lps + t * ab)).norm() - v.radius_mm;
          if (gap < best) {
            best = gap;
            nearest = &v;
          }
        }
      }
    }
  }
  return *nearest;
}

TEST(PhantomLesions, LesionOneIsNextToItsVessel) {
  const phantom::Phantom& p = testPhantom();
  ASSERT_NE(p.lesion_truth[0].location.find("next to"), std::string::npos);
  // Lesion 1 is placed 1.2-2.8 mm from the lumen of a vessel of radius >= 2.5 mm; with the
  // voxelisation at 2.4 x 2.4 x 2.8 mm its voxel gap must stay within 4 mm. The radius map holds
  // the radius of the segment each voxel belongs to, so the threshold is that segment's radius.
  const double radius = nearestSegment(p, 1).radius_mm;
  std::cout << "lesion 1: neighbouring vessel radius " << radius << " mm\n";
  ASSERT_GE(radius, 2.5);
  MeasurementOptions o;
  o.vessel_min_radius_mm = radius - 1e-3;
  const auto r = measureLesions(p.lesions, p.vessel_radius, o);
  ASSERT_TRUE(r[0].vessel_gap_mm.has_value());
  std::cout << "lesion 1 gap to its vessel: " << *r[0].vessel_gap_mm << " mm\n";
  EXPECT_LE(*r[0].vessel_gap_mm, 4.0);
  if (radius < 3.0) {
    // The default threshold (radius >= 3 mm) ignores that vessel: nothing to assert about it.
    GTEST_SKIP() << "lesion 1's neighbouring vessel has radius " << radius << " mm < 3 mm";
  }
  const auto d = measureLesions(p.lesions, p.vessel_radius);
  ASSERT_TRUE(d[0].vessel_gap_mm.has_value());
  EXPECT_LE(*d[0].vessel_gap_mm, 4.0);
}

}  // namespace
}  // namespace rfa::segmentation
