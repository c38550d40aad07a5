// The rfaplan executable end to end: outputs, files written, documented exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

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
  EXPECT_NE(r.out.find(", int16"), std::string::npos) << r.out;  // CT stored exactly as int16
  r = rfaplan({"convert", (tmp / "ct.nrrd").string(), "-o", (tmp / "ct.nii.gz").string(),
               "--compression-level", "9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ImageVolume gz = io::readVolumeFile(tmp / "ct.nii.gz");
  EXPECT_TRUE(gz.geometry().sameGrid(nrrd.geometry(), 1e-4));
  for (std::size_t i = 0; i < gz.voxelCount(); ++i) ASSERT_EQ(gz.data()[i], nrrd.data()[i]) << i;
  r = rfaplan({"convert", (tmp / "ct.nrrd").string(), "-o", (tmp / "x.nii.gz").string(),
               "--compression-level", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--compression-level"), std::string::npos) << r.err;

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
  EXPECT_EQ(report["modality"], "CT");
  for (const auto& l : report["lesions"]) {
    EXPECT_TRUE(l["segmentation"]["confident"].is_boolean()) << l;
    EXPECT_FALSE(l["segmentation"]["triage"].get<std::string>().empty()) << l;
  }

  // Review pictures: the liver and one per lesion, PNG files.
  r = rfaplan(
      {"segment", ph.string(), "--auto-lesions", "--review-images", "-o", (tmp / "seg2").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto isPng = [](const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    char sig[8] = {};
    in.read(sig, 8);
    return in && std::string(sig + 1, 3) == "PNG";
  };
  EXPECT_TRUE(isPng(tmp / "seg2" / "review" / "liver.png"));
  for (const auto& l : report["lesions"]) {
    const fs::path f =
        tmp / "seg2" / "review" / ("lesion_" + std::to_string(l["label"].get<int>()) + ".png");
    EXPECT_TRUE(isPng(f)) << f;
  }

  // Modality: a bad value exits 2; MR refuses automatic candidates (exit 7) and plan refuses MR.
  r = rfaplan({"segment", ph.string(), "--modality", "PET", "-o", (tmp / "x").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("CT or MR"), std::string::npos) << r.err;
  r = rfaplan(
      {"segment", ph.string(), "--modality", "MR", "--auto-lesions", "-o", (tmp / "x").string()});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("CT only"), std::string::npos) << r.err;
}

TEST(Cli, SegmentMrVolumeFileAndPlanRefusesMr) {
  const auto root = rfa::test::sharedTestData("chaos-mr-t2");
  RFA_SKIP_IF_MISSING(root, "chaos-mr-t2");
  TempDir tmp;
  const fs::path image = root / "image_19.nii.gz";
  RunResult r = rfaplan({"segment", image.string(), "-o", (tmp / "seg").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("segmented as MR"), std::string::npos) << r.err;  // the guess is said
  std::ifstream lj(tmp / "seg" / "lesions.json");
  const auto report = nlohmann::json::parse(lj);
  EXPECT_EQ(report["modality"], "MR");
  EXPECT_GT(report["liver"]["volume_ml"].get<double>(), 1000.0);
  EXPECT_TRUE(report["liver"].contains("intensity_model_mr_normalised"));
  r = rfaplan({"plan", image.string(), "-o", (tmp / "plan.json").string()});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("planning on MR"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "plan.json"));
}

TEST(Cli, SegmentMrWithALiverAtlasFolder) {
  const auto root = rfa::test::sharedTestData("chaos-mr-t2");
  RFA_SKIP_IF_MISSING(root, "chaos-mr-t2");
  TempDir tmp;
  // Two labelled volumes of other patients as the atlas folder (links to ../shared, read in place).
  const fs::path atlases = tmp / "atlases";
  fs::create_directories(atlases);
  for (const std::string id : {"1", "20"}) {
    for (const std::string kind : {"image_", "label_"}) {
      fs::create_symlink(root / (kind + id + ".nii.gz"), atlases / (kind + id + ".nii.gz"));
    }
  }
  const fs::path image = root / "image_19.nii.gz";
  RunResult r = rfaplan(
      {"segment", image.string(), "--liver-atlas", atlases.string(), "-o", (tmp / "seg").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("atlas 2/2 registered"), std::string::npos) << r.err;
  std::ifstream lj(tmp / "seg" / "lesions.json");
  const auto report = nlohmann::json::parse(lj);
  const auto& by = report["liver"]["segmented_by"];
  EXPECT_EQ(by["method"], "multi-atlas");
  ASSERT_EQ(by["atlases"].size(), 2U);
  EXPECT_EQ(by["atlases"][0]["name"], "image_1.nii.gz");
  // The expert liver of case 19 holds 1854 mL (the library test measures Dice with 9 atlases).
  EXPECT_NEAR(report["liver"]["volume_ml"].get<double>(), 1854.0, 0.25 * 1854.0);
  EXPECT_TRUE(fs::exists(tmp / "seg" / "liver.nrrd"));
  // A missing atlas folder: exit 3, the folder named.
  r = rfaplan({"segment", image.string(), "--liver-atlas", (tmp / "none").string(), "-o",
               (tmp / "x").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find((tmp / "none").string()), std::string::npos) << r.err;
}

// A small phantom (fast to write and load) and the centre of its largest lesion as "x,y,z".
std::string writeSimulationPhantom(const fs::path& dir) {
  const RunResult r = rfaplan({"phantom", "--out", dir.string(), "--lesions", "2", "--seed", "5",
                               "--size", "96,80,40", "--spacing", "4,4,5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream tj(dir / "truth.json");
  const auto truth = nlohmann::json::parse(tj);
  const nlohmann::json* largest = nullptr;
  for (const auto& l : truth["lesions"]) {
    if (largest == nullptr || l["diameter_mm"] > (*largest)["diameter_mm"]) largest = &l;
  }
  const auto& c = (*largest)["center_lps_mm"];
  return std::to_string(c[0].get<double>()) + "," + std::to_string(c[1].get<double>()) + "," +
         std::to_string(c[2].get<double>());
}

// A short, coarse run (about 0.5 s): 2 mm voxels, 120 s of the default protocol.
std::vector<std::string> simulateArgs(const fs::path& ph, const std::string& tip,
                                      const fs::path& out,
                                      const std::string& electrode = "cooltip-3cm") {
  return {"simulate", ph.string(), "--electrode", electrode,    "--tip", tip,  "--direction",
          "1,0,1",    "--spacing", "2",           "--duration", "120",   "-o", out.string()};
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(Cli, SimulateOnThePhantomWritesZoneMapsAndReport) {
  TempDir tmp;
  const fs::path ph = tmp / "ph";
  const std::string tip = writeSimulationPhantom(ph);
  const fs::path out = tmp / "sim";
  const RunResult r = rfaplan(with(simulateArgs(ph, tip, out), {"--backend", "cpu"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("simulated cooltip-3cm"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" mL"), std::string::npos) << r.out;
  for (const char* f : {"zone.nrrd", "temperature_max.nrrd", "damage.nrrd", "zone.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  std::ifstream zj(out / "zone.json");
  const auto j = nlohmann::json::parse(zj);
  EXPECT_EQ(j["frame"], "DICOM patient LPS, mm");
  EXPECT_EQ(j["electrode"], "cooltip-3cm");
  EXPECT_EQ(j["protocol"], "impedance-12min");
  EXPECT_EQ(j["tissue"], "homogeneous liver");
  EXPECT_EQ(j["backend"], "cpu");
  EXPECT_TRUE(j["fallback_reason"].is_null());
  EXPECT_TRUE(j["power_override_w"].is_null());
  EXPECT_EQ(j["duration_s"], 120.0);
  EXPECT_EQ(j["zone_criterion"], "arrhenius");
  EXPECT_GT(j["zone_volume_ml"].get<double>(), 0.0);
  EXPECT_GT(j["zone_length_along_needle_mm"].get<double>(), 30.0);  // the 3 cm active part
  EXPECT_GT(j["zone_width_u_mm"].get<double>(), 0.0);
  EXPECT_GT(j["max_temperature_c"].get<double>(), 50.0);
  EXPECT_GT(j["energy_j"].get<double>(), 0.0);
  EXPECT_GE(j["simulated_s"].get<double>(), 120.0);
  EXPECT_GT(j["steps"].get<int>(), 0);
  EXPECT_GT(j["potential_solves"].get<int>(), 0);
  ASSERT_EQ(j["generator"].size(), j["potential_solves"].get<std::size_t>());
  EXPECT_GT(j["generator"][0]["power_w"].get<double>(), 0.0);
  EXPECT_GT(j["generator"][0]["impedance_ohm"].get<double>(), 0.0);
  EXPECT_FALSE(j["generator"][0]["rolled_off"].get<bool>());

  // The three maps load back on the grid that zone.json describes (LPS, 2 mm).
  const LabelMap zone = io::readLabelFile(out / "zone.nrrd");
  const ImageVolume tmax = io::readVolumeFile(out / "temperature_max.nrrd");
  const ImageVolume omega = io::readVolumeFile(out / "damage.nrrd");
  EXPECT_TRUE(tmax.geometry().sameGrid(zone.geometry(), 1e-3));
  EXPECT_TRUE(omega.geometry().sameGrid(zone.geometry(), 1e-3));
  const auto& g = j["grid"];
  for (std::size_t a = 0; a < 3; ++a) {
    EXPECT_EQ(zone.size()[a], g["size"][a].get<std::size_t>());
    EXPECT_NEAR(zone.geometry().spacing()[static_cast<int>(a)], 2.0, 1e-6);
    EXPECT_NEAR(zone.geometry().origin()[static_cast<int>(a)], g["origin_lps_mm"][a].get<double>(),
                1e-3);
  }
  std::size_t voxels = 0;
  for (const auto v : zone.data()) voxels += v != 0 ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(voxels) * 8.0 / 1000.0, j["zone_volume_ml"].get<double>(), 1e-9);
  EXPECT_NEAR(*std::max_element(tmax.data().begin(), tmax.data().end()),
              j["max_temperature_c"].get<double>(), 1e-3);
  EXPECT_GE(*std::max_element(omega.data().begin(), omega.data().end()), 1.0F);
}

TEST(Cli, SimulateWithLabelsAndBackendChoices) {
  TempDir tmp;
  const fs::path ph = tmp / "ph";
  const std::string tip = writeSimulationPhantom(ph);
  // The phantom's truth folder has the layout of 'rfaplan segment' output; drop one file: it is
  // simply absent.
  const fs::path labels = tmp / "labels";
  fs::copy(ph / "truth", labels);
  fs::remove(labels / "lung.nrrd");
  RunResult r = rfaplan(
      with(simulateArgs(ph, tip, tmp / "sim"), {"--labels", labels.string(), "--backend", "cpu"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream zj(tmp / "sim" / "zone.json");
  const auto j = nlohmann::json::parse(zj);
  EXPECT_EQ(j["tissue"], "segmentation labels");
  EXPECT_TRUE(j["labels"]["files"]["lung"].is_null());
  EXPECT_FALSE(j["labels"]["files"]["liver"].is_null());
  EXPECT_GT(j["tissue_voxels"]["tumour"].get<std::size_t>(), 0U);  // tip in the lesion's centre
  EXPECT_GT(j["zone_volume_ml"].get<double>(), 0.0);

  r = rfaplan(with(simulateArgs(ph, tip, tmp / "x"), {"--labels", (tmp / "nope").string()}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;

  // GL switched off: 'gl' is unsupported (exit 7, with the reason); 'auto' falls back with a note.
  std::vector<std::string> off = {"/usr/bin/env", "RFA_GL=off", RFAPLAN_EXE};
  std::vector<std::string> args = off;
  for (const auto& a : with(simulateArgs(ph, tip, tmp / "gl"), {"--backend", "gl"})) {
    args.push_back(a);
  }
  r = test::run(args);
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("RFA_GL"), std::string::npos) << r.err;
  args = off;
  for (const auto& a : with(simulateArgs(ph, tip, tmp / "auto"), {"--backend", "auto"})) {
    args.push_back(a);
  }
  r = test::run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("note: "), std::string::npos) << r.err;
  std::ifstream aj(tmp / "auto" / "zone.json");
  const auto a = nlohmann::json::parse(aj);
  EXPECT_EQ(a["backend"], "cpu");
  EXPECT_NE(a["fallback_reason"].get<std::string>().find("RFA_GL"), std::string::npos);
}

TEST(Cli, SimulateRejectsBadOptionsWithDocumentedExitCodes) {
  TempDir tmp;
  const fs::path ph = tmp / "ph";
  const std::string tip = writeSimulationPhantom(ph);
  const fs::path out = tmp / "sim";
  RunResult r = rfaplan(simulateArgs(ph, "0,0,5000", out));
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("outside the image"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("5000.0"), std::string::npos) << r.err;
  r = rfaplan(with(simulateArgs(ph, tip, out), {"--power", "0"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--power"), std::string::npos) << r.err;
  r = rfaplan(with(simulateArgs(ph, tip, out), {"--duration", "-5"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--duration"), std::string::npos) << r.err;
  r = rfaplan(simulateArgs(ph, tip, out, "nope"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cooltip-3cm"), std::string::npos) << r.err;
  r = rfaplan(with(simulateArgs(ph, tip, out), {"--backend", "bogus"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  r = rfaplan(with(simulateArgs(ph, tip, out), {"--zone", "t70"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = rfaplan(with(simulateArgs(ph, tip, out), {"--protocol", "nope"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = rfaplan(with(simulateArgs(ph, tip, out), {"--tip", "1,2"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(out / "zone.json"));
}

}  // namespace
}  // namespace rfa
