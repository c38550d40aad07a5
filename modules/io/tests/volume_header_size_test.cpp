// Sizes claimed by a volume file's header are checked against the bytes the file holds before any
// allocation (issue 23): a corrupt header is a CorruptDataError naming the file and both sizes,
// never std::bad_alloc or an overflowed product.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <zlib.h>

#include "rfa/core/error.h"
#include "rfa/io/volume_file.h"
#include "test_support.h"

namespace rfa::io {
namespace {
namespace fs = std::filesystem;

void writeBytes(const fs::path& f, const std::string& bytes) {
  std::ofstream out(f, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The message of the error `read` throws as E; fails the test when it throws nothing or another.
template <class E, class F>
std::string errorOf(F read) {
  try {
    read();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

std::string nrrdHeader(const std::string& sizes, const std::string& encoding,
                       const std::string& type = "int16") {
  return "NRRD0004\ntype: " + type + "\ndimension: 3\nsizes: " + sizes +
         "\nendian: little\nencoding: " + encoding + "\n";
}

// A NIfTI-1 single file (.nii) header: int16 voxels of the given sizes, voxels at offset 352.
std::string niftiHeader(std::int16_t nx, std::int16_t ny, std::int16_t nz) {
  std::string h(352, '\0');
  const auto put = [&h](std::size_t at, const auto& v) { std::memcpy(&h[at], &v, sizeof v); };
  put(0, std::int32_t{348});
  put(40, std::array<std::int16_t, 8>{3, nx, ny, nz, 1, 1, 1, 1});
  put(70, std::int16_t{4});   // datatype: DT_INT16
  put(72, std::int16_t{16});  // bitpix
  put(76, std::array<float, 8>{1, 1, 1, 1, 1, 1, 1, 1});
  put(108, 352.0F);  // vox_offset
  std::memcpy(&h[344], "n+1\0", 4);
  return h;
}

std::string gzipped(const std::string& bytes) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(VolumeHeaderSizes, NrrdClaimingMoreVoxelsThanItHoldsNamesFileAndSizes) {
  test::TempDir tmp;
  const fs::path f = tmp / "huge.nrrd";
  writeBytes(f, nrrdHeader("100000 100000 100000", "raw") + "\n" + std::string(2, '\0'));
  const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(f); });
  EXPECT_NE(what.find(f.string()), std::string::npos) << what;
  EXPECT_NE(what.find("header says 2000000000000000 bytes of voxels"), std::string::npos) << what;
  EXPECT_NE(what.find("100000x100000x100000 voxels of 2 bytes"), std::string::npos) << what;
  EXPECT_NE(what.find("the file holds 2"), std::string::npos) << what;
  // The label reader goes through the same check.
  EXPECT_THROW((void)readLabelFile(f), CorruptDataError);
}

TEST(VolumeHeaderSizes, NrrdOneVoxelShortIsRefusedAndExactSizeReads) {
  test::TempDir tmp;
  const std::string header = nrrdHeader("4 3 2", "raw") + "\n";
  writeBytes(tmp / "short.nrrd", header + std::string(std::size_t{4} * 3 * 2 * 2 - 2, '\0'));
  const std::string what =
      errorOf<CorruptDataError>([&] { (void)readVolumeFile(tmp / "short.nrrd"); });
  EXPECT_NE(
      what.find("header says 48 bytes of voxels (4x3x2 voxels of 2 bytes), the file holds 46"),
      std::string::npos)
      << what;
  std::string data(48, '\0');
  data[2] = 7;  // voxel 1 = 7 (int16 little endian)
  writeBytes(tmp / "exact.nrrd", header + data);
  const ImageVolume v = readVolumeFile(tmp / "exact.nrrd");
  ASSERT_EQ(v.voxelCount(), 24U);
  EXPECT_EQ(v.data()[1], 7.0F);
}

TEST(VolumeHeaderSizes, SizeProductOverflowIsCorruptData) {
  test::TempDir tmp;
  // NRRD: 2^22 * 2^22 * 2^22 voxels = 2^66 (NrrdIO itself refuses the product).
  const fs::path nrrd = tmp / "overflow.nrrd";
  writeBytes(nrrd, nrrdHeader("4194304 4194304 4194304", "raw") + "\n" + std::string(16, '\0'));
  const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(nrrd); });
  EXPECT_NE(what.find(nrrd.string()), std::string::npos) << what;
  // MetaImage: 8e18 voxels fit 64 bits, their 6.4e19 bytes of double do not.
  const fs::path mha = tmp / "overflow.mha";
  writeBytes(mha,
             "ObjectType = Image\nNDims = 3\nDimSize = 2000000 2000000 2000000\n"
             "ElementType = MET_DOUBLE\nElementDataFile = LOCAL\n" +
                 std::string(16, '\0'));
  const std::string what_mha = errorOf<CorruptDataError>([&] { (void)readVolumeFile(mha); });
  EXPECT_NE(what_mha.find(mha.string()), std::string::npos) << what_mha;
  EXPECT_NE(what_mha.find("2000000x2000000x2000000 voxels of 8 bytes"), std::string::npos)
      << what_mha;
  EXPECT_NE(what_mha.find("more voxels than can be addressed"), std::string::npos) << what_mha;
}

TEST(VolumeHeaderSizes, GzipNrrdIsBoundedByDeflatesLargestRatio) {
  test::TempDir tmp;
  const fs::path f = tmp / "gz.nrrd";
  writeBytes(f, nrrdHeader("4096 4096 4096", "gzip") + "\n" + gzipped(std::string(64, '\0')));
  const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(f); });
  EXPECT_NE(what.find("header says 137438953472 bytes of voxels"), std::string::npos) << what;
  EXPECT_NE(what.find("compressed, at most"), std::string::npos) << what;
}

TEST(VolumeHeaderSizes, DetachedNrrdIsCheckedAgainstItsDataFile) {
  test::TempDir tmp;
  writeBytes(tmp / "vol.raw", std::string(10, '\0'));
  writeBytes(tmp / "vol.nhdr", nrrdHeader("100 100 100", "raw") + "data file: vol.raw\n");
  const std::string what =
      errorOf<CorruptDataError>([&] { (void)readVolumeFile(tmp / "vol.nhdr"); });
  EXPECT_NE(what.find("its data file " + (tmp / "vol.raw").string() + " holds 10"),
            std::string::npos)
      << what;
  // A data file that is not there holds nothing.
  writeBytes(tmp / "lost.nhdr", nrrdHeader("100 100 100", "raw") + "data file: lost.raw\n");
  EXPECT_THROW((void)readVolumeFile(tmp / "lost.nhdr"), CorruptDataError);
}

TEST(VolumeHeaderSizes, TextNrrdNeedsACharacterAndASeparatorPerValue) {
  test::TempDir tmp;
  const fs::path f = tmp / "text.nrrd";
  writeBytes(f, nrrdHeader("1000 1000 1000", "ascii", "uint8") + "\n1 2 3\n");
  const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(f); });
  EXPECT_NE(what.find("characters of text, at most 4 values"), std::string::npos) << what;
}

TEST(VolumeHeaderSizes, Bzip2NrrdIsUnsupportedBeforeAnyAllocation) {
  test::TempDir tmp;
  const fs::path f = tmp / "bz.nrrd";
  writeBytes(f, nrrdHeader("100000 100000 100000", "bzip2") + "\nBZh9");
  const std::string what = errorOf<UnsupportedError>([&] { (void)readVolumeFile(f); });
  EXPECT_NE(what.find("NRRD encoding 'bzip2'"), std::string::npos) << what;
}

TEST(VolumeHeaderSizes, NiftiClaimingMoreVoxelsThanItHoldsNamesFileAndSizes) {
  test::TempDir tmp;
  const fs::path f = tmp / "huge.nii";
  writeBytes(f, niftiHeader(30000, 30000, 30000) + std::string(2, '\0'));
  const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(f); });
  EXPECT_NE(what.find(f.string()), std::string::npos) << what;
  EXPECT_NE(what.find("header says 54000000000000 bytes of voxels"), std::string::npos) << what;
  EXPECT_NE(what.find("the file holds 6"), std::string::npos) << what;  // 354 - 348 header bytes
  // The same header gzip-compressed (.nii.gz): bounded by deflate's ratio.
  const fs::path gz = tmp / "huge.nii.gz";
  writeBytes(gz, gzipped(niftiHeader(30000, 30000, 30000) + std::string(2, '\0')));
  const std::string what_gz = errorOf<CorruptDataError>([&] { (void)readVolumeFile(gz); });
  EXPECT_NE(what_gz.find("compressed, at most"), std::string::npos) << what_gz;
}

TEST(VolumeHeaderSizes, NiftiOfExactSizeReads) {
  test::TempDir tmp;
  const fs::path f = tmp / "small.nii";
  std::string data(std::size_t{2} * 3 * 4 * 2, '\0');
  data[0] = 5;
  writeBytes(f, niftiHeader(2, 3, 4) + data);
  const ImageVolume v = readVolumeFile(f);
  ASSERT_EQ(v.voxelCount(), 24U);
  EXPECT_EQ(v.data()[0], 5.0F);
}

// ITK's NiftiImageIO abort()s (vnl_svd on a non-finite matrix) on these headers: found by the
// fuzz_nifti target (testdata/fuzz-seeds/nifti/regress_itk_vnl_abort_nan_sform.nii).
TEST(VolumeHeaderSizes, NiftiWithoutAValidOrientationIsCorruptDataNotAnAbort) {
  test::TempDir tmp;
  const auto withFloat = [](std::string h, std::size_t at, float v) {
    std::memcpy(&h[at], &v, sizeof v);
    return h;
  };
  std::string sform = niftiHeader(2, 3, 4);
  const std::int16_t code = 1;
  std::memcpy(&sform[254], &code, 2);  // sform_code
  sform = withFloat(sform, 280, 1.0F);
  sform = withFloat(sform, 300, 1.0F);
  sform = withFloat(sform, 320, 1.0F);  // identity axes
  const std::string data(std::size_t{2} * 3 * 4 * 2, '\0');
  writeBytes(tmp / "ok.nii", sform + data);
  EXPECT_EQ(readVolumeFile(tmp / "ok.nii").voxelCount(), 24U);

  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"nan-sform.nii", withFloat(sform, 280, nan)},
      {"inf-sform.nii", withFloat(sform, 292, std::numeric_limits<float>::infinity())},
      {"huge-sform.nii", withFloat(sform, 284, 3e37F)},
      {"zero-axis-sform.nii", withFloat(sform, 300, 0.0F)},
  };
  for (const auto& [name, header] : bad) {
    const fs::path f = tmp / name;
    writeBytes(f, header + data);
    const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(f); });
    EXPECT_NE(what.find(name + ": NIfTI sform"), std::string::npos) << what;
  }
  std::string qform = niftiHeader(2, 3, 4);
  std::memcpy(&qform[252], &code, 2);  // qform_code
  writeBytes(tmp / "nan-qform.nii.gz", gzipped(withFloat(qform, 260, nan) + data));
  const std::string what =
      errorOf<CorruptDataError>([&] { (void)readVolumeFile(tmp / "nan-qform.nii.gz"); });
  EXPECT_NE(what.find("NIfTI qform"), std::string::npos) << what;
}

// The inputs fuzz_nifti found, as kept in the seed corpus: a NaN sform, and a header whose
// sizeof_hdr is big-endian but whose dim[0] (which decides for niftilib) is little-endian.
TEST(VolumeHeaderSizes, NiftiFuzzFindingsAreCorruptDataNotAnAbort) {
  test::TempDir tmp;
  for (const std::string seed :
       {"regress_itk_vnl_abort_nan_sform.nii", "regress_itk_vnl_abort_swapped_header.nii"}) {
    const fs::path f = tmp / seed;
    fs::copy_file(fs::path(RFA_TESTDATA_DIR) / "fuzz-seeds" / "nifti" / seed, f);
    const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(f); });
    EXPECT_NE(what.find(f.string() + ": NIfTI "), std::string::npos) << what;
  }
}

TEST(VolumeHeaderSizes, MetaImageClaimingMoreVoxelsThanItHoldsIsCorruptData) {
  test::TempDir tmp;
  const fs::path f = tmp / "huge.mha";
  writeBytes(f,
             "ObjectType = Image\nNDims = 3\nDimSize = 50000 50000 50000\n"
             "ElementType = MET_SHORT\nElementDataFile = LOCAL\n" +
                 std::string(2, '\0'));
  const std::string what = errorOf<CorruptDataError>([&] { (void)readVolumeFile(f); });
  EXPECT_NE(what.find("header says 250000000000000 bytes of voxels"), std::string::npos) << what;
  EXPECT_NE(what.find("the file holds 2"), std::string::npos) << what;
}

}  // namespace
}  // namespace rfa::io
