// Distance transform and ball morphology on small masks with exact expected answers, anisotropic
// spacing included.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "rfa/segmentation/components.h"
#include "rfa/segmentation/distance.h"

namespace rfa::segmentation {
namespace {

Mask emptyMask(std::size_t nx, std::size_t ny, std::size_t nz, const Vec3& spacing = {1, 1, 1}) {
  return Mask(ImageGeometry({nx, ny, nz}, spacing, Vec3::Zero()), 0);
}

std::size_t countSet(const Mask& m) {
  std::size_t n = 0;
  for (const std::uint8_t v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

void setBox(Mask& m, std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1, std::size_t k0,
            std::size_t k1, std::uint8_t v = 1) {
  for (std::size_t k = k0; k <= k1; ++k) {
    for (std::size_t j = j0; j <= j1; ++j) {
      for (std::size_t i = i0; i <= i1; ++i) m(i, j, k) = v;
    }
  }
}

TEST(DistanceTransform, MatchesBruteForceOnAnisotropicGrid) {
  const Vec3 s(0.7, 1.3, 2.1);
  Mask m = emptyMask(9, 8, 7, s);
  m(1, 2, 3) = 1;
  m(7, 6, 0) = 1;
  m(4, 0, 6) = 1;
  const Volume<float> d2 = squaredDistanceMm2(m);
  for (std::size_t k = 0; k < 7; ++k) {
    for (std::size_t j = 0; j < 8; ++j) {
      for (std::size_t i = 0; i < 9; ++i) {
        double best = std::numeric_limits<double>::infinity();
        for (const auto& f : {Vec3(1, 2, 3), Vec3(7, 6, 0), Vec3(4, 0, 6)}) {
          const Vec3 d =
              (Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)) - f)
                  .cwiseProduct(s);
          best = std::min(best, d.squaredNorm());
        }
        ASSERT_NEAR(d2(i, j, k), best, 1e-4 * (1.0 + best)) << i << "," << j << "," << k;
      }
    }
  }
}

TEST(DistanceTransform, EmptyMaskIsInfinite) {
  const Volume<float> d2 = squaredDistanceMm2(emptyMask(3, 3, 3));
  EXPECT_TRUE(std::isinf(d2(1, 1, 1)));
}

TEST(Morphology, DilatingOneVoxelGivesTheDigitalBall) {
  Mask m = emptyMask(7, 7, 7);
  m(3, 3, 3) = 1;
  EXPECT_EQ(countSet(dilate(m, 0.5)), 1U);
  EXPECT_EQ(countSet(dilate(m, 1.0)), 7U);              // faces at exactly 1 mm are in
  EXPECT_EQ(countSet(dilate(m, 1.5)), 19U);             // + 12 edges at sqrt(2)
  EXPECT_EQ(countSet(dilate(m, std::sqrt(3.0))), 27U);  // + 8 corners at sqrt(3)
  EXPECT_EQ(countSet(dilate(m, 2.0)), 33U);             // + 6 at distance 2
  EXPECT_EQ(countSet(dilate(m, 0.0)), 1U);
}

TEST(Morphology, AnisotropicSpacingGivesASphereInMillimetres) {
  // 1 x 1 x 3 mm voxels, r = 2 mm: the disc x^2 + y^2 <= 4 in the slice (13 pixels), nothing in
  // the slices 3 mm away.
  Mask m = emptyMask(7, 7, 5, Vec3(1.0, 1.0, 3.0));
  m(3, 3, 2) = 1;
  const Mask d = dilate(m, 2.0);
  EXPECT_EQ(countSet(d), 13U);
  EXPECT_EQ(d(3, 3, 1), 0);
  EXPECT_EQ(countSet(dilate(m, 3.0)), 29U + 2U);  // 29 pixels of x^2 + y^2 <= 9, and k +- 1
}

TEST(Morphology, DilationIsCutAtTheGridBorder) {
  Mask m = emptyMask(3, 3, 3);
  m(0, 0, 0) = 1;
  EXPECT_EQ(countSet(dilate(m, 1.0)), 4U);
}

TEST(Morphology, ErosionShrinksABoxByTheRadius) {
  Mask m = emptyMask(12, 12, 12);
  setBox(m, 2, 9, 2, 9, 2, 9);               // 8^3
  EXPECT_EQ(countSet(erode(m, 1.0)), 216U);  // 6^3
  EXPECT_EQ(countSet(erode(m, 1.5)), 216U);  // the edge neighbours change nothing for a box
  EXPECT_EQ(countSet(erode(m, 2.0)), 64U);   // 4^3
  EXPECT_EQ(countSet(erode(m, 4.0)), 0U);
  EXPECT_EQ(countSet(erode(m, 0.0)), 512U);
}

TEST(Morphology, ErosionTreatsOutsideTheGridAsForeground) {
  Mask full = emptyMask(5, 5, 5);
  setBox(full, 0, 4, 0, 4, 0, 4);
  EXPECT_EQ(countSet(erode(full, 2.0)), 125U);
  full(2, 2, 2) = 0;
  EXPECT_EQ(countSet(erode(full, 1.0)), 125U - 7U);
}

TEST(Morphology, ClosingBridgesAGapAndKeepsTheInput) {
  Mask m = emptyMask(12, 7, 7);
  setBox(m, 1, 4, 1, 5, 1, 5);
  setBox(m, 6, 9, 1, 5, 1, 5);  // a one-voxel gap at i = 5
  const Mask closed = close(m, 1.5);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) {
    ASSERT_TRUE(m.data()[n] == 0 || closed.data()[n] == 1);
  }
  EXPECT_EQ(closed(5, 3, 3), 1);
  // The 5 x 5 gap but its 4 corners (their ball reaches a diagonal beyond the boxes' corners).
  EXPECT_EQ(countSet(closed), countSet(m) + 21U);
  EXPECT_EQ(closed(5, 5, 5), 0);
  EXPECT_EQ(closed(0, 3, 3), 0);  // no growth at the grid border
  // With a smaller ball the gap closes only inside: 3 x 3.
  EXPECT_EQ(countSet(close(m, 1.0)), countSet(m) + 9U);
}

// Offsets (in voxels) of the ball of radius r (mm) on a grid of spacing s.
std::vector<Index3> ballOffsets(const Vec3& s, double r) {
  std::vector<Index3> out;
  const auto n = [&](int a) { return static_cast<std::int64_t>(std::floor(r / s[a])); };
  for (std::int64_t k = -n(2); k <= n(2); ++k) {
    for (std::int64_t j = -n(1); j <= n(1); ++j) {
      for (std::int64_t i = -n(0); i <= n(0); ++i) {
        const Vec3 d = Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k))
                           .cwiseProduct(s);
        if (d.norm() <= r + 1e-9) out.push_back({i, j, k});
      }
    }
  }
  return out;
}

// Value of m at ijk + d, or `outside` beyond the grid.
int at(const Mask& m, const Index3& ijk, const Index3& d, int outside) {
  const Index3 p{ijk[0] + d[0], ijk[1] + d[1], ijk[2] + d[2]};
  if (!m.geometry().contains(p)) return outside;
  return m(static_cast<std::size_t>(p[0]), static_cast<std::size_t>(p[1]),
           static_cast<std::size_t>(p[2])) != 0;
}

TEST(Morphology, MatchesBruteForceOnAnIrregularMask) {
  const Vec3 s(0.8, 1.1, 1.7);
  const double r = 2.3;
  Mask m = emptyMask(14, 12, 9, s);
  // A ball, a block on the border and 8 % of the voxels flipped (specks and pits).
  setBox(m, 9, 13, 0, 5, 0, 8);
  std::uint32_t state = 12345;
  for (std::size_t n = 0; n < m.voxelCount(); ++n) {
    const std::size_t i = n % 14;
    const std::size_t j = (n / 14) % 12;
    const std::size_t k = n / (14 * 12);
    const Vec3 p = Vec3(static_cast<double>(i) - 5.0, static_cast<double>(j) - 6.0,
                        static_cast<double>(k) - 4.0)
                       .cwiseProduct(s);
    if (p.norm() <= 4.5) m.data()[n] = 1;
    state = state * 1664525U + 1013904223U;
    if ((state >> 24) < 20) m.data()[n] ^= 1;
  }
  const std::vector<Index3> ball = ballOffsets(s, r);
  const Mask d = dilate(m, r);
  const Mask e = erode(m, r);
  const Mask c = close(m, r);
  // Dilation of the mask continued by background, evaluated anywhere (also beyond the grid).
  const auto dilated = [&](const Index3& p) {
    for (const Index3& b : ball) {
      if (at(m, p, b, 0) != 0) return true;
    }
    return false;
  };
  for (std::int64_t k = 0; k < 9; ++k) {
    for (std::int64_t j = 0; j < 12; ++j) {
      for (std::int64_t i = 0; i < 14; ++i) {
        const Index3 p{i, j, k};
        bool eroded = at(m, p, {0, 0, 0}, 0) != 0;
        bool closed = true;
        for (const Index3& b : ball) {
          eroded = eroded && at(m, p, b, 1) != 0;
          closed = closed && dilated({i + b[0], j + b[1], k + b[2]});
        }
        const auto [ui, uj, uk] = std::array<std::size_t, 3>{
            static_cast<std::size_t>(i), static_cast<std::size_t>(j), static_cast<std::size_t>(k)};
        ASSERT_EQ(d(ui, uj, uk) != 0, dilated(p)) << i << "," << j << "," << k;
        ASSERT_EQ(e(ui, uj, uk) != 0, eroded) << i << "," << j << "," << k;
        ASSERT_EQ(c(ui, uj, uk) != 0, closed) << i << "," << j << "," << k;
      }
    }
  }
  EXPECT_GT(countSet(e), 0U);
  EXPECT_LT(countSet(c), m.voxelCount());
}

}  // namespace
}  // namespace rfa::segmentation
