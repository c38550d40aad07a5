// The rfaplan executable end to end: outputs, files written, documented exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rfa/io/volume_file.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using test::RunResult;
using test::TempDir;

RunResult rfaplan(std::vector<std::string> args) {
  args.insert(args.begin(), RFAPLAN_EXE);
  return test::run(args);
}

void writeSmallSeries(const fs::path& dir, const std::string& key,
                      const Size3& size = {16, 12, 5}) {
  ImageVolume v(ImageGeometry(size, Vec3(1.5, 1.5, 3), Vec3(-10, -10, 0)));
  for (std::size_t i = 0; i < v.voxelCount(); ++i)
    v.data()[i] = static_cast<float>(i % 300) - 100.0F;
  phantom::CtSeriesOptions o;
  o.uid_key = key;
  o.file_prefix = key;
  phantom::writeCtSeries(v, dir, o);
}

TEST(Cli, VersionAndHelpSayResearchUseOnly) {
  const RunResult v = rfaplan({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("research use only"), std::string::npos) << v.out;
  const RunResult h = rfaplan({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("RESEARCH USE ONLY"), std::string::npos);
  EXPECT_NE(h.out.find("Exit codes"), std::string::npos);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(rfaplan({}).exit_code, 2);
  EXPECT_EQ(rfaplan({"nosuchcommand"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"series"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"phantom", "--out", "x", "--lesions", "99"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"phantom", "--out", "x", "--size", "10,abc,3"}).exit_code, 2);
}

TEST(Cli, SeriesListsTextAndJson) {
  TempDir tmp;
  writeSmallSeries(tmp / "d", "A");
  const RunResult t = rfaplan({"series", (tmp / "d").string()});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("1 series"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("16 x 12 x 5 voxels"), std::string::npos) << t.out;
  const RunResult j = rfaplan({"series", (tmp / "d").string(), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["series"].size(), 1U);
  EXPECT_EQ(doc["series"][0]["slice_count"], 5);
  EXPECT_EQ(doc["series"][0]["modality"], "CT");
  EXPECT_DOUBLE_EQ(doc["series"][0]["spacing_mm"][2].get<double>(), 3.0);
  EXPECT_FALSE(doc["series"][0]["study_instance_uid"].get<std::string>().empty());
}

TEST(Cli, BadInputsGiveDocumentedExitCodesAndMessages) {
  TempDir tmp;
  fs::create_directories(tmp / "empty");
  RunResult r = rfaplan({"series", (tmp / "empty").string()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no files in folder"), std::string::npos) << r.err;

  r = rfaplan({"series", (tmp / "does-not-exist").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("input not found"), std::string::npos) << r.err;

  std::ofstream(tmp / "notes.txt") << "hello";
  r = rfaplan({"convert", (tmp / "notes.txt").string(), "-o", (tmp / "o.nrrd").string()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("notes.txt: not a DICOM file"), std::string::npos) << r.err;

  writeSmallSeries(tmp / "t", "T", {64, 64, 2});
  fs::path one;
  for (const auto& e : fs::directory_iterator(tmp / "t")) one = e.path();
  fs::resize_file(one, fs::file_size(one) / 2);
  r = rfaplan({"series", one.string()});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(one.filename().string()), std::string::npos) << r.err;
}

TEST(Cli, ConvertWritesNrrdAndNiftiAndNeedsASeriesChoice) {
  TempDir tmp;
  writeSmallSeries(tmp / "d", "A");
  RunResult r = rfaplan({"convert", (tmp / "d").string(), "-o", (tmp / "ct.nrrd").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ImageVolume nrrd = io::readVolumeFile(tmp / "ct.nrrd");
  EXPECT_EQ(nrrd.size(), (Size3{16, 12, 5}));
  EXPECT_NEAR(nrrd.geometry().origin().x(), -10.0, 1e-6);
  r = rfaplan({"convert", (tmp / "ct.nrrd").string(), "-o", (tmp / "ct.nii.gz").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(io::readVolumeFile(tmp / "ct.nii.gz").geometry().sameGrid(nrrd.geometry(), 1e-4));

  writeSmallSeries(tmp / "d", "B", {8, 8, 3});
  r = rfaplan({"convert", (tmp / "d").string(), "-o", (tmp / "x.nrrd").string()});
  EXPECT_EQ(r.exit_code, 9);
  EXPECT_NE(r.err.find("--series"), std::string::npos) << r.err;
  r = rfaplan({"convert", (tmp / "d").string(), "-o", (tmp / "x.png").string()});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, PhantomFolderLayoutAndItIsAcceptedAsInput) {
  TempDir tmp;
  const fs::path out = tmp / "ph";
  RunResult r = rfaplan({"phantom", "--out", out.string(), "--lesions", "3", "--seed", "5",
                         "--size", "96,80,40", "--spacing", "4,4,5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"liver", "lesions", "vessels", "bone", "lung", "body", "gallbladder"}) {
    EXPECT_TRUE(fs::exists(out / "truth" / (std::string(f) + ".nrrd"))) << f;
  }
  std::ifstream tj(out / "truth.json");
  const auto truth = nlohmann::json::parse(tj);
  EXPECT_EQ(truth["lesions"].size(), 3U);
  EXPECT_EQ(truth["frame"], "DICOM patient LPS, mm");
  // The phantom folder itself is an input: its CT matches the truth grid.
  r = rfaplan({"convert", out.string(), "-o", (tmp / "ct.nrrd").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ImageVolume ct = io::readVolumeFile(tmp / "ct.nrrd");
  const LabelMap liver = io::readLabelFile(out / "truth" / "liver.nrrd");
  EXPECT_TRUE(ct.geometry().sameGrid(liver.geometry(), 1e-3));
  EXPECT_EQ(ct.size(), (Size3{96, 80, 40}));
  // Same seed, same UIDs: deterministic.
  const fs::path out2 = tmp / "ph2";
  r = rfaplan({"phantom", "--out", out2.string(), "--lesions", "3", "--seed", "5", "--size",
               "96,80,40", "--spacing", "4,4,5"});
  ASSERT_EQ(r.exit_code, 0);
  std::ifstream tj2(out2 / "truth.json");
  EXPECT_EQ(nlohmann::json::parse(tj2)["series"], truth["series"]);
}

TEST(Cli, DemoRunsThePipelineOnThePhantom) {
  TempDir tmp;
  const RunResult r = rfaplan({"demo", "--out", (tmp / "demo").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("RESEARCH USE ONLY"), std::string::npos);
  EXPECT_NE(r.out.find("geometry matches"), std::string::npos) << r.out;
  std::ifstream f(tmp / "demo" / "demo.json");
  const auto j = nlohmann::json::parse(f);
  EXPECT_EQ(j["steps"]["load"]["max_abs_hu_difference_vs_truth"], 0.0);
  EXPECT_TRUE(fs::exists(tmp / "demo" / "ct.nrrd"));
  EXPECT_GE(j["steps"]["segmentation"]["liver_dice"].get<double>(), 0.97);
  EXPECT_TRUE(fs::exists(tmp / "demo" / "segmentation" / "lesions.nrrd"));
}

TEST(Cli, SegmentWritesMasksAndMeasurementsAndRejectsBadSeeds) {
  TempDir tmp;
  const fs::path ph = tmp / "ph";
  RunResult r = rfaplan({"phantom", "--out", ph.string(), "--lesions", "2", "--seed", "3", "--size",
                         "160,160,70", "--spacing", "2.4,2.4,2.8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream tj(ph / "truth.json");
  const auto truth = nlohmann::json::parse(tj);
  std::vector<std::string> args = {"segment", ph.string(), "-o", (tmp / "seg").string()};
  for (const auto& l : truth["lesions"]) {
    const auto& c = l["center_lps_mm"];
    args.push_back("--lesion-seed");
    args.push_back(std::to_string(c[0].get<double>()) + "," + std::to_string(c[1].get<double>()) +
                   "," + std::to_string(c[2].get<double>()));
  }
  r = rfaplan(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"body", "lung", "bone", "liver", "lesions", "vessels"}) {
    EXPECT_TRUE(fs::exists(tmp / "seg" / (std::string(f) + ".nrrd"))) << f;
  }
  // vessels.nrrd holds radii in mm within the phantom's range (1.5-6 mm, a voxel of slack).
  const ImageVolume radius = io::readVolumeFile(tmp / "seg" / "vessels.nrrd");
  const auto [rmin, rmax] = std::minmax_element(radius.data().begin(), radius.data().end());
  EXPECT_EQ(*rmin, 0.0F);
  EXPECT_GT(*rmax, 1.5F);
  EXPECT_LT(*rmax, 9.0F);
  std::ifstream lj(tmp / "seg" / "lesions.json");
  const auto report = nlohmann::json::parse(lj);
  ASSERT_EQ(report["lesions"].size(), 2U);
  EXPECT_EQ(report["frame"], "DICOM patient LPS, mm");
  // Each segmented lesion's volume is close to the truth (both in mL).
  for (std::size_t n = 0; n < 2; ++n) {
    const double truth_ml = truth["lesions"][n]["volume_ml_voxels"].get<double>();
    EXPECT_NEAR(report["lesions"][n]["volume_ml"].get<double>(), truth_ml, 0.25 * truth_ml + 0.2)
        << n;
  }
  const LabelMap lesions = io::readLabelFile(tmp / "seg" / "lesions.nrrd");
  const LabelMap liver = io::readLabelFile(ph / "truth" / "liver.nrrd");
  EXPECT_TRUE(lesions.geometry().sameGrid(liver.geometry(), 1e-3));

  // A seed outside the image (exit 6) and a seed in the air around the body (exit 4).
  r = rfaplan({"segment", ph.string(), "-o", (tmp / "bad").string(), "--lesion-seed", "0,0,5000"});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("outside the image"), std::string::npos) << r.err;
  r = rfaplan(
      {"segment", ph.string(), "-o", (tmp / "bad").string(), "--lesion-seed", "-185,-185,0"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("outside the body"), std::string::npos) << r.err;
}

TEST(Cli, SegmentAutoLesionsFindsThePhantomLesions) {
  TempDir tmp;
  const fs::path ph = tmp / "ph";
  RunResult r = rfaplan({"phantom", "--out", ph.string(), "--lesions", "4", "--seed", "2", "--size",
                         "192,192,80", "--spacing", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = rfaplan({"segment", ph.string(), "--auto-lesions", "-o", (tmp / "seg").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream tj(ph / "truth.json");
  const auto truth = nlohmann::json::parse(tj);
  std::ifstream lj(tmp / "seg" / "lesions.json");
  const auto report = nlohmann::json::parse(lj);
  // Every truth lesion >= 10 mm has a detected lesion whose centroid is within its radius.
  for (const auto& t : truth["lesions"]) {
    if (t["diameter_mm"].get<double>() < 10.0) continue;
    const Vec3 c(t["center_lps_mm"][0].get<double>(), t["center_lps_mm"][1].get<double>(),
                 t["center_lps_mm"][2].get<double>());
    bool hit = false;
    for (const auto& l : report["lesions"]) {
      const Vec3 d(l["centroid_lps_mm"][0].get<double>(), l["centroid_lps_mm"][1].get<double>(),
                   l["centroid_lps_mm"][2].get<double>());
      hit = hit || (d - c).norm() < t["diameter_mm"].get<double>() / 2.0;
    }
    EXPECT_TRUE(hit) << "lesion " << t["label"] << " (" << t["diameter_mm"] << " mm) not found";
    EXPECT_EQ(report["lesions"][0]["segmentation"]["source"], "automatic candidate");
  }
  EXPECT_LE(report["lesions"].size(), truth["lesions"].size() + 1);
}

}  // namespace
}  // namespace rfa
