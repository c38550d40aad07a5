// maskSurface on rasterised balls: closed (every edge in exactly two triangles), a sphere's Euler
// characteristic, outward orientation (the signed enclosed volume is the voxel volume, also on a
// left-handed oblique grid), and points on the voxel corners inside the mask's extent (LPS).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <utility>

#include "rfa/navigation/surface.h"

namespace rfa::navigation {
namespace {

// A ball of `radius_mm` around the grid's centre (voxel centres inside).
Mask ball(const ImageGeometry& g, double radius_mm) {
  Mask m(g, 0);
  const auto& s = g.size();
  const Vec3 c =
      g.indexToLps(Vec3(static_cast<double>(s[0] - 1) / 2, static_cast<double>(s[1] - 1) / 2,
                        static_cast<double>(s[2] - 1) / 2));
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        if ((p - c).norm() <= radius_mm) m(i, j, k) = 1;
      }
    }
  }
  return m;
}

std::size_t voxelsOf(const Mask& m) {
  std::size_t n = 0;
  for (const auto v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

// Each undirected edge -> how many triangles use it; and whether every directed edge appears once
// (consistent orientation: a neighbour runs a shared edge the other way).
struct EdgeCount {
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> undirected;
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> directed;
};

EdgeCount edgesOf(const TriangleMesh& mesh) {
  EdgeCount e;
  for (const auto& t : mesh.triangles) {
    for (int a = 0; a < 3; ++a) {
      const std::uint32_t u = t[static_cast<std::size_t>(a)];
      const std::uint32_t v = t[static_cast<std::size_t>((a + 1) % 3)];
      ++e.undirected[{std::min(u, v), std::max(u, v)}];
      ++e.directed[{u, v}];
    }
  }
  return e;
}

// Signed volume by the divergence theorem (positive for outward triangles), mm3.
double signedVolume(const TriangleMesh& mesh) {
  double v = 0;
  for (const auto& t : mesh.triangles) {
    const Vec3& a = mesh.points_lps[t[0]];
    const Vec3& b = mesh.points_lps[t[1]];
    const Vec3& c = mesh.points_lps[t[2]];
    v += a.dot(b.cross(c)) / 6.0;
  }
  return v;
}

void expectClosedBall(const Mask& m) {
  const std::size_t voxels = voxelsOf(m);
  ASSERT_GT(voxels, 100U);
  const TriangleMesh mesh = maskSurface(m);
  ASSERT_GT(mesh.triangles.size(), 100U);
  ASSERT_GT(mesh.points_lps.size(), 50U);
  const EdgeCount e = edgesOf(mesh);
  ASSERT_FALSE(e.undirected.empty());
  for (const auto& [edge, n] : e.undirected) {
    ASSERT_EQ(n, 2) << "edge " << edge.first << "-" << edge.second;
  }
  for (const auto& [edge, n] : e.directed) ASSERT_EQ(n, 1) << "inconsistent orientation";
  // A sphere: V - E + F = 2.
  const auto euler = static_cast<long>(mesh.points_lps.size()) -
                     static_cast<long>(e.undirected.size()) +
                     static_cast<long>(mesh.triangles.size());
  EXPECT_EQ(euler, 2);
  // Outward orientation and exact enclosed volume.
  const double voxel_mm3 = m.geometry().voxelVolumeMm3();
  EXPECT_NEAR(signedVolume(mesh), static_cast<double>(voxels) * voxel_mm3,
              1e-9 * static_cast<double>(voxels) * voxel_mm3);
  // Points on the corners of the mask's voxels: inside the extent of those corners (LPS), and
  // the extent reached on every side.
  Vec3 lo = Vec3::Constant(1e30);
  Vec3 hi = Vec3::Constant(-1e30);
  const auto& s = m.geometry().size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (m(i, j, k) == 0) continue;
        for (int c = 0; c < 8; ++c) {
          const Vec3 p =
              m.geometry().indexToLps(Vec3(static_cast<double>(i) + ((c & 1) != 0 ? 0.5 : -0.5),
                                           static_cast<double>(j) + ((c & 2) != 0 ? 0.5 : -0.5),
                                           static_cast<double>(k) + ((c & 4) != 0 ? 0.5 : -0.5)));
          lo = lo.cwiseMin(p);
          hi = hi.cwiseMax(p);
        }
      }
    }
  }
  Vec3 mlo = Vec3::Constant(1e30);
  Vec3 mhi = Vec3::Constant(-1e30);
  for (const Vec3& p : mesh.points_lps) {
    for (int a = 0; a < 3; ++a) {
      EXPECT_GE(p[a], lo[a] - 1e-9);
      EXPECT_LE(p[a], hi[a] + 1e-9);
    }
    mlo = mlo.cwiseMin(p);
    mhi = mhi.cwiseMax(p);
  }
  EXPECT_LT((mlo - lo).norm(), 1e-9);
  EXPECT_LT((mhi - hi).norm(), 1e-9);
}

TEST(MaskSurface, BallOnAnAxisAlignedGridIsClosedAndOutward) {
  const ImageGeometry g({30, 28, 20}, Vec3(1.5, 1.5, 2.0), Vec3(-20, 35, -100), Mat3::Identity());
  expectClosedBall(ball(g, 12.0));
}

TEST(MaskSurface, BallOnALeftHandedObliqueGridIsClosedAndOutward) {
  // Rotated 30 degrees about S, then the column axis reversed: determinant -1.
  const double a = 30.0 * 3.14159265358979323846 / 180.0;
  Mat3 d;
  d << std::cos(a), std::sin(a), 0, std::sin(a), -std::cos(a), 0, 0, 0, 1;
  ASSERT_LT(d.determinant(), 0);
  const ImageGeometry g({26, 26, 18}, Vec3(1.2, 1.2, 1.8), Vec3(10, -5, 40), d);
  expectClosedBall(ball(g, 11.0));
}

TEST(MaskSurface, EmptyMaskGivesNoTrianglesAndOneVoxelACube) {
  const ImageGeometry g({4, 4, 4}, Vec3(1, 1, 1), Vec3(0, 0, 0), Mat3::Identity());
  Mask m(g, 0);
  EXPECT_TRUE(maskSurface(m).triangles.empty());
  m(0, 0, 0) = 1;  // at the grid's corner: its border faces count too
  const TriangleMesh cube = maskSurface(m);
  EXPECT_EQ(cube.triangles.size(), 12U);
  EXPECT_EQ(cube.points_lps.size(), 8U);
  EXPECT_NEAR(signedVolume(cube), 1.0, 1e-12);
}

}  // namespace
}  // namespace rfa::navigation
