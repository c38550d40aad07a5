#include <gtest/gtest.h>

#include <cmath>

#include "rfa/core/error.h"
#include "rfa/core/resample.h"

namespace rfa {
namespace {

// A linear ramp in LPS is reproduced exactly by trilinear resampling anywhere inside the grid.
TEST(Resample, LinearFieldIsExactOnFinerGrid) {
  const ImageGeometry src_g({20, 20, 10}, Vec3(1, 1, 2), Vec3(-10, -10, 0));
  ImageVolume src(src_g);
  auto f = [](const Vec3& p) { return 2.0 * p.x() - 0.5 * p.y() + 0.25 * p.z() + 3.0; };
  for (std::size_t k = 0; k < 10; ++k)
    for (std::size_t j = 0; j < 20; ++j)
      for (std::size_t i = 0; i < 20; ++i)
        src(i, j, k) = static_cast<float>(f(src_g.indexToLps(Vec3(i, j, k))));
  const ImageGeometry dst_g({15, 15, 12}, Vec3(0.9, 0.9, 1.1), Vec3(-8, -8, 1));
  const ImageVolume dst = resample(src, dst_g, Interpolation::kLinear, -1000.0F);
  for (std::size_t k = 0; k < 12; ++k)
    for (std::size_t j = 0; j < 15; ++j)
      for (std::size_t i = 0; i < 15; ++i)
        ASSERT_NEAR(dst(i, j, k), f(dst_g.indexToLps(Vec3(i, j, k))), 1e-3);
}

TEST(Resample, OutsideGetsFillValue) {
  const ImageGeometry g({4, 4, 4}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  Volume<std::uint8_t> src(g, 1);
  const ImageGeometry far({2, 2, 2}, Vec3(1, 1, 1), Vec3(100, 0, 0));
  const auto out = resample(src, far, Interpolation::kNearest, std::uint8_t{9});
  for (auto v : out.data()) EXPECT_EQ(v, 9);
}

TEST(Resample, NearestKeepsLabelsAndRotatedGridMapsBack) {
  // Labels on a grid rotated 90 degrees about z: nearest-neighbour must land each label correctly.
  const ImageGeometry g({8, 8, 3}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  LabelMap src(g, 0);
  src(6, 1, 1) = 5;  // LPS (6, 1, 1)
  Mat3 rot;
  rot << 0, -1, 0, 1, 0, 0, 0, 0, 1;  // i axis -> +y, j axis -> -x
  const ImageGeometry r({8, 8, 3}, Vec3(1, 1, 1), Vec3(7, 0, 0), rot);
  const LabelMap out = resample(src, r, Interpolation::kNearest, std::uint16_t{0});
  const Vec3 idx = r.lpsToIndex(Vec3(6, 1, 1));
  EXPECT_EQ(out(static_cast<std::size_t>(std::lround(idx[0])),
                static_cast<std::size_t>(std::lround(idx[1])),
                static_cast<std::size_t>(std::lround(idx[2]))),
            5);
  std::size_t count = 0;
  for (auto v : out.data()) count += v == 5 ? 1 : 0;
  EXPECT_EQ(count, 1U);
}

TEST(Resample, WithSpacingKeepsExtent) {
  const ImageGeometry g({100, 100, 50}, Vec3(0.5, 0.5, 2.0), Vec3(0, 0, 0));
  const ImageGeometry h = withSpacing(g, Vec3(1.0, 1.0, 1.0));
  EXPECT_EQ(h.size()[0], 50U);
  EXPECT_EQ(h.size()[2], 100U);
  // Outer face of voxel 0 stays at -0.25 mm (x) and -1 mm (z).
  EXPECT_NEAR(h.origin().x() - 0.5, -0.25, 1e-12);
  EXPECT_NEAR(h.origin().z() - 0.5, -1.0, 1e-12);
  EXPECT_THROW(withSpacing(g, Vec3(0, 1, 1)), GeometryError);
}

TEST(Resample, IntegerTypesRoundAndClamp) {
  const ImageGeometry g({2, 1, 1}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  Volume<std::int16_t> src(g);
  src(0, 0, 0) = 0;
  src(1, 0, 0) = 3;
  const ImageGeometry mid({1, 1, 1}, Vec3(1, 1, 1), Vec3(0.5, 0, 0));
  const auto out = resample(src, mid, Interpolation::kLinear, std::int16_t{0});
  EXPECT_EQ(out(0, 0, 0), 2);  // 1.5 rounds half away from zero
}

}  // namespace
}  // namespace rfa
