// Lesion measurements on analytic spheres and ellipsoids rasterised on anisotropic (and rotated)
// grids: volume within 3 %, centroid within 0.5 mm, diameters within one voxel diagonal.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/segmentation/measurements.h"

namespace rfa::segmentation {
namespace {

const Vec3 kSpacing(0.7, 0.8, 1.5);

double voxelDiagonal(const ImageGeometry& g) {
  return g.spacing().norm();
}

Mat3 rotationZ(double degrees) {
  return Eigen::AngleAxisd(degrees * std::numbers::pi / 180.0, Vec3::UnitZ()).toRotationMatrix();
}

// Paints `label` where the ellipsoid (centre, rotation columns = its axes in LPS, semi-axes mm)
// contains the voxel centre.
void paintEllipsoid(LabelMap& m, std::uint16_t label, const Vec3& centre, const Mat3& rotation,
                    const Vec3& semi) {
  const Size3& s = m.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const Vec3 p = m.geometry().indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const Vec3 q = (rotation.transpose() * (p - centre)).cwiseQuotient(semi);
        if (q.squaredNorm() <= 1.0) m(i, j, k) = label;
      }
    }
  }
}

LabelMap makeLabels(const Size3& size, const Mat3& direction = Mat3::Identity()) {
  return LabelMap(ImageGeometry(size, kSpacing, Vec3(-20.0, 15.0, -30.0), direction), 0);
}

double ellipsoidMl(const Vec3& semi) {
  return 4.0 / 3.0 * std::numbers::pi * semi.prod() / 1000.0;
}

TEST(Measurements, SphereOnAnisotropicGrid) {
  LabelMap m = makeLabels({60, 55, 30});
  const Vec3 centre = m.geometry().indexToLps(Vec3(29.3, 27.6, 14.4));
  paintEllipsoid(m, 3, centre, Mat3::Identity(), Vec3(12, 12, 12));
  const auto r = measureLesions(m);
  ASSERT_EQ(r.size(), 1U);
  const LesionMeasurement& x = r[0];
  const double tol = voxelDiagonal(m.geometry());
  EXPECT_EQ(x.label, 3);
  EXPECT_NEAR(x.volume_ml, ellipsoidMl(Vec3(12, 12, 12)), 0.03 * ellipsoidMl(Vec3(12, 12, 12)));
  EXPECT_LT((x.centroid_lps - centre).norm(), 0.5);
  EXPECT_NEAR(x.axial_long_mm, 24.0, tol);
  EXPECT_NEAR(x.axial_short_mm, 24.0, tol);
  EXPECT_NEAR(x.longest_3d_mm, 24.0, tol);
  EXPECT_NEAR(x.axial_long.length(), x.axial_long_mm, 1e-9);
  EXPECT_LE(std::abs(static_cast<double>(x.axial_slice) - 14.4), 1.0);
  EXPECT_FALSE(x.vessel_gap_mm.has_value());
}

TEST(Measurements, EllipsoidAxesAndBoundingBox) {
  LabelMap m = makeLabels({50, 40, 30});
  const Vec3 centre = m.geometry().indexToLps(Vec3(24.2, 19.7, 15.1));
  const Vec3 semi(10, 6, 14);
  paintEllipsoid(m, 1, centre, Mat3::Identity(), semi);
  const auto r = measureLesions(m);
  ASSERT_EQ(r.size(), 1U);
  const LesionMeasurement& x = r[0];
  const double tol = voxelDiagonal(m.geometry());
  EXPECT_NEAR(x.volume_ml, ellipsoidMl(semi), 0.03 * ellipsoidMl(semi));
  EXPECT_LT((x.centroid_lps - centre).norm(), 0.5);
  EXPECT_NEAR(x.axial_long_mm, 20.0, tol);
  EXPECT_NEAR(x.axial_short_mm, 12.0, tol);
  EXPECT_NEAR(x.longest_3d_mm, 28.0, tol);
  // The long axis lies along x, the short one along y, the 3D one along z.
  EXPECT_GT(std::abs((x.axial_long.b - x.axial_long.a).normalized().x()), 0.98);
  EXPECT_GT(std::abs((x.axial_short.b - x.axial_short.a).normalized().y()), 0.98);
  EXPECT_GT(std::abs((x.longest_3d.b - x.longest_3d.a).normalized().z()), 0.98);
  // Bounding box: the voxel centres within the semi-axes of the centre index.
  EXPECT_EQ(x.bbox_min[0], static_cast<std::int64_t>(std::ceil(24.2 - 10.0 / 0.7)));
  EXPECT_EQ(x.bbox_max[0], static_cast<std::int64_t>(std::floor(24.2 + 10.0 / 0.7)));
  EXPECT_EQ(x.bbox_min[2], static_cast<std::int64_t>(std::ceil(15.1 - 14.0 / 1.5)));
  EXPECT_EQ(x.bbox_max[2], static_cast<std::int64_t>(std::floor(15.1 + 14.0 / 1.5)));
}

TEST(Measurements, RotatedEllipsoidOnRotatedGridIsMeasuredInLps) {
  // Grid rows/columns rotated 30 degrees about z; the ellipsoid's long axis 40 degrees from x.
  LabelMap m = makeLabels({60, 60, 20}, rotationZ(30.0));
  const Vec3 centre = m.geometry().indexToLps(Vec3(30.4, 29.8, 9.6));
  const Mat3 rotation = rotationZ(40.0);
  const Vec3 semi(11, 7, 5);
  paintEllipsoid(m, 2, centre, rotation, semi);
  const auto r = measureLesions(m);
  ASSERT_EQ(r.size(), 1U);
  const LesionMeasurement& x = r[0];
  const double tol = voxelDiagonal(m.geometry());
  EXPECT_NEAR(x.volume_ml, ellipsoidMl(semi), 0.03 * ellipsoidMl(semi));
  EXPECT_LT((x.centroid_lps - centre).norm(), 0.5);
  EXPECT_NEAR(x.axial_long_mm, 22.0, tol);
  EXPECT_NEAR(x.axial_short_mm, 14.0, tol);
  EXPECT_NEAR(x.longest_3d_mm, 22.0, tol);
  const Vec3 u = (x.axial_long.b - x.axial_long.a).normalized();
  EXPECT_GT(std::abs(u.dot(rotation.col(0))), 0.98);
  const Vec3 v = (x.axial_short.b - x.axial_short.a).normalized();
  EXPECT_GT(std::abs(v.dot(rotation.col(1))), 0.98);
}

TEST(Measurements, SingleVoxelAndSeveralLabels) {
  LabelMap m = makeLabels({10, 10, 10});
  m(2, 3, 4) = 5;
  m(7, 7, 7) = 9;
  m(7, 8, 7) = 9;
  const auto r = measureLesions(m);
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].label, 5);
  EXPECT_EQ(r[1].label, 9);
  EXPECT_EQ(r[0].voxel_count, 1U);
  EXPECT_NEAR(r[0].volume_ml, 0.7 * 0.8 * 1.5 / 1000.0, 1e-12);
  EXPECT_NEAR(r[0].axial_long_mm, 0.8, 1e-9);   // one pixel: the longer in-plane side
  EXPECT_NEAR(r[0].axial_short_mm, 0.7, 1e-9);  // and the shorter
  EXPECT_NEAR(r[0].longest_3d_mm, 1.5, 1e-9);
  EXPECT_LT((r[0].centroid_lps - m.geometry().indexToLps(Vec3(2, 3, 4))).norm(), 1e-9);
  EXPECT_EQ(r[0].bbox_min, (Index3{2, 3, 4}));
  EXPECT_EQ(r[0].bbox_max, (Index3{2, 3, 4}));
  EXPECT_NEAR(r[1].axial_long_mm, 1.6, 1e-9);  // two pixels along j
  EXPECT_EQ(r[1].bbox_max, (Index3{7, 8, 7}));
  EXPECT_TRUE(measureLesions(makeLabels({4, 4, 4})).empty());
}

TEST(Measurements, ManyOutlinePointsUseTheDirectionalBound) {
  // A one-voxel-thick diagonal plane i + j + k = 90: every face is on the surface and nearly every
  // face midpoint is a hull candidate (> 12000), so the directional search is used. Compare with
  // all pairs of face midpoints.
  const ImageGeometry g({60, 60, 60}, Vec3(1, 1, 1), Vec3::Zero());
  LabelMap m(g, 0);
  std::vector<Vec3> faces;
  for (std::size_t k = 0; k < 60; ++k) {
    for (std::size_t j = 0; j < 60; ++j) {
      if (j + k > 90 || 90 - j - k >= 60) continue;
      const std::size_t i = 90 - j - k;
      m(i, j, k) = 1;
      const Vec3 c(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
      for (int a = 0; a < 3; ++a) {
        faces.push_back(c - 0.5 * Vec3::Unit(a));
        faces.push_back(c + 0.5 * Vec3::Unit(a));
      }
    }
  }
  ASSERT_GT(faces.size(), 12000U);
  double exact = 0;
  for (std::size_t a = 0; a < faces.size(); ++a) {
    for (std::size_t b = a + 1; b < faces.size(); ++b) {
      exact = std::max(exact, (faces[a] - faces[b]).squaredNorm());
    }
  }
  exact = std::sqrt(exact);
  const auto r = measureLesions(m);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_LE(r[0].longest_3d_mm, exact + 1e-9);
  EXPECT_GE(r[0].longest_3d_mm, exact * (1.0 - 0.002));
}

}  // namespace
}  // namespace rfa::segmentation
