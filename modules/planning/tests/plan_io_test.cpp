// The plan file: byte-identical round trips, determinism, strict reading and revision-keeping
// saves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "plan_fixture.h"
#include "rfa/core/error.h"
#include "rfa/planning/plan_io.h"

namespace rfa::planning {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::richPlan;

std::string readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// The rich plan as a JSON document, for tests that break one member.
json richJson() {
  return json::parse(serializePlan(richPlan()));
}

// parsePlan(doc) must throw CorruptDataError whose message starts with "plan.json: " and holds
// `fragment` (the JSON path and what is wrong).
void expectCorrupt(const json& doc, const std::string& fragment) {
  try {
    parsePlan(doc.dump(2), "plan.json");
    ADD_FAILURE() << "no CorruptDataError for " << fragment;
  } catch (const CorruptDataError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("plan.json: ", 0), 0U) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

class PlanFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rfa_plan_io_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  [[nodiscard]] int entries() const {
    return static_cast<int>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}));
  }
  fs::path dir_;
};

TEST(PlanIo, RoundTripIsByteIdentical) {
  const std::string text = serializePlan(richPlan());
  const TreatmentPlan back = parsePlan(text, "plan.json");
  EXPECT_EQ(serializePlan(back), text);
  // And once more from the re-read plan (the rounding is idempotent).
  EXPECT_EQ(serializePlan(parsePlan(serializePlan(back), "plan.json")), text);

  // Optional members survive as present or absent.
  ASSERT_EQ(back.lesions.size(), 5U);
  EXPECT_TRUE(back.lesions[0].uncertainty.has_value());
  EXPECT_FALSE(back.lesions[1].uncertainty.has_value());
  EXPECT_TRUE(back.lesions[1].confirmation.has_value());
  EXPECT_FALSE(back.lesions[0].confirmation.has_value());
  EXPECT_TRUE(back.lesions[1].vessel_gap_mm.has_value());
  EXPECT_FALSE(back.lesions[0].vessel_gap_mm.has_value());
  EXPECT_TRUE(back.lesions[0].trajectories[0].min_vessel_distance_mm.has_value());
  EXPECT_FALSE(back.lesions[0].trajectories[1].min_vessel_distance_mm.has_value());
  ASSERT_TRUE(back.sessions[0].labs.has_value());
  EXPECT_FALSE(back.sessions[1].labs.has_value());
  EXPECT_EQ(back.sessions[0].labs->decision, LabDecision::kIncomplete);
  ASSERT_EQ(back.sessions[0].labs->checks.size(), 2U);
  EXPECT_TRUE(back.sessions[0].labs->checks[0].passed);
  EXPECT_DOUBLE_EQ(*back.sessions[0].labs->checks[0].value, 180);
  EXPECT_FALSE(back.sessions[0].labs->checks[1].value.has_value());
  EXPECT_EQ(back.sessions[0].labs->checks[1].status, CheckStatus::kMissing);
  EXPECT_TRUE(back.lesions[4].placements.empty());
  EXPECT_EQ(back.lesions[4].flag, LesionFlag::kNoSafePath);
  EXPECT_EQ(back.lesions[0].rejected_paths.at("bone"), 12);
  EXPECT_EQ(back.source.size, (Size3{512, 512, 97}));
  EXPECT_EQ(back.unplaced.at(0).id, 7);
  EXPECT_EQ(back.timeline.size(), 5U);
  EXPECT_EQ(back.timeline[3].kind, EventKind::kRfa);
  EXPECT_EQ(back.sessions[0].review_status, ReviewStatus::kApproved);
  EXPECT_EQ(back.settings.start_date, "2025-03-03");
  EXPECT_EQ(back.format_version, kPlanFormatVersion);
}

TEST(PlanIo, ReviewerAndTimeRoundTripAndVersion1PlansStillRead) {
  TreatmentPlan plan = richPlan();
  plan.sessions[0].review_by = "drlee";
  plan.sessions[0].review_at = "2027-01-05T10:20:30Z";
  const TreatmentPlan back = parsePlan(serializePlan(plan), "plan.json");
  EXPECT_EQ(back.sessions[0].review_by, "drlee");
  EXPECT_EQ(back.sessions[0].review_at, "2027-01-05T10:20:30Z");
  // A format_version 1 file: no reviewer members; read with them empty.
  json v1 = json::parse(serializePlan(plan));
  v1["format_version"] = 1;
  for (json& s : v1["sessions"]) {
    s.erase("review_by");
    s.erase("review_at");
  }
  const TreatmentPlan old = parsePlan(v1.dump(), "old.json");
  EXPECT_EQ(old.format_version, 1);
  EXPECT_EQ(old.sessions[0].review_status, back.sessions[0].review_status);
  EXPECT_TRUE(old.sessions[0].review_by.empty());
  EXPECT_TRUE(old.sessions[0].review_at.empty());
  // Saved again, it is written as the current version with the members.
  EXPECT_NE(serializePlan(old).find("\"review_by\": \"\""), std::string::npos);
  // Version 1 never had them: a version 1 file with them is malformed; version 2 needs them.
  json bad = v1;
  bad["sessions"][0]["review_by"] = "x";
  expectCorrupt(bad, "review_by");
  json missing = json::parse(serializePlan(plan));
  missing["sessions"][0].erase("review_at");
  expectCorrupt(missing, "review_at");
}

TEST(PlanIo, EverythingAbsentRoundTrips) {
  TreatmentPlan plan;  // defaults: no lesions, no sessions, empty strings
  const std::string text = serializePlan(plan);
  EXPECT_EQ(serializePlan(parsePlan(text, "empty.json")), text);
}

TEST(PlanIo, SerialisationIsDeterministicAndRounded) {
  const TreatmentPlan plan = richPlan();
  const std::string a = serializePlan(plan);
  const TreatmentPlan copy = plan;
  EXPECT_EQ(serializePlan(copy), a);
  EXPECT_EQ(serializePlan(plan), a);
  EXPECT_EQ(a.back(), '\n');
  EXPECT_EQ(a.rfind("{\n  \"format\": \"rfaplan-plan\",\n  \"format_version\": 2,", 0), 0U) << a;

  const json doc = json::parse(a);
  EXPECT_EQ(doc["research_use_only"], true);
  EXPECT_EQ(doc["frame"], "DICOM patient LPS, mm");
  // 0.78125 -> 0.7813 (half away from zero), -95.000049 -> -95.0, 1e-5 -> 0 (never "-0.0").
  EXPECT_DOUBLE_EQ(doc["source"]["spacing_mm"][0].get<double>(), 0.7813);
  EXPECT_DOUBLE_EQ(doc["lesions"][0]["centroid_lps_mm"][1].get<double>(), -95.0);
  EXPECT_DOUBLE_EQ(doc["lesions"][0]["centroid_lps_mm"][2].get<double>(), 0.0);
  EXPECT_EQ(a.find("-0.0,"), std::string::npos);
  EXPECT_DOUBLE_EQ(doc["source"]["origin_lps_mm"][0].get<double>(), -200.1094);
  // Mat3 as 3 columns: the second column of the rotation about z is (-sin, cos, 0).
  EXPECT_NEAR(doc["source"]["direction_lps"][1][0].get<double>(), -0.0998, 1e-12);
  EXPECT_TRUE(doc["lesions"][0]["vessel_gap_mm"].is_null());
  EXPECT_TRUE(doc["lesions"][0]["confirmation"].is_null());
  EXPECT_TRUE(doc["sessions"][1]["labs"].is_null());
  EXPECT_TRUE(doc["sessions"][0]["labs"]["checks"][1]["value"].is_null());
  EXPECT_TRUE(doc["lesions"][0]["placements"][0]["zone"].contains("axes_lps"));
  EXPECT_EQ(doc["lesions"][0]["placements"][0]["zone"]["semi_w_mm"].get<double>(), 20.0);
}

TEST(PlanIo, NonFiniteNumbersAreNeverWritten) {
  TreatmentPlan plan = richPlan();
  plan.lesions[0].vessel_gap_mm = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(json::parse(serializePlan(plan))["lesions"][0]["vessel_gap_mm"].is_null());
  plan.lesions[0].trajectories[0].cost = std::nan("");
  try {
    serializePlan(plan);
    FAIL() << "no std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("lesions[0].trajectories[0].cost"), std::string::npos)
        << e.what();
  }
}

TEST(PlanIo, CommentKeysAreAllowed) {
  json doc = richJson();
  doc["_comment"] = "edited by hand";
  doc["lesions"][0]["_note"] = 1;
  const TreatmentPlan plan = parsePlan(doc.dump(), "plan.json");
  EXPECT_EQ(serializePlan(plan), serializePlan(richPlan()));
}

TEST(PlanIo, UnknownKeyIsRejected) {
  json doc = richJson();
  doc["lesions"][2]["colour"] = "red";
  expectCorrupt(doc, "lesions[2].colour is not a known field");
  doc = richJson();
  doc["extra"] = 1;
  expectCorrupt(doc, "extra is not a known field");
}

TEST(PlanIo, MissingMemberIsRejected) {
  json doc = richJson();
  doc["sessions"][0].erase("decision");
  expectCorrupt(doc, "sessions[0].decision is missing");
  doc = richJson();
  doc["lesions"][1].erase("uncertainty");  // optional values are null, never absent
  expectCorrupt(doc, "lesions[1].uncertainty is missing");
}

TEST(PlanIo, WrongTypeIsRejected) {
  json doc = richJson();
  doc["lesions"][0]["diameter_mm"] = "big";
  expectCorrupt(doc, "lesions[0].diameter_mm must be a number");
  doc = richJson();
  doc["sessions"][1]["lesion_ids"][0] = 4.5;
  expectCorrupt(doc, "sessions[1].lesion_ids[0] must be a lesion id");
  doc = richJson();
  doc["source"]["origin_lps_mm"] = json::array({1, 2});
  expectCorrupt(doc, "source.origin_lps_mm must be an array of 3 numbers");
  doc = richJson();
  doc["fits_profile"] = "no";
  expectCorrupt(doc, "fits_profile must be true or false");
}

TEST(PlanIo, EnumerationsAreChecked) {
  json doc = richJson();
  doc["lesions"][1]["flag"] = "big";
  expectCorrupt(doc, "lesions[1].flag must be one of \"none\", \"no safe path\"");
  doc = richJson();
  doc["sessions"][0]["decision"] = "go";
  expectCorrupt(doc, "sessions[0].decision must be one of");
  doc = richJson();
  doc["sessions"][0]["review_status"] = "ok";
  expectCorrupt(doc, "sessions[0].review_status must be one of");
  doc = richJson();
  doc["timeline"][2]["kind"] = "surgery";
  expectCorrupt(doc, "timeline[2].kind must be one of");
  doc = richJson();
  doc["sessions"][0]["labs"]["checks"][0]["status"] = "ok";
  expectCorrupt(doc, "sessions[0].labs.checks[0].status must be one of");
}

TEST(PlanIo, DatesAreChecked) {
  json doc = richJson();
  doc["settings"]["start_date"] = "2025-02-30";
  expectCorrupt(doc, "settings.start_date must be a valid date yyyy-mm-dd");
  doc = richJson();
  doc["timeline"][0]["date"] = "3 March";
  expectCorrupt(doc, "timeline[0].date must be a valid date");
  doc = richJson();
  doc["timeline"][0]["date"] = "";  // no start date: allowed
  EXPECT_NO_THROW(parsePlan(doc.dump(), "plan.json"));
}

TEST(PlanIo, RangesAreChecked) {
  json doc = richJson();
  doc["lesions"][0]["id"] = 0;
  expectCorrupt(doc, "lesions[0].id must be in 1..");
  doc = richJson();
  doc["sessions"][0]["liver_fraction"] = 1.5;
  expectCorrupt(doc, "sessions[0].liver_fraction must be <= 1");
  doc = richJson();
  doc["lesions"][0]["volume_ml"] = -1;
  expectCorrupt(doc, "lesions[0].volume_ml must be >= 0");
  doc = richJson();
  doc["lesions"][0]["preview"]["coverage_min_pct"] = 100.5;
  expectCorrupt(doc, "lesions[0].preview.coverage_min_pct must be <= 100");
  doc = richJson();
  doc["lesions"][0]["uncertainty"]["probability_margin_ok"] = 1.2;
  expectCorrupt(doc, "lesions[0].uncertainty.probability_margin_ok must be <= 1");
  doc = richJson();
  doc["lesions"][0]["placements"][0]["direction_lps"] = json::array({1, 1, 0});
  expectCorrupt(doc, "lesions[0].placements[0].direction_lps must be a unit vector");
  doc = richJson();
  doc["lesions"][0]["placements"][0]["zone"]["axes_lps"][2] = json::array({0, 0, 2});
  expectCorrupt(doc, "lesions[0].placements[0].zone.axes_lps[2] must be a unit vector");
  doc = richJson();
  doc["lesions"][0]["placements"][0]["zone"]["semi_u_mm"] = 0;
  expectCorrupt(doc, "lesions[0].placements[0].zone.semi_u_mm must be > 0");
  doc = richJson();
  doc["research_use_only"] = false;
  expectCorrupt(doc, "research_use_only must be true");
}

TEST(PlanIo, FormatAndVersion) {
  json doc = richJson();
  doc["format"] = "rfaplan-calibration";
  expectCorrupt(doc, "format must be \"rfaplan-plan\"");
  doc = richJson();
  doc["format_version"] = 0;
  expectCorrupt(doc, "format_version must be in 1..2");
  doc = richJson();
  doc["format_version"] = 3;
  doc["new_member"] = true;  // a newer format may have members this version does not know
  try {
    parsePlan(doc.dump(), "plan.json");
    FAIL() << "no UnsupportedError";
  } catch (const UnsupportedError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("plan.json: format_version 3"), std::string::npos) << what;
    EXPECT_NE(what.find("(format_version 2)"), std::string::npos) << what;
    EXPECT_EQ(e.code(), ExitCode::kUnsupported);
  }
  try {
    parsePlan("{ broken", "plan.json");
    FAIL() << "no CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find("plan.json: not valid JSON"), std::string::npos);
  }
  expectCorrupt(json::array({1, 2}), "the top level must be a JSON object");
}

TEST_F(PlanFile, MissingFileIsNotFound) {
  const fs::path f = dir_ / "absent.json";
  try {
    readPlanFile(f);
    FAIL() << "no NotFoundError";
  } catch (const NotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find(f.string()), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), ExitCode::kNotFound);
  }
}

TEST_F(PlanFile, ReadErrorsNameTheFile) {
  const fs::path f = dir_ / "plan.json";
  json doc = richJson();
  doc["lesions"][3]["flag"] = "huge";
  writeBytes(f, doc.dump(2));
  try {
    readPlanFile(f);
    FAIL() << "no CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(f.string() + ": lesions[3].flag must be one of", 0), 0U)
        << e.what();
  }
}

TEST_F(PlanFile, NewFileIsWrittenAsIs) {
  const fs::path f = dir_ / "plan.json";
  TreatmentPlan plan = richPlan();
  plan.revision = 4;
  const PlanWriteResult r = writePlanFile(f, plan);
  EXPECT_EQ(r.revision, 4);
  EXPECT_FALSE(r.unchanged);
  EXPECT_FALSE(r.previous_kept.has_value());
  EXPECT_EQ(plan.revision, 4);
  EXPECT_EQ(readBytes(f), serializePlan(plan));
  EXPECT_EQ(serializePlan(readPlanFile(f)), serializePlan(plan));
  EXPECT_EQ(entries(), 1);
}

TEST_F(PlanFile, SameContentWritesNothing) {
  const fs::path f = dir_ / "plan.json";
  TreatmentPlan plan = richPlan();
  writePlanFile(f, plan);
  const std::string before = readBytes(f);
  const auto mtime = fs::last_write_time(f);

  // Load + save is byte-identical, whatever revision the loaded plan is given.
  TreatmentPlan loaded = readPlanFile(f);
  loaded.revision = 9;
  const PlanWriteResult r = writePlanFile(f, loaded);
  EXPECT_TRUE(r.unchanged);
  EXPECT_EQ(r.revision, 1);
  EXPECT_EQ(loaded.revision, 1);
  EXPECT_FALSE(r.previous_kept.has_value());
  EXPECT_EQ(readBytes(f), before);
  EXPECT_EQ(fs::last_write_time(f), mtime);
  EXPECT_EQ(entries(), 1);  // no kept copy, no temporary

  // A difference below the file's precision is no change either.
  TreatmentPlan nudged = richPlan();
  nudged.liver_volume_ml += 1e-7;
  EXPECT_TRUE(writePlanFile(f, nudged).unchanged);
}

TEST_F(PlanFile, ChangedContentKeepsThePreviousRevision) {
  const fs::path f = dir_ / "plan.json";
  TreatmentPlan plan = richPlan();
  writePlanFile(f, plan);
  const std::string r1 = readBytes(f);

  plan.sessions[0].review_status = ReviewStatus::kRejected;
  PlanWriteResult r = writePlanFile(f, plan);
  EXPECT_FALSE(r.unchanged);
  EXPECT_EQ(r.revision, 2);
  EXPECT_EQ(plan.revision, 2);
  ASSERT_TRUE(r.previous_kept.has_value());
  EXPECT_EQ(*r.previous_kept, dir_ / "plan.r1.json");
  EXPECT_EQ(readBytes(dir_ / "plan.r1.json"), r1);
  const TreatmentPlan now = readPlanFile(f);
  EXPECT_EQ(now.revision, 2);
  EXPECT_EQ(now.sessions[0].review_status, ReviewStatus::kRejected);
  EXPECT_EQ(readBytes(f), serializePlan(plan));
  const std::string r2 = readBytes(f);

  // An existing kept file is never overwritten: the next free name is used.
  writeBytes(dir_ / "plan.r2.json", "someone else's file");
  plan.notes.push_back("third revision");
  r = writePlanFile(f, plan);
  EXPECT_EQ(r.revision, 3);
  ASSERT_TRUE(r.previous_kept.has_value());
  EXPECT_EQ(*r.previous_kept, dir_ / "plan.r2-2.json");
  EXPECT_EQ(readBytes(dir_ / "plan.r2-2.json"), r2);
  EXPECT_EQ(readBytes(dir_ / "plan.r2.json"), "someone else's file");
  EXPECT_EQ(readBytes(dir_ / "plan.r1.json"), r1);
  EXPECT_EQ(readPlanFile(f).revision, 3);
  EXPECT_EQ(entries(), 4);  // plan, r1, r2 (foreign), r2-2
}

TEST_F(PlanFile, InvalidExistingFileIsNeverOverwritten) {
  const fs::path f = dir_ / "plan.json";
  writeBytes(f, "{ broken");
  TreatmentPlan plan = richPlan();
  try {
    writePlanFile(f, plan);
    FAIL() << "no CorruptDataError";
  } catch (const CorruptDataError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("refusing to overwrite " + f.string() + ": it is not a valid plan (", 0),
              0U)
        << what;
    EXPECT_NE(what.find("not valid JSON"), std::string::npos) << what;
    EXPECT_NE(what.find("move it away or choose another output file"), std::string::npos) << what;
  }
  EXPECT_EQ(readBytes(f), "{ broken");
  EXPECT_EQ(plan.revision, 1);
  EXPECT_EQ(entries(), 1);
  // The same refusal before any work (the CLI and the workstation ask first).
  EXPECT_THROW(requirePlanTarget(f), CorruptDataError);
  EXPECT_NO_THROW(requirePlanTarget(dir_ / "absent.json"));
  const fs::path good = dir_ / "good.json";
  TreatmentPlan other = richPlan();
  (void)writePlanFile(good, other);
  EXPECT_NO_THROW(requirePlanTarget(good));

  // A plan of a newer format is not overwritten either.
  json doc = richJson();
  doc["format_version"] = 3;
  writeBytes(f, doc.dump());
  EXPECT_THROW(writePlanFile(f, plan), CorruptDataError);
  EXPECT_EQ(readBytes(f), doc.dump());
}

}  // namespace
}  // namespace rfa::planning
