// 'rfaplan cases outcome' and 'rfaplan cohort' end to end: seven plans (copies of a plan file
// with their own patient id and start date, one undated) added with `cases add`, arms and
// outcome events recorded with `cases outcome`, shown by `cases show`; `rfaplan cohort` writes
// its JSON, CSV and figures, and its Kaplan-Meier medians, rates, log-rank test and hazard ratio
// equal rfa::outcomes called directly on the same dates; and the exit codes.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"
#include "rfa/outcomes/cohort.h"
#include "rfa/outcomes/survival.h"
#include "test_support.h"

namespace rfa {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::contains;
using test::readJson;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

// yyyy-mm-dd plus `days`.
std::string plusDays(const std::string& date, int days) {
  using namespace std::chrono;
  const year_month_day d{year{std::stoi(date.substr(0, 4))},
                         month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                         day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
  const year_month_day r{sys_days{d} + std::chrono::days{days}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(r.year()),
                static_cast<unsigned>(r.month()), static_cast<unsigned>(r.day()));
  return buf;
}

// The plan file of the test data with another patient id and its timeline moved to `start`
// ("" : an undated plan).
fs::path writePlanOf(const fs::path& dir, const std::string& patient, const std::string& start) {
  json p = readJson(fs::path(RFA_TESTDATA_DIR) / "fuzz-seeds" / "plan" / "plan_two_lesions.json");
  p["source"]["patient_id"] = patient;
  const std::string old_start = p["settings"]["start_date"].get<std::string>();
  p["settings"]["start_date"] = start;
  for (json& e : p["timeline"]) {
    const std::string d = e["date"].get<std::string>();
    e["date"] = start.empty() || d.empty() ? std::string()
                                           : plusDays(d, outcomes::daysBetween(old_start, start));
  }
  const fs::path file = dir / (patient + ".json");
  std::ofstream(file) << p.dump(1) << "\n";
  return file;
}

struct Patient {
  std::string key;
  std::string arm;
  std::string start;                               // first ablation ("" : undated plan)
  std::vector<std::vector<std::string>> outcomes;  // `cases outcome` arguments after the key
};

std::vector<Patient> cohort(const std::string& qlq_file) {
  return {
      {"P1",
       "A",
       "2027-01-01",
       {{"--event", "qlq-c30", "--date", "2026-12-20", "--qlq", qlq_file},
        {"--event", "adverse-event", "--date", "2027-01-20", "--term", "Pain", "--grade", "3",
         "--relation", "probable", "--session", "1"},
        {"--event", "response", "--date", "2027-03-01", "--response", "PR"},
        {"--event", "ltp", "--date", "2027-04-01", "--lesion", "32"},
        {"--event", "death", "--date", "2027-07-20"}}},
      {"P2",
       "A",
       "2027-01-10",
       {{"--event", "response", "--date", "2027-03-10", "--response", "SD"},
        {"--event", "last-contact", "--date", "2028-01-10"}}},
      {"P3",
       "A",
       "2027-02-01",
       {{"--event", "new-intrahepatic", "--date", "2027-06-01"},
        {"--event", "new-extrahepatic", "--date", "2027-07-01"},
        {"--event", "death", "--date", "2028-02-01"}}},
      {"P4", "B", "2027-03-01", {{"--event", "last-contact", "--date", "2028-03-01"}}},
      {"P5",
       "B",
       "2027-03-01",
       {{"--event", "ltp", "--date", "2027-08-30", "--lesion", "32"},
        {"--event", "death", "--date", "2027-09-01"}}},
      {"P6", "B", "2027-04-01", {{"--event", "death", "--date", "2027-06-10"}}},
      {"P7", "B", "", {{"--event", "death", "--date", "2027-06-10"}}},
  };
}

// OS and liver PFS of the cohort as (days, event) by patient, from its dates.
outcomes::Subject subject(const std::string& start, const std::string& end, bool event, int arm) {
  outcomes::Subject s;
  s.time = outcomes::daysBetween(start, end);
  s.event = event;
  s.arm = arm;
  return s;
}

void expectSurvivalEqual(const json& got, const outcomes::KaplanMeier& km,
                         const std::string& what) {
  EXPECT_EQ(got["n"], km.n) << what;
  EXPECT_EQ(got["events"], km.events) << what;
  ASSERT_EQ(got["rows"].size(), km.rows.size()) << what;
  for (std::size_t i = 0; i < km.rows.size(); ++i) {
    EXPECT_DOUBLE_EQ(got["rows"][i]["days"].get<double>(), km.rows[i].time) << what;
    EXPECT_EQ(got["rows"][i]["n_risk"], km.rows[i].n_risk) << what;
    EXPECT_NEAR(got["rows"][i]["survival"].get<double>(), km.rows[i].survival, 1e-12) << what;
  }
  if (km.median) {
    EXPECT_DOUBLE_EQ(got["median_days"].get<double>(), *km.median) << what;
  } else {
    EXPECT_TRUE(got["median_days"].is_null()) << what;
  }
  const auto y1 = km.survivalAt(365);
  if (y1) {
    EXPECT_NEAR(got["year1"]["survival"].get<double>(), y1->survival, 1e-12) << what;
    EXPECT_NEAR(got["year1"]["lower"].get<double>(), y1->lower, 1e-12) << what;
  } else {
    EXPECT_TRUE(got["year1"].is_null()) << what;
  }
}

TEST(CliCohort, OutcomesRecordedAndCohortEqualsTheLibrary) {
  TempDir tmp;
  const std::string db = (tmp / "cases.sqlite").string();
  const fs::path qlq = tmp / "qlq.json";
  std::ofstream(qlq) << R"({"QL2": 58.3, "PF2": 80, "FA": 22.2})"
                     << "\n";
  const std::vector<Patient> patients = cohort(qlq.string());
  for (const Patient& p : patients) {
    RunResult r =
        rfaplan({"cases", "add", writePlanOf(tmp.path(), p.key, p.start).string(), "--db", db});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    r = rfaplan({"cases", "outcome", p.key, "--arm", p.arm, "--db", db});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const std::vector<std::string>& o : p.outcomes) {
      std::vector<std::string> args = {"cases", "outcome", p.key};
      args.insert(args.end(), o.begin(), o.end());
      args.insert(args.end(), {"--db", db});
      r = rfaplan(args);
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
  }
  // `cases show` lists the arm and the outcomes of the case's patient.
  RunResult r = rfaplan({"cases", "show", "1", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "trial arm:     A")) << r.out;
  EXPECT_TRUE(contains(r.out, "2027-01-20 adverse-event Pain grade 3 (probable, session 1)"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "2027-04-01 ltp lesion 32")) << r.out;
  EXPECT_TRUE(contains(r.out, R"("QL2":58.3)")) << r.out;

  const fs::path out = tmp / "cohort";
  r = rfaplan({"cohort", "--db", db, "-o", out.string(), "--today", "2028-06-01"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "6 patient(s) analysed, 1 excluded")) << r.out;
  EXPECT_TRUE(contains(r.out, "excluded P7")) << r.out;
  for (const char* f : {"cohort.json", "patients.csv", "endpoints.csv", "km_os.png", "km_os.pdf",
                        "km_pfs.png", "km_pfs.pdf"}) {
    ASSERT_TRUE(fs::exists(out / f)) << f;
    EXPECT_GT(fs::file_size(out / f), 100U) << f;
  }

  // The same data straight into rfa::outcomes.
  const std::vector<outcomes::Subject> os = {
      subject("2027-01-01", "2027-07-20", true, 0), subject("2027-01-10", "2028-01-10", false, 0),
      subject("2027-02-01", "2028-02-01", true, 0), subject("2027-03-01", "2028-03-01", false, 1),
      subject("2027-03-01", "2027-09-01", true, 1), subject("2027-04-01", "2027-06-10", true, 1)};
  const std::vector<outcomes::Subject> pfs = {
      subject("2027-01-01", "2027-04-01", true, 0), subject("2027-01-10", "2028-01-10", false, 0),
      subject("2027-02-01", "2027-06-01", true, 0), subject("2027-03-01", "2028-03-01", false, 1),
      subject("2027-03-01", "2027-08-30", true, 1), subject("2027-04-01", "2027-06-10", true, 1)};
  const json j = readJson(out / "cohort.json");
  EXPECT_EQ(j["arms"], json({"A", "B"}));
  ASSERT_EQ(j["per_arm"].size(), 2U);
  for (int arm = 0; arm < 2; ++arm) {
    const json& a = j["per_arm"][static_cast<std::size_t>(arm)];
    expectSurvivalEqual(a["os"], outcomes::kaplanMeier(outcomes::subjectsOfArm(os, arm)),
                        "OS arm " + std::to_string(arm));
    expectSurvivalEqual(a["pfs"], outcomes::kaplanMeier(outcomes::subjectsOfArm(pfs, arm)),
                        "PFS arm " + std::to_string(arm));
  }
  for (const auto& [name, subjects] :
       {std::pair<std::string, const std::vector<outcomes::Subject>*>{"os", &os}, {"pfs", &pfs}}) {
    const json& c = j["comparisons"][name];
    const outcomes::LogRank lr = outcomes::logRank(*subjects);
    ASSERT_FALSE(c["log_rank"].is_null()) << name << c["note"];
    EXPECT_NEAR(c["log_rank"]["chi_square"].get<double>(), lr.chi_square, 1e-9) << name;
    EXPECT_NEAR(c["log_rank"]["p_value"].get<double>(), lr.p_value, 1e-9) << name;
    const outcomes::CoxModel cox = outcomes::coxPH(outcomes::withArmIndicator(*subjects));
    ASSERT_FALSE(c["hazard_ratio"].is_null()) << name << c["note"];
    EXPECT_EQ(c["hazard_ratio"]["arm"], "B");
    EXPECT_EQ(c["hazard_ratio"]["reference"], "A");
    EXPECT_NEAR(c["hazard_ratio"]["hazard_ratio"].get<double>(), cox.coefficients[0].hazard_ratio,
                1e-9)
        << name;
    EXPECT_NEAR(c["hazard_ratio"]["lower"].get<double>(), cox.coefficients[0].lower, 1e-9);
    EXPECT_NEAR(c["hazard_ratio"]["upper"].get<double>(), cox.coefficients[0].upper, 1e-9);
  }
  // Rates: ORR A 1/2 (PR, SD), LCR A 2/3, AE grade >= 3 A 1/3, QLQ baseline A 58.3 (n 1).
  const json& a = j["per_arm"][0];
  EXPECT_EQ(a["orr_6m"]["successes"], 1);
  EXPECT_EQ(a["orr_6m"]["n"], 2);
  EXPECT_EQ(a["lcr_6m"]["successes"], 2);
  EXPECT_EQ(a["lcr_6m"]["n"], 3);
  EXPECT_EQ(a["ae_grade3_90d"]["successes"], 1);
  EXPECT_EQ(a["ghs_baseline"]["n"], 1);
  EXPECT_NEAR(a["ghs_baseline"]["mean"].get<double>(), 58.3, 1e-9);
  EXPECT_EQ(j["excluded"].size(), 1U);
  EXPECT_EQ(j["definitions"].size(), outcomes::endpointDefinitions().size());

  // patients.csv: a header and one row per analysed patient; endpoints.csv: OS median of A.
  std::ifstream pc(out / "patients.csv");
  std::string line;
  int rows = 0;
  while (std::getline(pc, line)) ++rows;
  EXPECT_EQ(rows, 7);
  std::ifstream ec(out / "endpoints.csv");
  std::stringstream endpoints;
  endpoints << ec.rdbuf();
  EXPECT_TRUE(contains(endpoints.str(), "os_median,A,3,2,365.000000,")) << endpoints.str();
  EXPECT_TRUE(contains(endpoints.str(), "pfs_12m,A,3,2,")) << endpoints.str();
  EXPECT_TRUE(contains(endpoints.str(), "os_hazard_ratio,B vs A,6,")) << endpoints.str();

  // --arm B --arm A: B is the reference.
  r = rfaplan({"cohort", "--db", db, "-o", (tmp / "ba").string(), "--today", "2028-06-01", "--arm",
               "B", "--arm", "A"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(readJson(tmp / "ba" / "cohort.json")["comparisons"]["os"]["hazard_ratio"]["arm"], "A");

  // Exit codes: bad kind / value 2, unknown patient 3, unknown arm 2, no arm at all 4.
  r = rfaplan({"cases", "outcome", "P1", "--event", "relapse", "--date", "2027-05-01", "--db", db});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "\"relapse\"")) << r.err;
  r = rfaplan({"cases", "outcome", "P1", "--event", "adverse-event", "--date", "2027-05-01",
               "--term", "Fever", "--grade", "6", "--relation", "possible", "--db", db});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = rfaplan({"cases", "outcome", "P1", "--event", "death", "--date", "2027-13-01", "--db", db});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "2027-13-01")) << r.err;
  r = rfaplan({"cases", "outcome", "P1", "--db", db});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = rfaplan({"cases", "outcome", "NOBODY", "--arm", "A", "--db", db});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  r = rfaplan({"cohort", "--db", db, "-o", (tmp / "x").string(), "--arm", "C"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = rfaplan({"cohort", "--db", (tmp / "empty.sqlite").string(), "-o", (tmp / "y").string()});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
}

}  // namespace
}  // namespace rfa
