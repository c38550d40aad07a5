// Manual session edits: a lesion moved between sessions, to a new session and from the
// unscheduled lesions; volumes, numbering, labs, timeline, the rule problems and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "plan_fixture.h"
#include "rfa/core/error.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/plan_io.h"
#include "rfa/planning/session_edit.h"

namespace rfa::planning {
namespace {

using test::testLesion;
using test::testProfile;

// Profile: 3 sessions, 2-3 targets each, 1/3 of the liver at most. Lesions 1-5 (10-18 mL)
// batch into two sessions (3 + 2); lesion 6 (520 mL, over the limit alone) and lesion 7 (no safe
// path) stay unscheduled.
TreatmentPlan batchedPlan(std::vector<LabResults> labs = {}) {
  TreatmentPlan plan;
  plan.settings.profile = "test-profile";
  plan.settings.cycles_between_sessions = 1;
  plan.liver_volume_ml = 1500;
  for (int id = 1; id <= 5; ++id) plan.lesions.push_back(testLesion(id, 0, 10.0 + 2 * id, 6.0));
  plan.lesions.push_back(testLesion(6, 0, 520, 6.0));
  PlanLesion l7 = testLesion(7, 0, 0, -3.5);
  l7.placements.clear();
  l7.flag = LesionFlag::kNoSafePath;
  l7.reason = "every candidate path crosses a vessel";
  plan.lesions.push_back(l7);
  PlanBuildOptions options;
  options.start_date =
      std::chrono::year_month_day{std::chrono::year{2025}, std::chrono::March, std::chrono::day{3}};
  options.labs = std::move(labs);
  planSessions(plan, testProfile(), options);
  return plan;
}

const PlanLesion& lesion(const TreatmentPlan& plan, int id) {
  return *std::find_if(plan.lesions.begin(), plan.lesions.end(),
                       [&](const PlanLesion& l) { return l.id == id; });
}

int rfaEvents(const TreatmentPlan& plan) {
  return static_cast<int>(
      std::count_if(plan.timeline.begin(), plan.timeline.end(),
                    [](const PlanEvent& e) { return e.kind == EventKind::kRfa; }));
}

int errors(const std::vector<PlanProblem>& problems) {
  return static_cast<int>(std::count_if(problems.begin(), problems.end(),
                                        [](const PlanProblem& p) { return p.error; }));
}

bool hasError(const std::vector<PlanProblem>& problems, const std::string& where_part) {
  return std::any_of(problems.begin(), problems.end(), [&](const PlanProblem& p) {
    return p.error && p.where.find(where_part) != std::string::npos;
  });
}

// Every lesion's session agrees with the lists, volumes and totals are consistent.
void expectConsistent(const TreatmentPlan& plan) {
  double total = 0;
  for (std::size_t k = 0; k < plan.sessions.size(); ++k) {
    const PlanSession& s = plan.sessions[k];
    EXPECT_EQ(s.index, static_cast<int>(k) + 1);
    double v = 0;
    for (const int id : s.lesion_ids) {
      EXPECT_EQ(lesion(plan, id).session, s.index) << "lesion " << id;
      v += lesion(plan, id).preview.ablated_volume_ml;
    }
    EXPECT_NEAR(s.ablated_volume_ml, v, 1e-9);
    EXPECT_NEAR(s.liver_fraction, v / plan.liver_volume_ml, 1e-12);
    total += v;
  }
  EXPECT_NEAR(plan.cumulative_volume_ml, total, 1e-9);
  EXPECT_NEAR(plan.cumulative_liver_fraction, total / plan.liver_volume_ml, 1e-12);
  EXPECT_EQ(rfaEvents(plan), static_cast<int>(plan.sessions.size()));
}

TEST(SessionEdit, FixtureBatchesAsExpected) {
  const TreatmentPlan plan = batchedPlan();
  ASSERT_EQ(plan.sessions.size(), 2U);
  EXPECT_EQ(plan.sessions[0].lesion_ids.size(), 3U);
  EXPECT_EQ(plan.sessions[1].lesion_ids.size(), 2U);
  ASSERT_EQ(plan.unplaced.size(), 2U);
  EXPECT_EQ(errors(validatePlan(plan, testProfile())), 0);
}

TEST(SessionEdit, MovesBetweenSessions) {
  TreatmentPlan plan = batchedPlan();
  plan.sessions[0].review_status = ReviewStatus::kApproved;
  plan.sessions[1].review_status = ReviewStatus::kApproved;
  const int id = plan.sessions[0].lesion_ids.back();
  const std::vector<PlanProblem> problems = moveLesionToSession(plan, id, 2, testProfile());
  EXPECT_EQ(errors(problems), 0);
  ASSERT_EQ(plan.sessions.size(), 2U);
  EXPECT_EQ(plan.sessions[0].lesion_ids.size(), 2U);
  EXPECT_EQ(plan.sessions[1].lesion_ids.size(), 3U);
  EXPECT_EQ(lesion(plan, id).session, 2);
  EXPECT_EQ(plan.sessions[1].reasons.back(),
            "L" + std::to_string(id) + " moved here by hand from session 1");
  EXPECT_EQ(plan.sessions[0].review_status, ReviewStatus::kNotReviewed);
  EXPECT_EQ(plan.sessions[1].review_status, ReviewStatus::kNotReviewed);
  expectConsistent(plan);
  EXPECT_EQ(plan.timeline.front().date, "2025-03-03");
  // Only the unscheduled lesion 6 (with placements) keeps fits_profile false.
  EXPECT_FALSE(plan.fits_profile);
}

TEST(SessionEdit, OpensANewSessionAndKeepsTheTimelineInStep) {
  TreatmentPlan plan = batchedPlan();
  const std::size_t events_before = plan.timeline.size();
  const int id = plan.sessions[0].lesion_ids.front();
  const std::vector<PlanProblem> problems = moveLesionToSession(plan, id, 3, testProfile());
  ASSERT_EQ(plan.sessions.size(), 3U);
  EXPECT_EQ(plan.sessions[2].lesion_ids, std::vector<int>{id});
  EXPECT_EQ(plan.sessions[2].decision, SessionDecision::kLabsNotGiven);
  EXPECT_EQ(lesion(plan, id).session, 3);
  EXPECT_GT(plan.timeline.size(), events_before);
  expectConsistent(plan);
  // A lone lesion in a session of a plan that schedules 5: below min_targets.
  EXPECT_TRUE(hasError(problems, "sessions[2]")) << problems.size();
  // A fourth session is beyond the profile.
  EXPECT_THROW(moveLesionToSession(plan, id, 4, testProfile()), UsageError);
}

TEST(SessionEdit, EmptiedSessionIsRemovedAndLabsMoveWithTheirSession) {
  LabResults first;
  first.date = "2025-03-01";
  LabResults second;
  second.date = "2025-04-28";
  TreatmentPlan plan = batchedPlan({first, second});
  ASSERT_EQ(plan.sessions[1].lab_date, "2025-04-28");
  const std::vector<int> moved = plan.sessions[0].lesion_ids;
  std::vector<PlanProblem> problems;
  for (const int id : moved) problems = moveLesionToSession(plan, id, 2, testProfile());
  // Session 1 emptied: removed, session 2 is now session 1 with its labs; 5 > max_targets 3.
  ASSERT_EQ(plan.sessions.size(), 1U);
  EXPECT_EQ(plan.sessions[0].index, 1);
  EXPECT_EQ(plan.sessions[0].lab_date, "2025-04-28");
  EXPECT_EQ(plan.sessions[0].lesion_ids.size(), 5U);
  for (const int id : plan.sessions[0].lesion_ids) EXPECT_EQ(lesion(plan, id).session, 1);
  expectConsistent(plan);
  EXPECT_TRUE(hasError(problems, "sessions[0]"));
  EXPECT_FALSE(plan.fits_profile);
  // Lab notes name the session by its new number.
  for (const std::string& n : plan.notes) {
    EXPECT_EQ(n.find("session 2:"), std::string::npos) << n;
  }
}

TEST(SessionEdit, FromUnscheduledOverTheLiverFraction) {
  TreatmentPlan plan = batchedPlan();
  const std::vector<PlanProblem> problems = moveLesionToSession(plan, 6, 1, testProfile());
  EXPECT_EQ(lesion(plan, 6).session, 1);
  ASSERT_EQ(plan.unplaced.size(), 1U);
  EXPECT_EQ(plan.unplaced[0].id, 7);
  EXPECT_EQ(plan.sessions[0].reasons.back(), "L6 moved here by hand from the unscheduled lesions");
  expectConsistent(plan);
  EXPECT_GT(plan.sessions[0].liver_fraction, 1.0 / 3.0);
  EXPECT_TRUE(hasError(problems, "sessions[0].liver_fraction"));
  EXPECT_TRUE(hasError(problems, "cumulative_liver_fraction"));
  EXPECT_FALSE(plan.fits_profile);
  // Writable and readable as any plan.
  const std::string text = serializePlan(plan);
  EXPECT_EQ(serializePlan(parsePlan(text, "edited.json")), text);
}

TEST(SessionEdit, FitsProfileWhenEverythingIsScheduledWithinTheRules) {
  TreatmentPlan plan = batchedPlan();
  std::erase_if(plan.lesions, [](const PlanLesion& l) { return l.id == 6 || l.id == 7; });
  plan.unplaced.clear();
  const int id = plan.sessions[0].lesion_ids.back();
  EXPECT_EQ(errors(moveLesionToSession(plan, id, 2, testProfile())), 0);
  EXPECT_TRUE(plan.fits_profile);
}

TEST(SessionEdit, Errors) {
  TreatmentPlan plan = batchedPlan();
  const std::string before = serializePlan(plan);
  EXPECT_THROW(moveLesionToSession(plan, 99, 1, testProfile()), NotFoundError);
  EXPECT_THROW(moveLesionToSession(plan, 1, 0, testProfile()), UsageError);
  EXPECT_THROW(moveLesionToSession(plan, 1, 4, testProfile()), UsageError);
  EXPECT_THROW(moveLesionToSession(plan, 1, lesion(plan, 1).session, testProfile()), UsageError);
  try {
    moveLesionToSession(plan, 7, 1, testProfile());
    ADD_FAILURE() << "lesion 7 has no safe path";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("lesion 7"), std::string::npos) << e.what();
  }
  EXPECT_EQ(serializePlan(plan), before);
}

}  // namespace
}  // namespace rfa::planning
