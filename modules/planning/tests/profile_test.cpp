// Protocol profiles: the shipped resources/profiles and malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/planning/profile.h"

namespace rfa::planning {
namespace {

namespace fs = std::filesystem;

template <class E, class F>
std::string errorOf(F fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type";
  return {};
}

const std::vector<ProtocolProfile>& shipped() {
  static const std::vector<ProtocolProfile> profiles = loadProfiles(defaultProfileDir());
  return profiles;
}

const LabRule& rule(const ProtocolProfile& p, const std::string& name) {
  for (const LabRule& r : p.labs) {
    if (r.name == name) return r;
  }
  throw NotFoundError("no rule " + name);
}

// Writes `text` to a fresh file in a per-test folder and returns its path.
fs::path writeFile(const std::string& name, const std::string& text) {
  const fs::path dir = fs::path(::testing::TempDir()) / "rfa_planning_profile_test";
  fs::create_directories(dir);
  const fs::path file = dir / name;
  std::ofstream(file) << text;
  return file;
}

const char* kMinimal = R"({
  "name": "mini", "description": "d", "sources": ["s"],
  "sessions": {"max_sessions": 2, "min_targets": 1, "max_targets": 3},
  "margins": {"minimum_mm": 5, "target_mm": 10},
  "safety": {"max_ablated_liver_fraction": 0.3},
  "labs": [{"name": "PLT", "unit": "e9/L", "kind": "min", "value": 50,
            "relative_to_uln": false, "source": "x"}]
})";

TEST(Profiles, ShippedBatchRfa) {
  const ProtocolProfile& p = findProfile(shipped(), "batch-rfa");
  EXPECT_FALSE(p.description.empty());
  EXPECT_GE(p.sources.size(), 1U);
  EXPECT_EQ(p.sessions.max_sessions, 3);
  EXPECT_EQ(p.sessions.min_targets, 2);
  EXPECT_EQ(p.sessions.max_targets, 6);
  EXPECT_EQ(p.intervals.systemic_cycles_between_sessions_min, 1);
  EXPECT_EQ(p.intervals.systemic_cycles_between_sessions_max, 2);
  EXPECT_EQ(p.intervals.cycle_length_days, 21);
  EXPECT_EQ(p.intervals.min_days_systemic_to_rfa, 7);
  EXPECT_EQ(p.intervals.imaging_after_rfa_days, 30);
  EXPECT_EQ(p.intervals.followup_interval_months, 3);
  EXPECT_EQ(p.intervals.followup_years, 2);
  EXPECT_EQ(p.intervals.late_followup_interval_months, 6);
  EXPECT_DOUBLE_EQ(p.margins.minimum_mm, 5);
  EXPECT_DOUBLE_EQ(p.margins.target_mm, 10);
  EXPECT_NEAR(p.safety.max_ablated_liver_fraction, 1.0 / 3.0, 1e-3);
  EXPECT_FALSE(p.lesions.max_count.has_value());
  EXPECT_DOUBLE_EQ(rule(p, "PLT").value, 50);
  EXPECT_NE(rule(p, "PLT").source.find("NCT07159048"), std::string::npos);
  EXPECT_EQ(p.labs.size(), 11U);
}

TEST(Profiles, ShippedMultimodal) {
  const ProtocolProfile& p = findProfile(shipped(), "multimodal-thermal-therapy");
  EXPECT_EQ(p.lesions.max_count, 5);
  ASSERT_TRUE(p.lesions.max_diameter_mm.has_value());
  EXPECT_DOUBLE_EQ(*p.lesions.max_diameter_mm, 50);
  EXPECT_EQ(p.patient.age_min, 18);
  EXPECT_EQ(p.patient.age_max, 75);
  EXPECT_EQ(p.patient.child_pugh_max, 7);
  EXPECT_EQ(p.patient.ecog_max, 1);
  EXPECT_EQ(p.patient.min_days_since_last_treatment, 21);
  EXPECT_NEAR(p.safety.max_ablated_liver_fraction, 1.0 / 3.0, 1e-3);
  const std::vector<std::string> names = {"WBC",  "ANC", "PLT", "HGB",  "AST",    "ALT",
                                          "TBIL", "Cr",  "INR", "APTT", "HBV-DNA"};
  ASSERT_EQ(p.labs.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(p.labs[i].name, names[i]);
  EXPECT_DOUBLE_EQ(rule(p, "WBC").value, 3.0);
  EXPECT_DOUBLE_EQ(rule(p, "ANC").value, 1.5);
  EXPECT_DOUBLE_EQ(rule(p, "HGB").value, 90);
  const LabRule& ast = rule(p, "AST");
  EXPECT_TRUE(ast.relative_to_uln);
  EXPECT_EQ(ast.kind, LimitKind::kMax);
  EXPECT_DOUBLE_EQ(ast.value, 5.0);
  EXPECT_DOUBLE_EQ(rule(p, "TBIL").value, 2.0);
  const LabRule& cr = rule(p, "Cr");
  ASSERT_TRUE(cr.alternative.has_value());
  EXPECT_EQ(cr.alternative->name, "CrCl");
  EXPECT_EQ(cr.alternative->kind, LimitKind::kMin);
  EXPECT_DOUBLE_EQ(cr.alternative->value, 60);
  EXPECT_FALSE(rule(p, "INR").relative_to_uln);
  EXPECT_TRUE(rule(p, "APTT").relative_to_uln);
  EXPECT_DOUBLE_EQ(rule(p, "HBV-DNA").value, 2000);
  EXPECT_TRUE(rule(p, "HBV-DNA").advisory);
}

TEST(Profiles, UnknownNameListsAvailable) {
  const std::string what =
      errorOf<NotFoundError>([] { static_cast<void>(findProfile(shipped(), "nope")); });
  EXPECT_NE(what.find("'nope'"), std::string::npos) << what;
  EXPECT_NE(what.find("batch-rfa"), std::string::npos) << what;
  EXPECT_NE(what.find("multimodal-thermal-therapy"), std::string::npos) << what;
}

TEST(Profiles, MinimalUsesIntervalDefaults) {
  const ProtocolProfile p = readProfileFile(writeFile("mini.json", kMinimal));
  EXPECT_EQ(p.name, "mini");
  EXPECT_EQ(p.intervals.cycle_length_days, 21);
  EXPECT_FALSE(p.patient.age_min.has_value());
  EXPECT_FALSE(p.labs.front().alternative.has_value());
  EXPECT_DOUBLE_EQ(p.access.max_skin_angle_deg, 60);  // access defaults
  EXPECT_DOUBLE_EQ(p.access.vessel_safety_mm, 3);
}

TEST(Profiles, AccessWindowIsRead) {
  std::string text = kMinimal;
  const std::string from = R"("max_targets": 3},)";
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(
      at, from.size(),
      R"("max_targets": 3}, "access": {"max_skin_angle_deg": 45, "vessel_safety_mm": 5},)");
  const ProtocolProfile p = readProfileFile(writeFile("access.json", text));
  EXPECT_DOUBLE_EQ(p.access.max_skin_angle_deg, 45);
  EXPECT_DOUBLE_EQ(p.access.vessel_safety_mm, 5);
  EXPECT_DOUBLE_EQ(p.access.below_liver_mm, 50);  // not given: default
}

TEST(Profiles, MalformedNamesFileAndField) {
  struct Case {
    std::string from, to, field;
  };
  const std::vector<Case> cases = {
      {R"("max_sessions": 2)", R"("max_sessions": "2")", "sessions.max_sessions"},
      {R"("max_sessions": 2)", R"("max_sessions": 0)", "sessions.max_sessions"},
      {R"("max_targets": 3)", R"("max_targets": 3, "colour": 1)", "sessions.colour"},
      {R"("target_mm": 10)", R"("target_mm": 2)", "margins.target_mm"},
      {R"("max_ablated_liver_fraction": 0.3)", R"("max_ablated_liver_fraction": 1.5)",
       "safety.max_ablated_liver_fraction"},
      {R"("kind": "min")", R"("kind": "above")", "labs[0].kind"},
      {R"("value": 50,)", "", "labs[0].value is missing"},
      {R"("relative_to_uln": false)", R"("relative_to_uln": false, "or": {"name": "X"})",
       "labs[0].or.unit is missing"},
      {R"("margins": {"minimum_mm": 5, "target_mm": 10},)", "", "margins is missing"},
      {R"("max_targets": 3},)", R"("max_targets": 3}, "access": {"max_skin_angle_deg": 95},)",
       "access.max_skin_angle_deg"},
      {R"("max_targets": 3},)", R"("max_targets": 3}, "access": {"window": 1},)", "access.window"},
  };
  for (const Case& c : cases) {
    std::string text = kMinimal;
    const auto at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    const fs::path file = writeFile("bad.json", text);
    const std::string what = errorOf<CorruptDataError>([&] { readProfileFile(file); });
    EXPECT_NE(what.find("bad.json: "), std::string::npos) << what;
    EXPECT_NE(what.find(c.field), std::string::npos) << c.field << " not in: " << what;
  }
  const std::string json_error =
      errorOf<CorruptDataError>([] { readProfileFile(writeFile("broken.json", "{\"name\": ")); });
  EXPECT_NE(json_error.find("broken.json"), std::string::npos) << json_error;
  EXPECT_THROW(readProfileFile(writeFile("absent", "") / "nothing.json"), NotFoundError);
}

TEST(Profiles, DuplicateLabNameAndEmptyFolder) {
  std::string text = kMinimal;
  const std::string plt = R"({"name": "PLT", "unit": "e9/L", "kind": "min", "value": 50,
            "relative_to_uln": false, "source": "x"})";
  text.replace(text.find(plt), plt.size(), plt + ", " + plt);
  const std::string what =
      errorOf<CorruptDataError>([&] { readProfileFile(writeFile("dup.json", text)); });
  EXPECT_NE(what.find("labs[1].name"), std::string::npos) << what;
  const fs::path empty = fs::path(::testing::TempDir()) / "rfa_planning_empty_profiles";
  fs::create_directories(empty);
  EXPECT_THROW(loadProfiles(empty), NotFoundError);
  EXPECT_THROW(loadProfiles(empty / "absent"), NotFoundError);
}

}  // namespace
}  // namespace rfa::planning
