// Lab results: reading lab files and checking them against the shipped profiles' rules.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/planning/labs.h"
#include "rfa/planning/profile.h"

namespace rfa::planning {
namespace {

namespace fs = std::filesystem;

const ProtocolProfile& multimodal() {
  static const std::vector<ProtocolProfile> profiles = loadProfiles(defaultProfileDir());
  return findProfile(profiles, "multimodal-thermal-therapy");
}

// Every lab of the multimodal trial within its limits.
LabResults normalLabs() {
  LabResults r;
  r.date = "2025-03-01";
  r.values = {{"WBC", 5.2}, {"ANC", 3.1}, {"PLT", 180}, {"HGB", 128}, {"AST", 35},   {"ALT", 30},
              {"TBIL", 15}, {"Cr", 80},   {"INR", 1.1}, {"APTT", 32}, {"HBV-DNA", 0}};
  r.uln = {{"AST", 40}, {"ALT", 40}, {"TBIL", 21}, {"Cr", 97}, {"APTT", 37}};
  return r;
}

const LabCheck& check(const LabReport& report, const std::string& name) {
  for (const LabCheck& c : report.checks) {
    if (c.name == name) return c;
  }
  throw NotFoundError("no check " + name);
}

TEST(Labs, AllPassingProceeds) {
  const LabReport report = checkLabs(multimodal(), normalLabs());
  EXPECT_EQ(report.decision, LabDecision::kProceed);
  EXPECT_EQ(toString(report.decision), "proceed");
  EXPECT_EQ(report.checks.size(), multimodal().labs.size());
  EXPECT_TRUE(report.reasons.empty());
  for (const LabCheck& c : report.checks) EXPECT_TRUE(c.passed) << c.text;
}

TEST(Labs, LowPlateletsPostponeCitingTheRule) {
  LabResults r = normalLabs();
  r.values["PLT"] = 42;
  const LabReport report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kPostpone);
  const LabCheck& plt = check(report, "PLT");
  EXPECT_EQ(plt.status, CheckStatus::kFailed);
  EXPECT_FALSE(plt.passed);
  EXPECT_DOUBLE_EQ(*plt.value, 42);
  EXPECT_DOUBLE_EQ(*plt.limit, 50);
  EXPECT_EQ(plt.text, "PLT 42e9/L < 50e9/L (multimodal-thermal-therapy: PLT >= 50e9/L)");
  ASSERT_EQ(report.reasons.size(), 1U);
  EXPECT_EQ(report.reasons.front(), plt.text);
}

TEST(Labs, MissingValueIsIncompleteNeverPassed) {
  LabResults r = normalLabs();
  r.values.erase("INR");
  const LabReport report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kIncomplete);
  const LabCheck& inr = check(report, "INR");
  EXPECT_EQ(inr.status, CheckStatus::kMissing);
  EXPECT_FALSE(inr.passed);
  EXPECT_FALSE(inr.value.has_value());
  ASSERT_EQ(report.reasons.size(), 1U);
  EXPECT_NE(report.reasons.front().find("INR missing"), std::string::npos) << report.reasons[0];
  // A failure outranks a missing value.
  r.values["PLT"] = 10;
  EXPECT_EQ(checkLabs(multimodal(), r).decision, LabDecision::kPostpone);
}

TEST(Labs, RelativeRuleScalesTheUln) {
  LabResults r = normalLabs();
  r.values["AST"] = 190;  // <= 5 x 40
  LabReport report = checkLabs(multimodal(), r);
  EXPECT_TRUE(check(report, "AST").passed);
  EXPECT_DOUBLE_EQ(*check(report, "AST").limit, 200);
  r.values["AST"] = 210;
  report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kPostpone);
  EXPECT_EQ(check(report, "AST").status, CheckStatus::kFailed);
  EXPECT_NE(check(report, "AST").text.find("5 x ULN 40 U/L"), std::string::npos)
      << check(report, "AST").text;
  r.values["AST"] = 35;
  r.uln.erase("AST");
  report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kIncomplete);
  EXPECT_EQ(check(report, "AST").status, CheckStatus::kMissing);
  EXPECT_NE(check(report, "AST").text.find("without its ULN"), std::string::npos);
}

TEST(Labs, CreatinineOrClearance) {
  LabResults r = normalLabs();
  r.values["Cr"] = 160;  // > 1.5 x 97 = 145.5
  LabReport report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kIncomplete);  // CrCl unknown: undecided
  EXPECT_EQ(check(report, "Cr").status, CheckStatus::kMissing);
  r.values["CrCl"] = 65;
  report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kProceed);
  EXPECT_TRUE(check(report, "Cr").passed);
  EXPECT_EQ(check(report, "Cr").quantity, "CrCl");
  r.values["CrCl"] = 50;
  report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kPostpone);
  EXPECT_EQ(check(report, "Cr").status, CheckStatus::kFailed);
  EXPECT_NE(check(report, "Cr").text.find("Cr <= 1.5 x ULN or CrCl >= 60 mL/min"),
            std::string::npos)
      << check(report, "Cr").text;
  // Only the clearance given, and it passes.
  r.values.erase("Cr");
  r.values["CrCl"] = 90;
  EXPECT_EQ(checkLabs(multimodal(), r).decision, LabDecision::kProceed);
}

TEST(Labs, AdvisoryRuleDoesNotPostpone) {
  LabResults r = normalLabs();
  r.values["HBV-DNA"] = 5000;
  const LabReport report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kProceed);
  EXPECT_EQ(check(report, "HBV-DNA").status, CheckStatus::kFailed);
  EXPECT_EQ(report.reasons.size(), 1U);
}

TEST(Labs, UnitMismatchIsMissing) {
  LabResults r = normalLabs();
  r.units["HGB"] = "g/dL";
  const LabReport report = checkLabs(multimodal(), r);
  EXPECT_EQ(report.decision, LabDecision::kIncomplete);
  EXPECT_EQ(check(report, "HGB").status, CheckStatus::kMissing);
}

fs::path writeFile(const std::string& name, const std::string& text) {
  const fs::path dir = fs::path(::testing::TempDir()) / "rfa_planning_labs_test";
  fs::create_directories(dir);
  const fs::path file = dir / name;
  std::ofstream(file) << text;
  return file;
}

TEST(LabsFile, SingleObjectAndSessions) {
  const auto one = readLabsFile(writeFile(
      "one.json", R"({"date": "2025-03-01", "values": {"PLT": 120}, "uln": {"AST": 40}})"));
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(one[0].date, "2025-03-01");
  EXPECT_DOUBLE_EQ(one[0].values.at("PLT"), 120);
  EXPECT_DOUBLE_EQ(one[0].uln.at("AST"), 40);
  const auto many = readLabsFile(writeFile("many.json", R"({"sessions": [
      {"date": "2025-03-01", "values": {"PLT": 120}},
      {"date": "2025-05-10", "values": {"PLT": 40}, "units": {"PLT": "e9/L"}}]})"));
  ASSERT_EQ(many.size(), 2U);
  EXPECT_EQ(many[1].date, "2025-05-10");
  EXPECT_EQ(many[1].units.at("PLT"), "e9/L");
}

TEST(LabsFile, MalformedNamesFileAndField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"date": "2025-02-30", "values": {}})", "date must be a valid date"},
      {R"({"values": {"PLT": 1}})", "date is missing"},
      {R"({"date": "2025-02-03", "values": {"PLT": "high"}})", "values.PLT must be a number"},
      {R"({"date": "2025-02-03", "values": {"PLT": -1}})", "values.PLT must be >= 0"},
      {R"({"date": "2025-02-03", "values": {}, "uln": {"AST": 0}})", "uln.AST must be > 0"},
      {R"({"sessions": [{"date": "2025-02-03", "values": {}, "x": 1}]})", "sessions[0].x"},
  };
  for (const auto& [text, field] : cases) {
    const fs::path file = writeFile("bad-labs.json", text);
    try {
      readLabsFile(file);
      ADD_FAILURE() << "no error for " << text;
    } catch (const CorruptDataError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("bad-labs.json: "), std::string::npos) << what;
      EXPECT_NE(what.find(field), std::string::npos) << field << " not in: " << what;
    }
  }
}

}  // namespace
}  // namespace rfa::planning
