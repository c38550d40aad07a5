// detail::convexHullPerSlice(): exact fills of small shapes, slice independence, degenerate slices.
#include "../src/convex_hull.h"

#include <gtest/gtest.h>

#include <cstddef>

namespace rfa::segmentation::detail {
namespace {

std::size_t count(const Mask& m, std::size_t k) {
  std::size_t n = 0;
  for (std::size_t j = 0; j < m.size()[1]; ++j) {
    for (std::size_t i = 0; i < m.size()[0]; ++i) n += m(i, j, k);
  }
  return n;
}

TEST(ConvexHullPerSlice, LShapeIsFilledToItsTriangleAndSlicesStaySeparate) {
  const ImageGeometry g({12, 12, 3}, Vec3(0.7, 0.7, 2.5), Vec3(0, 0, 0));
  Mask m(g, 0);
  // Slice 1: an L of two 6-voxel arms from (2,2): hull = right triangle with legs of 5 steps,
  // lattice points inside or on it = (6 x 7) / 2 = 21.
  for (std::size_t t = 0; t < 6; ++t) {
    m(2 + t, 2, 1) = 1;
    m(2, 2 + t, 1) = 1;
  }
  const Mask h = convexHullPerSlice(m);
  EXPECT_EQ(count(h, 0), 0U);
  EXPECT_EQ(count(h, 2), 0U);
  EXPECT_EQ(count(h, 1), 21U);
  EXPECT_EQ(h(4, 4, 1), 1);  // (2, 2) from the corner: 2 + 2 <= 5, inside
  EXPECT_EQ(h(5, 5, 1), 0);  // (3, 3): 3 + 3 > 5, outside
}

TEST(ConvexHullPerSlice, RingIsFilledAndConvexShapeKept) {
  const ImageGeometry g({20, 20, 2}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  Mask m(g, 0);
  // Slice 0: the border of a 10x10 square -> the full square. Slice 1: a filled square, unchanged.
  for (std::size_t t = 0; t < 10; ++t) {
    m(5 + t, 5, 0) = m(5 + t, 14, 0) = m(5, 5 + t, 0) = m(14, 5 + t, 0) = 1;
    for (std::size_t u = 0; u < 10; ++u) m(5 + t, 5 + u, 1) = 1;
  }
  const Mask h = convexHullPerSlice(m);
  EXPECT_EQ(count(h, 0), 100U);
  for (std::size_t n = 0; n < h.voxelCount() / 2; ++n) {
    EXPECT_EQ(h.data()[n + h.voxelCount() / 2], m.data()[n + m.voxelCount() / 2]);
  }
}

TEST(ConvexHullPerSlice, PointsAndSegmentsStayThin) {
  const ImageGeometry g({10, 10, 2}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  Mask m(g, 0);
  m(3, 3, 0) = 1;  // one voxel
  m(1, 1, 1) = 1;  // a diagonal with a gap: the segment fills it
  m(4, 4, 1) = 1;
  m(8, 8, 1) = 1;
  const Mask h = convexHullPerSlice(m);
  EXPECT_EQ(count(h, 0), 1U);
  EXPECT_EQ(count(h, 1), 8U);
  EXPECT_EQ(h(6, 6, 1), 1);
  EXPECT_EQ(h(6, 7, 1), 0);
}

}  // namespace
}  // namespace rfa::segmentation::detail
