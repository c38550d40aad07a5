// Re-planning after earlier sessions ("prior treatment"): the profile's session count and
// cumulative liver-fraction budget hold for the whole treatment; the new sessions are numbered
// after the earlier ones in batching, the plan, the timeline, plan-check, the plan file and the
// manual session edits.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan_fixture.h"
#include "rfa/core/error.h"
#include "rfa/planning/batching.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/plan_io.h"
#include "rfa/planning/schedule.h"
#include "rfa/planning/session_edit.h"

namespace rfa::planning {
namespace {

using nlohmann::json;
using test::richPlan;
using test::testLesion;
using test::testProfile;

bool has(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Batching

// 3 sessions of 2-6 targets, 1/3 of the liver.
ProtocolProfile batchProfile() {
  ProtocolProfile p;
  p.name = "test-batch";
  p.sessions = {3, 2, 6};
  p.safety.max_ablated_liver_fraction = 1.0 / 3.0;
  return p;
}

// `n` feasible lesions of `volume_ml` each along x, all from one anterior window; larger ids are
// larger lesions (higher priority).
std::vector<BatchLesion> row(int n, double volume_ml) {
  std::vector<BatchLesion> out;
  for (int id = 1; id <= n; ++id) {
    BatchLesion l;
    l.id = id;
    l.centroid_lps = Vec3(7.0 * id, 0, 0);
    l.entry_direction_lps = Vec3(0, 1, 0);
    l.diameter_mm = 5.0 + id;
    l.ablated_volume_ml = volume_ml;
    out.push_back(l);
  }
  return out;
}

std::string describe(const BatchPlan& p) {
  std::ostringstream s;
  for (const BatchSession& b : p.sessions) {
    s << "session " << b.index << ":";
    for (const int id : b.lesion_ids) s << " " << id;
    s << "\n";
  }
  for (const UnplacedLesion& u : p.unplaced) s << "unplaced " << u.id << ": " << u.reason << "\n";
  for (const std::string& n : p.notes) s << "note: " << n << "\n";
  return s.str();
}

std::size_t placed(const BatchPlan& p) {
  std::size_t n = 0;
  for (const BatchSession& s : p.sessions) n += s.lesion_ids.size();
  return n;
}

TEST(PriorSessions, BatchingUsesOnlyTheSessionsLeftAndNumbersThemAfterTheEarlierOnes) {
  BatchOptions o;
  o.prior_sessions = 1;
  o.prior_ablated_volume_ml = 40;
  const BatchPlan p = planBatches(row(13, 5), batchProfile(), 1500, o);
  SCOPED_TRACE(describe(p));
  ASSERT_EQ(p.sessions.size(), 2U);  // 3 - 1 sessions left
  EXPECT_EQ(p.sessions[0].index, 2);
  EXPECT_EQ(p.sessions[1].index, 3);
  EXPECT_EQ(p.sessions[0].lesion_ids.size(), 6U);
  EXPECT_EQ(p.sessions[1].lesion_ids.size(), 6U);
  EXPECT_EQ(placed(p), 12U);
  ASSERT_EQ(p.unplaced.size(), 1U);
  EXPECT_EQ(p.unplaced[0].id, 1);  // the lowest priority (smallest) is left out
  EXPECT_EQ(p.unplaced[0].reason.rfind("beyond ", 0), 0U) << p.unplaced[0].reason;
  EXPECT_TRUE(has(p.unplaced[0].reason, "1 earlier session")) << p.unplaced[0].reason;
  EXPECT_FALSE(p.fits_profile);
  // The totals are the treatment's: the earlier 40 mL included.
  EXPECT_NEAR(p.cumulative_volume_ml, 40 + 12 * 5, 1e-9);
  EXPECT_NEAR(p.cumulative_liver_fraction, 100.0 / 1500, 1e-12);
  ASSERT_FALSE(p.notes.empty());
  EXPECT_EQ(p.notes[0],
            "continues after 1 earlier session(s) with 40.0 mL ablated: 460.0 mL left of the "
            "33 % budget (500.0 mL)");
}

TEST(PriorSessions, BatchingKeepsTheCumulativeBudgetOfTheWholeTreatment) {
  BatchOptions o;
  o.prior_sessions = 1;
  o.prior_ablated_volume_ml = 450;  // of 500 mL (1/3 of 1500 mL)
  const BatchPlan p = planBatches(row(4, 20), batchProfile(), 1500, o);
  SCOPED_TRACE(describe(p));
  ASSERT_EQ(p.sessions.size(), 1U);
  EXPECT_EQ(p.sessions[0].index, 2);
  EXPECT_EQ(p.sessions[0].lesion_ids.size(), 2U);  // 450 + 2 x 20 = 490; a third: 510 > 500
  ASSERT_EQ(p.unplaced.size(), 2U);
  for (const UnplacedLesion& u : p.unplaced) {
    EXPECT_TRUE(has(u.reason, "450.0 mL ablated by the earlier sessions")) << u.reason;
  }
  EXPECT_FALSE(p.fits_profile);
  EXPECT_NEAR(p.cumulative_volume_ml, 490, 1e-9);
  EXPECT_NEAR(p.cumulative_liver_fraction, 490.0 / 1500, 1e-12);
  EXPECT_LE(p.cumulative_liver_fraction, 1.0 / 3.0);
  // The per-session limit is unchanged: the session itself is far below it.
  EXPECT_NEAR(p.sessions[0].ablated_volume_ml, 40, 1e-9);

  // The earlier sessions alone at the budget: nothing fits, every lesion says why.
  o.prior_ablated_volume_ml = 500;
  const BatchPlan full = planBatches(row(3, 20), batchProfile(), 1500, o);
  SCOPED_TRACE(describe(full));
  EXPECT_TRUE(full.sessions.empty());
  ASSERT_EQ(full.unplaced.size(), 3U);
  for (const UnplacedLesion& u : full.unplaced) {
    EXPECT_TRUE(has(u.reason, "cumulative ablated volume would exceed 33 % of the liver"))
        << u.reason;
    EXPECT_TRUE(has(u.reason, "500.0 mL ablated by the earlier sessions")) << u.reason;
  }
  EXPECT_NEAR(full.cumulative_volume_ml, 500, 1e-9);
  EXPECT_FALSE(full.fits_profile);
}

TEST(PriorSessions, BatchingWithEverySessionUsedPlacesNothing) {
  BatchOptions o;
  o.prior_sessions = 3;
  o.prior_ablated_volume_ml = 120;
  std::vector<BatchLesion> lesions = row(4, 10);
  lesions[3].feasible = false;
  lesions[3].infeasible_reason = "no safe path";
  const BatchPlan p = planBatches(lesions, batchProfile(), 1500, o);
  SCOPED_TRACE(describe(p));
  EXPECT_TRUE(p.sessions.empty());
  ASSERT_EQ(p.unplaced.size(), 4U);
  for (const UnplacedLesion& u : p.unplaced) {
    if (u.id == 4) {
      EXPECT_EQ(u.reason, "no safe path");
    } else {
      EXPECT_EQ(u.reason, "the profile's 3 sessions are used up by the earlier sessions");
    }
  }
  EXPECT_FALSE(p.fits_profile);
  EXPECT_NEAR(p.cumulative_volume_ml, 120, 1e-9);
  EXPECT_NEAR(p.cumulative_liver_fraction, 120.0 / 1500, 1e-12);
  EXPECT_TRUE(std::any_of(p.notes.begin(), p.notes.end(), [](const std::string& n) {
    return has(n, "used up by the earlier sessions (3 done)");
  }));
  // More earlier sessions than the profile allows: the same.
  o.prior_sessions = 5;
  EXPECT_TRUE(planBatches(lesions, batchProfile(), 1500, o).sessions.empty());
}

TEST(PriorSessions, BatchingRejectsInvalidPriorValues) {
  BatchOptions o;
  o.prior_sessions = -1;
  EXPECT_THROW(planBatches(row(3, 10), batchProfile(), 1500, o), UsageError);
  for (const double bad :
       {-1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    BatchOptions v;
    v.prior_ablated_volume_ml = bad;
    EXPECT_THROW(planBatches(row(3, 10), batchProfile(), 1500, v), UsageError) << bad;
  }
}

TEST(PriorSessions, BatchingDefaultsAreAFirstPlan) {
  BatchOptions explicit_zero;
  explicit_zero.prior_sessions = 0;
  explicit_zero.prior_ablated_volume_ml = 0;
  for (const int n : {3, 13, 20}) {
    const BatchPlan a = planBatches(row(n, 5), batchProfile(), 1500);
    const BatchPlan b = planBatches(row(n, 5), batchProfile(), 1500, explicit_zero);
    EXPECT_EQ(describe(a), describe(b));
    ASSERT_FALSE(a.sessions.empty());
    EXPECT_EQ(a.sessions[0].index, 1);
    EXPECT_NEAR(a.cumulative_volume_ml, 5.0 * static_cast<double>(placed(a)), 1e-9);
    for (const std::string& note : a.notes) EXPECT_FALSE(has(note, "earlier")) << note;
    for (const UnplacedLesion& u : a.unplaced) {
      EXPECT_EQ(u.reason, "beyond the profile's 3 x 6 targets");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Timeline

TEST(PriorSessions, TimelineIsNumberedFromTheFirstNewSession) {
  const ProtocolProfile profile = testProfile();  // 3 sessions
  const std::chrono::year_month_day first{std::chrono::year{2025}, std::chrono::June,
                                          std::chrono::day{2}};
  const Timeline t = scheduleSessions(profile, first, 2, 1, 2);
  std::vector<int> rfa_sessions;
  std::vector<std::string> rfa_texts;
  for (const TimelineEvent& e : t.events) {
    if (e.kind == EventKind::kRfa) {
      rfa_sessions.push_back(e.session);
      rfa_texts.push_back(e.text);
    }
    if (e.kind == EventKind::kImagingFollowup) {
      EXPECT_EQ(e.session, 3);
    }
    if (e.kind == EventKind::kSystemicCycle) {
      EXPECT_EQ(e.session, 2);
      EXPECT_TRUE(has(e.text, "after RFA session 2")) << e.text;
    }
  }
  EXPECT_EQ(rfa_sessions, (std::vector<int>{2, 3}));
  EXPECT_EQ(rfa_texts, (std::vector<std::string>{"RFA session 2 of 3", "RFA session 3 of 3"}));
  EXPECT_EQ(t.events.front().date, first);
  EXPECT_TRUE(has(t.notes.front(), "continues after 1 earlier RFA session(s)")) << t.notes.front();

  // The count is of the whole treatment.
  EXPECT_THROW(scheduleSessions(profile, first, 3, 1, 2), UsageError);
  EXPECT_THROW(scheduleSessions(profile, first, 1, 1, 4), UsageError);
  EXPECT_THROW(scheduleSessions(profile, first, 1, 1, 0), UsageError);
  EXPECT_NO_THROW(scheduleSessions(profile, first, 1, 1, 3));
  // Default first session: as before.
  const Timeline plain = scheduleSessions(profile, first, 2, 1);
  EXPECT_EQ(plain.events.front().text, "RFA session 1 of 2");
}

// ---------------------------------------------------------------------------------------------
// planSessions, plan-check, the plan file and session edits

constexpr double kPriorMl = 100;

// Profile: 3 sessions, 2-3 targets, 1/3 of 1500 mL. Lesions 1-5 (12-20 mL, 80 mL) after one
// earlier session of 100 mL: two new sessions (2 and 3).
PlanBuildOptions priorOptions(int prior_sessions = 1, double prior_ml = kPriorMl) {
  PlanBuildOptions options;
  options.start_date =
      std::chrono::year_month_day{std::chrono::year{2025}, std::chrono::June, std::chrono::day{2}};
  options.batching.prior_sessions = prior_sessions;
  options.batching.prior_ablated_volume_ml = prior_ml;
  options.prior_plan = "plan-session1.json";
  return options;
}

TreatmentPlan replan(const PlanBuildOptions& options = priorOptions()) {
  TreatmentPlan plan;
  plan.settings.profile = "test-profile";
  plan.liver_volume_ml = 1500;
  for (int id = 1; id <= 5; ++id) plan.lesions.push_back(testLesion(id, 0, 10.0 + 2 * id, 6.0));
  planSessions(plan, testProfile(), options);
  return plan;
}

const PlanLesion& lesionOf(const TreatmentPlan& plan, int id) {
  return *std::find_if(plan.lesions.begin(), plan.lesions.end(),
                       [&](const PlanLesion& l) { return l.id == id; });
}

std::string describe(const std::vector<PlanProblem>& problems) {
  std::ostringstream s;
  for (const PlanProblem& p : problems) {
    s << (p.error ? "error " : "warning ") << p.where << ": " << p.text << "\n";
  }
  return s.str();
}

int errors(const std::vector<PlanProblem>& problems) {
  return static_cast<int>(std::count_if(problems.begin(), problems.end(),
                                        [](const PlanProblem& p) { return p.error; }));
}

void expectError(const TreatmentPlan& plan, const std::string& where, const std::string& fragment) {
  const auto problems = validatePlan(plan, testProfile());
  const bool found = std::any_of(problems.begin(), problems.end(), [&](const PlanProblem& p) {
    return p.error && p.where == where && has(p.text, fragment);
  });
  EXPECT_TRUE(found) << "no error at " << where << " with '" << fragment << "' in:\n"
                     << describe(problems);
}

TEST(PriorSessions, PlanSessionsContinuesTheTreatment) {
  LabResults labs;
  labs.date = "2025-05-30";
  labs.values = {{"PLT", 150}};
  PlanBuildOptions options = priorOptions();
  options.labs = {labs};
  const TreatmentPlan plan = replan(options);
  EXPECT_EQ(plan.settings.prior_sessions, 1);
  EXPECT_DOUBLE_EQ(plan.settings.prior_ablated_volume_ml, kPriorMl);
  EXPECT_EQ(plan.settings.prior_plan, "plan-session1.json");
  ASSERT_EQ(plan.sessions.size(), 2U);
  EXPECT_EQ(plan.sessions[0].index, 2);
  EXPECT_EQ(plan.sessions[1].index, 3);
  double planned = 0;
  for (const PlanSession& s : plan.sessions) {
    planned += s.ablated_volume_ml;
    for (const int id : s.lesion_ids) EXPECT_EQ(lesionOf(plan, id).session, s.index) << id;
  }
  EXPECT_NEAR(planned, 80, 1e-9);
  EXPECT_NEAR(plan.cumulative_volume_ml, kPriorMl + 80, 1e-9);
  EXPECT_NEAR(plan.cumulative_liver_fraction, (kPriorMl + 80) / 1500, 1e-12);
  EXPECT_TRUE(plan.fits_profile);
  // The first lab set is the first new session's.
  EXPECT_EQ(plan.sessions[0].lab_date, "2025-05-30");
  EXPECT_FALSE(plan.sessions[1].labs.has_value());
  // Timeline: sessions 2 and 3 of 3, day 0 = session 2.
  std::vector<std::string> rfa;
  for (const PlanEvent& e : plan.timeline) {
    if (e.kind == EventKind::kRfa) rfa.push_back(std::to_string(e.session) + ": " + e.text);
  }
  EXPECT_EQ(rfa, (std::vector<std::string>{"2: RFA session 2 of 3", "3: RFA session 3 of 3"}));
  EXPECT_EQ(plan.timeline.front().day, 0);
  EXPECT_EQ(plan.timeline.front().date, "2025-06-02");
  EXPECT_TRUE(std::any_of(plan.notes.begin(), plan.notes.end(), [](const std::string& n) {
    return has(n, "continues after 1 earlier session(s) with 100.0 mL ablated");
  }));
  const auto problems = validatePlan(plan, testProfile());
  EXPECT_EQ(errors(problems), 0) << describe(problems);

  // Through the file: byte-identical, the members kept, still valid.
  const std::string text = serializePlan(plan);
  const TreatmentPlan back = parsePlan(text, "replan.json");
  EXPECT_EQ(serializePlan(back), text);
  EXPECT_EQ(back.settings.prior_sessions, 1);
  EXPECT_DOUBLE_EQ(back.settings.prior_ablated_volume_ml, kPriorMl);
  EXPECT_EQ(back.settings.prior_plan, "plan-session1.json");
  EXPECT_EQ(errors(validatePlan(back, testProfile())), 0);
}

TEST(PriorSessions, PlanSessionsWithEverySessionUsed) {
  const TreatmentPlan plan = replan(priorOptions(3, 200));
  EXPECT_TRUE(plan.sessions.empty());
  EXPECT_TRUE(plan.timeline.empty());
  ASSERT_EQ(plan.unplaced.size(), 5U);
  EXPECT_EQ(plan.unplaced[0].reason,
            "the profile's 3 sessions are used up by the earlier sessions");
  EXPECT_FALSE(plan.fits_profile);
  EXPECT_NEAR(plan.cumulative_volume_ml, 200, 1e-9);
  const auto problems = validatePlan(plan, testProfile());
  EXPECT_EQ(errors(problems), 0) << describe(problems);
}

TEST(PriorSessions, PlanSessionsDefaultsAreAFirstPlan) {
  PlanBuildOptions options;
  options.start_date =
      std::chrono::year_month_day{std::chrono::year{2025}, std::chrono::June, std::chrono::day{2}};
  const TreatmentPlan plan = replan(options);
  EXPECT_EQ(plan.settings.prior_sessions, 0);
  EXPECT_EQ(plan.settings.prior_ablated_volume_ml, 0);
  EXPECT_EQ(plan.settings.prior_plan, "");
  ASSERT_EQ(plan.sessions.size(), 2U);
  EXPECT_EQ(plan.sessions[0].index, 1);
  EXPECT_NEAR(plan.cumulative_volume_ml, 80, 1e-9);
  EXPECT_EQ(plan.timeline.front().text, "RFA session 1 of 2");
}

TEST(PriorSessions, PlanCheckCountsTheEarlierSessions) {
  const TreatmentPlan good = replan();
  ASSERT_EQ(errors(validatePlan(good, testProfile())), 0)
      << describe(validatePlan(good, testProfile()));

  // The cumulative volume without the earlier sessions' volume.
  TreatmentPlan plan = good;
  plan.cumulative_volume_ml = 80;
  plan.cumulative_liver_fraction = 80.0 / 1500;
  expectError(plan, "cumulative_volume_ml", "settings.prior_ablated_volume_ml");

  // Sessions numbered as in a first plan.
  plan = good;
  for (std::size_t k = 0; k < plan.sessions.size(); ++k) {
    plan.sessions[k].index = static_cast<int>(k) + 1;
    for (const int id : plan.sessions[k].lesion_ids) {
      for (PlanLesion& l : plan.lesions) {
        if (l.id == id) l.session = plan.sessions[k].index;
      }
    }
  }
  expectError(plan, "sessions[0].index", "is 1, expected 2");
  expectError(plan, "sessions[0].index", "settings.prior_sessions");

  // Too many sessions for the whole treatment: 2 earlier + 2 new > 3.
  plan = good;
  plan.settings.prior_sessions = 2;
  expectError(plan, "sessions", "2 sessions after 2 earlier (settings.prior_sessions) = 4");

  // Invalid prior members, named.
  plan = good;
  plan.settings.prior_sessions = -1;
  expectError(plan, "settings.prior_sessions", "must be >= 0");
  plan = good;
  plan.settings.prior_ablated_volume_ml = -5;
  expectError(plan, "settings.prior_ablated_volume_ml", "must be finite and >= 0");

  // A first plan's checks are unchanged (the fixture has none of the members).
  EXPECT_EQ(errors(validatePlan(richPlan(), testProfile())), 0);
}

TEST(PriorSessions, PlanFileRoundTripAndOlderFiles) {
  TreatmentPlan plan = richPlan();
  plan.settings.prior_sessions = 2;
  plan.settings.prior_ablated_volume_ml = 123.456789;
  plan.settings.prior_plan = "earlier/plan.json";
  const std::string text = serializePlan(plan);
  const TreatmentPlan back = parsePlan(text, "plan.json");
  EXPECT_EQ(back.settings.prior_sessions, 2);
  EXPECT_DOUBLE_EQ(back.settings.prior_ablated_volume_ml, 123.4568);  // rounded to 1e-4
  EXPECT_EQ(back.settings.prior_plan, "earlier/plan.json");
  EXPECT_EQ(serializePlan(back), text);

  // Always written, in a fixed place (after start_date).
  const std::string first = serializePlan(richPlan());
  EXPECT_TRUE(has(first,
                  "\"start_date\": \"2025-03-03\",\n    \"prior_sessions\": 0,\n"
                  "    \"prior_ablated_volume_ml\": 0.0,\n    \"prior_plan\": \"\",\n"
                  "    \"zone_model\": \"\",\n    \"zone_size_cv\": {}\n  },"))
      << first;

  // A file written before the members existed reads as a first plan.
  json old = json::parse(text);
  old["settings"].erase("prior_sessions");
  old["settings"].erase("prior_ablated_volume_ml");
  old["settings"].erase("prior_plan");
  old["settings"].erase("zone_model");
  old["settings"].erase("zone_size_cv");
  const TreatmentPlan older = parsePlan(old.dump(2), "old.json");
  EXPECT_EQ(older.settings.prior_sessions, 0);
  EXPECT_EQ(older.settings.prior_ablated_volume_ml, 0);
  EXPECT_EQ(older.settings.prior_plan, "");
  EXPECT_EQ(serializePlan(older), first) << "an old file saved again gains the members";

  // Out of range or of the wrong type: the member is named.
  const auto corrupt = [&](const char* key, const json& value, const std::string& fragment) {
    json doc = json::parse(text);
    doc["settings"][key] = value;
    try {
      parsePlan(doc.dump(2), "plan.json");
      ADD_FAILURE() << "no CorruptDataError for " << key;
    } catch (const CorruptDataError& e) {
      EXPECT_TRUE(has(e.what(), fragment)) << e.what();
    }
  };
  corrupt("prior_sessions", -1, "plan.json: settings.prior_sessions must be in 0..");
  corrupt("prior_sessions", 1.5, "settings.prior_sessions must be an integer");
  corrupt("prior_ablated_volume_ml", -2.0, "settings.prior_ablated_volume_ml must be >= 0");
  corrupt("prior_plan", 7, "settings.prior_plan must be a string");
}

// The zone model the plan was made with (calibration table, tissue condition, zone-size spread
// per electrode) is recorded, read back, and optional in older files.
TEST(PriorSessions, ZoneModelIsRecorded) {
  TreatmentPlan plan = richPlan();
  plan.settings.zone_model = "in-vivo zones, rfaplan-zone-reference 2026-12-07";
  plan.settings.zone_size_cv = {{"cooltip-3cm", 0.0719}, {"cooltip-2cm", 0.1489}};
  const std::string text = serializePlan(plan);
  EXPECT_TRUE(has(text, "\"zone_size_cv\": {\n      \"cooltip-2cm\": 0.1489,\n")) << text;
  const TreatmentPlan back = parsePlan(text, "plan.json");
  EXPECT_EQ(back.settings.zone_model, plan.settings.zone_model);
  ASSERT_EQ(back.settings.zone_size_cv.size(), 2U);
  EXPECT_DOUBLE_EQ(thermal::zoneSizeCv(back.settings.zone_size_cv, "cooltip-3cm"), 0.0719);
  EXPECT_EQ(serializePlan(back), text);
  json doc = json::parse(text);
  doc["settings"]["zone_size_cv"]["cooltip-2cm"] = 2.0;
  try {
    parsePlan(doc.dump(2), "plan.json");
    ADD_FAILURE() << "no CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_TRUE(has(e.what(), "settings.zone_size_cv.cooltip-2cm")) << e.what();
  }
}

TEST(PriorSessions, ManualSessionEditsKeepTheNumbering) {
  TreatmentPlan plan = replan();
  ASSERT_EQ(plan.sessions.size(), 2U);
  const int id = plan.sessions[0].lesion_ids.back();
  // Session 1 was an earlier session: it cannot be planned again.
  EXPECT_THROW(moveLesionToSession(plan, id, 1, testProfile()), UsageError);
  // Session 4 would be a fourth of the treatment.
  EXPECT_THROW(moveLesionToSession(plan, id, 4, testProfile()), UsageError);
  const auto problems = moveLesionToSession(plan, id, 3, testProfile());
  EXPECT_EQ(errors(problems), 0) << describe(problems);
  ASSERT_EQ(plan.sessions.size(), 2U);
  EXPECT_EQ(plan.sessions[0].index, 2);
  EXPECT_EQ(plan.sessions[1].index, 3);
  EXPECT_EQ(lesionOf(plan, id).session, 3);
  EXPECT_EQ(plan.sessions[1].reasons.back(),
            "L" + std::to_string(id) + " moved here by hand from session 2");
  EXPECT_NEAR(plan.cumulative_volume_ml, kPriorMl + 80, 1e-9);
  std::vector<int> rfa;
  for (const PlanEvent& e : plan.timeline) {
    if (e.kind == EventKind::kRfa) rfa.push_back(e.session);
  }
  EXPECT_EQ(rfa, (std::vector<int>{2, 3}));
  // The same through the file.
  EXPECT_EQ(errors(validatePlan(parsePlan(serializePlan(plan), "p.json"), testProfile())), 0);
}

}  // namespace
}  // namespace rfa::planning
