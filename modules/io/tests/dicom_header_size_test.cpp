// Rows x Columns x NumberOfFrames claimed by a DICOM header are checked against the pixel data
// before any allocation (issue 23): compressed (encapsulated) pixel data included.
#include <dcmtk/config/osconfig.h>  // must come first
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "rfa/core/error.h"
#include "rfa/io/dicom_scan.h"
#include "test_support.h"

namespace rfa::io {
namespace {
namespace fs = std::filesystem;

// A copy of a seed slice (24x20, 16 bit) with some header values replaced.
fs::path withValues(const fs::path& dir, const std::string& seed,
                    const std::vector<std::pair<DcmTagKey, std::string>>& values) {
  const fs::path in = fs::path(RFA_TESTDATA_DIR) / "fuzz-seeds" / seed;
  DcmFileFormat ff;
  EXPECT_TRUE(ff.loadFile(in.c_str()).good()) << in;
  for (const auto& [tag, value] : values) {
    EXPECT_TRUE(ff.getDataset()->putAndInsertString(tag, value.c_str()).good());
  }
  const fs::path out = dir / ("modified-" + seed);
  EXPECT_TRUE(ff.saveFile(out.c_str(), ff.getDataset()->getOriginalXfer()).good()) << out;
  return out;
}

std::string corruptDataMessage(const fs::path& file) {
  try {
    (void)readSliceHeaders(file);
  } catch (const CorruptDataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no CorruptDataError for " << file;
  return "";
}

TEST(DicomHeaderSizes, CompressedFrameClaimingHugeRowsAndColumnsIsRefusedBeforeDecoding) {
  const test::TempDir dir;
  for (const std::string seed :
       {"ct_jpeg_lossless.dcm", "ct_jpegls.dcm", "ct_rle.dcm", "ct_j2k.dcm"}) {
    // The unmodified seed reads.
    EXPECT_EQ(readSliceHeaders(fs::path(RFA_TESTDATA_DIR) / "fuzz-seeds" / seed).size(), 1U);
    // 65535 x 65535 x 2 bytes (8.6 GB) claimed by a 2 KB file: refused, naming file and sizes.
    const fs::path f = withValues(dir.path(), seed, {{DCM_Rows, "65535"}, {DCM_Columns, "65535"}});
    const std::string what = corruptDataMessage(f);
    EXPECT_NE(what.find(f.string()), std::string::npos) << what;
    EXPECT_NE(
        what.find("compressed bytes, Rows x Columns x frames x BitsAllocated needs 8589672450"),
        std::string::npos)
        << what;
  }
}

TEST(DicomHeaderSizes, NativeSizeProductThatOverflowsIsRefused) {
  const test::TempDir dir;
  // 65535 x 65535 x 2147483647 frames x 65535 samples x 16 bits: past 2^64; must not wrap around.
  const fs::path f = withValues(dir.path(), "ct_explicit_le.dcm",
                                {{DCM_Rows, "65535"},
                                 {DCM_Columns, "65535"},
                                 {DCM_NumberOfFrames, "2147483647"},
                                 {DCM_SamplesPerPixel, "65535"}});
  const std::string what = corruptDataMessage(f);
  EXPECT_NE(what.find("PixelData (7FE0,0010) holds"), std::string::npos) << what;
  EXPECT_NE(what.find(f.string()), std::string::npos) << what;
}

}  // namespace
}  // namespace rfa::io
