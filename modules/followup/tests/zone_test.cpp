// Ablation-zone segmentation on synthetic follow-up images: a hypodense sphere in noisy liver,
// found from a shifted expected zone; residual tumour (brighter than coagulation) left out; no
// zone when there is no contrast.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "rfa/core/error.h"
#include "rfa/followup/zone.h"

namespace rfa::followup {
namespace {

struct Scene {
  ImageGeometry g{{90, 90, 70}, Vec3(1.0, 1.0, 1.5), Vec3(-44.5, -44.5, -51.75)};
  ImageVolume image{g, 0.0F};
  Mask liver{g, 0};
  Mask truth{g, 0};
};

Vec3 centre(const ImageGeometry& g, std::size_t i, std::size_t j, std::size_t k) {
  return g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
}

// Liver (110 HU) filling a 70 mm ball, zone (30 HU) of radius 15 at `zone_c`, optional residual
// tumour (48 HU) sphere outside the zone, Gaussian noise 10 HU.
Scene makeScene(const Vec3& zone_c, bool residual, double zone_hu = 30.0) {
  Scene s;
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 10.0);
  const Size3& n = s.g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = centre(s.g, i, j, k);
        double hu = -100.0;
        if (p.norm() <= 40.0) {
          s.liver(i, j, k) = 1;
          hu = 110.0;
          if ((p - zone_c).norm() <= 15.0) {
            hu = zone_hu;
            s.truth(i, j, k) = 1;
          } else if (residual && (p - (zone_c + Vec3(14, 0, 0))).norm() <= 5.0) {
            hu = 48.0;
          }
        }
        s.image(i, j, k) = static_cast<float>(hu + noise(rng));
      }
    }
  }
  return s;
}

Mask ball(const ImageGeometry& g, const Vec3& c, double r) {
  Mask m(g, 0);
  const Size3& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if ((centre(g, i, j, k) - c).norm() <= r) m(i, j, k) = 1;
      }
    }
  }
  return m;
}

double dice(const Mask& a, const Mask& b) {
  std::size_t na = 0, nb = 0, both = 0;
  const auto av = a.data();
  const auto bv = b.data();
  for (std::size_t n = 0; n < av.size(); ++n) {
    na += av[n] != 0;
    nb += bv[n] != 0;
    both += (av[n] != 0 && bv[n] != 0);
  }
  return 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
}

TEST(AblationZone, FoundFromAShiftedExpectedZone) {
  const Scene s = makeScene(Vec3(3, -2, 4), false);
  const Mask expected = ball(s.g, Vec3(0, 0, 0), 14.0);
  const ZoneSegmentation z = segmentAblationZone(s.image, expected, s.liver);
  EXPECT_NEAR(z.parenchyma_level, 110.0, 4.0);
  EXPECT_NEAR(z.zone_level, 30.0, 5.0);
  EXPECT_GT(dice(z.zone, s.truth), 0.93);
  const double truth_ml = 4.0 / 3.0 * M_PI * 15 * 15 * 15 / 1000.0;
  EXPECT_NEAR(z.volume_ml, truth_ml, 0.08 * truth_ml);
  EXPECT_GT(z.dice_with_expected, 0.7);
  EXPECT_TRUE(z.warnings.empty());
}

TEST(AblationZone, ResidualTumourIsNotCountedAsZone) {
  const Scene s = makeScene(Vec3(0, 0, 0), true);
  const Mask expected = ball(s.g, Vec3(0, 0, 0), 15.0);
  const ZoneSegmentation z = segmentAblationZone(s.image, expected, s.liver);
  // The residual nodule (centre 14 mm from the zone's, radius 5) sticks out of the zone; its part
  // more than 1.5 mm beyond the zone (past the one-voxel partial-volume rim the segmentation may
  // take) must stay outside the segmentation.
  const Size3& n = s.g.size();
  std::size_t residual_in_zone = 0, residual_voxels = 0;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = centre(s.g, i, j, k);
        if ((p - Vec3(14, 0, 0)).norm() <= 5.0 && p.norm() > 16.5) {
          ++residual_voxels;
          residual_in_zone += z.zone(i, j, k);
        }
      }
    }
  }
  ASSERT_GT(residual_voxels, 30U);
  EXPECT_LT(static_cast<double>(residual_in_zone), 0.25 * static_cast<double>(residual_voxels));
  EXPECT_GT(dice(z.zone, s.truth), 0.9);
}

TEST(AblationZone, NoContrastGivesNoZoneAndAWarning) {
  const Scene s = makeScene(Vec3(0, 0, 0), false, 105.0);
  const ZoneSegmentation z = segmentAblationZone(s.image, ball(s.g, Vec3(0, 0, 0), 14.0), s.liver);
  EXPECT_EQ(z.volume_ml, 0.0);
  ASSERT_FALSE(z.warnings.empty());
  EXPECT_NE(z.warnings.front().find("no hypodense ablation zone"), std::string::npos);
}

TEST(AblationZone, BadInput) {
  const Scene s = makeScene(Vec3(0, 0, 0), false);
  EXPECT_THROW(segmentAblationZone(s.image, Mask(s.g, 0), s.liver), NoDataError);
  const ImageGeometry other({10, 10, 10}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  EXPECT_THROW(segmentAblationZone(s.image, Mask(other, 1), s.liver), GeometryError);
}

}  // namespace
}  // namespace rfa::followup
