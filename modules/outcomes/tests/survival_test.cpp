// Survival statistics against published values (the aml data of Miller 1981) and against R's
// survival package to 1e-6: Kaplan-Meier rows, medians and their CIs, 1/2/3-year rates, the
// log-rank test and Cox models (Efron and Breslow ties) on synthetic cohorts with ties, heavy
// censoring, administrative censoring and two covariates, written to a CSV that Rscript reads.
// Rscript with the survival package is required (the tests fail without it); the figures printed
// are the largest absolute differences from R per cohort and per group of quantities.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/outcomes/survival.h"
#include "test_support.h"

namespace rfa::outcomes {
namespace {

namespace fs = std::filesystem;

constexpr double kTol = 1e-6;
constexpr const char* kNeedR =
    "Rscript with the survival package is needed: packaging/install-deps.sh";

// ---------------------------------------------------------------------------------------------
// Data

struct Cohort {
  std::string name;
  std::vector<Subject> subjects;  // covariates: none (the arm indicator is added) or {age}
  bool has_age = false;
};

Subject subject(double time, bool event, int arm) {
  Subject s;
  s.time = time;
  s.event = event;
  s.arm = arm;
  return s;
}

// R's aml data (Miller 1981): Maintained = arm 0, Nonmaintained = arm 1; negative = censored.
Cohort amlCohort() {
  Cohort c{"aml", {}, false};
  for (const int t : {9, 13, -13, 18, 23, -28, 31, 34, -45, 48, -161}) {
    c.subjects.push_back(subject(std::abs(t), t > 0, 0));
  }
  for (const int t : {5, 5, 8, 8, 12, -16, 23, 27, 30, 33, 43, 45}) {
    c.subjects.push_back(subject(std::abs(t), t > 0, 1));
  }
  return c;
}

// Hand-made edge cases: arm 0 is exactly 0.5 between 2 and 3 and ends at 0; arm 1 starts with a
// censoring and ends at exactly 0.5 from 4 on (median: 4, as print(survfit)).
Cohort edgeCohort() {
  Cohort c{"edge", {}, false};
  for (const int t : {1, 2, 3, 4}) c.subjects.push_back(subject(t, true, 0));
  c.subjects.push_back(subject(1, false, 1));
  c.subjects.push_back(subject(2, true, 1));
  c.subjects.push_back(subject(4, true, 1));
  c.subjects.push_back(subject(6, false, 1));
  c.subjects.push_back(subject(8, false, 1));
  return c;
}

// Exponential event times with rate hazard[arm] (per day) and exponential random censoring with
// rate censor_rate, administrative censoring at admin_days, times rounded to whole days (>= 1).
void addArm(std::vector<Subject>& out, std::mt19937_64& rng, int arm, int n, double hazard,
            double censor_rate, double admin_days) {
  std::exponential_distribution<double> event_time(hazard);
  std::exponential_distribution<double> censor_time(censor_rate);
  for (int i = 0; i < n; ++i) {
    const double t = event_time(rng);
    const double c = std::min(censor_time(rng), admin_days);
    const double time = std::max(1.0, std::round(std::min(t, c)));
    out.push_back(subject(time, t <= c, arm));
  }
}

std::vector<Cohort> syntheticCohorts() {
  std::vector<Cohort> cohorts;
  const double kNoAdmin = std::numeric_limits<double>::infinity();
  {  // (1) two arms of 60, many ties, ~30% random censoring
    std::mt19937_64 rng(20240611);
    Cohort c{"c1", {}, false};
    addArm(c.subjects, rng, 0, 60, 1.0 / 120, 1.0 / 340, kNoAdmin);
    addArm(c.subjects, rng, 1, 60, 1.0 / 180, 1.0 / 340, kNoAdmin);
    cohorts.push_back(std::move(c));
  }
  {  // (2) arms of 25 and 35, ~60% censoring, ties, unequal hazards
    std::mt19937_64 rng(777);
    Cohort c{"c2", {}, false};
    addArm(c.subjects, rng, 0, 25, 1.0 / 200, 1.0 / 260, kNoAdmin);
    addArm(c.subjects, rng, 1, 35, 1.0 / 500, 1.0 / 260, kNoAdmin);
    cohorts.push_back(std::move(c));
  }
  {  // (3) administrative censoring at 1095 days, hazard rising with age (second covariate)
    std::mt19937_64 rng(31337);
    Cohort c{"c3", {}, true};
    std::uniform_real_distribution<double> age_dist(40.0, 85.0);
    std::exponential_distribution<double> unit(1.0);
    std::exponential_distribution<double> dropout(1.0 / 3000);
    for (int arm = 0; arm < 2; ++arm) {
      for (int i = 0; i < 80; ++i) {
        const double age = std::round(age_dist(rng) * 10) / 10;  // exact in the CSV ("%.1f")
        const double hazard = std::exp(0.03 * (age - 62)) * (arm == 1 ? 0.6 : 1.0) / 700;
        const double t = unit(rng) / hazard;
        const double cens = std::min(dropout(rng), 1095.0);
        Subject s = subject(std::max(1.0, std::round(std::min(t, cens))), t <= cens, arm);
        s.covariates = {age};
        c.subjects.push_back(std::move(s));
      }
    }
    cohorts.push_back(std::move(c));
  }
  {  // (4) three arms, for the log-rank test with 2 df
    std::mt19937_64 rng(4242);
    Cohort c{"c4", {}, false};
    addArm(c.subjects, rng, 0, 30, 1.0 / 200, 1.0 / 600, kNoAdmin);
    addArm(c.subjects, rng, 1, 30, 1.0 / 260, 1.0 / 600, kNoAdmin);
    addArm(c.subjects, rng, 2, 30, 1.0 / 330, 1.0 / 600, kNoAdmin);
    cohorts.push_back(std::move(c));
  }
  return cohorts;
}

void writeCsv(const fs::path& path, const std::vector<Cohort>& cohorts) {
  std::ofstream f(path);
  f << "cohort,time,status,arm,age\n";
  char buf[160];
  for (const Cohort& c : cohorts) {
    for (const Subject& s : c.subjects) {
      if (c.has_age) {
        std::snprintf(buf, sizeof buf, "%s,%.17g,%d,%d,%.1f\n", c.name.c_str(), s.time,
                      s.event ? 1 : 0, s.arm, s.covariates.at(0));
      } else {
        std::snprintf(buf, sizeof buf, "%s,%.17g,%d,%d,NA\n", c.name.c_str(), s.time,
                      s.event ? 1 : 0, s.arm);
      }
      f << buf;
    }
  }
}

// The Cox covariates as R's formula: arm (0/1), then age where the cohort has it.
std::vector<Subject> coxSubjects(const Cohort& c) {
  return withArmIndicator(c.subjects);
}

// ---------------------------------------------------------------------------------------------
// The R reference values, computed once per process

struct Reference {
  std::string error;  // empty: ok
  std::map<std::string, double> values;
  std::vector<Cohort> cohorts;
};

double parseValue(const std::string& s) {
  if (s == "NA" || s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  std::size_t used = 0;
  const double v = std::stod(s, &used);
  if (used != s.size()) throw std::runtime_error("bad number in the R output: " + s);
  return v;
}

Reference computeReference() {
  Reference ref;
  ref.cohorts = {amlCohort(), edgeCohort()};
  for (Cohort& c : syntheticCohorts()) ref.cohorts.push_back(std::move(c));
  if (!rfa::test::haveProgram("Rscript")) {
    ref.error = std::string(kNeedR) + " (no Rscript on PATH)";
    return ref;
  }
  const rfa::test::RunResult probe =
      rfa::test::run({"Rscript", "--vanilla", "-e",
                      "quit(status = if (requireNamespace('survival', quietly = TRUE)) 0 else 3)"});
  if (probe.exit_code != 0) {
    ref.error = std::string(kNeedR) + " (" + probe.err + ")";
    return ref;
  }
  const rfa::test::TempDir tmp;  // under std::filesystem::temp_directory_path(), removed after
  const fs::path csv = tmp / "cohorts.csv";
  const fs::path txt = tmp / "reference.txt";
  writeCsv(csv, ref.cohorts);
  const rfa::test::RunResult r =
      rfa::test::run({"Rscript", "--vanilla", RFA_OUTCOMES_R_SCRIPT, csv.string(), txt.string()});
  if (r.exit_code != 0) {
    ref.error = "Rscript " + std::string(RFA_OUTCOMES_R_SCRIPT) + " failed (exit " +
                std::to_string(r.exit_code) + "): " + r.err;
    return ref;
  }
  std::ifstream in(txt);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    std::string value;
    if (!(ls >> name >> value)) continue;
    ref.values[name] = parseValue(value);
  }
  if (ref.values.empty()) ref.error = "Rscript wrote no values";
  return ref;
}

const Reference& reference() {
  static const Reference ref = computeReference();
  return ref;
}

const Cohort& cohortNamed(const std::string& name) {
  for (const Cohort& c : reference().cohorts) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no cohort " + name);
}

// ---------------------------------------------------------------------------------------------
// Comparison with R, recording the largest difference per group of quantities

class Comparison {
 public:
  explicit Comparison(std::string cohort) : cohort_(std::move(cohort)) {}
  Comparison(const Comparison&) = delete;
  Comparison& operator=(const Comparison&) = delete;

  ~Comparison() {
    for (const auto& [group, s] : stats_) {
      std::printf("[R comparison] %-5s %-12s max |C++ - R| = %.3g over %d values\n",
                  cohort_.c_str(), group.c_str(), s.max_diff, s.count);
    }
  }

  // R's value of <cohort>.<key>; a test failure if R gave none.
  double r(const std::string& key) const {
    const auto& values = reference().values;
    const auto it = values.find(cohort_ + "." + key);
    if (it == values.end()) {
      ADD_FAILURE() << "R gave no value " << cohort_ << "." << key;
      return std::numeric_limits<double>::quiet_NaN();
    }
    return it->second;
  }

  // |mine - R| <= 1e-6 (times max(1, |R|) when `relative`); NaN only where R gives NA/NaN.
  void near(const std::string& group, const std::string& key, double mine, bool relative = false) {
    const double theirs = r(key);
    Stats& s = stats_[group];
    ++s.count;
    if (std::isnan(theirs) || std::isnan(mine)) {
      EXPECT_TRUE(std::isnan(theirs) && std::isnan(mine))
          << cohort_ << "." << key << ": C++ " << mine << ", R " << theirs;
      return;
    }
    if (std::isinf(theirs) || std::isinf(mine)) {
      EXPECT_EQ(mine, theirs) << cohort_ << "." << key;
      return;
    }
    const double diff = std::fabs(mine - theirs);
    s.max_diff = std::max(s.max_diff, diff);
    const double tol = relative ? kTol * std::max(1.0, std::fabs(theirs)) : kTol;
    EXPECT_LE(diff, tol) << cohort_ << "." << key << ": C++ " << mine << ", R " << theirs;
  }

  // An optional value: absent exactly where R gives NA.
  void near(const std::string& group, const std::string& key, const std::optional<double>& mine) {
    near(group, key, mine ? *mine : std::numeric_limits<double>::quiet_NaN());
  }

  [[nodiscard]] int count(const std::string& group) const {
    const auto it = stats_.find(group);
    return it == stats_.end() ? 0 : it->second.count;
  }

 private:
  struct Stats {
    double max_diff = 0;
    int count = 0;
  };
  std::string cohort_;
  std::map<std::string, Stats> stats_;
};

void compareKaplanMeier(Comparison& c, const std::string& prefix, const KaplanMeier& km) {
  const double n = c.r(prefix + ".n");
  ASSERT_EQ(static_cast<double>(km.rows.size()), n) << prefix << ": rows differ from R's";
  for (std::size_t i = 0; i < km.rows.size(); ++i) {
    const KaplanMeierRow& row = km.rows[i];
    const std::string p = prefix + "." + std::to_string(i) + ".";
    c.near("km", p + "time", row.time);
    c.near("km", p + "n.risk", row.n_risk);
    c.near("km", p + "n.event", row.n_event);
    c.near("km", p + "n.censor", row.n_censor);
    c.near("km", p + "surv", row.survival);
    c.near("km", p + "std.err", row.std_err);
    c.near("km", p + "lower", row.lower);
    c.near("km", p + "upper", row.upper);
  }
  c.near("median", prefix + ".median", km.median);
  c.near("median", prefix + ".lcl", km.median_lower);
  c.near("median", prefix + ".ucl", km.median_upper);
  for (const int t : {365, 730, 1095}) {
    const std::string p = prefix + ".at" + std::to_string(t) + ".";
    const std::optional<SurvivalEstimate> e = km.survivalAt(t);
    const bool present = c.r(p + "present") == 1;
    EXPECT_EQ(e.has_value(), present) << prefix << " at " << t << " days";
    if (!e || !present) continue;
    c.near("rates", p + "n.risk", e->n_risk);
    c.near("rates", p + "surv", e->survival);
    c.near("rates", p + "std.err", e->std_err);
    c.near("rates", p + "lower", e->lower);
    c.near("rates", p + "upper", e->upper);
  }
}

void compareLogRank(Comparison& c, const LogRank& lr) {
  c.near("logrank", "lr.chisq", lr.chi_square);
  c.near("logrank", "lr.df", lr.df);
  c.near("logrank", "lr.p", lr.p_value);
  for (std::size_t i = 0; i < lr.arms.size(); ++i) {
    const std::string a = std::to_string(i);
    c.near("logrank", "lr.obs." + a, lr.observed[i]);
    c.near("logrank", "lr.exp." + a, lr.expected[i]);
    for (std::size_t j = 0; j < lr.arms.size(); ++j) {
      c.near("logrank", "lr.var." + a + "." + std::to_string(j), lr.variance[i][j]);
    }
  }
}

void compareCox(Comparison& c, const std::string& name, const CoxModel& m) {
  const std::string group = "cox_" + name;
  const std::string prefix = "cox." + name + ".";
  ASSERT_EQ(static_cast<double>(m.coefficients.size()), c.r(prefix + "p"));
  for (std::size_t j = 0; j < m.coefficients.size(); ++j) {
    const CoxCoefficient& k = m.coefficients[j];
    const std::string p = prefix + std::to_string(j) + ".";
    c.near(group, p + "coef", k.coef);
    c.near(group, p + "se", k.se);
    c.near(group, p + "hr", k.hazard_ratio, true);
    c.near(group, p + "lower", k.lower, true);
    c.near(group, p + "upper", k.upper, true);
    c.near(group, p + "z", k.z);
    c.near(group, p + "p", k.p_value);
  }
  c.near(group, prefix + "loglik0", m.loglik_null);
  c.near(group, prefix + "loglik", m.loglik);
  c.near(group, prefix + "wald", m.wald.statistic);
  c.near(group, prefix + "wald.p", m.wald.p_value);
  c.near(group, prefix + "score", m.score.statistic);
  c.near(group, prefix + "score.p", m.score.p_value);
  c.near(group, prefix + "lr", m.likelihood_ratio.statistic);
  c.near(group, prefix + "lr.p", m.likelihood_ratio.p_value);
  EXPECT_TRUE(m.converged);
  EXPECT_EQ(static_cast<double>(m.iterations), c.r(prefix + "iter")) << "Newton-Raphson iterations";
}

// Distinct times with >= 2 events, over the arms pooled.
int tiedEventTimes(const std::vector<Subject>& subjects) {
  int n = 0;
  for (const KaplanMeierRow& r : kaplanMeier(subjects).rows) n += r.n_event >= 2 ? 1 : 0;
  return n;
}

double censoredFraction(const std::vector<Subject>& subjects) {
  const auto censored =
      std::count_if(subjects.begin(), subjects.end(), [](const Subject& s) { return !s.event; });
  return static_cast<double>(censored) / static_cast<double>(subjects.size());
}

// Everything of one cohort against R.
void compareCohort(const std::string& name) {
  const Reference& ref = reference();
  ASSERT_TRUE(ref.error.empty()) << ref.error;
  const Cohort& cohort = cohortNamed(name);
  std::printf(
      "[cohort] %-5s %zu subjects, %d arms, %.0f%% censored, %d tied event times, "
      "last time %g\n",
      name.c_str(), cohort.subjects.size(), static_cast<int>(armsOf(cohort.subjects).size()),
      100 * censoredFraction(cohort.subjects), tiedEventTimes(cohort.subjects),
      kaplanMeier(cohort.subjects).rows.back().time);
  Comparison c(name);
  const std::vector<int> arms = armsOf(cohort.subjects);
  for (const int a : arms) {
    compareKaplanMeier(c, "km.a" + std::to_string(a),
                       kaplanMeier(subjectsOfArm(cohort.subjects, a)));
  }
  compareKaplanMeier(c, "km.all", kaplanMeier(cohort.subjects));
  compareLogRank(c, logRank(cohort.subjects));
  if (arms.size() == 2) {
    const std::vector<Subject> cox = coxSubjects(cohort);
    compareCox(c, "efron", coxPH(cox, Ties::kEfron));
    compareCox(c, "breslow", coxPH(cox, Ties::kBreslow));
    EXPECT_GT(c.count("cox_efron"), 0);
  }
  EXPECT_GT(c.count("km"), 0);
  EXPECT_GT(c.count("median"), 0);
  EXPECT_GT(c.count("logrank"), 0);
}

// ---------------------------------------------------------------------------------------------
// Published values

TEST(OutcomesAml, PublishedValuesAtPrintedPrecision) {
  const Cohort aml = amlCohort();
  ASSERT_EQ(aml.subjects.size(), 23U);
  const LogRank lr = logRank(aml.subjects);
  EXPECT_NEAR(lr.chi_square, 3.396, 5e-4);
  EXPECT_EQ(std::round(lr.chi_square * 10) / 10, 3.4);
  EXPECT_EQ(lr.df, 1);
  EXPECT_NEAR(lr.p_value, 0.0653, 5e-5);
  EXPECT_EQ(lr.observed, (std::vector<double>{7, 11}));

  const CoxModel cox = coxPH(coxSubjects(aml));
  ASSERT_EQ(cox.coefficients.size(), 1U);
  EXPECT_NEAR(cox.coefficients[0].coef, 0.9155, 5e-5);
  EXPECT_NEAR(cox.coefficients[0].se, 0.5119, 5e-5);
  EXPECT_NEAR(cox.coefficients[0].hazard_ratio, 2.498, 5e-4);

  const KaplanMeier maintained = kaplanMeier(subjectsOfArm(aml.subjects, 0));
  const KaplanMeier nonmaintained = kaplanMeier(subjectsOfArm(aml.subjects, 1));
  ASSERT_TRUE(maintained.median.has_value());
  ASSERT_TRUE(nonmaintained.median.has_value());
  EXPECT_EQ(*maintained.median, 31);
  EXPECT_EQ(*nonmaintained.median, 23);
  std::printf(
      "[aml] survdiff chisq %.10f p %.10f; coxph coef %.10f se %.10f HR %.10f; "
      "median %g / %g\n",
      lr.chi_square, lr.p_value, cox.coefficients[0].coef, cox.coefficients[0].se,
      cox.coefficients[0].hazard_ratio, *maintained.median, *nonmaintained.median);
}

TEST(OutcomesAml, MatchesR) {
  const Reference& ref = reference();
  ASSERT_TRUE(ref.error.empty()) << ref.error;
  const auto it = ref.values.find("aml.builtin_match");
  ASSERT_NE(it, ref.values.end());
  EXPECT_EQ(it->second, 1) << "the aml data here differ from R's survival::aml";
  compareCohort("aml");
}

// ---------------------------------------------------------------------------------------------
// Synthetic cohorts against R

TEST(OutcomesVsR, Cohort1TwoArmsManyTies) {
  const std::vector<Subject>& s = cohortNamed("c1").subjects;
  ASSERT_EQ(s.size(), 120U);
  EXPECT_GE(tiedEventTimes(s), 5) << "the cohort should have tied event times";
  EXPECT_GT(censoredFraction(s), 0.2);
  EXPECT_LT(censoredFraction(s), 0.4);
  // Ties make Efron and Breslow differ: both are checked, not the same numbers twice.
  const std::vector<Subject> cox = coxSubjects(cohortNamed("c1"));
  EXPECT_GT(std::fabs(coxPH(cox, Ties::kEfron).coefficients[0].coef -
                      coxPH(cox, Ties::kBreslow).coefficients[0].coef),
            1e-6);
  compareCohort("c1");
}

TEST(OutcomesVsR, Cohort2HeavyCensoringUnequalArms) {
  const std::vector<Subject>& s = cohortNamed("c2").subjects;
  ASSERT_EQ(subjectsOfArm(s, 0).size(), 25U);
  ASSERT_EQ(subjectsOfArm(s, 1).size(), 35U);
  EXPECT_GE(tiedEventTimes(s), 1);
  EXPECT_GT(censoredFraction(s), 0.45);
  EXPECT_LT(censoredFraction(s), 0.75);
  compareCohort("c2");
}

TEST(OutcomesVsR, Cohort3AdministrativeCensoringAndAge) {
  const std::vector<Subject>& s = cohortNamed("c3").subjects;
  ASSERT_EQ(s.size(), 160U);
  const auto at_admin = std::count_if(s.begin(), s.end(),
                                      [](const Subject& x) { return x.time == 1095 && !x.event; });
  EXPECT_GT(at_admin, 10) << "administrative censorings at 1095 days";
  EXPECT_TRUE(std::all_of(s.begin(), s.end(), [](const Subject& x) { return x.time <= 1095; }));
  ASSERT_EQ(coxSubjects(cohortNamed("c3")).front().covariates.size(), 2U);
  compareCohort("c3");
}

TEST(OutcomesVsR, ThreeArmLogRank) {
  EXPECT_EQ(armsOf(cohortNamed("c4").subjects).size(), 3U);
  EXPECT_EQ(logRank(cohortNamed("c4").subjects).df, 2);
  compareCohort("c4");
}

TEST(OutcomesVsR, EdgeCasesExactHalfAndCurveToZero) {
  const std::vector<Subject>& s = cohortNamed("edge").subjects;
  const KaplanMeier a0 = kaplanMeier(subjectsOfArm(s, 0));
  const KaplanMeier a1 = kaplanMeier(subjectsOfArm(s, 1));
  ASSERT_TRUE(a0.median && a1.median);
  EXPECT_DOUBLE_EQ(*a0.median, 2.5);  // S = 0.5 on [2, 3)
  EXPECT_DOUBLE_EQ(*a1.median, 4.0);  // S = 0.5 from 4 to the end (8), never lower
  EXPECT_EQ(a0.rows.back().survival, 0);
  EXPECT_TRUE(std::isnan(a0.rows.back().lower));
  EXPECT_TRUE(std::isnan(a0.rows.back().std_err));
  EXPECT_TRUE(std::isinf(a0.rows.back().std_err_log));
  compareCohort("edge");
}

TEST(OutcomesVsR, ChiSquareUpperTail) {
  const Reference& ref = reference();
  ASSERT_TRUE(ref.error.empty()) << ref.error;
  const int n = static_cast<int>(ref.values.at("pchisq.n"));
  ASSERT_GT(n, 50);
  double max_abs = 0;
  double max_rel = 0;
  for (int i = 0; i < n; ++i) {
    const std::string p = "pchisq." + std::to_string(i) + ".";
    const double x = ref.values.at(p + "x");
    const double df = ref.values.at(p + "df");
    const double q = ref.values.at(p + "q");
    const double mine = chiSquareUpperTail(x, df);
    max_abs = std::max(max_abs, std::fabs(mine - q));
    if (q > 1e-300) max_rel = std::max(max_rel, std::fabs(mine - q) / q);
    EXPECT_NEAR(mine, q, 1e-12) << "x " << x << " df " << df;
    EXPECT_LE(std::fabs(mine - q), 1e-9 * q) << "x " << x << " df " << df;
  }
  std::printf("[R comparison] pchisq upper tail: max abs diff %.3g, max rel diff %.3g over %d\n",
              max_abs, max_rel, n);
}

// ---------------------------------------------------------------------------------------------
// Hand-checked behaviour

TEST(OutcomesKaplanMeier, StepFunctionAndRowsByHand) {
  // 6 subjects: events at 1, 2, 3, 4, 5, censored at 2.
  std::vector<Subject> s;
  for (const int t : {1, 2, 3, 4, 5}) s.push_back(subject(t, true, 0));
  s.push_back(subject(2, false, 0));
  const KaplanMeier km = kaplanMeier(s);
  ASSERT_EQ(km.rows.size(), 5U);
  EXPECT_EQ(km.n, 6);
  EXPECT_EQ(km.events, 5);
  EXPECT_EQ(km.rows[1].n_risk, 5);
  EXPECT_EQ(km.rows[1].n_event, 1);
  EXPECT_EQ(km.rows[1].n_censor, 1);
  EXPECT_DOUBLE_EQ(km.rows[1].survival, 5.0 / 6 * 4 / 5);
  // Greenwood: S sqrt(1/(6*5) + 1/(5*4)).
  EXPECT_NEAR(km.rows[1].std_err, (4.0 / 6) * std::sqrt(1.0 / 30 + 1.0 / 20), 1e-15);
  const auto before = km.survivalAt(0.5);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->survival, 1);
  EXPECT_EQ(before->std_err, 0);
  EXPECT_EQ(before->n_risk, 6);
  const auto mid = km.survivalAt(2.5);
  ASSERT_TRUE(mid);
  EXPECT_DOUBLE_EQ(mid->survival, 4.0 / 6);
  EXPECT_EQ(mid->n_risk, 3);
  const auto at = km.survivalAt(3);  // right-continuous: the event at 3 counts
  ASSERT_TRUE(at);
  EXPECT_DOUBLE_EQ(at->survival, 4.0 / 6 * 2 / 3);
  EXPECT_FALSE(km.survivalAt(5.5).has_value());  // after the last time, as R
  ASSERT_TRUE(km.median);
  EXPECT_EQ(*km.median, 3);  // S(3) = 0.444 is the first value <= 0.5
  EXPECT_FALSE(km.median_upper.has_value());
}

TEST(OutcomesKaplanMeier, MedianNotReached) {
  std::vector<Subject> s;
  for (int i = 1; i <= 10; ++i) s.push_back(subject(i * 10, i <= 2, 1));
  const KaplanMeier km = kaplanMeier(s);
  EXPECT_FALSE(km.median.has_value());
  EXPECT_FALSE(km.median_upper.has_value());  // the upper curve is above S > 0.5
  EXPECT_GT(km.rows.back().survival, 0.5);
}

TEST(OutcomesCox, EfronEqualsBreslowWithoutTiesAndScoreIsLogRank) {
  std::vector<Subject> s;
  s.reserve(20);
  for (int i = 0; i < 20; ++i) s.push_back(subject(1 + i * 3 + (i % 2), i % 3 != 0, i % 2));
  const std::vector<Subject> x = withArmIndicator(s);
  const CoxModel e = coxPH(x, Ties::kEfron);
  const CoxModel b = coxPH(x, Ties::kBreslow);
  EXPECT_NEAR(e.coefficients[0].coef, b.coefficients[0].coef, 1e-12);
  EXPECT_NEAR(e.loglik, b.loglik, 1e-10);
  // Without ties the score test of an arm indicator is the log-rank test.
  EXPECT_NEAR(e.score.statistic, logRank(s).chi_square, 1e-10);
  EXPECT_GT(e.iterations, 1);
}

// ---------------------------------------------------------------------------------------------
// Errors

template <typename F>
void expectUsageError(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no UsageError (expected one mentioning \"" << needle << "\")";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(OutcomesErrors, BadInputIsAUsageErrorNamingTheProblem) {
  const std::vector<Subject> none;
  expectUsageError([&] { (void)kaplanMeier(none); }, "no subjects");
  expectUsageError([&] { (void)logRank(none); }, "no subjects");
  expectUsageError([&] { (void)coxPH(none); }, "no subjects");

  std::vector<Subject> s = amlCohort().subjects;
  s[4].time = -2;
  expectUsageError([&] { (void)kaplanMeier(s); }, "subject 4 has a negative time");
  expectUsageError([&] { (void)logRank(s); }, "negative time");
  s[4].time = std::numeric_limits<double>::quiet_NaN();
  expectUsageError([&] { (void)kaplanMeier(s); }, "non-finite time");

  const std::vector<Subject> one_arm = subjectsOfArm(amlCohort().subjects, 0);
  expectUsageError([&] { (void)logRank(one_arm); }, "at least two arms");
  expectUsageError([&] { (void)withArmIndicator(one_arm); }, "exactly two arms");
  expectUsageError([&] { (void)subjectsOfArm(one_arm, 1); }, "arm 1 has no subjects");
  std::vector<Subject> three_arms = amlCohort().subjects;
  three_arms[0].arm = 2;
  expectUsageError([&] { (void)coxPH(withArmIndicator(three_arms)); }, "exactly two arms");

  std::vector<Subject> no_events = one_arm;
  for (Subject& x : no_events) x.event = false;
  no_events.push_back(subject(3, false, 1));
  expectUsageError([&] { (void)logRank(no_events); }, "no events");
  expectUsageError([&] { (void)coxPH(withArmIndicator(no_events)); }, "no events");

  // Cox: a covariate constant in all subjects, a collinear one, missing or bad covariates.
  std::vector<Subject> cox = coxSubjects(amlCohort());
  expectUsageError([&] { (void)coxPH(amlCohort().subjects); }, "no covariates");
  for (Subject& x : cox) x.covariates.push_back(7.5);
  expectUsageError([&] { (void)coxPH(cox); }, "covariate 1 is constant");
  for (Subject& x : cox) x.covariates[1] = 2 * x.covariates[0] + 1;
  expectUsageError([&] { (void)coxPH(cox, Ties::kBreslow); }, "singular: covariate 1");
  cox[3].covariates.pop_back();
  expectUsageError([&] { (void)coxPH(cox); }, "subject 3 has 1 covariates");
  cox[3].covariates.push_back(std::numeric_limits<double>::infinity());
  expectUsageError([&] { (void)coxPH(cox); }, "covariate 1 of subject 3 is not finite");

  const KaplanMeier km = kaplanMeier(amlCohort().subjects);
  expectUsageError([&] { (void)km.survivalAt(-1); }, "survivalAt");
  expectUsageError([&] { (void)chiSquareUpperTail(3, 0); }, "degrees of freedom");
}

}  // namespace
}  // namespace rfa::outcomes
