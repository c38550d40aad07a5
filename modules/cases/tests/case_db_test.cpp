// The case database on real SQLite files and real plan files: adding plans (revisions, no-ops),
// the worklist and its filters (200 cases), the events due against the plans' timelines, one
// case opened, follow-ups marking sessions done, and the errors with their types.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "case_test_support.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"
#include "rfa/planning/plan_io.h"
#include "test_support.h"

namespace rfa::cases {
namespace {

namespace fs = std::filesystem;
using rfa::test::ScopedEnv;
using rfa::test::TempDir;
using test::syntheticPlan;
using test::writePlan;

TEST(CaseDb, DueEventsEqualThePlansTimelines) {
  TempDir tmp;
  writePlan(tmp / "a.json", syntheticPlan("PAT-A", "2027-03-01", 3, 5));
  writePlan(tmp / "b.json", syntheticPlan("PAT-B", "2027-02-10", 2, 3));
  writePlan(tmp / "undated.json", syntheticPlan("PAT-C", "", 2, 2));
  CaseDatabase db(tmp / "db" / "cases.sqlite");
  for (const char* f : {"a.json", "b.json", "undated.json"}) {
    const AddResult r = db.addPlan(tmp / f);
    EXPECT_EQ(r.outcome, AddOutcome::kAdded) << f;
    EXPECT_GT(r.case_id, 0) << f;
  }

  // A window of one year holds every dated event of both plans: the same (date, kind, session,
  // cycle, text, day) as the plan files' timelines, in date order.
  const DueList due = db.due("2027-01-01", 365);
  EXPECT_EQ(due.from, "2027-01-01");
  EXPECT_EQ(due.to, "2028-01-01");
  std::vector<std::string> expected;
  std::size_t timeline_events = 0;
  for (const char* f : {"a.json", "b.json"}) {
    const planning::TreatmentPlan plan = planning::readPlanFile(tmp / f);
    ASSERT_GT(plan.timeline.size(), 4U) << f;
    for (const planning::PlanEvent& e : plan.timeline) {
      ASSERT_FALSE(e.date.empty());
      if (e.date > due.to) continue;
      ++timeline_events;
      expected.push_back(e.date + " " + planning::toString(e.kind) + " s" +
                         std::to_string(e.session) + " c" + std::to_string(e.cycle) + " d" +
                         std::to_string(e.day) + " " + e.text);
    }
  }
  std::vector<std::string> got;
  std::size_t labs = 0;
  for (const CaseEvent& e : due.dated) {
    EXPECT_GE(e.date, due.from);
    EXPECT_LE(e.date, due.to);
    if (e.kind == "labs") {
      // Session 1 passed its labs in the plan; the later sessions have none: a reminder on the
      // RFA's day.
      EXPECT_GT(e.session, 1) << e.text;
      ++labs;
      continue;
    }
    got.push_back(e.date + " " + e.kind + " s" + std::to_string(e.session) + " c" +
                  std::to_string(e.cycle) + " d" + std::to_string(e.day) + " " + e.text);
  }
  EXPECT_EQ(labs, 2U + 1U);  // a: sessions 2 and 3; b: session 2
  EXPECT_GT(timeline_events, 8U);
  EXPECT_TRUE(
      std::is_sorted(due.dated.begin(), due.dated.end(),
                     [](const CaseEvent& x, const CaseEvent& y) { return x.date < y.date; }));
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);

  // The undated plan: its events in days from the first RFA, none in the dated list.
  const planning::TreatmentPlan undated = planning::readPlanFile(tmp / "undated.json");
  std::size_t undated_timeline = 0;
  for (const CaseEvent& e : due.undated) {
    EXPECT_EQ(e.patient, "PAT-C");
    EXPECT_TRUE(e.date.empty());
    if (e.kind != "labs") ++undated_timeline;
  }
  EXPECT_EQ(undated_timeline, undated.timeline.size());
  EXPECT_GT(undated_timeline, 0U);

  // A narrow window: only what the timelines date inside it.
  const DueList week = db.due("2027-03-01", 6);
  ASSERT_FALSE(week.dated.empty());
  for (const CaseEvent& e : week.dated) {
    EXPECT_GE(e.date, "2027-03-01");
    EXPECT_LE(e.date, "2027-03-07");
  }
  EXPECT_EQ(week.dated.front().kind, "rfa");
  EXPECT_EQ(week.dated.front().patient, "PAT-A");

  EXPECT_THROW((void)db.due("2027-02-30", 3), UsageError);
  EXPECT_THROW((void)db.due("2027-02-01", -1), UsageError);
}

TEST(CaseDb, RevisionsUpdateTheCaseAndTheSameBytesAreANoOp) {
  TempDir tmp;
  const fs::path file = tmp / "plan.json";
  planning::TreatmentPlan plan = syntheticPlan("PAT-R", "2027-05-03", 2, 3);
  writePlan(file, plan);
  CaseDatabase db(tmp / "cases.sqlite");
  const AddResult first = db.addPlan(file);
  ASSERT_EQ(first.outcome, AddOutcome::kAdded);
  EXPECT_EQ(first.revision, 1);
  const std::string added_at = db.openCase(first.case_id).summary.added_at;

  const AddResult again = db.addPlan(file);
  EXPECT_EQ(again.outcome, AddOutcome::kUnchanged);
  EXPECT_EQ(again.case_id, first.case_id);

  // A follow-up of session 1, then a new revision with a third session and a later start.
  std::ofstream(tmp / "margins.json") << "{}\n";
  db.addFollowup(first.case_id, 1, "2027-06-03", tmp / "margins.json");
  planning::TreatmentPlan revised = syntheticPlan("PAT-R", "2027-05-10", 3, 4);
  writePlan(file, revised);
  ASSERT_EQ(planning::readPlanFile(file).revision, 2);
  const AddResult updated = db.addPlan(tmp / "." / "plan.json");  // the same file, another spelling
  EXPECT_EQ(updated.outcome, AddOutcome::kUpdated);
  EXPECT_EQ(updated.case_id, first.case_id);
  EXPECT_EQ(updated.revision, 2);

  const CaseDetail d = db.openCase(first.case_id);
  EXPECT_EQ(d.summary.revision, 2);
  EXPECT_EQ(d.summary.sessions, 3);
  EXPECT_EQ(d.summary.lesions, 4);
  EXPECT_EQ(d.summary.start_date, "2027-05-10");
  EXPECT_EQ(d.summary.added_at, added_at);
  ASSERT_EQ(d.sessions.size(), 3U);
  EXPECT_TRUE(d.sessions[0].done);  // the follow-up was kept
  EXPECT_FALSE(d.sessions[1].done);
  ASSERT_EQ(d.followups.size(), 1U);
  EXPECT_EQ(d.summary.sessions_done, 1);
  const std::size_t timeline = planning::readPlanFile(file).timeline.size();
  EXPECT_EQ(std::count_if(d.events.begin(), d.events.end(),
                          [](const CaseEvent& e) { return e.kind != "labs"; }),
            static_cast<std::ptrdiff_t>(timeline));
  EXPECT_EQ(db.listCases().size(), 1U);
}

TEST(CaseDb, OpenCaseGivesPlanSeriesSegmentationSessionsAndFollowups) {
  TempDir tmp;
  const fs::path file = tmp / "case" / "plan.json";
  fs::create_directories(file.parent_path());
  writePlan(file, syntheticPlan("PAT-O", "2027-01-04", 2, 3));
  CaseDatabase db(tmp / "cases.sqlite");
  const std::int64_t id = db.addPlan(file).case_id;
  std::ofstream(tmp / "case" / "margins.json") << "{}\n";
  const std::int64_t fu = db.addFollowup(id, 1, "2027-02-05", tmp / "case" / "margins.json");
  EXPECT_GT(fu, 0);
  // The same result file again: one record, its date replaced.
  EXPECT_EQ(db.addFollowup(id, 1, "2027-02-06", tmp / "case" / "margins.json"), fu);

  const CaseDetail d = db.openCase(id);
  EXPECT_EQ(d.summary.patient, "PAT-O");
  EXPECT_EQ(d.summary.patient_id, "PAT-O");
  EXPECT_EQ(fs::path(d.summary.plan_file), fs::canonical(file));
  EXPECT_EQ(d.series, "/data/series/PAT-O");
  EXPECT_EQ(d.segmentation, "automatic (written to plan-segmentation/)");
  EXPECT_EQ(d.segmentation_folder, fs::canonical(file).parent_path() / "plan-segmentation");
  EXPECT_EQ(d.format_version, planning::kPlanFormatVersion);
  EXPECT_EQ(d.sha256.size(), 64U);
  ASSERT_EQ(d.sessions.size(), 2U);
  EXPECT_EQ(d.sessions[0].lesion_ids, (std::vector<int>{1, 3}));
  EXPECT_EQ(d.sessions[0].decision, "proceed");
  EXPECT_EQ(d.sessions[1].decision, "labs not given");
  EXPECT_TRUE(d.sessions[0].done);
  ASSERT_EQ(d.followups.size(), 1U);
  EXPECT_EQ(d.followups[0].date, "2027-02-06");
  EXPECT_EQ(d.followups[0].session, 1);

  // Session 1 done: its RFA and technical-success imaging are no longer due; session 2's are.
  const DueList due = db.due("2027-01-01", 120);
  ASSERT_FALSE(due.dated.empty());
  for (const CaseEvent& e : due.dated) {
    if (e.kind == "rfa" || e.kind == "imaging-technical-success") {
      EXPECT_EQ(e.session, 2);
    }
  }
  EXPECT_TRUE(std::any_of(due.dated.begin(), due.dated.end(),
                          [](const CaseEvent& e) { return e.kind == "rfa"; }));

  EXPECT_THROW((void)db.openCase(id + 100), NotFoundError);
  EXPECT_THROW(db.addFollowup(id + 100, 1, "", tmp / "case" / "margins.json"), NotFoundError);
  EXPECT_THROW(db.addFollowup(id, 3, "", tmp / "case" / "margins.json"), UsageError);
  EXPECT_THROW(db.addFollowup(id, 2, "2027-13-01", tmp / "case" / "margins.json"), UsageError);
  EXPECT_THROW(db.addFollowup(id, 2, "", tmp / "case" / "missing.json"), NotFoundError);
}

TEST(CaseDb, TwoHundredCasesAreListedAndFiltered) {
  TempDir tmp;
  CaseDatabase db(tmp / "cases.sqlite");
  // 200 plans: patients P000..P199, profile batch-rfa for even i and
  // multimodal-thermal-therapy (one session) for odd i; starts spread over 2027, every tenth
  // undated.
  int dated_in_march = 0;
  for (int i = 0; i < 200; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "P%03d", i);
    std::string start;
    if (i % 10 != 0) {
      char d[16];
      std::snprintf(d, sizeof d, "2027-%02d-%02d", 1 + i % 12, 1 + i % 28);
      start = d;
    }
    const bool batch = i % 2 == 0;
    if (!start.empty() && start.substr(0, 7) == "2027-03") ++dated_in_march;
    const fs::path file = tmp / (std::string(id) + ".json");
    test::writePlanFast(file, syntheticPlan(id, start, batch ? 2 : 1, 3,
                                            batch ? "batch-rfa" : "multimodal-thermal-therapy"));
    ASSERT_EQ(db.addPlan(file).outcome, AddOutcome::kAdded) << id;
  }
  const std::vector<CaseSummary> all = db.listCases();
  ASSERT_EQ(all.size(), 200U);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const auto& a, const auto& b) { return a.patient < b.patient; }));
  EXPECT_EQ(all.front().patient, "P000");
  EXPECT_EQ(all.back().patient, "P199");

  CaseFilter f;
  f.patient = "p01";  // case-insensitive substring: P010..P019
  std::vector<CaseSummary> rows = db.listCases(f);
  ASSERT_EQ(rows.size(), 10U);
  for (const CaseSummary& r : rows) EXPECT_EQ(r.patient.substr(0, 3), "P01");

  f = {};
  f.profile = "multimodal-thermal-therapy";
  rows = db.listCases(f);
  ASSERT_EQ(rows.size(), 100U);
  for (const CaseSummary& r : rows) {
    EXPECT_EQ(r.profile, "multimodal-thermal-therapy");
    EXPECT_EQ(r.sessions, 1);
  }

  // Due within March 2027: exactly the plans whose first RFA (their first event) is in March,
  // plus plans started earlier with an open event then; every row's next event in the window.
  f = {};
  f.today = "2027-03-01";
  f.due_days = 30;
  f.due_only = true;
  rows = db.listCases(f);
  EXPECT_GE(rows.size(), static_cast<std::size_t>(dated_in_march));
  EXPECT_LT(rows.size(), 200U);
  for (const CaseSummary& r : rows) {
    ASSERT_TRUE(r.next.has_value()) << r.patient;
    EXPECT_GE(r.next->date, "2027-03-01") << r.patient;
    EXPECT_LE(r.next->date, "2027-03-31") << r.patient;
  }
  // The same set from due(): the cases with a dated event in the window.
  std::set<std::int64_t> from_due;
  for (const CaseEvent& e : db.due("2027-03-01", 30).dated) from_due.insert(e.case_id);
  std::set<std::int64_t> from_list;
  for (const CaseSummary& r : rows) from_list.insert(r.id);
  EXPECT_EQ(from_list, from_due);

  f.patient = "P00";
  f.profile = "batch-rfa";
  for (const CaseSummary& r : db.listCases(f)) {
    EXPECT_EQ(r.patient.substr(0, 3), "P00");
    EXPECT_EQ(r.profile, "batch-rfa");
  }
  f = {};
  f.today = "2027-3-1";
  EXPECT_THROW((void)db.listCases(f), UsageError);
}

TEST(CaseDb, PatientIsTheRecordedIdOrAUidNeverMore) {
  TempDir tmp;
  planning::TreatmentPlan no_id = syntheticPlan("", "2027-01-04", 1, 1);
  writePlan(tmp / "no_id.json", no_id);
  planning::TreatmentPlan nothing = no_id;
  nothing.source.study_instance_uid.clear();
  nothing.source.series_instance_uid.clear();
  writePlan(tmp / "nothing.json", nothing);
  CaseDatabase db(tmp / "cases.sqlite");
  const CaseDetail a = db.openCase(db.addPlan(tmp / "no_id.json").case_id);
  EXPECT_EQ(a.summary.patient, "study:" + no_id.source.study_instance_uid);
  EXPECT_EQ(a.summary.patient_id, "");
  const CaseDetail b = db.openCase(db.addPlan(tmp / "nothing.json").case_id);
  EXPECT_EQ(b.summary.patient, "file:" + fs::canonical(tmp / "nothing.json").string());
  // Two plans of one patient: one patient key, two cases.
  writePlan(tmp / "p1.json", syntheticPlan("PAT-X", "2027-01-04", 1, 2));
  writePlan(tmp / "p2.json", syntheticPlan("PAT-X", "2027-04-04", 2, 2));
  db.addPlan(tmp / "p1.json");
  db.addPlan(tmp / "p2.json");
  CaseFilter f;
  f.patient = "PAT-X";
  EXPECT_EQ(db.listCases(f).size(), 2U);
}

TEST(CaseDb, PlanErrorsKeepTheirTypes) {
  TempDir tmp;
  CaseDatabase db(tmp / "cases.sqlite");
  EXPECT_THROW(db.addPlan(tmp / "missing.json"), NotFoundError);
  std::ofstream(tmp / "bad.json") << "{\"format\": \"something else\"}\n";
  EXPECT_THROW(db.addPlan(tmp / "bad.json"), CorruptDataError);
  std::ofstream(tmp / "newer.json") << "{\"format\": \"rfaplan-plan\", \"format_version\": 99}\n";
  EXPECT_THROW(db.addPlan(tmp / "newer.json"), UnsupportedError);
  EXPECT_TRUE(db.listCases().empty());
}

TEST(CaseDb, DefaultPathFollowsTheEnvironment) {
  {
    ScopedEnv a("RFA_CASES_DB", "/x/my.sqlite");
    EXPECT_EQ(defaultDatabasePath(), fs::path("/x/my.sqlite"));
  }
  ScopedEnv a("RFA_CASES_DB", "");
  {
    ScopedEnv x("XDG_DATA_HOME", "/data/home");
    EXPECT_EQ(defaultDatabasePath(), fs::path("/data/home/rfaplan/cases.sqlite"));
  }
  ScopedEnv x("XDG_DATA_HOME", "relative/ignored");
  ScopedEnv h("HOME", "/home/u");
  EXPECT_EQ(defaultDatabasePath(), fs::path("/home/u/.local/share/rfaplan/cases.sqlite"));
}

TEST(CaseDb, DateHelpers) {
  EXPECT_EQ(addDays("2027-01-31", 29), "2027-03-01");
  EXPECT_EQ(addDays("2028-02-28", 1), "2028-02-29");
  EXPECT_THROW((void)addDays("2027-02-29", 1), UsageError);
  EXPECT_EQ(todayLocal().size(), 10U);
}

}  // namespace
}  // namespace rfa::cases
