// Connected components and hole filling on small hand-made masks with exact expected answers.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/segmentation/components.h"

namespace rfa::segmentation {
namespace {

Mask emptyMask(std::size_t nx, std::size_t ny, std::size_t nz, const Vec3& spacing = {1, 1, 1}) {
  return Mask(ImageGeometry({nx, ny, nz}, spacing, Vec3::Zero()), 0);
}

void setBox(Mask& m, std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1, std::size_t k0,
            std::size_t k1, std::uint8_t v = 1) {
  for (std::size_t k = k0; k <= k1; ++k) {
    for (std::size_t j = j0; j <= j1; ++j) {
      for (std::size_t i = i0; i <= i1; ++i) m(i, j, k) = v;
    }
  }
}

std::size_t countSet(const Mask& m) {
  std::size_t n = 0;
  for (const std::uint8_t v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

TEST(Components, DiagonalNeighboursJoinOnlyWith26Connectivity) {
  Mask m = emptyMask(5, 5, 5);
  m(1, 1, 1) = 1;
  m(2, 2, 2) = 1;  // corner contact
  m(3, 2, 2) = 1;  // face contact with (2,2,2)
  m(0, 4, 4) = 7;  // isolated; any non-zero value is foreground
  const ComponentLabels six = labelComponents(m, Connectivity::k6);
  ASSERT_EQ(six.count(), 3U);
  EXPECT_EQ(six.voxel_counts, (std::vector<std::size_t>{121, 2, 1, 1}));
  EXPECT_EQ(six.labels(2, 2, 2), 1);
  EXPECT_EQ(six.labels(3, 2, 2), 1);
  EXPECT_EQ(six.labels(1, 1, 1), 2);  // equal sizes: first in memory order first
  EXPECT_EQ(six.labels(0, 4, 4), 3);
  EXPECT_EQ(six.labels(0, 0, 0), 0);
  const ComponentLabels full = labelComponents(m, Connectivity::k26);
  ASSERT_EQ(full.count(), 2U);
  EXPECT_EQ(full.voxel_counts, (std::vector<std::size_t>{121, 3, 1}));
  EXPECT_EQ(full.labels(1, 1, 1), 1);
  EXPECT_EQ(full.labels(3, 2, 2), 1);
  EXPECT_EQ(full.labels(0, 4, 4), 2);
  EXPECT_TRUE(full.labels.geometry().sameGrid(m.geometry()));
}

TEST(Components, UShapeMergesRunsLabelledApart) {
  // Two vertical bars joined at the bottom row: the runs of the upper rows start as separate
  // components and must end up in one.
  Mask m = emptyMask(7, 6, 1);
  setBox(m, 1, 1, 0, 5, 0, 0);
  setBox(m, 5, 5, 0, 5, 0, 0);
  setBox(m, 1, 5, 5, 5, 0, 0);
  setBox(m, 3, 3, 1, 2, 0, 0);  // separate island between the bars
  const ComponentLabels c = labelComponents(m, Connectivity::k26);
  ASSERT_EQ(c.count(), 2U);
  EXPECT_EQ(c.voxel_counts[1], 15U);
  EXPECT_EQ(c.voxel_counts[2], 2U);
  EXPECT_EQ(c.labels(1, 0, 0), c.labels(5, 0, 0));
}

TEST(Components, EmptyAndFullMasks) {
  const Mask empty = emptyMask(4, 3, 2);
  const ComponentLabels none = labelComponents(empty);
  EXPECT_EQ(none.count(), 0U);
  EXPECT_EQ(none.voxel_counts, (std::vector<std::size_t>{24}));
  EXPECT_EQ(countSet(largestComponent(empty)), 0U);
  Mask full = emptyMask(4, 3, 2);
  setBox(full, 0, 3, 0, 2, 0, 1);
  EXPECT_EQ(labelComponents(full, Connectivity::k6).count(), 1U);
  EXPECT_EQ(countSet(largestComponent(full)), 24U);
}

TEST(Components, LargestAndSmallComponents) {
  Mask m = emptyMask(10, 10, 4);
  setBox(m, 0, 2, 0, 2, 0, 2);  // 27 voxels
  setBox(m, 5, 9, 5, 9, 1, 1);  // 25 voxels
  setBox(m, 5, 5, 0, 1, 3, 3);  // 2 voxels
  const Mask largest = largestComponent(m, Connectivity::k6);
  EXPECT_EQ(countSet(largest), 27U);
  EXPECT_EQ(largest(1, 1, 1), 1);
  EXPECT_EQ(largest(7, 7, 1), 0);
  const Mask kept = removeSmallComponents(m, 25, Connectivity::k6);
  EXPECT_EQ(countSet(kept), 52U);
  EXPECT_EQ(kept(5, 0, 3), 0);
  EXPECT_EQ(countSet(removeSmallComponents(m, 26, Connectivity::k6)), 27U);
  EXPECT_EQ(countSet(removeSmallComponents(m, 0, Connectivity::k6)), 54U);
}

TEST(Components, VoxelsForVolumeRoundsUp) {
  const ImageGeometry g({10, 10, 10}, Vec3(1.0, 1.0, 2.0), Vec3::Zero());
  EXPECT_EQ(voxelsForVolume(g, 1.0), 500U);   // 1000 mm^3 / 2 mm^3
  EXPECT_EQ(voxelsForVolume(g, 0.0011), 1U);  // 1.1 mm^3 -> one voxel
  EXPECT_EQ(voxelsForVolume(g, 0.0), 0U);
}

TEST(Components, MoreThan65535ComponentsThrow) {
  // A 3D checkerboard has no face neighbours: 512 * 256 / 2 = 65536 components with 6-connectivity.
  Mask m = emptyMask(512, 256, 1);
  for (std::size_t j = 0; j < 256; ++j) {
    for (std::size_t i = 0; i < 512; ++i) m(i, j, 0) = (i + j) % 2 == 0 ? 1 : 0;
  }
  EXPECT_THROW(labelComponents(m, Connectivity::k6), UnsupportedError);
  EXPECT_EQ(labelComponents(m, Connectivity::k26).count(), 1U);
  EXPECT_EQ(countSet(largestComponent(m, Connectivity::k6)), 1U);
}

TEST(FillHoles, EnclosedCavityIsFilledOpenOneIsNot) {
  Mask m = emptyMask(7, 7, 7);
  setBox(m, 1, 5, 1, 5, 1, 5);
  setBox(m, 2, 4, 2, 4, 2, 4, 0);  // 27-voxel cavity
  const Mask closed = fillHoles(m);
  EXPECT_EQ(countSet(closed), 125U);
  Mask open = m;
  open(3, 3, 5) = 0;  // a chimney from the cavity to the top face
  open(3, 3, 6) = 0;
  EXPECT_EQ(countSet(fillHoles(open)), countSet(open));
  // A diagonal (corner) leak does not open a cavity: background is 6-connected.
  Mask corner = m;
  corner(5, 5, 5) = 0;
  EXPECT_EQ(countSet(fillHoles(corner)), 124U);
}

TEST(FillHoles, PerSliceFillsATubeThat3DCannot) {
  // A square tube along k, open at both ends: no 3D hole, but a hole in every axial slice.
  Mask m = emptyMask(6, 6, 4);
  setBox(m, 1, 4, 1, 4, 0, 3);
  setBox(m, 2, 3, 2, 3, 0, 3, 0);
  EXPECT_EQ(countSet(fillHoles(m)), countSet(m));
  const Mask filled = fillHolesPerSlice(m);
  EXPECT_EQ(countSet(filled), 64U);
  EXPECT_EQ(filled(2, 3, 1), 1);
  // A slice with a gap in the wall stays open; the diagonal-only gap does not open a slice.
  Mask gap = m;
  gap(1, 2, 0) = 0;
  gap(4, 4, 1) = 0;
  const Mask g = fillHolesPerSlice(gap);
  EXPECT_EQ(g(2, 2, 0), 0);
  EXPECT_EQ(g(2, 2, 1), 1);
  EXPECT_EQ(countSet(g), 64U - 5U - 1U);  // slice 0: ring minus one, open; slice 1: minus one
}

}  // namespace
}  // namespace rfa::segmentation
