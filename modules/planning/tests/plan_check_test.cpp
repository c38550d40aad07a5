// Plan re-validation: a consistent plan passes; each rule, broken on its own, is reported with
// its JSON path and numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "plan_fixture.h"
#include "rfa/core/error.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/plan_io.h"

namespace rfa::planning {
namespace {

using test::richPlan;
using test::testCalibration;
using test::testProfile;

std::string describe(const std::vector<PlanProblem>& problems) {
  std::ostringstream s;
  for (const PlanProblem& p : problems) {
    s << (p.error ? "error " : "warning ") << p.where << ": " << p.text << "\n";
  }
  return s.str();
}

int countErrors(const std::vector<PlanProblem>& problems) {
  return static_cast<int>(std::count_if(problems.begin(), problems.end(),
                                        [](const PlanProblem& p) { return p.error; }));
}

// The problem at `where` (error or warning as `error`) whose text holds `fragment`.
void expectProblem(const std::vector<PlanProblem>& problems, bool error, const std::string& where,
                   const std::string& fragment) {
  const bool found = std::any_of(problems.begin(), problems.end(), [&](const PlanProblem& p) {
    return p.error == error && p.where == where && p.text.find(fragment) != std::string::npos;
  });
  EXPECT_TRUE(found) << "no " << (error ? "error" : "warning") << " at " << where << " with '"
                     << fragment << "' in:\n"
                     << describe(problems);
}

void expectError(const TreatmentPlan& plan, const ProtocolProfile& profile,
                 const std::string& where, const std::string& fragment) {
  expectProblem(validatePlan(plan, profile), true, where, fragment);
}

void expectError(const TreatmentPlan& plan, const std::string& where, const std::string& fragment) {
  expectError(plan, testProfile(), where, fragment);
}

void expectNoError(const TreatmentPlan& plan, const ProtocolProfile& profile = testProfile()) {
  const auto problems = validatePlan(plan, profile);
  EXPECT_EQ(countErrors(problems), 0) << describe(problems);
}

TEST(PlanCheck, ConsistentPlanHasNoProblem) {
  const std::vector<thermal::PreviewCalibration> calibrations = {testCalibration()};
  const TreatmentPlan plan = richPlan();
  auto problems = validatePlan(plan, testProfile(), &calibrations);
  EXPECT_TRUE(problems.empty()) << describe(problems);
  // Still none after a trip through the file (numbers rounded to 1e-4).
  const TreatmentPlan back = parsePlan(serializePlan(plan), "plan.json");
  problems = validatePlan(back, testProfile(), &calibrations);
  EXPECT_TRUE(problems.empty()) << describe(problems);
  EXPECT_NO_THROW(throwIfInvalid(problems, "plan.json"));
}

TEST(PlanCheck, LesionIdsUniqueAndAscending) {
  TreatmentPlan plan = richPlan();
  plan.lesions[1].id = 1;
  expectError(plan, "lesions[1].id", "lesion id 1 is not greater than lesions[0].id 1");
  plan = richPlan();
  std::swap(plan.lesions[2], plan.lesions[3]);
  expectError(plan, "lesions[3].id", "ids must be unique and ascending");
}

TEST(PlanCheck, SessionIdsMustExist) {
  TreatmentPlan plan = richPlan();
  plan.sessions[0].lesion_ids.push_back(99);
  expectError(plan, "sessions[0].lesion_ids[2]", "lesion 99 is not in lesions");
}

TEST(PlanCheck, LesionInOneSessionAtMost) {
  TreatmentPlan plan = richPlan();
  plan.sessions[1].lesion_ids.push_back(1);
  expectError(plan, "sessions[1].lesion_ids[2]", "lesion 1 is already in sessions[0]");
}

TEST(PlanCheck, LesionSessionAgreesWithSessions) {
  TreatmentPlan plan = richPlan();
  plan.lesions[0].session = 2;
  expectError(plan, "lesions[0].session", "is 2 but lesion 1 is in sessions[0] (index 1)");
  plan = richPlan();
  plan.lesions[4].session = 1;
  expectError(plan, "lesions[4].session", "is 1 but lesion 7 is in no session (expected 0)");
}

TEST(PlanCheck, UnplacedIdsExistAndAreNotScheduled) {
  TreatmentPlan plan = richPlan();
  plan.unplaced.push_back({42, "why"});
  expectError(plan, "unplaced[1].id", "lesion 42 is not in lesions");
  plan = richPlan();
  plan.unplaced.push_back({2, "why"});
  expectError(plan, "unplaced[1].id", "lesion 2 is unplaced but also in sessions[0]");
  plan = richPlan();
  plan.unplaced.push_back({7, "again"});
  expectError(plan, "unplaced[1].id", "lesion 7 is already unplaced[0]");
}

TEST(PlanCheck, EveryLesionScheduledOrUnplaced) {
  TreatmentPlan plan = richPlan();
  plan.unplaced.clear();
  expectError(plan, "lesions[4]", "lesion 7 is in no session and not in unplaced");
}

TEST(PlanCheck, SessionIndicesConsecutive) {
  TreatmentPlan plan = richPlan();
  plan.sessions[1].index = 3;
  plan.lesions[2].session = 3;
  plan.lesions[3].session = 3;
  expectError(plan, "sessions[1].index", "is 3, expected 2");
}

TEST(PlanCheck, SessionCountWithinProfile) {
  ProtocolProfile profile = testProfile();
  profile.sessions.max_sessions = 1;
  expectError(richPlan(), profile, "sessions",
              "2 sessions > profile 'test-profile' max_sessions 1");
}

TEST(PlanCheck, SessionSizeWithinProfile) {
  ProtocolProfile profile = testProfile();
  profile.sessions.min_targets = 1;
  profile.sessions.max_targets = 1;
  expectError(richPlan(), profile, "sessions[0].lesion_ids",
              "2 lesions > profile 'test-profile' max_targets 1");
  TreatmentPlan plan = richPlan();
  plan.sessions[1].lesion_ids.clear();
  plan.lesions[2].session = plan.lesions[3].session = 0;
  expectError(plan, "sessions[1].lesion_ids", "the session has no lesion");
}

TEST(PlanCheck, SessionTooSmallUnlessFewLesionsAreScheduled) {
  ProtocolProfile profile = testProfile();
  profile.sessions.min_targets = 3;
  expectError(richPlan(), profile, "sessions[0].lesion_ids",
              "2 lesions < profile 'test-profile' min_targets 3 (the plan schedules 4 lesions)");
  // Only 4 lesions scheduled in all: a min_targets of 5 cannot be met and is no error.
  profile.sessions.min_targets = 5;
  profile.sessions.max_targets = 6;
  expectNoError(richPlan(), profile);
}

TEST(PlanCheck, SessionVolumeIsTheSumOfItsLesions) {
  TreatmentPlan plan = richPlan();
  plan.sessions[0].ablated_volume_ml = 50;
  expectError(plan, "sessions[0].ablated_volume_ml",
              "is 50 mL but the ablated volumes of its lesions add up to 45 mL");
  // Lesion 2 is confirmed: its confirmation's volume counts, not the preview's.
  plan = richPlan();
  plan.lesions[1].preview.ablated_volume_ml = 99;
  expectNoError(plan);
  plan.lesions[1].confirmation->margins.ablated_volume_ml = 26;
  expectError(plan, "sessions[0].ablated_volume_ml", "add up to 46 mL");
  // Within 0.01 mL: no error.
  plan = richPlan();
  plan.sessions[0].ablated_volume_ml = 45.009;
  plan.cumulative_volume_ml = 75.009;
  expectNoError(plan);
}

TEST(PlanCheck, SessionLiverFraction) {
  TreatmentPlan plan = richPlan();
  plan.sessions[1].liver_fraction = 0.025;
  expectError(plan, "sessions[1].liver_fraction",
              "is 0.025 but ablated_volume_ml / liver_volume_ml = 30 / 1500 = 0.02");
  ProtocolProfile profile = testProfile();
  profile.safety.max_ablated_liver_fraction = 0.025;
  const auto problems = validatePlan(richPlan(), profile);
  expectProblem(problems, true, "sessions[0].liver_fraction",
                "0.03 of the liver > profile 'test-profile' max_ablated_liver_fraction 0.025");
  expectProblem(problems, true, "cumulative_liver_fraction", "0.05 of the liver > profile");
  expectProblem(problems, false, "settings.max_ablated_liver_fraction", "differs from profile");
  EXPECT_EQ(countErrors(problems), 2) << describe(problems);  // session 2 (0.02) is within
}

TEST(PlanCheck, CumulativeVolumeAndFraction) {
  TreatmentPlan plan = richPlan();
  plan.cumulative_volume_ml = 70;
  plan.cumulative_liver_fraction = 70.0 / 1500;
  expectError(plan, "cumulative_volume_ml",
              "is 70 mL but the sessions' ablated volumes add up to 75 mL");
  plan = richPlan();
  plan.cumulative_liver_fraction = 0.06;
  expectError(plan, "cumulative_liver_fraction",
              "is 0.06 but cumulative_volume_ml / liver_volume_ml = 75 / 1500 = 0.05");
  plan = richPlan();
  plan.liver_volume_ml = 0;
  expectError(plan, "liver_volume_ml", "liver fractions cannot be checked");
}

TEST(PlanCheck, ScheduledUnflaggedLesionHasTheMinimumMargin) {
  TreatmentPlan plan = richPlan();
  plan.lesions[0].preview.minimal_margin_mm = 4.5;
  expectError(plan, "lesions[0].preview.minimal_margin_mm",
              "lesion 1 has a minimal margin of 4.5 mm < profile 'test-profile' minimum 5 mm");
  // A confirmed lesion is judged by its confirmation.
  plan = richPlan();
  plan.lesions[1].confirmation->margins.minimal_margin_mm = 4;
  expectError(plan, "lesions[1].confirmation.margins.minimal_margin_mm", "4 mm < profile");
  plan = richPlan();
  plan.lesions[1].preview.minimal_margin_mm = 1;           // preview short, confirmation fine
  plan.lesions[0].preview.minimal_margin_mm = 5 - 0.0005;  // within 1e-3
  expectNoError(plan);
  // An unscheduled lesion is not judged.
  plan = richPlan();
  plan.lesions[4].flag = LesionFlag::kNone;
  plan.lesions[4].reason.clear();
  expectNoError(plan);
}

TEST(PlanCheck, FlaggedLesionNeedsAReason) {
  TreatmentPlan plan = richPlan();
  plan.lesions[4].reason.clear();
  expectError(plan, "lesions[4].reason", "is empty for flag \"no safe path\"");
}

TEST(PlanCheck, ScheduledFlaggedLesionIsAWarning) {
  TreatmentPlan plan = richPlan();
  plan.lesions[0].flag = LesionFlag::kHeatSink;
  plan.lesions[0].reason = "the confirmation misses 2 mm next to the portal vein";
  plan.lesions[0].preview.minimal_margin_mm = 2;  // a flagged lesion's margin is no error
  const auto problems = validatePlan(plan, testProfile());
  expectProblem(problems, false, "lesions[0].flag",
                "lesion 1 is flagged \"heat sink\" but scheduled in sessions[0]");
  EXPECT_EQ(countErrors(problems), 0) << describe(problems);
}

TEST(PlanCheck, PlacementDirectionAndAxes) {
  TreatmentPlan plan = richPlan();
  plan.lesions[1].placements[1].direction_lps = Vec3(0, 0, 1.01);
  expectError(plan, "lesions[1].placements[1].direction_lps", "is not a unit vector (length 1.01");
  plan = richPlan();
  plan.lesions[0].placements[0].zone.axes.col(0) = Vec3(0.3, 0.3, 0.9).normalized();
  expectError(plan, "lesions[0].placements[0].zone.axes_lps", "is not orthonormal");
}

TEST(PlanCheck, ZonesMatchTheCalibratedPreview) {
  const std::vector<thermal::PreviewCalibration> calibrations = {testCalibration()};
  TreatmentPlan plan = richPlan();
  plan.lesions[2].placements[0].zone.centre_lps += Vec3(0.3, 0, 0.4);
  plan.lesions[3].placements[0].zone.semi_w_mm = 21;
  plan.lesions[1].placements[1].protocol = "fast";
  const auto problems = validatePlan(plan, testProfile(), &calibrations);
  expectProblem(problems, true, "lesions[2].placements[0].zone.centre_lps_mm", "(0.5 mm apart)");
  expectProblem(problems, true, "lesions[3].placements[0].zone.semi_w_mm",
                "is 21 mm but the preview model of cooltip-3cm / standard-12min gives 20 mm");
  expectProblem(problems, true, "lesions[1].placements[1].electrode", "fast");
  EXPECT_EQ(countErrors(problems), 3) << describe(problems);
  // Within 0.01 mm: no error; without calibrations the zones are not recomputed.
  plan = richPlan();
  plan.lesions[2].placements[0].zone.centre_lps += Vec3(0.005, 0, 0);
  EXPECT_EQ(countErrors(validatePlan(plan, testProfile(), &calibrations)), 0);
  plan.lesions[3].placements[0].zone.semi_w_mm = 21;
  EXPECT_EQ(countErrors(validatePlan(plan, testProfile())), 0);
  // A zone whose w axis is not the needle direction.
  plan = richPlan();
  plan.lesions[0].placements[0].zone.axes.col(2) *= -1;
  plan.lesions[0].placements[0].zone.axes.col(0) *= -1;
  expectProblem(validatePlan(plan, testProfile(), &calibrations), true,
                "lesions[0].placements[0].zone.axes_lps", "is not the needle direction");
}

TEST(PlanCheck, SettingsDifferingFromTheProfileAreWarnings) {
  TreatmentPlan plan = richPlan();
  plan.settings.profile = "batch-rfa";
  plan.settings.minimum_margin_mm = 3;
  plan.settings.target_margin_mm = 8;
  const auto problems = validatePlan(plan, testProfile());
  expectProblem(problems, false, "settings.profile",
                "made with profile 'batch-rfa', it is checked against 'test-profile'");
  expectProblem(problems, false, "settings.minimum_margin_mm",
                "3 differs from profile 'test-profile' minimum margin (mm) 5");
  expectProblem(problems, false, "settings.target_margin_mm", "8 differs");
  EXPECT_EQ(countErrors(problems), 0) << describe(problems);
}

TEST(PlanCheck, OneRfaEventPerSession) {
  TreatmentPlan plan = richPlan();
  plan.timeline.erase(plan.timeline.begin() + 3);
  expectError(plan, "timeline", "1 \"rfa\" event(s) for 2 session(s)");
}

TEST(PlanCheck, FitsProfileNeedsEveryLesionPlaced) {
  TreatmentPlan plan = richPlan();
  plan.fits_profile = true;
  expectError(plan, "fits_profile", "is true but 1 lesion(s) are unplaced");
}

TEST(PlanCheck, ProfileLesionLimitsAreWarnings) {
  ProtocolProfile profile = testProfile();
  profile.lesions.max_count = 4;
  profile.lesions.max_diameter_mm = 15;
  const auto problems = validatePlan(richPlan(), profile);
  expectProblem(problems, false, "lesions", "5 lesions > profile 'test-profile' max_count 4");
  expectProblem(problems, false, "lesions[2].diameter_mm", "lesion 4 is 16.3457 mm > profile");
  expectProblem(problems, false, "lesions[4].diameter_mm", "lesion 7 is");
  EXPECT_EQ(countErrors(problems), 0) << describe(problems);
}

TEST(PlanCheck, ThrowIfInvalidListsEveryError) {
  TreatmentPlan plan = richPlan();
  plan.fits_profile = true;
  plan.sessions[0].lesion_ids.push_back(99);
  plan.settings.profile = "other";  // a warning: not listed
  const auto problems = validatePlan(plan, testProfile());
  ASSERT_EQ(countErrors(problems), 2) << describe(problems);
  try {
    throwIfInvalid(problems, "plan.json");
    FAIL() << "no PlanRuleError";
  } catch (const PlanRuleError& e) {
    EXPECT_EQ(e.code(), ExitCode::kPlanRule);
    EXPECT_EQ(std::string(e.what()),
              "plan.json: sessions[0].lesion_ids[2]: lesion 99 is not in lesions\n"
              "plan.json: fits_profile: is true but 1 lesion(s) are unplaced");
  }
  // Warnings alone do not throw.
  plan = richPlan();
  plan.settings.profile = "other";
  const auto warnings = validatePlan(plan, testProfile());
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NO_THROW(throwIfInvalid(warnings, "plan.json"));
}

}  // namespace
}  // namespace rfa::planning
