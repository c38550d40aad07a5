// 'rfaplan phantom-followup' end to end: the real binary on a small phantom and a fast plan made on
// it (truth segmentation, preview model only, no uncertainty samples): the follow-up series loads,
// its truth has the session's margins, a zone shift lowers the true margin by about the shift, and
// the documented exit codes (bad option 2, malformed phantom truth 5, file as output 8, plan of
// another phantom 9).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::contains;
using test::readJson;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

RunResult writePhantom(const fs::path& dir, int seed, const std::string& size = "128,128,60") {
  return rfaplan({"phantom", "--out", dir.string(), "--lesions", "2", "--lesion-diameters", "10,18",
                  "--size", size, "--spacing", "2.5", "--seed", std::to_string(seed)});
}

// One phantom and one plan for the whole suite (the slow part), copied where a test changes them.
class CliPhantomFollowup : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<TempDir>();
    const RunResult p = writePhantom(ph(), 3);
    ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
    const RunResult r =
        rfaplan({"plan", ph().string(), "--segmentation", (ph() / "truth").string(), "--no-confirm",
                 "--uncertainty-samples", "0", "-o", plan().string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() { tmp_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(fs::exists(plan())) << "the suite's plan was not made";
    out_ = std::make_unique<TempDir>();
  }

  static fs::path ph() { return *tmp_ / "ph"; }
  static fs::path plan() { return *tmp_ / "plan.json"; }
  [[nodiscard]] fs::path out(const std::string& name) const { return *out_ / name; }

  // Lesion ids of session 1 that have placements.
  static std::set<int> treatedInSession1() {
    std::set<int> ids;
    const json p = readJson(plan());
    for (const auto& l : p["lesions"]) {
      if (l["session"].get<int>() == 1 && !l["placements"].empty()) ids.insert(l["id"].get<int>());
    }
    return ids;
  }

  static std::map<int, double> margins(const fs::path& followup) {
    return test::readTrueMargins(followup);
  }

 private:
  static std::unique_ptr<TempDir> tmp_;
  std::unique_ptr<TempDir> out_;
};

std::unique_ptr<TempDir> CliPhantomFollowup::tmp_;

TEST_F(CliPhantomFollowup, WritesALoadableFollowupWithTheSessionsMargins) {
  const std::set<int> treated = treatedInSession1();
  ASSERT_FALSE(treated.empty()) << readJson(plan()).dump(1);
  const fs::path fu = out("fu");
  const RunResult r = rfaplan({"phantom-followup", plan().string(), "--phantom", ph().string(),
                               "--out", fu.string(), "--deform", "6", "--new-lesion", "0,0,0:8"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "true minimal ablative margin")) << r.out;
  EXPECT_TRUE(contains(r.out, "max displacement in the liver")) << r.out;
  EXPECT_TRUE(contains(r.out, "RESEARCH USE ONLY")) << r.out;

  // The follow-up series loads; same patient, another study, series and frame of reference.
  const RunResult s = rfaplan({"series", fu.string(), "--json"});
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  const json fs_json = json::parse(s.out)["series"][0];
  const RunResult sp = rfaplan({"series", ph().string(), "--json"});
  ASSERT_EQ(sp.exit_code, 0) << sp.err;
  const json ps_json = json::parse(sp.out)["series"][0];
  EXPECT_EQ(fs_json["loadable"], true);
  EXPECT_EQ(fs_json["patient"]["id"], "RFAPHANTOM-3");
  EXPECT_EQ(fs_json["patient"]["id"], ps_json["patient"]["id"]);
  EXPECT_EQ(fs_json["study"]["date"], "20260131");
  EXPECT_EQ(fs_json["description"], "rfaplan phantom follow-up CT");
  EXPECT_NE(fs_json["study_instance_uid"], ps_json["study_instance_uid"]);
  EXPECT_NE(fs_json["series_instance_uid"], ps_json["series_instance_uid"]);
  EXPECT_NE(fs_json["frame_of_reference_uid"], ps_json["frame_of_reference_uid"]);
  EXPECT_EQ(fs_json["size"], json::array({128, 128, 60}));

  const json truth = readJson(fu / "truth.json");
  EXPECT_EQ(truth["format"], "rfaplan-followup-truth");
  std::set<int> labels;
  for (const auto& m : truth["margins"]) {
    labels.insert(m["label"].get<int>());
    EXPECT_TRUE(std::isfinite(m["minimal_margin_mm"].get<double>())) << m;
  }
  EXPECT_EQ(labels, treated);
  const double max_disp = truth["max_displacement_in_liver_mm"].get<double>();
  EXPECT_NEAR(max_disp, 6.0, 0.6) << r.out;
  EXPECT_EQ(truth["new_lesions"].size(), 1U);
  for (const char* f : {"liver", "lesions", "zones"}) {
    EXPECT_TRUE(fs::exists(fu / "truth" / (std::string(f) + ".nrrd"))) << f;
  }

  // The same command writes the same series (deterministic UIDs); --deform 0 is the identity.
  const fs::path fu0 = out("fu0");
  const RunResult r0 = rfaplan({"phantom-followup", plan().string(), "--phantom", ph().string(),
                                "--out", fu0.string(), "--deform", "0", "--noise", "0"});
  ASSERT_EQ(r0.exit_code, 0) << r0.out << r0.err;
  EXPECT_EQ(readJson(fu0 / "truth.json")["max_displacement_in_liver_mm"].get<double>(), 0.0);
  // The margins do not depend on the deformation or the noise.
  EXPECT_EQ(margins(fu0), margins(fu));
}

TEST_F(CliPhantomFollowup, ZoneShiftLowersThatLesionsMarginByAboutTheShift) {
  const json p = readJson(plan());
  const json* lesion = nullptr;
  for (const auto& l : p["lesions"]) {
    if (l["session"].get<int>() == 1 && l["placements"].size() == 1) lesion = &l;
  }
  ASSERT_NE(lesion, nullptr) << "no session-1 lesion with one placement";
  const int id = (*lesion)["id"].get<int>();
  // Shift along the zone's shortest semi-axis: the margin on that side drops by the shift.
  const json& zone = (*lesion)["placements"][0]["zone"];
  const std::vector<double> semi = {zone["semi_u_mm"].get<double>(),
                                    zone["semi_v_mm"].get<double>(),
                                    zone["semi_w_mm"].get<double>()};
  const auto axis =
      static_cast<std::size_t>(std::min_element(semi.begin(), semi.end()) - semi.begin());
  const json& a = zone["axes_lps"][axis];
  const double shift = 3.0;
  std::ostringstream spec;
  spec << id << ":" << shift * a[0].get<double>() << "," << shift * a[1].get<double>() << ","
       << shift * a[2].get<double>();

  const std::vector<std::string> common = {"--deform", "0", "--noise", "0"};
  std::vector<std::string> args0 = {"phantom-followup", plan().string(), "--phantom",
                                    ph().string(),      "--out",         out("a").string()};
  args0.insert(args0.end(), common.begin(), common.end());
  const RunResult r0 = rfaplan(args0);
  ASSERT_EQ(r0.exit_code, 0) << r0.out << r0.err;
  std::vector<std::string> args1 = {"phantom-followup", plan().string(), "--phantom",
                                    ph().string(),      "--out",         out("b").string(),
                                    "--zone-shift",     spec.str()};
  args1.insert(args1.end(), common.begin(), common.end());
  const RunResult r1 = rfaplan(args1);
  ASSERT_EQ(r1.exit_code, 0) << r1.out << r1.err;
  EXPECT_TRUE(contains(r1.out, "shifted")) << r1.out;

  const std::map<int, double> m0 = margins(out("a"));
  const std::map<int, double> m1 = margins(out("b"));
  ASSERT_EQ(m0.count(id), 1U);
  ASSERT_EQ(m1.count(id), 1U);
  const double drop = m0.at(id) - m1.at(id);
  EXPECT_GT(drop, 0.6 * shift) << "margin " << m0.at(id) << " -> " << m1.at(id) << " mm";
  EXPECT_LT(drop, shift + 0.4) << "margin " << m0.at(id) << " -> " << m1.at(id) << " mm";
  // Other lesions' margins are unchanged.
  for (const auto& [label, m] : m0) {
    if (label != id) {
      EXPECT_DOUBLE_EQ(m1.at(label), m) << "lesion " << label;
    }
  }
  // The follow-up series differs from the unshifted one (UIDs depend on the options).
  EXPECT_NE(readJson(out("a") / "truth.json")["series"]["series_instance_uid"],
            readJson(out("b") / "truth.json")["series"]["series_instance_uid"]);
}

TEST_F(CliPhantomFollowup, BadOptionsExit2) {
  const int id = *treatedInSession1().begin();
  const std::vector<std::vector<std::string>> bad = {
      {"--zone-shift", std::to_string(id) + ":1,2"},
      {"--zone-shift", std::to_string(id) + "-1,2,3"},
      {"--zone-shift", "x:1,2,3"},
      {"--zone-shift", std::to_string(id) + ":a,b,c"},
      {"--zone-shift", "99:1,0,0"},
      {"--scale", std::to_string(id) + ":-1"},
      {"--new-lesion", "1,2:10"},
      {"--vanish", "99"},
      {"--session", "7"},
  };
  for (const auto& more : bad) {
    std::vector<std::string> args = {"phantom-followup", plan().string(), "--phantom",
                                     ph().string(),      "--out",         out("x").string()};
    args.insert(args.end(), more.begin(), more.end());
    const RunResult r = rfaplan(args);
    EXPECT_EQ(r.exit_code, 2) << more[0] << " " << more[1] << ": " << r.out << r.err;
  }
  EXPECT_FALSE(fs::exists(out("x") / "truth.json"));
}

TEST_F(CliPhantomFollowup, AnotherPhantomExits9AndMissingOptionsExit5) {
  // Same grid, another seed (another series and voxels).
  const fs::path other = out("other");
  RunResult r = writePhantom(other, 4);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"phantom-followup", plan().string(), "--phantom", other.string(), "--out",
               out("fu1").string()});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "not made on the phantom")) << r.err;
  // Another grid.
  const fs::path small = out("small");
  r = writePhantom(small, 3, "120,128,60");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"phantom-followup", plan().string(), "--phantom", small.string(), "--out",
               out("fu2").string()});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "grid")) << r.err;

  // A truth.json without "options" (an older phantom): exit 5 naming the file.
  const fs::path old = out("old");
  fs::copy(ph(), old, fs::copy_options::recursive);
  json truth = readJson(old / "truth.json");
  ASSERT_TRUE(truth.contains("options"));
  truth.erase("options");
  std::ofstream(old / "truth.json") << truth.dump(2);
  r = rfaplan({"phantom-followup", plan().string(), "--phantom", old.string(), "--out",
               out("fu3").string()});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, (old / "truth.json").string())) << r.err;
  EXPECT_TRUE(contains(r.err, "regenerate")) << r.err;

  // Options edited so that they no longer reproduce the phantom: exit 9.
  truth = readJson(ph() / "truth.json");
  truth["options"]["max_lesion_diameter_mm"] = 30.0;
  std::ofstream(old / "truth.json") << truth.dump(2);
  r = rfaplan({"phantom-followup", plan().string(), "--phantom", old.string(), "--out",
               out("fu4").string()});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;

  // Missing inputs: 3; an output that is a file: 8, and the file is untouched.
  r = rfaplan({"phantom-followup", out("nope.json").string(), "--phantom", ph().string(), "--out",
               out("fu5").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  r = rfaplan({"phantom-followup", plan().string(), "--phantom", out("nope").string(), "--out",
               out("fu5").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  std::ofstream(out("file")) << "keep";
  r = rfaplan({"phantom-followup", plan().string(), "--phantom", ph().string(), "--out",
               out("file").string()});
  EXPECT_EQ(r.exit_code, 8) << r.out << r.err;
  std::ifstream in(out("file"));
  std::string kept;
  in >> kept;
  EXPECT_EQ(kept, "keep");
}

}  // namespace
}  // namespace rfa
