// Lesion-to-vessel gap on a rasterised sphere next to a rasterised cylinder (anisotropic grid).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "rfa/core/error.h"
#include "rfa/segmentation/measurements.h"

namespace rfa::segmentation {
namespace {

const Vec3 kSpacing(0.7, 0.8, 1.5);
constexpr double kLesionRadius = 8.0;
constexpr double kVesselRadius = 4.0;

struct Scene {
  LabelMap lesions;
  ImageVolume vessel_radius;
};

// A sphere (label 1) at the grid centre and a vessel along k whose lumen is `gap_mm` from it.
Scene makeScene(double gap_mm, float painted_radius) {
  const ImageGeometry g({80, 50, 30}, kSpacing, Vec3(10, -20, 5));
  Scene s{LabelMap(g, 0), ImageVolume(g, 0.0F)};
  const Vec3 centre = g.indexToLps(Vec3(30.2, 24.6, 14.3));
  const Vec3 axis = centre + Vec3(kLesionRadius + gap_mm + kVesselRadius, 0.0, 0.0);
  for (std::size_t k = 0; k < 30; ++k) {
    for (std::size_t j = 0; j < 50; ++j) {
      for (std::size_t i = 0; i < 80; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        if ((p - centre).norm() <= kLesionRadius) s.lesions(i, j, k) = 1;
        if ((p - axis).head<2>().norm() <= kVesselRadius) s.vessel_radius(i, j, k) = painted_radius;
      }
    }
  }
  return s;
}

TEST(VesselGap, GapToALargeVesselIsWithinAVoxel) {
  for (const double gap : {2.0, 5.5}) {
    const Scene s = makeScene(gap, static_cast<float>(kVesselRadius));
    const auto r = measureLesions(s.lesions, s.vessel_radius);
    ASSERT_EQ(r.size(), 1U);
    ASSERT_TRUE(r[0].vessel_gap_mm.has_value()) << gap;
    EXPECT_NEAR(*r[0].vessel_gap_mm, gap, kSpacing.x()) << gap;
  }
}

TEST(VesselGap, TouchingVesselGivesZero) {
  const Scene s = makeScene(-0.5, static_cast<float>(kVesselRadius));  // lumen overlaps the lesion
  const auto r = measureLesions(s.lesions, s.vessel_radius);
  ASSERT_TRUE(r[0].vessel_gap_mm.has_value());
  EXPECT_EQ(*r[0].vessel_gap_mm, 0.0);
}

TEST(VesselGap, ThinOrFarVesselsAreIgnored) {
  const Scene thin = makeScene(2.0, 2.9F);  // below the 3 mm default radius
  EXPECT_FALSE(measureLesions(thin.lesions, thin.vessel_radius)[0].vessel_gap_mm.has_value());
  MeasurementOptions o;
  o.vessel_min_radius_mm = 2.5;
  EXPECT_TRUE(measureLesions(thin.lesions, thin.vessel_radius, o)[0].vessel_gap_mm.has_value());
  const Scene far = makeScene(5.5, static_cast<float>(kVesselRadius));
  o.vessel_search_mm = 4.0;
  EXPECT_FALSE(measureLesions(far.lesions, far.vessel_radius, o)[0].vessel_gap_mm.has_value());
}

TEST(VesselGap, GridMismatchThrows) {
  const Scene s = makeScene(2.0, 4.0F);
  const ImageVolume other(ImageGeometry({80, 50, 30}, kSpacing, Vec3(0, 0, 0)), 0.0F);
  EXPECT_THROW(measureLesions(s.lesions, other), GeometryError);
}

}  // namespace
}  // namespace rfa::segmentation
