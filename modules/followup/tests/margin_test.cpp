// Minimal ablative margin against analytic shapes: concentric and shifted spheres, a zone cut by
// the liver capsule (subcapsular correction), the margin map and the verdicts.
#include <gtest/gtest.h>

#include <cmath>

#include "rfa/core/error.h"
#include "rfa/followup/margin.h"

namespace rfa::followup {
namespace {

ImageGeometry grid(double spacing = 1.0, std::size_t n = 80) {
  const double half = 0.5 * spacing * static_cast<double>(n - 1);
  return ImageGeometry({n, n, n}, Vec3(spacing, spacing, spacing), Vec3(-half, -half, -half));
}

Mask sphere(const ImageGeometry& g, const Vec3& c, double r) {
  Mask m(g, 0);
  const Size3& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        if ((p - c).norm() <= r) m(i, j, k) = 1;
      }
    }
  }
  return m;
}

Mask full(const ImageGeometry& g) {
  return Mask(g, 1);
}

TEST(Margin, ConcentricSpheresGiveTheRadiusDifference) {
  const ImageGeometry g = grid();
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 10.0);
  const Mask zone = sphere(g, Vec3(0, 0, 0), 17.0);
  const MarginResult r = measureMargin(lesion, zone, full(g));
  EXPECT_NEAR(r.minimal_margin_mm, 7.0, 0.5);
  EXPECT_NEAR(r.mean_margin_mm, 7.0, 0.5);
  EXPECT_NEAR(r.minimal_margin_uncorrected_mm, r.minimal_margin_mm, 1e-9);
  EXPECT_EQ(r.residual_volume_ml, 0.0);
  EXPECT_EQ(r.verdict, "technical success");
  EXPECT_TRUE(r.technical_success);
  EXPECT_NEAR(r.percent_at_threshold, 100.0, 1e-9);
  EXPECT_NEAR(r.lesion_volume_ml, 4.0 / 3.0 * M_PI * 1000.0 / 1000.0, 0.1);
  int total = 0;
  for (const int h : r.histogram) total += h;
  EXPECT_EQ(total, r.surface_points);
  // Every surface point falls in the 6-8 mm bins (index = margin + 10).
  EXPECT_EQ(r.histogram[16] + r.histogram[17], r.surface_points);
}

TEST(Margin, ShiftedZoneGivesTheShortestSide) {
  const ImageGeometry g = grid();
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 10.0);
  const MarginResult r = measureMargin(lesion, sphere(g, Vec3(4, 0, 0), 17.0), full(g));
  EXPECT_NEAR(r.minimal_margin_mm, 3.0, 0.5);
  EXPECT_EQ(r.verdict, "insufficient margin");
  EXPECT_FALSE(r.technical_success);
  EXPECT_LT(r.minimal_margin_point_lps.x(), -9.0);  // on the side away from the shift
  EXPECT_GT(r.percent_at_threshold, 20.0);
  EXPECT_LT(r.percent_at_threshold, 90.0);
}

TEST(Margin, LesionPartlyOutsideIsResidualTumour) {
  const ImageGeometry g = grid();
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 10.0);
  const MarginResult r = measureMargin(lesion, sphere(g, Vec3(9, 0, 0), 17.0), full(g));
  EXPECT_NEAR(r.minimal_margin_mm, -2.0, 0.5);
  EXPECT_GT(r.residual_volume_ml, 0.0);
  EXPECT_EQ(r.verdict, "residual tumour");
}

TEST(Margin, AnisotropicGridStaysWithinHalfAVoxel) {
  const ImageGeometry g({100, 100, 40}, Vec3(0.8, 0.8, 2.0), Vec3(-39.6, -39.6, -39.0));
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 9.0);
  const MarginResult r = measureMargin(lesion, sphere(g, Vec3(0, 3, 0), 16.0), full(g));
  EXPECT_NEAR(r.minimal_margin_mm, 4.0, 0.7);
}

TEST(Margin, CapsuleDoesNotLimitTheCorrectedMargin) {
  // Liver: x < 14 mm. Lesion radius 8 at the origin, 6 mm from the capsule; zone radius 16 around
  // it, cut by the capsule (the zone ends at the capsule on the +x side).
  const ImageGeometry g = grid();
  Mask liver(g, 0);
  const Size3& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (g.indexToLps(Vec3(static_cast<double>(i), 0, 0)).x() < 14.0) liver(i, j, k) = 1;
      }
    }
  }
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 8.0);
  Mask zone = sphere(g, Vec3(0, 0, 0), 16.0);
  auto zv = zone.data();
  const auto lv = liver.data();
  for (std::size_t q = 0; q < zv.size(); ++q) zv[q] = (zv[q] != 0 && lv[q] != 0) ? 1 : 0;
  Volume<float> map;
  const MarginResult r = measureMargin(lesion, zone, liver, {}, &map);
  EXPECT_NEAR(r.minimal_margin_uncorrected_mm, 6.0, 0.5);  // to the capsule
  EXPECT_NEAR(r.minimal_margin_mm, 8.0, 0.5);              // to the live liver elsewhere
  EXPECT_GT(r.percent_subcapsular, 5.0);
  EXPECT_LT(r.percent_subcapsular, 60.0);
  // The map holds margins on the lesion's surface voxels only.
  std::size_t finite = 0;
  for (const float v : map.data()) {
    if (std::isfinite(v)) {
      ++finite;
      EXPECT_GT(v, 7.0);
      EXPECT_LT(v, 40.0);
    }
  }
  EXPECT_GT(finite, 300U);
  EXPECT_TRUE(std::isnan(map(0, 0, 0)));
  EXPECT_TRUE(std::isnan(map(40, 40, 40)));  // the lesion's centre is not on its surface
}

TEST(Margin, NoZoneAndBadInput) {
  const ImageGeometry g = grid(1.0, 40);
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 5.0);
  const MarginResult r = measureMargin(lesion, Mask(g, 0), full(g));
  EXPECT_EQ(r.verdict, "no ablation zone");
  EXPECT_LT(r.minimal_margin_mm, -4.0);
  EXPECT_THROW(measureMargin(Mask(g, 0), lesion, full(g)), NoDataError);
  EXPECT_THROW(measureMargin(lesion, Mask(grid(1.0, 41), 0), full(g)), GeometryError);
}

}  // namespace
}  // namespace rfa::followup
