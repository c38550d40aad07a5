#include <gtest/gtest.h>

#include <cmath>

#include "rfa/core/error.h"
#include "rfa/core/geometry.h"
#include "rfa/core/points.h"
#include "rfa/core/volume.h"

namespace rfa {
namespace {

TEST(Geometry, IndexToLpsIdentity) {
  const ImageGeometry g({10, 20, 30}, Vec3(0.5, 0.7, 2.0), Vec3(-10, 5, 100));
  const Vec3 p = g.indexToLps(Vec3(2, 3, 4));
  EXPECT_NEAR(p.x(), -10 + 1.0, 1e-12);
  EXPECT_NEAR(p.y(), 5 + 2.1, 1e-12);
  EXPECT_NEAR(p.z(), 100 + 8.0, 1e-12);
  EXPECT_EQ(g.voxelCount(), 6000U);
  EXPECT_NEAR(g.voxelVolumeMm3(), 0.7, 1e-12);
}

TEST(Geometry, RoundTripWithRotationAndShear) {
  // Rows along -x (a prone/flipped acquisition) and a gantry tilt of 15 degrees: slice axis
  // sheared.
  Mat3 d;
  const double t = 15.0 * M_PI / 180.0;
  d.col(0) = Vec3(-1, 0, 0);
  d.col(1) = Vec3(0, 1, 0);
  d.col(2) = Vec3(0, std::sin(t), std::cos(t));
  const ImageGeometry g({64, 64, 20}, Vec3(0.8, 0.8, 2.5), Vec3(12, -30, -400), d);
  EXPECT_FALSE(g.isOrthonormal());
  for (const Vec3& idx : {Vec3(0, 0, 0), Vec3(10.5, 3.25, 7), Vec3(63, 63, 19)}) {
    const Vec3 back = g.lpsToIndex(g.indexToLps(idx));
    EXPECT_LT((back - idx).norm(), 1e-9);
  }
  // Slice k moves by 2.5 mm along the tilted axis.
  const Vec3 step = g.indexToLps(Vec3(0, 0, 1)) - g.indexToLps(Vec3(0, 0, 0));
  EXPECT_NEAR(step.norm(), 2.5, 1e-12);
  EXPECT_NEAR(step.y(), 2.5 * std::sin(t), 1e-12);
}

TEST(Geometry, RejectsBadSpacingAndDirection) {
  EXPECT_THROW(ImageGeometry({1, 1, 1}, Vec3(0, 1, 1), Vec3::Zero()), GeometryError);
  EXPECT_THROW(ImageGeometry({1, 1, 1}, Vec3(1, -1, 1), Vec3::Zero()), GeometryError);
  EXPECT_THROW(ImageGeometry({1, 1, 1}, Vec3(1, NAN, 1), Vec3::Zero()), GeometryError);
  Mat3 parallel = Mat3::Identity();
  parallel.col(1) = Vec3(1, 0, 0);
  EXPECT_THROW(ImageGeometry({1, 1, 1}, Vec3(1, 1, 1), Vec3::Zero(), parallel), GeometryError);
  Mat3 not_unit = Mat3::Identity() * 2.0;
  EXPECT_THROW(ImageGeometry({1, 1, 1}, Vec3(1, 1, 1), Vec3::Zero(), not_unit), GeometryError);
}

TEST(Geometry, ContainsAndCenter) {
  const ImageGeometry g({4, 5, 6}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  EXPECT_TRUE(g.contains({0, 0, 0}));
  EXPECT_TRUE(g.contains({3, 4, 5}));
  EXPECT_FALSE(g.contains({4, 0, 0}));
  EXPECT_FALSE(g.contains({0, -1, 0}));
  EXPECT_TRUE(g.containsContinuous(Vec3(-0.5, 4.5, 5.4)));
  EXPECT_FALSE(g.containsContinuous(Vec3(-0.6, 0, 0)));
  EXPECT_LT((g.centerLps() - Vec3(1.5, 2, 2.5)).norm(), 1e-12);
}

TEST(Points, LpsRasConversionFlipsXY) {
  const Vec3 lps(10, -20, 30);
  const Vec3 ras = lpsToRas(lps);
  EXPECT_EQ(ras, Vec3(-10, 20, 30));
  EXPECT_EQ(rasToLps(ras), lps);
}

TEST(Volume, LayoutIsXFastest) {
  Volume<int> v(ImageGeometry({3, 4, 5}, Vec3(1, 1, 1), Vec3::Zero()), 0);
  v(2, 1, 3) = 7;
  EXPECT_EQ(v.data()[2 + 3 * (1 + 4 * 3)], 7);
  EXPECT_EQ(v.slice(3)[2 + 3 * 1], 7);
  EXPECT_EQ(v.slice(0).size(), 12U);
}

}  // namespace
}  // namespace rfa
