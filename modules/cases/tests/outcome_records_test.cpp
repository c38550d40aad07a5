// Trial outcome records (schema version 3): a patient's arm, outcome events of every kind with
// their fields validated (UsageError naming the value), listed per patient by date with the RFA
// and follow-up dates of the patient's plans, and the errors with their types.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "case_test_support.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"
#include "test_support.h"

namespace rfa::cases {
namespace {

namespace fs = std::filesystem;
using rfa::test::TempDir;
using test::syntheticPlan;
using test::writePlan;

OutcomeRecord event(const std::string& kind, const std::string& date) {
  OutcomeRecord r;
  r.kind = kind;
  r.date = date;
  return r;
}

std::string usageMessage(const OutcomeRecord& r) {
  try {
    validateOutcome(r);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(CaseDbOutcomes, ArmAndEventsAreListedPerPatientByDate) {
  TempDir tmp;
  writePlan(tmp / "a.json", syntheticPlan("PAT-A", "2027-03-01", 2, 3));
  writePlan(tmp / "b.json", syntheticPlan("PAT-B", "", 2, 2));
  CaseDatabase db(tmp / "cases.sqlite");
  db.addPlan(tmp / "a.json");
  db.addPlan(tmp / "b.json");

  db.setArm("PAT-A", "RFA alone");
  db.setArm("PAT-A", "RFA + systemic");  // replaces
  OutcomeRecord ltp = event("ltp", "2027-09-01");
  ltp.lesion = 2;
  OutcomeRecord ae = event("adverse-event", "2027-03-05");
  ae.term = "Pain";
  ae.grade = 3;
  ae.relation = "probable";
  ae.session = 1;
  OutcomeRecord qlq = event("qlq-c30", "2027-02-20");
  qlq.qlq = R"({ "QL2": 66.7, "PF2": 80 })";
  OutcomeRecord resp = event("response", "2027-06-01");
  resp.response = "CR";
  const std::int64_t id1 = db.addOutcome("PAT-A", ltp);
  const std::int64_t id2 = db.addOutcome("PAT-A", ae);
  db.addOutcome("PAT-A", qlq);
  db.addOutcome("PAT-A", resp);
  db.addOutcome("PAT-A", event("death", "2028-01-10"));
  EXPECT_GT(id2, id1);

  const PatientOutcomes a = db.outcomesOf("PAT-A");
  EXPECT_EQ(a.patient, "PAT-A");
  EXPECT_EQ(a.arm, "RFA + systemic");
  ASSERT_FALSE(a.rfa_dates.empty());
  EXPECT_EQ(a.rfa_dates.front(), "2027-03-01");  // the plan's first RFA
  EXPECT_EQ(a.rfa_dates.size(), 2U);             // two sessions, two RFA dates
  ASSERT_EQ(a.events.size(), 5U);
  std::vector<std::string> order;
  for (const OutcomeRecord& r : a.events) order.push_back(r.date + " " + r.kind);
  EXPECT_EQ(order, (std::vector<std::string>{"2027-02-20 qlq-c30", "2027-03-05 adverse-event",
                                             "2027-06-01 response", "2027-09-01 ltp",
                                             "2028-01-10 death"}));
  EXPECT_EQ(a.events[0].qlq, R"({"PF2":80,"QL2":66.7})");  // compact
  EXPECT_EQ(a.events[1].term, "Pain");
  EXPECT_EQ(a.events[1].grade, 3);
  EXPECT_EQ(a.events[1].relation, "probable");
  EXPECT_EQ(a.events[1].session, 1);
  EXPECT_EQ(a.events[2].response, "CR");
  EXPECT_EQ(a.events[3].lesion, 2);
  EXPECT_FALSE(a.events[4].added_at.empty());

  // The undated plan's patient: no RFA dates, no arm, no events.
  const PatientOutcomes b = db.outcomesOf("PAT-B");
  EXPECT_TRUE(b.arm.empty());
  EXPECT_TRUE(b.rfa_dates.empty());
  EXPECT_TRUE(b.events.empty());

  const std::vector<PatientOutcomes> all = db.listOutcomes();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].patient, "PAT-A");
  EXPECT_EQ(all[1].patient, "PAT-B");

  // A new revision of the plan keeps the outcomes (keyed by the patient key).
  test::writePlanFast(tmp / "a.json", syntheticPlan("PAT-A", "2027-03-08", 2, 3));
  db.addPlan(tmp / "a.json");
  const PatientOutcomes again = db.outcomesOf("PAT-A");
  EXPECT_EQ(again.events.size(), 5U);
  EXPECT_EQ(again.arm, "RFA + systemic");
  EXPECT_EQ(again.rfa_dates.front(), "2027-03-08");
}

TEST(CaseDbOutcomes, ValidationNamesTheValue) {
  EXPECT_NE(usageMessage(event("relapse", "2027-01-01")).find("\"relapse\""), std::string::npos);
  EXPECT_NE(usageMessage(event("death", "2027-02-30")).find("\"2027-02-30\""), std::string::npos);
  EXPECT_NE(usageMessage(event("death", "")).find("yyyy-mm-dd"), std::string::npos);
  EXPECT_NE(usageMessage(event("ltp", "2027-01-01")).find("lesion"), std::string::npos);
  OutcomeRecord r = event("response", "2027-01-01");
  r.response = "iCR";
  EXPECT_NE(usageMessage(r).find("\"iCR\""), std::string::npos);
  r = event("adverse-event", "2027-01-01");
  r.term = "Fever";
  r.grade = 6;
  r.relation = "possible";
  EXPECT_NE(usageMessage(r).find("got 6"), std::string::npos);
  r.grade = 2;
  r.relation = "maybe";
  EXPECT_NE(usageMessage(r).find("\"maybe\""), std::string::npos);
  r.relation = "possible";
  r.term = "";
  EXPECT_NE(usageMessage(r).find("CTCAE term"), std::string::npos);
  r = event("qlq-c30", "2027-01-01");
  r.qlq = R"({"PF2": 50})";
  EXPECT_NE(usageMessage(r).find("QL2"), std::string::npos);
  r.qlq = R"({"QL2": 120})";
  EXPECT_NE(usageMessage(r).find("120"), std::string::npos);
  r.qlq = R"({"QL2": 50, "XX": 1})";
  EXPECT_NE(usageMessage(r).find("\"XX\""), std::string::npos);
  r.qlq = "[1, 2";
  EXPECT_NE(usageMessage(r).find("not valid JSON"), std::string::npos);
  // Fields of another kind are refused.
  r = event("death", "2027-01-01");
  r.grade = 2;
  EXPECT_NE(usageMessage(r).find("only with adverse-event"), std::string::npos);
  r = event("death", "2027-01-01");
  r.lesion = 1;
  EXPECT_NE(usageMessage(r).find("only with ltp"), std::string::npos);
  EXPECT_EQ(usageMessage(event("last-contact", "2028-02-29")), "(accepted)");
}

TEST(CaseDbOutcomes, UnknownPatientIsNotFoundAndBadArmIsUsage) {
  TempDir tmp;
  writePlan(tmp / "a.json", syntheticPlan("PAT-A", "2027-03-01"));
  CaseDatabase db(tmp / "cases.sqlite");
  db.addPlan(tmp / "a.json");
  EXPECT_THROW(db.setArm("PAT-Z", "A"), NotFoundError);
  EXPECT_THROW(db.addOutcome("PAT-Z", event("death", "2027-05-01")), NotFoundError);
  EXPECT_THROW((void)db.outcomesOf("PAT-Z"), NotFoundError);
  EXPECT_THROW(db.setArm("PAT-A", ""), UsageError);
  EXPECT_THROW(db.addOutcome("PAT-A", event("death", "05/01/2027")), UsageError);
  EXPECT_TRUE(db.outcomesOf("PAT-A").events.empty());  // nothing written by the failures
}

}  // namespace
}  // namespace rfa::cases
