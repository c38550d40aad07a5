// The cohort endpoints on a hand-made cohort of 6 analysed patients in 2 arms (plus one without
// a dated ablation, one without an arm and one record after "today"), every figure computed by
// hand: per-patient times and flags, Kaplan-Meier medians and rates, the log-rank statistic,
// ORR / LCR / AE rates with their Wilson intervals and the QLQ-C30 means.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/outcomes/cohort.h"
#include "rfa/outcomes/survival.h"

namespace rfa::outcomes {
namespace {

CohortEvent ev(const std::string& kind, const std::string& date) {
  CohortEvent e;
  e.kind = kind;
  e.date = date;
  return e;
}
CohortEvent response(const std::string& date, const std::string& r) {
  CohortEvent e = ev("response", date);
  e.response = r;
  return e;
}
CohortEvent ae(const std::string& date, int grade, const std::string& relation) {
  CohortEvent e = ev("adverse-event", date);
  e.grade = grade;
  e.relation = relation;
  return e;
}
CohortEvent qlq(const std::string& date, double ghs) {
  CohortEvent e = ev("qlq-c30", date);
  e.global_health = ghs;
  return e;
}

// Arm A (reference): P1, P2, P3; arm B: P4, P5, P6; P7 (B) has no dated ablation; P8 no arm.
// Days from each first ablation are in the comments.
std::vector<CohortPatient> handMadeCohort() {
  std::vector<CohortPatient> c;
  c.push_back({"P1",
               "A",
               {"2027-02-15", "2027-01-01"},
               {},
               {qlq("2026-12-20", 50), response("2027-03-01", "PR") /* d59 */,
                ae("2027-02-20", 3, "probable") /* 5 d after the 2nd ablation */,
                ev("ltp", "2027-04-01") /* d90 */, response("2027-04-01", "PD"),
                qlq("2027-04-05", 40) /* d94 */, ev("death", "2027-07-20") /* d200 */}});
  c[0].events[3].lesion = 1;
  c.push_back({"P2",
               "A",
               {"2027-01-10"},
               {"2027-03-10"},
               {qlq("2027-01-10", 70) /* d0: baseline */, ae("2027-01-12", 1, "unrelated"),
                response("2027-03-10", "SD"), qlq("2027-07-01", 80) /* d172 */,
                qlq("2027-07-25", 60) /* d196 */, ev("last-contact", "2028-01-10") /* d365 */,
                ev("death", "2028-07-01") /* after today: ignored */}});
  c.push_back({"P3",
               "A",
               {"2027-02-01"},
               {},
               {response("2027-05-01", "CR") /* d89 */, ev("new-intrahepatic", "2027-06-01"),
                ae("2027-06-01", 2, "possible") /* d120: outside 90 d */,
                ev("last-contact", "2027-12-01"), ev("death", "2028-02-01") /* d365 */}});
  c.push_back({"P4", "B", {"2027-03-01"}, {"2027-06-01"}, {ev("last-contact", "2028-03-01")}});
  c.push_back({"P5",
               "B",
               {"2027-03-01"},
               {},
               {qlq("2027-02-01", 10), qlq("2027-02-25", 60), ae("2027-03-02", 4, "definite"),
                qlq("2027-05-31", 50) /* d91 */, response("2027-06-01", "PD"),
                ev("ltp", "2027-08-30") /* d182 */, ev("death", "2027-09-01") /* d184 */}});
  c[4].events[5].lesion = 2;
  c.push_back({"P6", "B", {"2027-04-01"}, {}, {ev("death", "2027-06-10") /* d70 */}});
  c.push_back({"P7", "B", {}, {}, {ev("death", "2027-06-10")}});
  c.push_back({"P8", "", {"2027-01-01"}, {}, {ev("death", "2027-02-01")}});
  return c;
}

const PatientEndpoints& patient(const CohortResult& r, const std::string& key) {
  for (const PatientEndpoints& p : r.patients) {
    if (p.key == key) return p;
  }
  throw std::runtime_error("no patient " + key);
}

TEST(Cohort, PatientEndpointsByHand) {
  const CohortResult r = analyzeCohort(handMadeCohort(), {{}, "2028-06-01"});
  EXPECT_EQ(r.arms, (std::vector<std::string>{"A", "B"}));
  ASSERT_EQ(r.patients.size(), 6U);
  ASSERT_EQ(r.excluded.size(), 1U);
  EXPECT_EQ(r.excluded[0].key, "P7");
  EXPECT_NE(r.excluded[0].reason.find("no dated first ablation"), std::string::npos);

  const PatientEndpoints& p1 = patient(r, "P1");
  EXPECT_EQ(p1.first_ablation, "2027-01-01");
  EXPECT_EQ(p1.ablations, 2);
  EXPECT_DOUBLE_EQ(p1.os.days, 200);
  EXPECT_TRUE(p1.os.event);
  EXPECT_DOUBLE_EQ(p1.pfs.days, 90);
  EXPECT_TRUE(p1.pfs.event);
  EXPECT_EQ(p1.best_response_6m, "PR");
  EXPECT_EQ(p1.objective_response_6m, true);
  EXPECT_EQ(p1.local_control_6m, false);
  EXPECT_TRUE(p1.ae_any && p1.ae_grade3 && p1.ae_related);
  EXPECT_EQ(p1.ghs_baseline, 50.0);
  EXPECT_EQ(p1.ghs_3m, 40.0);
  EXPECT_FALSE(p1.ghs_6m.has_value());

  const PatientEndpoints& p2 = patient(r, "P2");
  EXPECT_DOUBLE_EQ(p2.os.days, 365);
  EXPECT_FALSE(p2.os.event);  // the death after today is ignored
  EXPECT_EQ(p2.os.date, "2028-01-10");
  EXPECT_FALSE(p2.pfs.event);
  EXPECT_EQ(p2.objective_response_6m, false);
  EXPECT_EQ(p2.local_control_6m, true);
  EXPECT_TRUE(p2.ae_any);
  EXPECT_FALSE(p2.ae_grade3 || p2.ae_related);
  EXPECT_EQ(p2.ghs_baseline, 70.0);
  EXPECT_EQ(p2.ghs_6m, 80.0);  // day 172 is nearer to 183 than day 196
  ASSERT_EQ(p2.notes.size(), 1U);
  EXPECT_NE(p2.notes[0].find("after today"), std::string::npos);

  const PatientEndpoints& p3 = patient(r, "P3");
  EXPECT_DOUBLE_EQ(p3.os.days, 365);
  EXPECT_TRUE(p3.os.event);
  EXPECT_DOUBLE_EQ(p3.pfs.days, 120);  // the new intrahepatic lesion
  EXPECT_EQ(p3.objective_response_6m, true);
  EXPECT_EQ(p3.local_control_6m, true);
  EXPECT_FALSE(p3.ae_any);  // day 120: outside the 90-day window

  const PatientEndpoints& p4 = patient(r, "P4");
  EXPECT_DOUBLE_EQ(p4.os.days, 366);  // 2028 is a leap year
  EXPECT_FALSE(p4.os.event);
  EXPECT_EQ(p4.last_date, "2028-03-01");
  EXPECT_EQ(p4.local_control_6m, true);  // followed 366 days, no LTP
  EXPECT_FALSE(p4.objective_response_6m.has_value());

  const PatientEndpoints& p5 = patient(r, "P5");
  EXPECT_DOUBLE_EQ(p5.os.days, 184);
  EXPECT_DOUBLE_EQ(p5.pfs.days, 182);
  EXPECT_EQ(p5.local_control_6m, false);
  EXPECT_EQ(p5.objective_response_6m, false);
  EXPECT_EQ(p5.ae_max_grade, 4);
  EXPECT_EQ(p5.ghs_baseline, 60.0);  // the last before day 0
  EXPECT_EQ(p5.ghs_3m, 50.0);

  const PatientEndpoints& p6 = patient(r, "P6");
  EXPECT_DOUBLE_EQ(p6.os.days, 70);
  EXPECT_DOUBLE_EQ(p6.pfs.days, 70);
  EXPECT_FALSE(p6.local_control_6m.has_value());
}

TEST(Cohort, ArmFiguresByHand) {
  const CohortResult r = analyzeCohort(handMadeCohort(), {{}, "2028-06-01"});
  ASSERT_EQ(r.per_arm.size(), 2U);
  const ArmEndpoints& a = r.per_arm[0];
  const ArmEndpoints& b = r.per_arm[1];
  EXPECT_EQ(a.n, 3);
  EXPECT_EQ(b.n, 3);
  // OS A: 200 event, 365 censored, 365 event: S = 2/3 then 1/3; median 365.
  ASSERT_TRUE(a.os.km.median.has_value());
  EXPECT_DOUBLE_EQ(*a.os.km.median, 365);
  ASSERT_TRUE(a.os.year1.has_value());
  EXPECT_NEAR(a.os.year1->survival, 1.0 / 3, 1e-12);
  EXPECT_FALSE(a.os.year2.has_value());  // after the last time
  // PFS A: 90, 120 events, 365 censored: median 120, PFS at 12 months 1/3.
  EXPECT_DOUBLE_EQ(*a.pfs.km.median, 120);
  ASSERT_TRUE(a.pfs.year1.has_value());
  EXPECT_NEAR(a.pfs.year1->survival, 1.0 / 3, 1e-12);
  // OS B: 70 event, 184 event, 366 censored: 2/3 then 1/3; median 184.
  EXPECT_DOUBLE_EQ(*b.os.km.median, 184);
  EXPECT_NEAR(b.os.km.rows.back().survival, 1.0 / 3, 1e-12);
  ASSERT_TRUE(b.os.year1.has_value());
  EXPECT_NEAR(b.os.year1->survival, 1.0 / 3, 1e-12);
  EXPECT_EQ(b.os.year1->n_risk, 1);
  EXPECT_DOUBLE_EQ(*b.pfs.km.median, 182);

  // Log-rank OS by hand, at the event times 70 (6 at risk: 3 A, 3 B), 184 (3 A, 2 B),
  // 200 (3 A, 1 B) and 365 (2 A, 1 B): O_A = 2, E_A = 3/6 + 3/5 + 3/4 + 2/3,
  // V = 9*5/(36*5) + 6*4/(25*4) + 3*3/(16*3) + 2*2/(9*2).
  const double e_a = 3.0 / 6 + 3.0 / 5 + 3.0 / 4 + 2.0 / 3;
  const double v = 0.25 + 0.24 + 0.1875 + 2.0 / 9;
  const double chi = (2 - e_a) * (2 - e_a) / v;
  ASSERT_TRUE(r.os.log_rank.has_value()) << r.os.note;
  EXPECT_NEAR(r.os.log_rank->observed[0], 2, 1e-12);
  EXPECT_NEAR(r.os.log_rank->expected[0], e_a, 1e-12);
  EXPECT_NEAR(r.os.log_rank->chi_square, chi, 1e-9);
  EXPECT_NEAR(r.os.log_rank->p_value, chiSquareUpperTail(chi, 1), 1e-12);
  // The hazard ratio is coxPH's arm coefficient (B vs A): B has its events earlier.
  ASSERT_TRUE(r.os.hazard_ratio.has_value()) << r.os.note;
  const CoxModel direct = coxPH(withArmIndicator(r.os_subjects));
  EXPECT_NEAR(r.os.hazard_ratio->hazard_ratio, direct.coefficients[0].hazard_ratio, 1e-12);
  EXPECT_GT(r.os.hazard_ratio->hazard_ratio, 1.0);

  // ORR: A 2/3 (PR, SD, CR), B 0/1 (PD); Wilson 2/3 = (0.20766, 0.93851), 0/1 = (0, 0.79345).
  EXPECT_EQ(a.orr_6m.successes, 2);
  EXPECT_EQ(a.orr_6m.n, 3);
  EXPECT_NEAR(a.orr_6m.lower, 0.2076596008, 1e-9);
  EXPECT_NEAR(a.orr_6m.upper, 0.9385080552, 1e-9);
  EXPECT_EQ(b.orr_6m.n, 1);
  EXPECT_EQ(b.orr_6m.successes, 0);
  EXPECT_NEAR(b.orr_6m.upper, 0.7934506856, 1e-9);
  // LCR: A 2/3, B 1/2 (P6 not evaluable: died on day 70 without LTP).
  EXPECT_EQ(a.lcr_6m.successes, 2);
  EXPECT_EQ(a.lcr_6m.n, 3);
  EXPECT_EQ(b.lcr_6m.successes, 1);
  EXPECT_EQ(b.lcr_6m.n, 2);
  // AE: A any 2/3, grade >= 3 1/3, related 1/3; B 1/3 each. Wilson 1/3 = (0.06149, 0.79234).
  EXPECT_EQ(a.ae_any.successes, 2);
  EXPECT_EQ(a.ae_grade3.successes, 1);
  EXPECT_EQ(a.ae_related.successes, 1);
  EXPECT_NEAR(a.ae_grade3.lower, 0.0614919447, 1e-9);
  EXPECT_NEAR(a.ae_grade3.upper, 0.7923403992, 1e-9);
  EXPECT_EQ(b.ae_any.successes, 1);
  EXPECT_EQ(b.ae_grade3.successes, 1);
  EXPECT_EQ(b.ae_related.successes, 1);
  // QLQ-C30 global health means.
  EXPECT_EQ(a.ghs_baseline.n, 2);
  EXPECT_DOUBLE_EQ(a.ghs_baseline.mean, 60);
  EXPECT_EQ(a.ghs_3m.n, 1);
  EXPECT_DOUBLE_EQ(a.ghs_3m.mean, 40);
  EXPECT_DOUBLE_EQ(a.ghs_6m.mean, 80);
  EXPECT_DOUBLE_EQ(b.ghs_baseline.mean, 60);
  EXPECT_EQ(b.ghs_6m.n, 0);
  EXPECT_TRUE(std::isnan(b.ghs_6m.mean));
}

TEST(Cohort, ArmSelectionAndErrors) {
  // --arm B A: B becomes the reference.
  const CohortResult r = analyzeCohort(handMadeCohort(), {{"B", "A"}, "2028-06-01"});
  EXPECT_EQ(r.arms, (std::vector<std::string>{"B", "A"}));
  ASSERT_TRUE(r.os.hazard_ratio.has_value());
  EXPECT_LT(r.os.hazard_ratio->hazard_ratio, 1.0);
  // One arm only: no comparison, a note.
  const CohortResult one = analyzeCohort(handMadeCohort(), {{"A"}, ""});
  EXPECT_EQ(one.patients.size(), 3U);
  EXPECT_FALSE(one.os.log_rank.has_value());
  EXPECT_FALSE(one.os.note.empty());
  EXPECT_THROW(analyzeCohort(handMadeCohort(), {{"C"}, ""}), UsageError);
  EXPECT_THROW(analyzeCohort(handMadeCohort(), {{}, "2028-13-01"}), UsageError);
  std::vector<CohortPatient> bad = handMadeCohort();
  bad[0].events[0].date = "2027-02-29";
  try {
    analyzeCohort(bad);
    FAIL() << "a malformed date was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("P1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2027-02-29"), std::string::npos) << e.what();
  }
  EXPECT_EQ(daysBetween("2028-02-28", "2028-03-01"), 2);
  EXPECT_EQ(daysBetween("2027-01-01", "2026-12-31"), -1);
}

TEST(Cohort, MonotoneLikelihoodGivesNoHazardRatio) {
  // Every OS event of the first two arms while only one arm is at risk or in arm B: the Cox
  // coefficient runs off to infinity; the ratio is left out with a note, the log-rank test stays.
  std::vector<CohortPatient> c = handMadeCohort();
  c[3].contact_dates.clear();
  c[3].events = {ev("last-contact", "2027-06-01")};  // P4 censored on day 92
  const CohortResult r = analyzeCohort(c, {{}, "2028-06-01"});
  EXPECT_TRUE(r.os.log_rank.has_value());
  EXPECT_FALSE(r.os.hazard_ratio.has_value());
  EXPECT_NE(r.os.note.find("monotone likelihood"), std::string::npos) << r.os.note;
}

}  // namespace
}  // namespace rfa::outcomes
