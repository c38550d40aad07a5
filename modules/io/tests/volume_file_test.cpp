// NRRD / NIfTI round trips keep LPS geometry and values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <utility>

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

// A .nii.gz larger than one compression block is several gzip members, compressed in parallel:
// ITK's reader (zlib gzread) and gzip itself read them as one stream, byte for byte the plain .nii.
TEST(VolumeFile, NiftiGzOfSeveralMembersReadsBackByItkAndGzip) {
  test::TempDir tmp;
  const ImageGeometry g({256, 256, 80}, Vec3(0.7, 0.7, 2.0), Vec3(-50, 20, 100));
  Volume<std::int16_t> v(g);
  for (std::size_t i = 0; i < v.voxelCount(); ++i) {
    v.data()[i] = static_cast<std::int16_t>(static_cast<int>((i * 2654435761U) % 4096) - 1024);
  }
  ASSERT_GT(v.voxelCount() * 2, std::size_t{2} * (4U << 20));  // at least 3 members
  for (const int level : {1, 3, 9}) {
    writeVolumeFile(tmp / "ct.nii.gz", v, VolumeWriteOptions{level});
    writeVolumeFile(tmp / "ct.nii", v);
    const ImageVolume r = readVolumeFile(tmp / "ct.nii.gz");
    ASSERT_TRUE(r.geometry().sameGrid(g, 1e-4));
    for (std::size_t i = 0; i < v.voxelCount(); ++i) ASSERT_EQ(r.data()[i], v.data()[i]) << i;
    const test::RunResult z = test::run({"sh", "-c",
                                         "gzip -dc '" + (tmp / "ct.nii.gz").string() +
                                             "' | cmp - '" + (tmp / "ct.nii").string() + "'"});
    EXPECT_EQ(z.exit_code, 0) << "level " << level << ": " << z.out << z.err;
  }
  EXPECT_THROW(writeVolumeFile(tmp / "bad.nii.gz", v, VolumeWriteOptions{0}), UsageError);
  EXPECT_FALSE(fs::exists(tmp / "bad.nii.gz"));
}

// The exact stored type: CT in HU is int16 (half of float32's bytes), unsigned beyond 32767 is
// uint16, anything non-integral (or NaN) stays float32; the values read back are the same.
TEST(VolumeFile, ExactTypeKeepsTheValuesInHalfTheBytes) {
  test::TempDir tmp;
  const ImageGeometry g({40, 30, 20}, Vec3(0.7, 0.8, 2.5), Vec3(-12.5, 40.25, -100));
  ImageVolume ct = ramp<float>(g);
  ct.data()[0] = -1024.0F;
  ct.data()[1] = 3071.0F;
  EXPECT_EQ(exactVoxelType(ct), StoredVoxelType::kInt16);
  EXPECT_EQ(writeVolumeFileExact(tmp / "ct.nii", ct), StoredVoxelType::kInt16);
  writeVolumeFile(tmp / "ct_float.nii", ct);
  EXPECT_LT(fs::file_size(tmp / "ct.nii"), fs::file_size(tmp / "ct_float.nii") * 6 / 10);
  const ImageVolume r = readVolumeFile(tmp / "ct.nii");
  for (std::size_t i = 0; i < ct.voxelCount(); ++i) ASSERT_EQ(r.data()[i], ct.data()[i]) << i;

  ImageVolume mr = ramp<float>(g);
  mr.data()[2] = 60000.0F;
  EXPECT_EQ(exactVoxelType(mr), StoredVoxelType::kUInt16);
  mr.data()[3] = -1.0F;
  EXPECT_EQ(exactVoxelType(mr), StoredVoxelType::kFloat32);  // needs int32
  ImageVolume scaled = ramp<float>(g);
  scaled.data()[4] = 12.5F;
  EXPECT_EQ(exactVoxelType(scaled), StoredVoxelType::kFloat32);
  scaled.data()[4] = std::nanf("");
  EXPECT_EQ(exactVoxelType(scaled), StoredVoxelType::kFloat32);
  EXPECT_EQ(writeVolumeFileExact(tmp / "s.nrrd", scaled), StoredVoxelType::kFloat32);
  EXPECT_TRUE(std::isnan(readVolumeFile(tmp / "s.nrrd").data()[4]));
}

// rfaplan's streaming NIfTI and NRRD writer (writeVolumeFileExact) against ITK's: the same
// geometry read back by ITK for rotated and left-handed axes, the same sform and qform in the
// header, the same values, plain and gzip, over several blocks.
TEST(VolumeFile, StreamingNiftiWriterMatchesItk) {
  test::TempDir tmp;
  Mat3 left_handed;
  left_handed << 0, 1, 0, 1, 0, 0, 0, 0, -1;
  const double a = 20.0 * M_PI / 180.0;
  Mat3 oblique;
  oblique << 1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a);
  for (const Mat3& d :
       {rotatedGeometry().direction(), left_handed, oblique, Mat3(Mat3::Identity())}) {
    const ImageGeometry g({160, 130, 110}, Vec3(0.7, 0.8, 2.5), Vec3(-12.5, 40.25, -100), d);
    ImageVolume v(g);
    for (std::size_t i = 0; i < v.voxelCount(); ++i) {
      v.data()[i] = static_cast<float>(static_cast<int>(i % 3000) - 1024);
    }
    ASSERT_GT(v.voxelCount(), std::size_t{1} << 21);  // two blocks and a part
    writeVolumeFile(tmp / "itk.nii", v);
    for (const std::string name : {"rfa.nii", "rfa.nii.gz", "rfa.nrrd"}) {
      ASSERT_EQ(writeVolumeFileExact(tmp / name, v), StoredVoxelType::kInt16);
      const ImageVolume r = readVolumeFile(tmp / name);
      EXPECT_TRUE(r.geometry().sameGrid(g, 1e-4))
          << name << ": " << r.geometry().describe() << " vs " << g.describe();
      for (std::size_t i = 0; i < v.voxelCount(); ++i) ASSERT_EQ(r.data()[i], v.data()[i]) << i;
    }
    char ours[348];
    char itk[348];
    std::ifstream(tmp / "rfa.nii", std::ios::binary).read(ours, sizeof ours);
    std::ifstream(tmp / "itk.nii", std::ios::binary).read(itk, sizeof itk);
    // pixdim[0] (qfac) .. pixdim[3], quatern_b..d, qoffset, srow_x..z: 76..91, 256..327.
    for (const auto& [from, to] : {std::pair{76, 92}, std::pair{256, 328}}) {
      for (int off = from; off < to; off += 4) {
        float x = 0;
        float y = 0;
        std::memcpy(&x, ours + off, 4);
        std::memcpy(&y, itk + off, 4);
        EXPECT_NEAR(x, y, 1e-4) << "header offset " << off;
      }
    }
    EXPECT_EQ(std::memcmp(ours + 252, itk + 252, 4), 0);  // qform_code, sform_code
  }
}

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
