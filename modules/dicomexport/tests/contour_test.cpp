// Contours of masks and their filling back (contour.h): exact round trips on hard shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "rfa/core/error.h"
#include "rfa/dicomexport/contour.h"

namespace rfa::dicomexport {
namespace {

std::vector<std::vector<Vec3>> polygonsOf(const std::vector<SliceContour>& cs) {
  std::vector<std::vector<Vec3>> out;
  for (const auto& c : cs) out.push_back(c.points_lps);
  return out;
}

// Each polygon filled alone, the results united (how plastimatch combines contours by default).
Mask fillUnion(const ImageGeometry& g, const std::vector<SliceContour>& cs) {
  Mask out(g, 0);
  for (const auto& c : cs) {
    const Mask one = fillContours(g, {c.points_lps}, "union");
    for (std::size_t v = 0; v < out.voxelCount(); ++v) out.data()[v] |= one.data()[v];
  }
  return out;
}

std::size_t differences(const Mask& a, const Mask& b) {
  std::size_t n = 0;
  for (std::size_t v = 0; v < a.voxelCount(); ++v) n += (a.data()[v] != 0) != (b.data()[v] != 0);
  return n;
}

ImageGeometry obliqueGrid() {
  // Rotated 20 degrees about the slice normal, anisotropic spacing, off-centre origin.
  const double a = 20.0 * M_PI / 180.0;
  Mat3 d;
  d << std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1;
  return ImageGeometry({40, 36, 6}, Vec3(0.7, 0.9, 2.5), Vec3(-100.3, 42.1, -300.0), d);
}

TEST(Contours, RingWithIslandInItsHoleAndDiagonalPixelsRoundTrip) {
  Mask m(obliqueGrid(), 0);
  for (std::size_t j = 0; j < 36; ++j) {
    for (std::size_t i = 0; i < 40; ++i) {
      const double r = std::hypot(static_cast<double>(i) - 18.0, static_cast<double>(j) - 17.0);
      if (r <= 14 && r > 8) m(i, j, 1) = 1;  // ring
      if (r <= 3) m(i, j, 1) = 1;            // island in its hole
    }
  }
  // Diagonal-only neighbours (a checkerboard patch) and a run touching the grid border.
  for (std::size_t j = 0; j < 6; ++j) {
    for (std::size_t i = 0; i < 6; ++i) m(i, j, 3) = ((i + j) % 2 == 0) ? 1 : 0;
  }
  for (std::size_t i = 0; i < 40; ++i) m(i, 35, 3) = 1;
  for (std::size_t j = 0; j < 36; ++j) m(39, j, 3) = 1;
  m(20, 20, 5) = 1;  // a single voxel

  const auto cs = contoursOfMask(m);
  std::size_t on1 = 0;
  for (const auto& c : cs) on1 += c.k == 1;
  EXPECT_EQ(on1, 2U) << "the ring with its hole as a keyhole, the island";
  for (const auto& c : cs) {
    if (c.k == 5) {
      EXPECT_EQ(c.points_lps.size(), 4U) << "a voxel is a square";
    }
  }
  FillReport rep;
  const Mask back = fillContours(m.geometry(), polygonsOf(cs), "test", &rep);
  EXPECT_EQ(differences(m, back), 0U);
  EXPECT_EQ(differences(m, fillUnion(m.geometry(), cs)), 0U) << "keyholes: union = even-odd";
  EXPECT_EQ(rep.filled, cs.size());
  EXPECT_LT(rep.max_plane_offset, 1e-9);
}

TEST(Contours, RandomMasksRoundTripExactly) {
  std::mt19937 rng(7);
  Mask m(ImageGeometry({31, 29, 4}, Vec3(1.1, 0.8, 3.0), Vec3(5, 6, 7)), 0);
  std::bernoulli_distribution coin(0.45);
  for (auto& v : m.data()) v = coin(rng) ? 1 : 0;
  const auto cs = contoursOfMask(m);
  EXPECT_EQ(differences(m, fillContours(m.geometry(), polygonsOf(cs), "random")), 0U);
  EXPECT_EQ(differences(m, fillUnion(m.geometry(), cs)), 0U);
}

TEST(Contours, StraightRunsAreOneSegment) {
  Mask m(ImageGeometry({20, 20, 1}, Vec3(1, 1, 1), Vec3(0, 0, 0)), 0);
  for (std::size_t j = 2; j < 12; ++j) {
    for (std::size_t i = 3; i < 17; ++i) m(i, j, 0) = 1;
  }
  const auto cs = contoursOfMask(m);
  ASSERT_EQ(cs.size(), 1U);
  ASSERT_EQ(cs[0].points_lps.size(), 4U);
  // Corners at the voxel edges: x from 2.5 to 16.5, y from 1.5 to 11.5.
  double xmin = 1e9;
  double xmax = -1e9;
  for (const auto& p : cs[0].points_lps) {
    xmin = std::min(xmin, p.x());
    xmax = std::max(xmax, p.x());
  }
  EXPECT_DOUBLE_EQ(xmin, 2.5);
  EXPECT_DOUBLE_EQ(xmax, 16.5);
}

TEST(Contours, ContourAcrossSlicesIsRefusedWithItsNumber) {
  const ImageGeometry g({10, 10, 5}, Vec3(1, 1, 2), Vec3(0, 0, 0));
  const std::vector<std::vector<Vec3>> sagittal{
      {Vec3(3, 1, 0), Vec3(3, 5, 0), Vec3(3, 5, 6), Vec3(3, 1, 6)}};
  try {
    (void)fillContours(g, sagittal, "ROI 'x'");
    FAIL() << "expected GeometryError";
  } catch (const GeometryError& e) {
    EXPECT_NE(std::string(e.what()).find("ROI 'x': contour 1"), std::string::npos) << e.what();
  }
}

TEST(Contours, OffGridAndDegenerateContoursAreCounted) {
  const ImageGeometry g({10, 10, 5}, Vec3(1, 1, 2), Vec3(0, 0, 0));
  const std::vector<std::vector<Vec3>> polys{
      {Vec3(1, 1, 40), Vec3(4, 1, 40), Vec3(4, 4, 40)},  // slice 20: outside
      {Vec3(1, 1, 2), Vec3(4, 1, 2)},                    // two points
      {Vec3(1.5, 1.5, 2.05), Vec3(4.5, 1.5, 2.05), Vec3(4.5, 4.5, 2.05), Vec3(1.5, 4.5, 2.05)}};
  FillReport rep;
  const Mask m = fillContours(g, polys, "t", &rep);
  EXPECT_EQ(rep.off_grid, 1U);
  EXPECT_EQ(rep.degenerate, 1U);
  EXPECT_EQ(rep.filled, 1U);
  EXPECT_EQ(rep.snapped, 0U);  // 0.025 slice spacings off
  std::size_t n = 0;
  for (auto v : m.data()) n += v;
  EXPECT_EQ(n, 9U);  // centres 2,3,4 x 2,3,4 on slice 1
  EXPECT_EQ(m(2, 2, 1), 1);
}

}  // namespace
}  // namespace rfa::dicomexport
