// 'rfaplan export-rtstruct', 'export-seg' and 'import-rtstruct' end to end: the real binary on a
// planned phantom and on IRCADb 17 (../shared), checked by dciodvfy (dicom3tools) and plastimatch,
// and read back by rfaplan itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "orthanc_server.h"
#include "rfa/io/volume_file.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::alnum;
using test::contains;
using test::dciodvfyErrors;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

Mask readMask(const fs::path& f) {
  const LabelMap l = io::readLabelFile(f);
  Mask m(l.geometry(), 0);
  for (std::size_t v = 0; v < l.voxelCount(); ++v) m.data()[v] = l.data()[v] != 0 ? 1 : 0;
  return m;
}

Mask labelOf(const LabelMap& l, int id) {
  Mask m(l.geometry(), 0);
  for (std::size_t v = 0; v < l.voxelCount(); ++v) m.data()[v] = l.data()[v] == id ? 1 : 0;
  return m;
}

std::size_t count(const Mask& m) {
  std::size_t n = 0;
  for (const auto v : m.data()) n += v;
  return n;
}

double dice(const Mask& a, const Mask& b) {
  std::size_t both = 0;
  for (std::size_t v = 0; v < a.voxelCount(); ++v) both += (a.data()[v] != 0) && (b.data()[v] != 0);
  const std::size_t n = count(a) + count(b);
  return n == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(n);
}

// A planned phantom: DIR/ph (phantom), DIR/plan.json (+ plan-segmentation/).
void planPhantom(const fs::path& dir, int seed = 3) {
  RunResult r = rfaplan({"phantom", "--out", (dir / "ph").string(), "--lesions", "2",
                         "--lesion-diameters", "10,18", "--size", "128,128,60", "--spacing", "2.5",
                         "--seed", std::to_string(seed)});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"plan", (dir / "ph").string(), "--no-confirm", "--uncertainty-samples", "10", "-o",
               (dir / "plan.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// Exports the plan's RTSTRUCT, checks it with dciodvfy, imports it with rfaplan and rasterises it
// with plastimatch: every volumetric ROI's plastimatch mask against rfaplan's (Dice), printed.
// Returns rois.json of the import.
json exportAndCheck(const fs::path& dir, const fs::path& plan, const fs::path& ct,
                    double min_dice) {
  const fs::path rtss = dir / "rtss.dcm";
  RunResult r = rfaplan({"export-rtstruct", plan.string(), "-o", rtss.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;
  std::string all;
  EXPECT_TRUE(dciodvfyErrors(rtss, all).empty()) << all;
  std::cout << "dciodvfy: " << (all.size() < 400 ? all : all.substr(0, 400)) << "\n";

  r = rfaplan({"import-rtstruct", rtss.string(), "--series", ct.string(), "-o",
               (dir / "imported").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(dir / "imported" / "rois.json");
  const json rois = json::parse(in).at("rois");
  std::size_t checked = 0;

  r = test::run({"plastimatch", "convert", "--input", rtss.string(), "--referenced-ct", ct.string(),
                 "--output-prefix", (dir / "pm").string(), "--prefix-format", "nrrd"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, fs::path> pm;
  for (const auto& e : fs::directory_iterator(dir / "pm"))
    pm[alnum(e.path().stem().string())] = e.path();
  for (const auto& roi : rois) {
    if (!roi.contains("file")) continue;  // needles: open contours, not rasterised
    const std::string name = roi["name"];
    const auto f = pm.find(alnum(name));
    if (f == pm.end()) {
      ADD_FAILURE() << "plastimatch wrote no mask for ROI '" << name << "'";
      continue;
    }
    const double d =
        dice(readMask(f->second), readMask(dir / "imported" / roi["file"].get<std::string>()));
    std::cout << "  plastimatch vs rfaplan, " << name << ": Dice " << d << "\n";
    EXPECT_GE(d, min_dice) << name;
    ++checked;
  }
  EXPECT_GE(checked, 3U) << "liver, a lesion and its margin at least";
  return rois;
}

TEST(CliDicomExport, PhantomPlanRtstructPassesDciodvfyPlastimatchAndReadsBack) {
  if (!test::haveProgram("plastimatch") || !test::haveProgram("dciodvfy")) {
    GTEST_FAIL() << "plastimatch and dciodvfy are needed: packaging/install-deps.sh";
  }
  TempDir tmp;
  planPhantom(tmp.path());
  const json rois = exportAndCheck(tmp.path(), tmp / "plan.json", tmp / "ph" / "ct", 0.95);
  std::ifstream pin(tmp / "plan.json");
  const json plan = json::parse(pin);
  // Liver, and per lesion GTV + margin + per placement zone + needle.
  std::size_t expected = 1;
  for (const auto& l : plan["lesions"]) expected += 2 + 2 * l["placements"].size();
  EXPECT_EQ(rois.size(), expected);
  // Read back exactly: the liver and each lesion equal the plan's segmentation.
  const fs::path seg = tmp / "plan-segmentation";
  const LabelMap lesions = io::readLabelFile(seg / "lesions.nrrd");
  for (const auto& roi : rois) {
    const std::string name = roi["name"];
    if (name == "Liver") {
      EXPECT_EQ(dice(readMask(tmp / "imported" / roi["file"].get<std::string>()),
                     readMask(seg / "liver.nrrd")),
                1.0);
      EXPECT_EQ(roi["interpreted_type"], "ORGAN");
    }
    if (name.rfind("GTV L", 0) == 0 && !contains(name, "mm")) {
      const int id = std::stoi(name.substr(5));
      EXPECT_EQ(
          dice(readMask(tmp / "imported" / roi["file"].get<std::string>()), labelOf(lesions, id)),
          1.0)
          << name;
      EXPECT_EQ(roi["interpreted_type"], "GTV");
    }
    if (name.rfind("Needle", 0) == 0) {
      EXPECT_EQ(roi["points_lps_mm"].size(), 2U) << name;
    }
  }
}

TEST(CliMrPhantom, WrittenAsMrImageStorageAndSegmentedAsMr) {
  TempDir tmp;
  const fs::path ph = tmp / "mr";
  RunResult r = rfaplan({"phantom", "--out", ph.string(), "--modality", "MR", "--neighbours",
                         "--lesions", "3", "--size", "160,160,70", "--spacing", "2.4,2.4,2.8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string all;
  const fs::path file = ph / "ct" / "MR0035.dcm";
  ASSERT_TRUE(fs::exists(file));
  EXPECT_TRUE(dciodvfyErrors(file, all).empty()) << all;
  EXPECT_NE(all.find("MRImage"), std::string::npos) << all;  // the IOD dciodvfy recognised
  // The modality comes from the header (no --modality): MR steps, no HU thresholds.
  r = rfaplan({"segment", ph.string(), "-o", (tmp / "seg").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream lj(tmp / "seg" / "lesions.json");
  const json report = json::parse(lj);
  EXPECT_EQ(report["modality"], "MR");
  const double d =
      dice(readMask(tmp / "seg" / "liver.nrrd"), readMask(ph / "truth" / "liver.nrrd"));
  std::cout << "MR phantom (T2, neighbours, coil bias): automatic liver Dice " << d << ", "
            << report["liver"]["volume_ml"] << " mL\n";
  // Measured 2026-12-06: 0.783 (1189 of 1736 mL: the anterior, brighter third of the liver falls
  // outside the single intensity window under the coil bias). Floor at what is reached.
  EXPECT_GE(d, 0.75);
}

TEST(CliDicomExport, SegOfThePlanPassesDciodvfy) {
  TempDir tmp;
  planPhantom(tmp.path());
  const RunResult r =
      rfaplan({"export-seg", (tmp / "plan.json").string(), "-o", (tmp / "seg.dcm").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "segments")) << r.out;
  std::string all;
  EXPECT_TRUE(dciodvfyErrors(tmp / "seg.dcm", all).empty()) << all;
}

TEST(CliDicomExport, SessionFilterAndItsErrors) {
  TempDir tmp;
  planPhantom(tmp.path());
  RunResult r = rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "--session", "1", "-o",
                         (tmp / "s1.dcm").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "--session", "3", "-o",
               (tmp / "s3.dcm").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "session 3 is not in the plan")) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "s3.dcm"));
  r = rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "--session", "7", "-o",
               (tmp / "s7.dcm").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(CliDicomExport, MovedOrWrongSeriesIsRefusedWithItsExitCode) {
  TempDir tmp;
  planPhantom(tmp.path());
  // Another phantom (another seed): other UIDs and voxels.
  RunResult r = rfaplan({"phantom", "--out", (tmp / "other").string(), "--lesions", "1", "--size",
                         "128,128,60", "--spacing", "2.5", "--seed", "11"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "--series",
               (tmp / "other").string(), "-o", (tmp / "x.dcm").string()});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "not found in")) << r.err;  // the planned series UID is looked for

  fs::rename(tmp / "ph", tmp / "moved");
  r = rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "-o", (tmp / "x.dcm").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "give --series")) << r.err;
  r = rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "--series",
               (tmp / "moved").string(), "-o", (tmp / "x.dcm").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // An RTSTRUCT of this plan imported onto the other phantom: references do not match.
  r = rfaplan({"import-rtstruct", (tmp / "x.dcm").string(), "--series",
               (tmp / "other" / "ct").string(), "-o", (tmp / "imp").string()});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "does not reference series")) << r.err;
  r = rfaplan({"import-rtstruct", (tmp / "x.dcm").string(), "--series",
               (tmp / "other" / "ct").string(), "-o", (tmp / "imp").string(),
               "--ignore-references"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "references not checked")) << r.err;
}

// The plan leaves through a real PACS and comes back: CT and RTSTRUCT stored in Orthanc, the
// RTSTRUCT found by modality, retrieved into a new folder and imported onto the CT.
TEST(CliDicomExport, RtstructTravelsThroughOrthancAndImportsBack) {
  RFA_SKIP_IF_NO_ORTHANC();
  TempDir tmp;
  planPhantom(tmp.path());
  RunResult r =
      rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "-o", (tmp / "rtss.dcm").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  test::OrthancServer orthanc;
  const std::vector<std::string> node = {
      "--aec", orthanc.aet(), "--host", "127.0.0.1", "--port", std::to_string(orthanc.dicomPort())};
  auto pacs = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 2, node.begin(), node.end());
    return rfaplan(args);
  };
  r = pacs({"pacs", "store", (tmp / "ph" / "ct").string(), (tmp / "rtss.dcm").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = pacs({"pacs", "find", "--level", "series", "--modality", "RTSTRUCT", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json found = json::parse(r.out).at("matches");
  ASSERT_EQ(found.size(), 1U) << r.out;
  const std::string series_uid = found[0].at("series_instance_uid");
  r = pacs({"pacs", "get", "--series-uid", series_uid, "-o", (tmp / "back").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(tmp / "back")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1U);
  r = rfaplan({"import-rtstruct", files[0].string(), "--series", (tmp / "ph" / "ct").string(), "-o",
               (tmp / "imported").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(tmp / "imported" / "rois.json");
  const json rois = json::parse(in).at("rois");
  const auto liver =
      std::find_if(rois.begin(), rois.end(), [](const json& j) { return j.at("name") == "Liver"; });
  ASSERT_NE(liver, rois.end());
  EXPECT_EQ(dice(readMask(tmp / "imported" / liver->at("file").get<std::string>()),
                 readMask(tmp / "plan-segmentation" / "liver.nrrd")),
            1.0);
}

// Acceptance on real data: a plan of IRCADb 17 (automatic body/bone/lung/vessels, the reference
// liver and tumours as the segmentation), exported, validated and rasterised by plastimatch.
TEST(CliDicomExport, Ircadb17PlanRtstructPassesDciodvfyAndPlastimatch) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "runs in the release suite: under ASan the segmentation of the 512x512x119 CT "
                  "alone takes minutes (the RTSTRUCT code is covered here by the phantom tests)";
#endif
  const fs::path root = test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  TempDir tmp;
  RunResult r = rfaplan({"segment", (root / "ct").string(), "-o", (tmp / "seg").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  fs::copy_file(root / "labels_nrrd" / "liver.nrrd", tmp / "seg" / "liver.nrrd",
                fs::copy_options::overwrite_existing);
  fs::copy_file(root / "labels_nrrd" / "tumor_instances_1_2.nrrd", tmp / "seg" / "lesions.nrrd",
                fs::copy_options::overwrite_existing);
  r = rfaplan({"plan", (root / "ct").string(), "--segmentation", (tmp / "seg").string(),
               "--no-confirm", "--uncertainty-samples", "10", "--electrode", "cooltip-3cm",
               "--max-ablations", "2", "-o", (tmp / "plan.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;
  const json rois = exportAndCheck(tmp.path(), tmp / "plan.json", root / "ct", 0.95);
  EXPECT_GE(rois.size(), 7U);  // liver, 2 x (GTV + margin + zone + needle) at least
}

}  // namespace
}  // namespace rfa
