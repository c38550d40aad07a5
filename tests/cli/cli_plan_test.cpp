// 'rfaplan plan' and 'rfaplan plan-check' end to end: the real binary on small phantoms, the plan
// file written (format, revisions, byte identity), its inputs (segmentation, labs, profiles) and
// the documented exit codes. Kept fast: small phantoms, few Monte Carlo samples, no bioheat
// confirmation except in one test.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <set>
#include <sstream>

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

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// A small phantom: 128 x 128 x 60 voxels of 2.5 mm. With seed 3 automatic detection finds both
// lesions (10-18 mm).
void writePhantom(const fs::path& dir, int lesions = 2, const std::string& size = "128,128,60",
                  int seed = 3) {
  const RunResult r = rfaplan({"phantom", "--out", dir.string(), "--lesions",
                               std::to_string(lesions), "--lesion-diameters", "10,18", "--size",
                               size, "--spacing", "2.5", "--seed", std::to_string(seed)});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The fast plan command (preview model only, 10 Monte Carlo samples) plus `more`.
std::vector<std::string> planArgs(const fs::path& input, const fs::path& out,
                                  const std::vector<std::string>& more = {}) {
  std::vector<std::string> a = {"plan", input.string(), "--no-confirm", "--uncertainty-samples",
                                "10",   "-o",           out.string()};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

std::set<int> lesionIds(const json& plan) {
  std::set<int> ids;
  for (const auto& l : plan["lesions"]) ids.insert(l["id"].get<int>());
  return ids;
}

// Every lesion is in exactly one session or in "unplaced", and its "session" says which.
void expectEveryLesionAccountedFor(const json& plan) {
  std::map<int, int> seen;  // id -> times listed
  for (const auto& s : plan["sessions"]) {
    for (const auto& id : s["lesion_ids"]) ++seen[id.get<int>()];
  }
  for (const auto& u : plan["unplaced"]) ++seen[u["id"].get<int>()];
  for (const auto& l : plan["lesions"]) {
    const int id = l["id"].get<int>();
    EXPECT_EQ(seen[id], 1) << "lesion " << id;
    if (l["session"].get<int>() > 0) {
      const auto& s = plan["sessions"][l["session"].get<std::size_t>() - 1];
      const auto& ids = s["lesion_ids"];
      EXPECT_NE(std::find(ids.begin(), ids.end(), json(id)), ids.end()) << "lesion " << id;
    }
  }
  EXPECT_EQ(seen.size(), plan["lesions"].size());
}

class CliPlan : public ::testing::Test {
 protected:
  TempDir tmp;
  fs::path ph = tmp / "ph";
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(writePhantom(ph)); }
};

TEST_F(CliPlan, PlansAPhantomWithAutomaticSegmentation) {
  const RunResult s = rfaplan({"series", ph.string(), "--json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const std::string uid = json::parse(s.out)["series"][0]["series_instance_uid"];
  ASSERT_FALSE(uid.empty());

  const fs::path out = tmp / "plan.json";
  const RunResult r = rfaplan(planArgs(ph, out));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "RESEARCH USE ONLY")) << r.out;
  EXPECT_TRUE(contains(r.out, "plan " + out.string() + " (revision 1)")) << r.out;
  EXPECT_TRUE(fs::is_directory(tmp / "plan-segmentation"));
  for (const char* f : {"body", "liver", "lesions"}) {
    EXPECT_TRUE(fs::exists(tmp / "plan-segmentation" / (std::string(f) + ".nrrd"))) << f;
  }

  const json plan = readJson(out);
  EXPECT_EQ(plan["format"], "rfaplan-plan");
  EXPECT_EQ(plan["format_version"], 2);
  EXPECT_EQ(plan["research_use_only"], true);
  EXPECT_EQ(plan["frame"], "DICOM patient LPS, mm");
  EXPECT_EQ(plan["revision"], 1);
  EXPECT_EQ(plan["source"]["series_instance_uid"], uid);
  EXPECT_EQ(plan["source"]["modality"], "CT");
  EXPECT_EQ(plan["source"]["size"], json::array({128, 128, 60}));
  // 64 lowercase hex digits (no std::regex: GCC 12's <regex> trips -Wmaybe-uninitialized at -O1
  // with the sanitizers).
  const std::string sha = plan["source"]["voxel_sha256"].get<std::string>();
  EXPECT_EQ(sha.size(), 64u) << sha;
  EXPECT_TRUE(std::all_of(sha.begin(), sha.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  })) << sha;
  // docs/plan-format.md: "automatic" or the --segmentation folder given (the CLI appends where the
  // automatic segmentation was written).
  EXPECT_EQ(plan["source"]["segmentation"].get<std::string>().rfind("automatic", 0), 0U)
      << plan["source"]["segmentation"];
  EXPECT_EQ(plan["settings"]["profile"], "batch-rfa");
  EXPECT_EQ(plan["settings"]["confirmed"], false);
  EXPECT_EQ(plan["settings"]["uncertainty_samples"], 10);
  EXPECT_GE(plan["lesions"].size(), 1U);
  EXPECT_GE(plan["sessions"].size(), 1U);
  EXPECT_GT(plan["liver_volume_ml"].get<double>(), 0.0);
  for (const auto& l : plan["lesions"]) {
    EXPECT_TRUE(l["confirmation"].is_null()) << l["id"];
    EXPECT_FALSE(l["uncertainty"].is_null()) << l["id"];
  }
  expectEveryLesionAccountedFor(plan);
  // Written as dump(2) plus a final newline, members in the documented order.
  EXPECT_EQ(readText(out), nlohmann::ordered_json::parse(readText(out)).dump(2) + "\n");

  const RunResult c = rfaplan({"plan-check", out.string()});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_TRUE(contains(c.out, "valid plan")) << c.out;
}

// --tissue-condition is for research comparisons: the previews are then the solver's zones in
// that tissue (computed, not the shipped living-liver file) and the plan records it. Unperfused
// excised liver ablates more than living liver with the same electrode
// (zone_reference.json: 1.3-3x).
TEST_F(CliPlan, ExVivoTissueConditionIsRecordedAndAblatesMore) {
  const fs::path in_vivo = tmp / "in-vivo.json";
  const fs::path ex_vivo = tmp / "ex-vivo.json";
  const RunResult a = rfaplan(planArgs(ph, in_vivo, {"--electrode", "cooltip-2cm"}));
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  const RunResult b = rfaplan(
      planArgs(ph, ex_vivo, {"--electrode", "cooltip-2cm", "--tissue-condition", "ex-vivo"}));
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_TRUE(contains(b.err, "preview zones in ex-vivo tissue")) << b.err;
  const json pa = readJson(in_vivo);
  const json pb = readJson(ex_vivo);
  const std::string ma = pa["settings"]["zone_model"].get<std::string>();
  const std::string mb = pb["settings"]["zone_model"].get<std::string>();
  EXPECT_EQ(ma.rfind("in-vivo zones, ", 0), 0U) << ma;
  EXPECT_EQ(mb.rfind("ex-vivo zones, ", 0), 0U) << mb;
  // Per placement, the ex-vivo zone is larger.
  const auto mean_zone = [](const json& plan) {
    double sum = 0;
    int n = 0;
    for (const auto& l : plan["lesions"]) {
      for (const auto& p : l["placements"]) {
        const json& z = p["zone"];
        sum += 4.0 / 3.0 * std::numbers::pi * z["semi_u_mm"].get<double>() *
               z["semi_v_mm"].get<double>() * z["semi_w_mm"].get<double>() / 1000.0;
        ++n;
      }
    }
    return n > 0 ? sum / n : 0.0;
  };
  EXPECT_GT(mean_zone(pa), 0.0);
  EXPECT_GT(mean_zone(pb), 1.3 * mean_zone(pa)) << mean_zone(pa) << " vs " << mean_zone(pb);
  const RunResult bad = rfaplan(planArgs(ph, tmp / "bad.json", {"--tissue-condition", "frozen"}));
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_TRUE(contains(bad.err, "frozen")) << bad.err;
}

TEST_F(CliPlan, SameCommandIsNotRewrittenAndAChangeMakesARevision) {
  const fs::path out = tmp / "plan.json";
  RunResult r = rfaplan(planArgs(ph, out));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string first = readText(out);
  const auto first_time = fs::last_write_time(out);

  r = rfaplan(planArgs(ph, out));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "not rewritten")) << r.out;
  EXPECT_EQ(readText(out), first);
  EXPECT_EQ(fs::last_write_time(out), first_time);
  EXPECT_FALSE(fs::exists(tmp / "plan.r1.json"));

  r = rfaplan(planArgs(ph, out, {"--start", "2026-03-02"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "not rewritten")) << r.out;
  EXPECT_TRUE(contains(r.out, "(revision 2)")) << r.out;
  EXPECT_TRUE(contains(r.out, "previous revision kept as")) << r.out;
  ASSERT_TRUE(fs::exists(tmp / "plan.r1.json"));
  EXPECT_EQ(readText(tmp / "plan.r1.json"), first);
  const json plan = readJson(out);
  EXPECT_EQ(plan["revision"], 2);
  EXPECT_EQ(plan["settings"]["start_date"], "2026-03-02");
  ASSERT_FALSE(plan["timeline"].empty());
  EXPECT_EQ(plan["timeline"][0]["date"], "2026-03-02");
  EXPECT_EQ(plan["timeline"][0]["kind"], "rfa");
  // Only the date changed: the lesions are planned the same.
  EXPECT_EQ(plan["lesions"], json::parse(first)["lesions"]);
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_FALSE(contains(e.path().filename().string(), ".tmp")) << e.path();
  }
}

TEST_F(CliPlan, OnlyConfidentCandidatesAreScheduledTheOthersAreToReview) {
  const fs::path out = tmp / "auto.json";
  const RunResult r = rfaplan(planArgs(ph, out));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json plan = readJson(out);
  ASSERT_FALSE(plan["lesions"].empty());
  int to_review = 0;
  for (const auto& l : plan["lesions"]) {
    const std::string d = l["detection"];
    EXPECT_TRUE(d == "automatic" || d == "to review") << l["id"] << " " << d;
    EXPECT_FALSE(l["detection_reason"].get<std::string>().empty()) << l["id"];
    if (d != "to review") continue;
    ++to_review;
    EXPECT_EQ(l["session"], 0) << l["id"];
    EXPECT_FALSE(l["placements"].empty()) << l["id"];  // planned all the same
    bool listed = false;
    for (const auto& u : plan["unplaced"]) {
      listed = listed || (u["id"] == l["id"] && contains(u["reason"].get<std::string>(),
                                                         "automatic candidate to review"));
    }
    EXPECT_TRUE(listed) << l["id"];
    EXPECT_TRUE(contains(r.out, "to review")) << r.out;  // the summary names them
  }
  // The seed-3 phantom: one lesion under 15 mm across (to review), one above.
  EXPECT_EQ(to_review, 1);
  expectEveryLesionAccountedFor(plan);
}

TEST_F(CliPlan, SegmentationFolderInputAndItsErrors) {
  RunResult r = rfaplan(planArgs(ph, tmp / "auto.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json automatic = readJson(tmp / "auto.json");

  const fs::path seg = tmp / "seg";
  r = rfaplan({"segment", ph.string(), "--auto-lesions", "-o", seg.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path out = tmp / "plan.json";
  r = rfaplan(planArgs(ph, out, {"--segmentation", seg.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(tmp / "plan-segmentation"));
  const json plan = readJson(out);
  EXPECT_EQ(plan["lesions"].size(), automatic["lesions"].size());
  EXPECT_EQ(lesionIds(plan), lesionIds(automatic));
  EXPECT_EQ(plan["source"]["segmentation"], seg.string());
  EXPECT_EQ(plan["source"]["voxel_sha256"], automatic["source"]["voxel_sha256"]);

  // A folder that is not there: exit 3, naming it; nothing written.
  const fs::path missing = tmp / "no-such-seg";
  r = rfaplan(planArgs(ph, tmp / "m.json", {"--segmentation", missing.string()}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, missing.string())) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "m.json"));

  // The label maps of a phantom of another size (its truth folder has the layout of 'rfaplan
  // segment' output): another grid, exit 6.
  const fs::path other = tmp / "other";
  ASSERT_NO_FATAL_FAILURE(writePhantom(other, 1, "96,96,40"));
  r = rfaplan(planArgs(ph, tmp / "g.json", {"--segmentation", (other / "truth").string()}));
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_TRUE(contains(r.err, "another grid")) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "g.json"));
}

TEST_F(CliPlan, LowPlateletsPostponeAndMalformedLabsAreRefused) {
  const fs::path labs = tmp / "labs.json";
  writeText(labs, R"({"date": "2026-01-10", "values": {"PLT": 40}})");
  const fs::path out = tmp / "plan.json";
  RunResult r = rfaplan(planArgs(ph, out, {"--labs", labs.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "labs: postpone")) << r.out;
  const json plan = readJson(out);
  ASSERT_GE(plan["sessions"].size(), 1U);
  const json& s = plan["sessions"][0];
  EXPECT_EQ(s["decision"], "postpone");
  EXPECT_EQ(s["lab_date"], "2026-01-10");
  ASSERT_FALSE(s["labs"].is_null());
  EXPECT_EQ(s["labs"]["decision"], "postpone");
  bool plt_reason = false;
  for (const auto& reason : s["labs"]["reasons"]) {
    plt_reason = plt_reason || contains(reason.get<std::string>(), "PLT");
  }
  EXPECT_TRUE(plt_reason) << s["labs"]["reasons"];
  bool plt_failed = false;
  for (const auto& c : s["labs"]["checks"]) {
    if (c["name"] == "PLT") {
      plt_failed = c["status"] == "failed" && c["value"] == 40.0 && c["limit"] == 50.0;
    }
  }
  EXPECT_TRUE(plt_failed) << s["labs"]["checks"];
  EXPECT_EQ(rfaplan({"plan-check", out.string()}).exit_code, 0);

  // Malformed lab files: exit 5 naming the file; nothing is written at -o (nor a segmentation).
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"baddate.json", R"({"date": "2026-13-45", "values": {}})"},
      {"broken.json", R"({"date": "2026-01-10", "values": {"PLT": )"},
      {"negative.json", R"({"date": "2026-01-10", "values": {"PLT": -1}})"},
  };
  for (const auto& [name, text] : bad) {
    writeText(tmp / name, text);
    const fs::path o = tmp / ("x-" + name);
    r = rfaplan(planArgs(ph, o, {"--labs", (tmp / name).string()}));
    EXPECT_EQ(r.exit_code, 5) << name << ": " << r.err;
    EXPECT_TRUE(contains(r.err, name)) << r.err;
    EXPECT_FALSE(fs::exists(o)) << name;
    EXPECT_FALSE(fs::exists(tmp / ("x-" + fs::path(name).stem().string() + "-segmentation")));
  }
  // A lab file that is not there: exit 3.
  r = rfaplan(planArgs(ph, tmp / "y.json", {"--labs", (tmp / "nolabs.json").string()}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "nolabs.json")) << r.err;
}

TEST_F(CliPlan, ProfileByNameOrFile) {
  RunResult r = rfaplan(planArgs(ph, tmp / "x.json", {"--profile", "no-such-profile"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "no-such-profile")) << r.err;
  EXPECT_TRUE(contains(r.err, "batch-rfa")) << r.err;
  EXPECT_TRUE(contains(r.err, "multimodal-thermal-therapy")) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "x.json"));

  // A custom profile: batch-rfa with one lesion per session.
  json profile = readJson(fs::path(RFA_PROFILE_DIR) / "batch-rfa.json");
  profile["name"] = "batch-rfa-single";
  profile["sessions"]["min_targets"] = 1;
  profile["sessions"]["max_targets"] = 1;
  const fs::path file = tmp / "single.json";
  writeText(file, profile.dump(2));
  // The segmentation as a reviewed folder, so that every lesion counts as given (automatic
  // candidates below the confidence would not be scheduled).
  const fs::path seg = tmp / "seg";
  r = rfaplan({"segment", ph.string(), "--auto-lesions", "-o", seg.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path out = tmp / "plan.json";
  r = rfaplan(planArgs(ph, out, {"--profile", file.string(), "--segmentation", seg.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json plan = readJson(out);
  EXPECT_EQ(plan["settings"]["profile"], "batch-rfa-single");
  for (const auto& s : plan["sessions"]) EXPECT_EQ(s["lesion_ids"].size(), 1U) << s;
  ASSERT_EQ(plan["lesions"].size(), 2U);  // the seed-3 phantom: both lesions detected
  EXPECT_EQ(plan["sessions"].size(), 2U);
  expectEveryLesionAccountedFor(plan);
  // Checked against the same file: valid; against batch-rfa (at least 2 lesions per session
  // unless fewer are scheduled): a rule is broken.
  r = rfaplan({"plan-check", out.string(), "--profile", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"plan-check", out.string(), "--profile", "batch-rfa"});
  EXPECT_EQ(r.exit_code, 10) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "sessions[")) << r.err;
}

TEST_F(CliPlan, FileAtOutputThatIsNotAPlanIsNeverOverwritten) {
  const fs::path out = tmp / "plan.json";
  writeText(out, "{ broken");
  const RunResult r = rfaplan(planArgs(ph, out));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_TRUE(contains(r.err, "refusing to overwrite")) << r.err;
  EXPECT_TRUE(contains(r.err, out.string())) << r.err;
  EXPECT_EQ(readText(out), "{ broken");
  EXPECT_FALSE(fs::exists(tmp / "plan-segmentation"));
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_FALSE(contains(e.path().filename().string(), ".tmp")) << e.path();
  }
}

TEST_F(CliPlan, PlanCheckExitCodesAndBadOptionsOfPlan) {
  const fs::path out = tmp / "plan.json";
  RunResult r = rfaplan(planArgs(ph, out));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json plan = readJson(out);
  ASSERT_GE(plan["sessions"].size(), 1U);
  ASSERT_GE(plan["sessions"][0]["lesion_ids"].size(), 1U);
  const json id = plan["sessions"][0]["lesion_ids"][0];

  // A lesion listed in a second session as well (a hand edit): exit 10, naming the JSON path.
  json twice = plan;
  json extra = plan["sessions"][0];
  extra["index"] = 2;
  extra["lesion_ids"] = json::array({id});
  twice["sessions"].push_back(extra);
  writeText(tmp / "twice.json", twice.dump(2) + "\n");
  r = rfaplan({"plan-check", (tmp / "twice.json").string()});
  EXPECT_EQ(r.exit_code, 10) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "sessions[")) << r.err;
  EXPECT_TRUE(contains(r.err, "twice.json")) << r.err;

  // Listed twice in the same session.
  json dup = plan;
  dup["sessions"][0]["lesion_ids"].push_back(id);
  writeText(tmp / "dup.json", dup.dump(2) + "\n");
  r = rfaplan({"plan-check", (tmp / "dup.json").string()});
  EXPECT_EQ(r.exit_code, 10) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "sessions[0]")) << r.err;

  // Malformed, missing.
  writeText(tmp / "bad.json", readText(out).substr(0, 200));
  r = rfaplan({"plan-check", (tmp / "bad.json").string()});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_TRUE(contains(r.err, "bad.json")) << r.err;
  r = rfaplan({"plan-check", (tmp / "nothere.json").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "nothere.json")) << r.err;

  // Bad option values of plan: exit 2 before loading or segmenting anything.
  const std::vector<std::vector<std::string>> bad = {
      {"--max-ablations", "0"},    {"--max-ablations", "9"},
      {"--start", "2026-02-30"},   {"--start", "2026-2-3"},
      {"--cycles", "5"},           {"--confirm-spacing", "0.1"},
      {"--backend", "quantum"},    {"--uncertainty-samples", "-1"},
      {"--targeting-error", "-1"},
  };
  for (const auto& opt : bad) {
    const fs::path o = tmp / "opt.json";
    const auto t0 = std::chrono::steady_clock::now();
    r = rfaplan(planArgs(ph, o, opt));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.exit_code, 2) << opt[0] << " " << opt[1] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, opt[0])) << r.err;
    EXPECT_FALSE(contains(r.err, "loaded")) << r.err;
    EXPECT_FALSE(fs::exists(o));
    EXPECT_FALSE(fs::exists(tmp / "opt-segmentation"));
    EXPECT_LT(seconds, 5.0) << opt[0];
  }
}

TEST(CliPlanConfirm, BioheatConfirmationOnTheCpu) {
  TempDir tmp;
  const fs::path ph = tmp / "ph";
  ASSERT_NO_FATAL_FAILURE(writePhantom(ph, 1));
  const fs::path out = tmp / "plan.json";
  const RunResult r = rfaplan({"plan", ph.string(), "--backend", "cpu", "--confirm-spacing", "3",
                               "--uncertainty-samples", "10", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "(bioheat)")) << r.out;
  const json plan = readJson(out);
  EXPECT_EQ(plan["settings"]["confirmed"], true);
  EXPECT_EQ(plan["settings"]["confirmation_spacing_mm"], 3.0);
  ASSERT_GE(plan["lesions"].size(), 1U);
  for (const auto& l : plan["lesions"]) {
    ASSERT_FALSE(l["placements"].empty()) << l["id"];
    ASSERT_FALSE(l["confirmation"].is_null()) << l["id"];
    const json& c = l["confirmation"];
    EXPECT_EQ(c["backend"], "cpu");
    EXPECT_EQ(c["spacing_mm"], 3.0);
    EXPECT_EQ(c["zone_volumes_ml"].size(), l["placements"].size());
    EXPECT_EQ(c["max_temperatures_c"].size(), l["placements"].size());
    for (const auto& v : c["zone_volumes_ml"]) EXPECT_GT(v.get<double>(), 0.0);
    for (const auto& t : c["max_temperatures_c"]) EXPECT_GT(t.get<double>(), 50.0);
  }
  expectEveryLesionAccountedFor(plan);
  const RunResult chk = rfaplan({"plan-check", out.string()});
  EXPECT_EQ(chk.exit_code, 0) << chk.out << chk.err;
}

}  // namespace
}  // namespace rfa
