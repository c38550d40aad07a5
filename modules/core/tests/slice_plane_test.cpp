// Slice planes: the radiological presets, orientation letters, and the needle plane of an
// in-plane ultrasound view (the needle lies in it at every rotation about the shaft).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "rfa/core/error.h"
#include "rfa/core/slice_plane.h"

namespace rfa {
namespace {

void expectScreenFrame(const SlicePlane& s) {
  EXPECT_NEAR((s.frame.transpose() * s.frame - Mat3::Identity()).norm(), 0.0, 1e-12);
  EXPECT_NEAR(s.frame.determinant(), -1.0, 1e-12);  // right, up, into the screen
  EXPECT_NEAR((s.up().cross(s.right()) - s.normal()).norm(), 0.0, 1e-12);
}

TEST(SlicePlane, PresetsAreTheRadiologicalViews) {
  const Vec3 c(10, -20, 30);
  const SlicePlane ax = presetPlane(SlicePreset::kAxial, c);
  const SlicePlane co = presetPlane(SlicePreset::kCoronal, c);
  const SlicePlane sa = presetPlane(SlicePreset::kSagittal, c);
  for (const SlicePlane* s : {&ax, &co, &sa}) {
    expectScreenFrame(*s);
    EXPECT_EQ(s->origin_lps, c);
  }
  // Right, left, top, bottom: axial from the feet, coronal from the front, sagittal from the
  // patient's left; scrolling away from the viewer goes superior, posterior, to the right.
  EXPECT_EQ(sideLetters(ax), (std::array<std::string, 4>{"L", "R", "A", "P"}));
  EXPECT_EQ(sideLetters(co), (std::array<std::string, 4>{"L", "R", "S", "I"}));
  EXPECT_EQ(sideLetters(sa), (std::array<std::string, 4>{"P", "A", "S", "I"}));
  EXPECT_EQ(orientationLetters(ax.normal()), "S");
  EXPECT_EQ(orientationLetters(co.normal()), "P");
  EXPECT_EQ(orientationLetters(sa.normal()), "R");
}

TEST(SlicePlane, DistancesProjectionAndScrolling) {
  const SlicePlane ax = presetPlane(SlicePreset::kAxial, Vec3(0, 0, 5));
  EXPECT_DOUBLE_EQ(ax.distanceMm(Vec3(3, 4, 12)), 7.0);
  EXPECT_EQ(ax.project(Vec3(3, 4, 12)), Vec3(3, 4, 5));
  const auto xy = ax.inPlane(Vec3(3, 4, 12));
  EXPECT_DOUBLE_EQ(xy[0], 3.0);
  EXPECT_DOUBLE_EQ(xy[1], -4.0);  // up is anterior (-y)
  EXPECT_DOUBLE_EQ(ax.moved(2.5).origin_lps.z(), 7.5);
}

TEST(SlicePlane, OrientationLettersOfObliqueDirections) {
  EXPECT_EQ(orientationLetters(Vec3(1, 0, 0)), "L");
  EXPECT_EQ(orientationLetters(Vec3(0, -0.8, 0.6)), "AS");
  EXPECT_EQ(orientationLetters(Vec3(-0.1, 0, -1)), "I");
  EXPECT_EQ(orientationLetters(Vec3(0.6, 0.8, 0)), "PL");
}

TEST(SlicePlane, NeedleLiesInItsPlaneAtEveryRotation) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> coord(-150.0, 150.0);
  std::vector<std::array<Vec3, 2>> needles = {
      {Vec3(0, 0, 100), Vec3(0, 0, 20)},  // cranio-caudal (reference falls back to anterior)
      {Vec3(-120, -80, 10), Vec3(-60, -20, 0)},
      {Vec3(50, -140, -30), Vec3(40, -60, -10)}};
  for (int k = 0; k < 20; ++k) {
    needles.push_back(
        {Vec3(coord(rng), coord(rng), coord(rng)), Vec3(coord(rng), coord(rng), coord(rng))});
  }
  double worst_offset_mm = 0;
  double worst_angle_deg = 0;
  for (const auto& [entry, tip] : needles) {
    const Vec3 u = (tip - entry).normalized();
    const Vec3 right0 = needlePlane(entry, tip, 0).right();
    for (int deg = 0; deg <= 180; deg += 15) {
      const SlicePlane s = needlePlane(entry, tip, deg);
      expectScreenFrame(s);
      worst_offset_mm =
          std::max({worst_offset_mm, std::abs(s.distanceMm(entry)), std::abs(s.distanceMm(tip)),
                    std::abs(s.distanceMm(0.5 * (entry + tip)))});
      worst_angle_deg =
          std::max(worst_angle_deg, std::asin(std::min(1.0, std::abs(u.dot(s.normal())))) * 180.0 /
                                        std::numbers::pi);
      EXPECT_NEAR((s.up() + u).norm(), 0.0, 1e-12);  // the skin at the top of the image
      EXPECT_EQ(s.origin_lps, tip);
      // The plane turns about the shaft by the asked angle.
      EXPECT_NEAR(
          std::acos(std::clamp(right0.dot(s.right()), -1.0, 1.0)) * 180.0 / std::numbers::pi,
          static_cast<double>(deg), 1e-6);
    }
  }
  // Acceptance of the probe plane (issue text): angle < 1 degree, offset < 0.5 mm.
  EXPECT_LT(worst_angle_deg, 1e-9);
  EXPECT_LT(worst_offset_mm, 1e-9);
  EXPECT_THROW((void)needlePlane(Vec3(1, 2, 3), Vec3(1, 2, 3), 0), GeometryError);
}

}  // namespace
}  // namespace rfa
