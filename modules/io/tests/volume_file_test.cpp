// NRRD / NIfTI round trips keep LPS geometry and values.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "test_support.h"

namespace rfa::io {
namespace {
namespace fs = std::filesystem;

ImageGeometry rotatedGeometry() {
  const double a = 30.0 * M_PI / 180.0;
  Mat3 d;
  d << std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1;
  return ImageGeometry({7, 6, 5}, Vec3(0.7, 0.8, 2.5), Vec3(-12.5, 40.25, -100), d);
}

template <class T>
Volume<T> ramp(const ImageGeometry& g) {
  Volume<T> v(g);
  for (std::size_t i = 0; i < v.voxelCount(); ++i) v.data()[i] = static_cast<T>(i % 200);
  return v;
}

class VolumeFileRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(VolumeFileRoundTrip, KeepsGeometryAndValues) {
  test::TempDir tmp;
  const fs::path f = tmp / ("vol" + GetParam());
  const ImageGeometry g = rotatedGeometry();
  ImageVolume v = ramp<float>(g);
  v.data()[3] = -1024.5F;
  writeVolumeFile(f, v);
  ASSERT_TRUE(fs::exists(f));
  const ImageVolume r = readVolumeFile(f);
  EXPECT_TRUE(r.geometry().sameGrid(g, 1e-4)) << r.geometry().describe() << " vs " << g.describe();
  for (std::size_t i = 0; i < v.voxelCount(); ++i) ASSERT_EQ(r.data()[i], v.data()[i]) << i;
  // No temporary file is left beside the output.
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) n += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(n, 1U);
}

INSTANTIATE_TEST_SUITE_P(Formats, VolumeFileRoundTrip,
                         ::testing::Values(".nrrd", ".nii.gz", ".nii", ".mha"));

TEST(VolumeFile, LabelsRoundTripAsUint16) {
  test::TempDir tmp;
  const LabelMap l = ramp<std::uint16_t>(rotatedGeometry());
  writeVolumeFile(tmp / "l.nrrd", l);
  const LabelMap r = readLabelFile(tmp / "l.nrrd");
  for (std::size_t i = 0; i < l.voxelCount(); ++i) ASSERT_EQ(r.data()[i], l.data()[i]);
}

TEST(VolumeFile, NiftiStoresRasButReadsBackLps) {
  // A voxel at LPS (+10, +20, +30) must be RAS (-10, -20, 30) in the NIfTI header (sform/qform).
  test::TempDir tmp;
  const ImageGeometry g({2, 2, 2}, Vec3(1, 1, 1), Vec3(10, 20, 30));
  writeVolumeFile(tmp / "a.nii", ImageVolume(g, 1.0F));
  std::ifstream f(tmp / "a.nii", std::ios::binary);
  char hdr[348];
  f.read(hdr, sizeof hdr);
  float srow_x[4];
  float srow_y[4];
  std::memcpy(srow_x, hdr + 280, sizeof srow_x);
  std::memcpy(srow_y, hdr + 296, sizeof srow_y);
  EXPECT_FLOAT_EQ(srow_x[3], -10.0F);
  EXPECT_FLOAT_EQ(srow_y[3], -20.0F);
  EXPECT_LT((readVolumeFile(tmp / "a.nii").geometry().origin() - Vec3(10, 20, 30)).norm(), 1e-5);
}

TEST(VolumeFile, InputResolverAcceptsVolumeFiles) {
  test::TempDir tmp;
  writeVolumeFile(tmp / "ct.nii.gz", ramp<std::int16_t>(rotatedGeometry()));
  const LoadedImage img = loadImage(tmp / "ct.nii.gz");
  EXPECT_FALSE(img.series.has_value());
  EXPECT_EQ(img.image.size()[2], 5U);
}

TEST(VolumeFile, BadFilesGiveClearErrors) {
  test::TempDir tmp;
  EXPECT_THROW(readVolumeFile(tmp / "missing.nrrd"), NotFoundError);
  std::ofstream(tmp / "junk.nrrd")
      << "NRRD0004\ntype: float\ndimension: 3\nsizes: 10 10 10\nencoding: raw\n\n";
  EXPECT_THROW(readVolumeFile(tmp / "junk.nrrd"), CorruptDataError);
  EXPECT_THROW(writeVolumeFile(tmp / "out.xyz", ImageVolume(rotatedGeometry())), WriteError);
  // Non-integer value where a label is expected.
  ImageVolume f(rotatedGeometry(), 0.5F);
  writeVolumeFile(tmp / "f.nrrd", f);
  EXPECT_THROW(readLabelFile(tmp / "f.nrrd"), CorruptDataError);
}

}  // namespace
}  // namespace rfa::io
