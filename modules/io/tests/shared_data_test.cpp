// Real DICOM from ../shared/testdata, read in place (skipped when absent).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "test_support.h"

namespace rfa::io {
namespace {
namespace fs = std::filesystem;

bool anyContains(const std::vector<std::string>& v, const std::string& text) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

struct IrcadbReference {
  std::string md5;
  Size3 size{};
};

IrcadbReference ircadbReference(const fs::path& root) {
  std::ifstream f(root / "reference_stats.json");
  const auto j = nlohmann::json::parse(f);
  IrcadbReference r;
  r.md5 = j.at("ct_int16_md5_zyx_little_endian").get<std::string>();
  const auto shape = j.at("shape_zyx");
  r.size = {shape[2].get<std::size_t>(), shape[1].get<std::size_t>(), shape[0].get<std::size_t>()};
  return r;
}

TEST(SharedData, Ircadb17LoadsWithReferenceGeometryAndVoxels) {
  const fs::path root = test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const IrcadbReference ref = ircadbReference(root);
  const ScanResult scan = scanDicom(root / "ct");
  ASSERT_EQ(scan.series.size(), 1U);
  const DicomSeries& s = scan.series.front();
  EXPECT_TRUE(s.frame_of_reference_generated);  // IRCADb has no FrameOfReferenceUID
  const LoadedSeries l = loadSeries(s);
  const auto& g = l.image.geometry();
  EXPECT_EQ(g.size(), ref.size);
  EXPECT_EQ(g.size(), (Size3{512, 512, 119}));
  EXPECT_NEAR(g.spacing()[0], 0.743, 1e-3);
  EXPECT_NEAR(g.spacing()[1], 0.743, 1e-3);
  EXPECT_NEAR(g.spacing()[2], 1.6, 1e-3);
  EXPECT_LT(g.origin().norm(), 1e-6);  // IPP (0,0,0) on the first slice
  EXPECT_EQ(test::int16Md5(l.image), ref.md5);
  // Every slice keeps its SOP Instance UID and position for export.
  for (const auto& sl : l.series.slices) {
    EXPECT_FALSE(sl.sop_instance_uid.empty());
    EXPECT_TRUE(sl.position.has_value());
  }
}

TEST(SharedData, Ircadb17LabelNrrdSharesTheDicomGrid) {
  const fs::path root = test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  fs::path liver;
  for (const auto& e : fs::directory_iterator(root / "labels_nrrd")) {
    if (e.path().filename().string().rfind("liver", 0) == 0) liver = e.path();
  }
  ASSERT_FALSE(liver.empty());
  const LabelMap labels = readLabelFile(liver);
  const LoadedImage ct = loadImage(root / "ct");
  EXPECT_TRUE(labels.geometry().sameGrid(ct.image.geometry(), 1e-2))
      << labels.geometry().describe() << " vs " << ct.image.geometry().describe();
}

// Copies renamed, shuffled, nested in sub-folders and recompressed with DCMTK: same voxels.
TEST(SharedData, Ircadb17CopiesRenamedNestedAndRecompressedGiveSameVoxels) {
  const fs::path root = test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  for (const char* tool : {"dcmcrle", "dcmcjpeg", "dcmcjpls"}) {
    if (!test::haveProgram(tool)) GTEST_SKIP() << tool << " (DCMTK tools) not installed";
  }
  const IrcadbReference ref = ircadbReference(root);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(root / "ct")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::mt19937 rng(17);
  std::vector<std::size_t> perm(files.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);

  test::TempDir tmp;
  struct Variant {
    std::string name;
    std::vector<std::string> cmd;  // empty: plain copy
  };
  const std::vector<Variant> variants = {{"renamed", {}},
                                         {"rle", {"dcmcrle"}},
                                         {"jpegls", {"dcmcjpls"}},
                                         {"jpeg_lossless", {"dcmcjpeg", "+e1"}}};
  for (const auto& v : variants) {
    // Shuffled names, three levels of sub-folders, odd extensions.
    parallelFor(files.size(), [&](std::size_t i) {
      const std::size_t p = perm[i];
      const fs::path dst = tmp.path() / v.name / ("d" + std::to_string(p % 3)) /
                           ("e" + std::to_string(p % 5)) /
                           ("x" + std::to_string(p * 7919 % 1000) + (p % 2 ? ".dcm" : ".IMA"));
      fs::create_directories(dst.parent_path());
      if (v.cmd.empty()) {
        fs::copy_file(files[i], dst);
      } else {
        std::vector<std::string> argv = v.cmd;
        argv.push_back(files[i].string());
        argv.push_back(dst.string());
        const auto r = test::run(argv);
        if (r.exit_code != 0) throw std::runtime_error(v.name + ": " + r.err);
      }
    });
    const ScanResult scan = scanDicom(tmp.path() / v.name);
    ASSERT_EQ(scan.series.size(), 1U) << v.name;
    ASSERT_EQ(scan.series[0].slices.size(), 119U) << v.name;
    if (!v.cmd.empty()) {
      EXPECT_NE(scan.series[0].slices[0].transfer_syntax_uid, "1.2.840.10008.1.2.1") << v.name;
    }
    const LoadedSeries l = loadSeries(scan.series[0]);
    EXPECT_EQ(test::int16Md5(l.image), ref.md5) << v.name;
    fs::remove_all(tmp.path() / v.name);
  }
}

TEST(SharedData, TotalSegmentatorJpeg2000WithEmptySopClassLoadsWithWarning) {
  const fs::path dir = test::sharedTestData("totalsegmentator-example/example_ct_dicom");
  RFA_SKIP_IF_MISSING(dir, "totalsegmentator-example/example_ct_dicom");
  const LoadedImage img = loadImage(dir);
  ASSERT_TRUE(img.series.has_value());
  EXPECT_EQ(img.series->slices.size(), 20U);
  EXPECT_EQ(img.series->slices[0].transfer_syntax_uid, "1.2.840.10008.1.2.4.90");
  EXPECT_TRUE(anyContains(img.warnings, "SOPClassUID (0008,0016) is empty"))
      << ::testing::PrintToString(img.warnings);
  EXPECT_EQ(img.image.size()[0], 512U);
  // CT in HU: air outside the body, soft tissue inside.
  const auto [mn, mx] = std::minmax_element(img.image.data().begin(), img.image.data().end());
  EXPECT_LE(*mn, -900.0F);
  EXPECT_GE(*mx, 300.0F);
  EXPECT_LE(*mx, 4000.0F);
}

TEST(SharedData, DcmqiThreeSliceCtLoads) {
  const fs::path dir = test::sharedTestData("dcmqi-liver-ct3slice");
  RFA_SKIP_IF_MISSING(dir, "dcmqi-liver-ct3slice");
  const ScanResult scan = scanDicom(dir);
  // The SEG object in the folder is not an image series.
  ASSERT_EQ(scan.series.size(), 1U);
  EXPECT_TRUE(std::any_of(scan.skipped.begin(), scan.skipped.end(), [](const SkippedFile& s) {
    return s.reason.find("Segmentation") != std::string::npos;
  }));
  const LoadedImage img = loadImage(dir);
  EXPECT_EQ(img.image.size()[2], 3U);
  // The dcmqi NRRD of the liver lies on the same grid.
  const LabelMap seg = readLabelFile(dir / "liver_seg.nrrd");
  EXPECT_EQ(seg.size(), img.image.size());
  EXPECT_LT((seg.geometry().origin() - img.image.geometry().origin()).norm(), 0.01);
}

TEST(SharedData, TcgaMrSortsByPositionNotFileOrder) {
  const fs::path root = test::sharedTestData("tcga-lihc-mr");
  RFA_SKIP_IF_MISSING(root, "tcga-lihc-mr");
  const LoadedImage img = loadImage(root);
  ASSERT_TRUE(img.series.has_value());
  EXPECT_EQ(img.series->modality, "MR");
  EXPECT_EQ(img.image.size()[0], 256U);
  const auto& pos = img.series->slice_positions_mm;
  EXPECT_TRUE(std::is_sorted(pos.begin(), pos.end()));
  // Spacing comes from positions (13 mm), not SpacingBetweenSlices (3.0).
  EXPECT_NEAR(img.image.geometry().spacing()[2], 13.0, 0.5);
}

}  // namespace
}  // namespace rfa::io
