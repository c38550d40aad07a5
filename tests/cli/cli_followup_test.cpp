// 'rfaplan register', 'confirm' and 'followup' end to end: the real binary on a small phantom
// (2.5 mm voxels), a fast plan made on it and its follow-up from 'rfaplan phantom-followup' (known
// deformation of 5 mm, zones 2 mm larger than planned, analytic margin truth). The margins the CLI
// writes are compared with that truth; the documented exit codes are checked (2 usage, 3 missing
// input, 4 nothing left to re-plan, 9 another patient).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
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

// One phantom, plan and follow-up for the suite (generation takes about 2 s).
class CliFollowup : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<TempDir>();
    RunResult r =
        rfaplan({"phantom", "--out", ph().string(), "--lesions", "2", "--lesion-diameters", "12,18",
                 "--size", "128,128,60", "--spacing", "2.5", "--seed", "3"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    r = rfaplan({"plan", ph().string(), "--segmentation", (ph() / "truth").string(), "--no-confirm",
                 "--uncertainty-samples", "0", "-o", plan().string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    r = rfaplan({"phantom-followup", plan().string(), "--phantom", ph().string(), "--out",
                 fu().string(), "--deform", "5", "--zone-grow", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() { tmp_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(fs::exists(fu() / "truth.json")) << "the suite's follow-up was not made";
    out_ = std::make_unique<TempDir>();
  }

  static fs::path ph() { return *tmp_ / "ph"; }
  static fs::path plan() { return *tmp_ / "plan.json"; }
  static fs::path fu() { return *tmp_ / "fu"; }
  [[nodiscard]] fs::path out(const std::string& name) const { return *out_ / name; }

  static std::map<int, double> trueMargins() { return test::readTrueMargins(fu()); }

 private:
  static std::unique_ptr<TempDir> tmp_;
  std::unique_ptr<TempDir> out_;
};

std::unique_ptr<TempDir> CliFollowup::tmp_;

TEST_F(CliFollowup, RegisterWritesTheDeformationAndItsQuality) {
  const fs::path dir = out("reg");
  const RunResult r = rfaplan({"register", ph().string(), fu().string(), "-o", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "liver surface distance")) << r.out;
  EXPECT_TRUE(contains(r.err + r.out, "RESEARCH USE ONLY")) << r.out << r.err;
  const json reg = readJson(dir / "registration" / "registration.json");
  const json& q = reg["quality"];
  std::cout << "[ register ] " << q.dump() << "\n";
  EXPECT_LT(q["liver_surface_mean_mm"].get<double>(), 2.0);
  EXPECT_LT(q["mean_abs_difference_final"].get<double>(),
            q["mean_abs_difference_initial"].get<double>());
  EXPECT_FALSE(q["poor"].get<bool>()) << q.dump();
  for (const char* f : {"displacement_x.nrrd", "displacement_y.nrrd", "displacement_z.nrrd"}) {
    EXPECT_TRUE(fs::exists(dir / "registration" / f)) << f;
  }
  EXPECT_TRUE(fs::exists(dir / "moving_registered.nrrd"));
}

TEST_F(CliFollowup, ConfirmMeasuresTheTrueMarginsAndVerdicts) {
  const fs::path dir = out("confirm");
  const RunResult r = rfaplan({"confirm", plan().string(), fu().string(), "-o", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The zones at the liver edge no longer make the liver surface distance look poor.
  EXPECT_FALSE(contains(r.out + r.err, "exceeds")) << r.out << r.err;
  const json m = readJson(dir / "margins.json");
  const std::map<int, double> truth = trueMargins();
  ASSERT_EQ(m["lesions"].size(), truth.size()) << m.dump(1);
  const double threshold = m["threshold_mm"].get<double>();
  for (const auto& l : m["lesions"]) {
    const int id = l["lesion"].get<int>();
    ASSERT_EQ(truth.count(id), 1U) << id;
    const double mam = l["minimal_margin_mm"].get<double>();
    std::cout << "[ confirm ] lesion " << id << ": MAM " << mam << " mm, truth " << truth.at(id)
              << " mm, " << l["verdict"].get<std::string>() << "\n";
    // 2.5 mm voxels: within one voxel (measured 0.16 and 1.52 mm off with the zones of the
    // 2026-12-07 calibration, 0.05 and 1.0 mm with the earlier ones: the voxel boundaries the
    // margin surface falls on move with the zone; the 1 mm acceptance is on 1.25 mm voxels,
    // FollowupAcceptance).
    EXPECT_NEAR(mam, truth.at(id), 2.5) << "lesion " << id;
    EXPECT_EQ(l["technical_success"].get<bool>(), truth.at(id) >= threshold) << "lesion " << id;
  }
  for (const char* f : {"zones.nrrd", "margin_map.nrrd", "followup_registered.nrrd"}) {
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  }
  // One PNG colour map per lesion.
  for (const auto& [id, t] : truth) {
    const fs::path png = dir / ("margin_L" + std::to_string(id) + ".png");
    std::ifstream in(png, std::ios::binary);
    std::string magic(8, '\0');
    in.read(magic.data(), 8);
    EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8)) << png;
    EXPECT_GT(fs::file_size(png), 10000U) << png;
  }
  EXPECT_TRUE(fs::exists(dir / "registration" / "registration.json"));
}

TEST_F(CliFollowup, AnotherPatientExits9UnlessForced) {
  const fs::path other = out("other");
  RunResult r = rfaplan({"phantom-followup", plan().string(), "--phantom", ph().string(), "--out",
                         other.string(), "--patient-id", "SOMEONE-ELSE"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"confirm", plan().string(), other.string(), "-o", out("c").string()});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "SOMEONE-ELSE")) << r.err;
  EXPECT_TRUE(contains(r.err, "--force")) << r.err;
  EXPECT_FALSE(fs::exists(out("c") / "margins.json"));
  r = rfaplan({"confirm", plan().string(), other.string(), "--force", "-o", out("c").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(out("c") / "margins.json"));
}

TEST_F(CliFollowup, FollowupWritesTheTimelineAndRefusesAnEmptyNextPlan) {
  const fs::path timeline = out("timeline.json");
  const fs::path next = out("next.json");
  const RunResult r = rfaplan({"followup", plan().string(), fu().string() + "@1", "--next-plan",
                               next.string(), "-o", timeline.string()});
  // Both lesions were ablated in session 1: nothing is left for a next session (exit 4), and the
  // timeline is still written.
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "no lesion is left to treat")) << r.err;
  EXPECT_FALSE(fs::exists(next));
  ASSERT_TRUE(fs::exists(timeline)) << r.out << r.err;
  const json t = readJson(timeline);
  EXPECT_EQ(t["format"], "rfaplan-timeline");
  EXPECT_EQ(t["patient_id"], "RFAPHANTOM-3");
  ASSERT_EQ(t["timepoints"].size(), 1U);
  EXPECT_EQ(t["timepoints"][0]["sessions_done"], 1);
  EXPECT_TRUE(contains(r.out, "mRECIST CR")) << r.out;
  int ablated = 0;
  for (const auto& h : t["lesion_histories"]) {
    ablated += contains(h.dump(), "\"ablated\"") ? 1 : 0;
  }
  EXPECT_EQ(ablated, 2) << t["lesion_histories"].dump(1);
}

TEST_F(CliFollowup, BadInputExitCodes) {
  // Usage (2): no output; a malformed time point; a session the plan does not have.
  EXPECT_EQ(rfaplan({"register", ph().string(), fu().string()}).exit_code, 2);
  EXPECT_EQ(
      rfaplan({"followup", plan().string(), fu().string() + "@x", "-o", out("t.json").string()})
          .exit_code,
      2);
  const RunResult s = rfaplan(
      {"confirm", plan().string(), fu().string(), "--session", "7", "-o", out("s").string()});
  EXPECT_EQ(s.exit_code, 2) << s.out << s.err;
  EXPECT_TRUE(contains(s.err, "session 7")) << s.err;
  // Missing input (3), named.
  const RunResult m = rfaplan(
      {"confirm", plan().string(), (out("nowhere") / "fu").string(), "-o", out("m").string()});
  EXPECT_EQ(m.exit_code, 3) << m.out << m.err;
  EXPECT_TRUE(contains(m.err, "nowhere")) << m.err;
}

}  // namespace
}  // namespace rfa
