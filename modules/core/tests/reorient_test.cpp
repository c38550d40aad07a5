// Exact reorientation by axis permutation and reversal (reorient.h): same voxels at the same LPS
// positions, canonical axes along +L, +P, +S, and back again.
#include "rfa/core/reorient.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "rfa/core/error.h"

namespace rfa {
namespace {

Mat3 rotationZ(double deg) {
  const double a = deg * M_PI / 180.0;
  Mat3 m;
  m << std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1;
  return m;
}

// A volume with distinct values on `direction`, sizes and spacings all different.
Volume<std::int32_t> numbered(const Mat3& direction) {
  const ImageGeometry g({7, 5, 4}, Vec3(0.7, 0.9, 2.5), Vec3(-12, 30, 101), direction);
  Volume<std::int32_t> v(g);
  for (std::size_t n = 0; n < v.voxelCount(); ++n)
    v.data()[n] = static_cast<std::int32_t>(n * 3 + 1);
  return v;
}

struct Case {
  const char* name;
  Mat3 direction;
};

std::vector<Case> storages() {
  Mat3 prone;  // rows and columns reversed (ImageOrientationPatient -1,0,0,0,-1,0)
  prone << -1, 0, 0, 0, -1, 0, 0, 0, 1;
  Mat3 feet_first;  // slices stacked towards the feet
  feet_first << 1, 0, 0, 0, 1, 0, 0, 0, -1;
  Mat3 flipped_columns;  // a left-handed index frame
  flipped_columns << -1, 0, 0, 0, 1, 0, 0, 0, 1;
  Mat3 sagittal;  // columns along -P (anterior), rows along -S, slices along +L
  sagittal << 0, 0, 1, -1, 0, 0, 0, -1, 0;
  Mat3 coronal;  // columns +L, rows -S, slices +P
  coronal << 1, 0, 0, 0, 0, 1, 0, -1, 0;
  return {{"supine", Mat3::Identity()},
          {"prone", prone},
          {"feet-first", feet_first},
          {"flipped columns", flipped_columns},
          {"sagittal", sagittal},
          {"coronal", coronal},
          {"oblique 20 deg", rotationZ(20)},
          {"prone oblique", prone * rotationZ(-20)}};
}

TEST(Reorient, SameVoxelsAtTheSameLpsPositionsOnCanonicalAxes) {
  for (const Case& c : storages()) {
    SCOPED_TRACE(c.name);
    const Volume<std::int32_t> v = numbered(c.direction);
    const AxisReorientation r = canonicalReorientation(v.geometry());
    const Volume<std::int32_t> can = reorientVolume(v, r);
    const ImageGeometry& g = can.geometry();
    EXPECT_EQ(g.voxelCount(), v.voxelCount());
    // Each canonical axis runs along the positive LPS axis of the same number.
    for (int a = 0; a < 3; ++a) {
      EXPECT_GT(g.direction()(a, a), 0.9) << "axis " << a << "\n" << g.direction();
    }
    // Every voxel keeps its value at its LPS position.
    for (std::size_t k = 0; k < g.size()[2]; ++k) {
      for (std::size_t j = 0; j < g.size()[1]; ++j) {
        for (std::size_t i = 0; i < g.size()[0]; ++i) {
          const Vec3 p = g.indexToLps(
              Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
          const Vec3 s = v.geometry().lpsToIndex(p);
          const auto si = static_cast<std::size_t>(std::lround(s.x()));
          const auto sj = static_cast<std::size_t>(std::lround(s.y()));
          const auto sk = static_cast<std::size_t>(std::lround(s.z()));
          ASSERT_NEAR(s.x(), static_cast<double>(si), 1e-9);
          ASSERT_NEAR(s.y(), static_cast<double>(sj), 1e-9);
          ASSERT_NEAR(s.z(), static_cast<double>(sk), 1e-9);
          ASSERT_EQ(can(i, j, k), v(si, sj, sk)) << i << "," << j << "," << k;
        }
      }
    }
    // And back, exactly.
    const Volume<std::int32_t> back = restoreVolume(can, v.geometry(), r);
    EXPECT_TRUE(back.geometry().sameGrid(v.geometry(), 1e-9));
    EXPECT_TRUE(std::equal(back.data().begin(), back.data().end(), v.data().begin()));
  }
}

TEST(Reorient, StoragesOfOneAcquisitionShareOneCanonicalStorage) {
  // The same voxels stored prone and supine give the same canonical volume.
  const Volume<std::int32_t> supine = numbered(Mat3::Identity());
  Mat3 prone_dir;
  prone_dir << -1, 0, 0, 0, -1, 0, 0, 0, 1;
  AxisReorientation to_prone;
  to_prone.reversed = {true, true, false};
  const Volume<std::int32_t> prone = reorientVolume(supine, to_prone);
  EXPECT_TRUE(prone.geometry().direction().isApprox(prone_dir));
  const Volume<std::int32_t> a = reorientVolume(supine, canonicalReorientation(supine.geometry()));
  const Volume<std::int32_t> b = reorientVolume(prone, canonicalReorientation(prone.geometry()));
  EXPECT_TRUE(a.geometry().sameGrid(b.geometry(), 1e-9));
  EXPECT_TRUE(std::equal(a.data().begin(), a.data().end(), b.data().begin()));
  EXPECT_TRUE(canonicalReorientation(supine.geometry()).identity());
}

TEST(Reorient, RestoreRefusesAVolumeOnAnotherGrid) {
  const Volume<std::int32_t> v = numbered(rotationZ(180));
  const AxisReorientation r = canonicalReorientation(v.geometry());
  EXPECT_THROW((void)restoreVolume(v, v.geometry(), r), GeometryError);
}

}  // namespace
}  // namespace rfa
