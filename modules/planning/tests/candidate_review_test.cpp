// Automatic lesion candidates below the confidence ("to review"): planned, kept out of every
// session and listed with the reason; accepted by moving them into a session; the status survives
// a save and a read; plans without the field read as "given".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "plan_fixture.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_io.h"
#include "rfa/planning/session_edit.h"

namespace rfa::planning {
namespace {

using test::testLesion;
using test::testProfile;

const PlanLesion& lesion(const TreatmentPlan& plan, int id) {
  return *std::find_if(plan.lesions.begin(), plan.lesions.end(),
                       [&](const PlanLesion& l) { return l.id == id; });
}

// Lesions 1-3 (given, automatic, to review), each coverable.
TreatmentPlan planWithCandidates() {
  TreatmentPlan plan;
  plan.settings.profile = "test-profile";
  plan.settings.cycles_between_sessions = 1;
  plan.liver_volume_ml = 1500;
  for (int id = 1; id <= 3; ++id) plan.lesions.push_back(testLesion(id, 0, 12.0, 6.0));
  plan.lesions[1].detection = Detection::kAutomatic;
  plan.lesions[1].detection_reason = "score 0.80, hypodense, 24 mm";
  plan.lesions[2].detection = Detection::kToReview;
  plan.lesions[2].detection_reason = "score 0.70, hyperdense, 9 mm; to review: hyperdense";
  planSessions(plan, testProfile(), PlanBuildOptions{});
  return plan;
}

TEST(CandidateReview, ToReviewIsPlannedButNotScheduled) {
  const TreatmentPlan plan = planWithCandidates();
  EXPECT_GT(lesion(plan, 1).session, 0);
  EXPECT_GT(lesion(plan, 2).session, 0);  // confident automatic candidate: scheduled
  EXPECT_EQ(lesion(plan, 3).session, 0);
  EXPECT_FALSE(lesion(plan, 3).placements.empty());  // planned all the same
  ASSERT_EQ(plan.unplaced.size(), 1U);
  EXPECT_EQ(plan.unplaced[0].id, 3);
  EXPECT_NE(plan.unplaced[0].reason.find("automatic candidate to review"), std::string::npos)
      << plan.unplaced[0].reason;
  EXPECT_NE(plan.unplaced[0].reason.find("hyperdense"), std::string::npos);
  EXPECT_FALSE(plan.fits_profile);  // a lesion left out: the plan is not complete
}

TEST(CandidateReview, MovingACandidateIntoASessionAcceptsIt) {
  TreatmentPlan plan = planWithCandidates();
  const int session = lesion(plan, 1).session;
  (void)moveLesionToSession(plan, 3, session, testProfile());
  EXPECT_EQ(lesion(plan, 3).detection, Detection::kAccepted);
  EXPECT_EQ(lesion(plan, 3).session, session);
  EXPECT_TRUE(plan.unplaced.empty());
  // Planned again (e.g. after a re-plan of the sessions), it stays scheduled.
  planSessions(plan, testProfile(), PlanBuildOptions{});
  EXPECT_GT(lesion(plan, 3).session, 0);
}

TEST(CandidateReview, DetectionSurvivesSaveAndReadAndOldPlansReadAsGiven) {
  TreatmentPlan plan = planWithCandidates();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "rfa_candidate_review_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "plan.json";
  (void)writePlanFile(file, plan);
  const TreatmentPlan back = readPlanFile(file);
  EXPECT_EQ(lesion(back, 1).detection, Detection::kGiven);
  EXPECT_EQ(lesion(back, 2).detection, Detection::kAutomatic);
  EXPECT_EQ(lesion(back, 3).detection, Detection::kToReview);
  EXPECT_EQ(lesion(back, 3).detection_reason, lesion(plan, 3).detection_reason);

  // The same file without the two members (a plan written before them): "given".
  nlohmann::ordered_json j;
  std::ifstream(file) >> j;
  for (auto& l : j["lesions"]) {
    ASSERT_EQ(l.erase("detection"), 1U);
    ASSERT_EQ(l.erase("detection_reason"), 1U);
  }
  const std::filesystem::path old_file = dir / "old.json";
  std::ofstream(old_file) << j.dump(2);
  const TreatmentPlan old = readPlanFile(old_file);
  for (const PlanLesion& l : old.lesions) EXPECT_EQ(l.detection, Detection::kGiven) << l.id;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rfa::planning
