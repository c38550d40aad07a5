// DICOM series written to disk by rfaplan's CT writer (DCMTK), read back through scan + load:
// exact voxels and geometry, every geometry warning, compressed transfer syntaxes, bad files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/io/input.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa::io {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

// Integer HU pattern that varies along every axis (so any mis-ordering shows).
ImageVolume pattern(const ImageGeometry& g) {
  ImageVolume v(g);
  for (std::size_t k = 0; k < g.size()[2]; ++k)
    for (std::size_t j = 0; j < g.size()[1]; ++j)
      for (std::size_t i = 0; i < g.size()[0]; ++i)
        v(i, j, k) = static_cast<float>(static_cast<int>((i * 7 + j * 3 + k * 50) % 2000) - 1000);
  return v;
}

phantom::CtSeriesOptions opts(const std::string& key) {
  phantom::CtSeriesOptions o;
  o.uid_key = key;
  return o;
}

bool anyContains(const std::vector<std::string>& v, const std::string& text) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> f;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) f.push_back(e.path());
  }
  std::sort(f.begin(), f.end());
  return f;
}

TEST(DicomFiles, AxialSeriesRoundTripsExactly) {
  TempDir tmp;
  const ImageGeometry g({40, 30, 12}, Vec3(0.8, 0.9, 2.5), Vec3(-150.25, -99.5, -300.0));
  const ImageVolume v = pattern(g);
  phantom::writeCtSeries(v, tmp.path(), opts("axial"));
  const ScanResult scan = scanDicom(tmp.path());
  ASSERT_EQ(scan.series.size(), 1U);
  EXPECT_TRUE(scan.skipped.empty());
  const DicomSeries& s = scan.series.front();
  EXPECT_EQ(s.modality, "CT");
  EXPECT_EQ(s.slices.size(), 12U);
  EXPECT_TRUE(s.warnings.empty()) << ::testing::PrintToString(s.warnings);
  EXPECT_EQ(s.study.patient_name, "RFA^Phantom");
  for (const auto& sl : s.slices) EXPECT_FALSE(sl.sop_instance_uid.empty());
  const LoadedSeries l = loadSeries(s);
  ASSERT_TRUE(l.image.geometry().sameGrid(g, 1e-4)) << l.image.geometry().describe();
  EXPECT_EQ(test::int16Md5(l.image), test::int16Md5(v));
}

TEST(DicomFiles, ObliqueOrientationRoundTrips) {
  TempDir tmp;
  const double a = 25.0 * M_PI / 180.0;
  Mat3 d;
  d.col(0) = Vec3(std::cos(a), std::sin(a), 0);
  d.col(1) = Vec3(0, 0, -1);  // coronal-ish, rows go inferior
  d.col(2) = d.col(0).cross(d.col(1));
  const ImageGeometry g({20, 24, 9}, Vec3(1.1, 1.3, 3.0), Vec3(10, 20, 30), d);
  const ImageVolume v = pattern(g);
  phantom::writeCtSeries(v, tmp.path(), opts("oblique"));
  const ScanResult scan = scanDicom(tmp.path());
  ASSERT_EQ(scan.series.size(), 1U);
  const LoadedSeries l = loadSeries(scan.series.front());
  EXPECT_TRUE(l.image.geometry().sameGrid(g, 1e-4)) << l.image.geometry().describe();
  EXPECT_EQ(test::int16Md5(l.image), test::int16Md5(v));
}

TEST(DicomFiles, TwoSeriesInOneFolderGiveTwoSeries) {
  TempDir tmp;
  const ImageGeometry g1({16, 16, 5}, Vec3(1, 1, 2), Vec3(0, 0, 0));
  const ImageGeometry g2({20, 18, 7}, Vec3(1.5, 1.5, 3), Vec3(0, 0, 0));
  auto o2 = opts("second");
  o2.file_prefix = "MR";
  o2.series_number = 2;
  phantom::writeCtSeries(pattern(g1), tmp / "mixed", opts("first"));
  phantom::writeCtSeries(pattern(g2), tmp / "mixed", o2);
  const ScanResult scan = scanDicom(tmp / "mixed");
  ASSERT_EQ(scan.series.size(), 2U);
  EXPECT_EQ(scan.series[0].slices.size(), 5U);
  EXPECT_EQ(scan.series[1].slices.size(), 7U);
  // Without --series the choice is ambiguous: a SelectionError lists both.
  try {
    loadImage(tmp / "mixed");
    FAIL() << "expected SelectionError";
  } catch (const SelectionError& e) {
    EXPECT_NE(std::string(e.what()).find(scan.series[0].id), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(scan.series[1].id), std::string::npos);
  }
  const LoadedImage img = loadImage(tmp / "mixed", scan.series[1].id);
  EXPECT_EQ(img.image.size()[2], 7U);
  EXPECT_THROW(loadImage(tmp / "mixed", "1.2.3.4.5"), SelectionError);
}

TEST(DicomFiles, RemovedMiddleSliceIsReportedAndInterpolated) {
  TempDir tmp;
  const ImageGeometry g({12, 10, 9}, Vec3(1, 1, 2), Vec3(0, 0, -8));
  const ImageVolume v = pattern(g);
  phantom::writeCtSeries(v, tmp.path(), opts("gap"));
  const auto files = filesIn(tmp.path());
  ASSERT_EQ(files.size(), 9U);
  fs::remove(files[4]);  // z = 0 mm
  const ScanResult scan = scanDicom(tmp.path());
  ASSERT_EQ(scan.series.size(), 1U);
  const DicomSeries& s = scan.series.front();
  EXPECT_TRUE(anyContains(s.warnings, "missing slice(s): gap of 4.000 mm"))
      << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(anyContains(s.warnings, "-2.000 mm")) << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(anyContains(s.warnings, "2.000 mm ("));
  const LoadedSeries l = loadSeries(s);
  ASSERT_EQ(l.image.size()[2], 9U);
  EXPECT_NEAR(l.image.geometry().spacing()[2], 2.0, 1e-9);
  // Interpolated slice 4 is the mean of slices 3 and 5; the others are unchanged.
  for (std::size_t j = 0; j < 10; ++j)
    for (std::size_t i = 0; i < 12; ++i) {
      EXPECT_FLOAT_EQ(l.image(i, j, 4), 0.5F * (v(i, j, 3) + v(i, j, 5)));
      EXPECT_FLOAT_EQ(l.image(i, j, 6), v(i, j, 6));
    }
}

TEST(DicomFiles, GantryTiltIsReportedAndGeometryKept) {
  TempDir tmp;
  Mat3 d = Mat3::Identity();
  const double t = 12.0 * M_PI / 180.0;
  d.col(2) = Vec3(0, std::sin(t), std::cos(t));  // slices shifted in y as z advances
  const ImageGeometry g({16, 16, 6}, Vec3(1, 1, 2), Vec3(0, 0, 0), d);
  phantom::writeCtSeries(pattern(g), tmp.path(), opts("tilt"));
  const ScanResult scan = scanDicom(tmp.path());
  ASSERT_EQ(scan.series.size(), 1U);
  EXPECT_NEAR(scan.series[0].gantry_tilt_deg, 12.0, 1e-3);
  EXPECT_TRUE(anyContains(scan.series[0].warnings, "gantry tilt"));
  const LoadedSeries l = loadSeries(scan.series[0]);
  EXPECT_TRUE(l.image.geometry().sameGrid(g, 1e-3)) << l.image.geometry().describe();
}

TEST(DicomFiles, MissingFrameOfReferenceIsGeneratedAndSaid) {
  TempDir tmp;
  auto o = opts("nofor");
  o.write_frame_of_reference = false;
  phantom::writeCtSeries(pattern(ImageGeometry({8, 8, 3}, Vec3(1, 1, 1), Vec3::Zero())), tmp.path(),
                         o);
  const ScanResult scan = scanDicom(tmp.path());
  ASSERT_EQ(scan.series.size(), 1U);
  EXPECT_TRUE(scan.series[0].frame_of_reference_generated);
  EXPECT_TRUE(anyContains(scan.series[0].warnings, "FrameOfReferenceUID (0020,0052) missing"));
}

TEST(DicomFiles, CompressedTransferSyntaxesDecodeToSameVoxels) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> codecs = {
      {"RLE", {"dcmcrle"}},
      {"JPEG lossless SV1", {"dcmcjpeg", "+e1"}},
      {"JPEG-LS lossless", {"dcmcjpls"}},
  };
  for (const auto& [name, cmd] : codecs) {
    if (!test::haveProgram(cmd.front()))
      GTEST_SKIP() << cmd.front() << " (DCMTK tools) not installed";
  }
  TempDir tmp;
  const ImageGeometry g({32, 24, 6}, Vec3(0.7, 0.7, 1.5), Vec3(5, 6, 7));
  const ImageVolume v = pattern(g);
  phantom::writeCtSeries(v, tmp / "plain", opts("codec"));
  const std::string plain_md5 =
      test::int16Md5(loadSeries(scanDicom(tmp / "plain").series.front()).image);
  ASSERT_EQ(plain_md5, test::int16Md5(v));
  for (const auto& [name, cmd] : codecs) {
    const fs::path out = tmp / name;
    fs::create_directories(out);
    for (const auto& f : filesIn(tmp / "plain")) {
      std::vector<std::string> argv = cmd;
      argv.push_back(f.string());
      argv.push_back((out / f.filename()).string());
      const auto r = test::run(argv);
      ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    }
    const ScanResult scan = scanDicom(out);
    ASSERT_EQ(scan.series.size(), 1U) << name;
    EXPECT_NE(scan.series[0].slices[0].transfer_syntax_uid, "1.2.840.10008.1.2.1") << name;
    EXPECT_EQ(test::int16Md5(loadSeries(scan.series[0]).image), plain_md5) << name;
  }
}

TEST(DicomFiles, DicomdirIsNoticedAndFilesWithoutExtensionAreRead) {
  if (!test::haveProgram("dcmmkdir")) GTEST_SKIP() << "dcmmkdir (DCMTK tools) not installed";
  TempDir tmp;
  phantom::writeCtSeries(pattern(ImageGeometry({16, 16, 3}, Vec3(1, 1, 1), Vec3::Zero())),
                         tmp / "w", opts("dicomdir"));
  fs::create_directories(tmp / "media" / "IMG");
  int n = 0;
  for (const auto& f : filesIn(tmp / "w")) {
    fs::copy_file(f, tmp / "media" / "IMG" / ("IM" + std::to_string(++n)));  // ISO 9660 names
  }
  const std::string media = (tmp / "media").string();
  const auto r = test::run({"sh", "-c", "cd '" + media + "' && dcmmkdir --recurse IMG"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(tmp / "media" / "DICOMDIR"));
  const ScanResult scan = scanDicom(tmp / "media");
  EXPECT_TRUE(scan.used_dicomdir);
  ASSERT_EQ(scan.series.size(), 1U);
  EXPECT_EQ(scan.series[0].slices.size(), 3U);
  EXPECT_TRUE(scan.skipped.empty());
}

// ---- bad input: clear errors with the documented code, never a crash ----

TEST(DicomFilesNegative, EmptyFolderIsNoData) {
  TempDir tmp;
  try {
    scanDicom(tmp.path());
    FAIL();
  } catch (const NoDataError& e) {
    EXPECT_NE(std::string(e.what()).find("no files"), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), ExitCode::kNoData);
  }
}

TEST(DicomFilesNegative, MissingPathIsNotFound) {
  EXPECT_THROW(scanDicom("/nonexistent/rfaplan/input"), NotFoundError);
  EXPECT_THROW(loadImage("/nonexistent/rfaplan/input"), NotFoundError);
}

TEST(DicomFilesNegative, NonDicomFileIsNoDataNamingTheFile) {
  TempDir tmp;
  std::ofstream(tmp / "notes.txt") << "this is not DICOM\n";
  try {
    scanDicom(tmp / "notes.txt");
    FAIL();
  } catch (const NoDataError& e) {
    EXPECT_NE(std::string(e.what()).find("notes.txt: not a DICOM file"), std::string::npos)
        << e.what();
  }
}

TEST(DicomFilesNegative, JunkBesideASeriesIsSkippedWithReason) {
  TempDir tmp;
  phantom::writeCtSeries(pattern(ImageGeometry({8, 8, 4}, Vec3(1, 1, 1), Vec3::Zero())), tmp.path(),
                         opts("junk"));
  std::ofstream(tmp / "README") << "scanner export\n";
  const ScanResult scan = scanDicom(tmp.path());
  ASSERT_EQ(scan.series.size(), 1U);
  ASSERT_EQ(scan.skipped.size(), 1U);
  EXPECT_NE(scan.skipped[0].reason.find("README: not a DICOM file"), std::string::npos);
  EXPECT_NO_THROW(loadImage(tmp.path()));
}

TEST(DicomFilesNegative, TruncatedFileIsCorruptNamingTheFile) {
  TempDir tmp;
  phantom::writeCtSeries(pattern(ImageGeometry({64, 64, 3}, Vec3(1, 1, 1), Vec3::Zero())),
                         tmp / "s", opts("trunc"));
  const auto files = filesIn(tmp / "s");
  // Alone: the truncated file is reported as corrupt (exit code 5).
  fs::create_directories(tmp / "alone");
  fs::copy_file(files[1], tmp / "alone" / "slice.dcm");
  fs::resize_file(tmp / "alone" / "slice.dcm", fs::file_size(files[1]) / 2);
  try {
    scanDicom(tmp / "alone");
    FAIL();
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find("slice.dcm"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  // In a series: skipped with the reason; the gap it leaves is reported.
  fs::resize_file(files[1], fs::file_size(files[1]) - 1000);
  const ScanResult scan = scanDicom(tmp / "s");
  ASSERT_EQ(scan.skipped.size(), 1U);
  EXPECT_TRUE(scan.skipped[0].looks_like_dicom);
  EXPECT_NE(scan.skipped[0].reason.find(files[1].filename().string()), std::string::npos);
  // Cut inside the header: still a clean error.
  fs::resize_file(tmp / "alone" / "slice.dcm", 200);
  EXPECT_THROW(scanDicom(tmp / "alone"), Error);
}

TEST(DicomFilesNegative, EveryPrefixOfAFileIsParsedOrRejectedCleanly) {
  TempDir tmp;
  phantom::writeCtSeries(pattern(ImageGeometry({8, 8, 1}, Vec3(1, 1, 1), Vec3::Zero())), tmp / "s",
                         opts("cut"));
  const fs::path f = filesIn(tmp / "s").front();
  std::ifstream in(f, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(readSliceHeaders(f).size(), 1U);
  // Every prefix either parses (and then loads or fails cleanly) or throws an rfa::Error.
  std::size_t parsed = 0;
  for (std::size_t n = 0; n < bytes.size(); n += 5) {
    const fs::path cut = tmp / "cut.dcm";
    std::ofstream(cut, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(n));
    try {
      const auto slices = readSliceHeaders(cut);
      ++parsed;
      for (const auto& s : assembleSeries(slices)) {
        if (s.loadable) loadSeries(s);
      }
    } catch (const Error&) {
    }
  }
  EXPECT_EQ(parsed, 0U) << "a truncated file was accepted";
}

}  // namespace
}  // namespace rfa::io

namespace rfa::io {
namespace {

// Found by the fuzz smoke run: a JPEG-lossless file whose first fragment has a TEM marker (FF01)
// before the frame header. DCMTK 3.6.7's bit-depth scan never returns on it; rfaplan refuses the
// file with a clear error instead (and fast).
TEST(DicomFilesNegative, JpegWithTemMarkerBeforeTheFrameHeaderIsCorruptNotAHang) {
  const std::filesystem::path seed =
      std::filesystem::path(RFA_TESTDATA_DIR) / "fuzz-seeds" / "regress_jpeg_tem_before_sof.dcm";
  ASSERT_TRUE(std::filesystem::exists(seed)) << seed;
  const rfa::test::TempDir dir;
  std::filesystem::copy_file(seed, dir / "x.dcm");
  try {
    (void)loadImage(dir.path());
    ADD_FAILURE() << "no exception";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find("TEM marker (FF01)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x.dcm"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rfa::io
