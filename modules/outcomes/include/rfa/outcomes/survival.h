#pragma once
/// \file survival.h
/// \brief Survival statistics for clinical-trial endpoints (overall survival, local-tumour-
/// progression-free survival, ...): Kaplan-Meier curves with Greenwood standard errors, median
/// survival and its confidence interval, the log-rank test and the Cox proportional-hazards model
/// (Efron or Breslow ties). The numbers are those of R's `survival` package (survfit with its
/// defaults, survdiff with rho = 0, coxph), which the tests check to 1e-6. Research use only:
/// statistics for a study report, never a clinical decision on one patient.
///
/// Units: times are in days, or in any other unit as long as every time of one call, and the
/// time given to survivalAt(), is in the same unit; results (rows, medians) are in that
/// unit. Survival probabilities are in [0, 1]. Confidence intervals are two-sided 95%, on the log
/// scale for survival (R's conf.type = "log") and Wald intervals for hazard ratios. NaN stands for
/// R's NA (a value that is not defined, e.g. the confidence limits where the curve is 0).
///
/// Errors: every function throws rfa::UsageError (exit code 2, rfa/core/error.h) for bad input,
/// with a message that names the problem and the subject (0-based index) at fault: no subjects,
/// a negative or non-finite time, an arm without subjects, fewer than two arms for a log-rank
/// test, no events where a test or model needs them, covariate vectors of different lengths or
/// with non-finite values, a constant or collinear covariate (singular Cox information matrix).

#include <optional>
#include <vector>

namespace rfa::outcomes {

/// \brief The 97.5% quantile of the standard normal distribution (two-sided 95% intervals).
inline constexpr double kZ975 = 1.959963984540054;

/// \brief One subject (patient, lesion, ...) of a trial.
struct Subject {
  double time = 0;     ///< follow-up time (days, or any unit shared by the call), >= 0
  bool event = false;  ///< true: the endpoint happened at `time`; false: censored at `time`
  int arm = 0;  ///< treatment arm (any integer id; arms are ordered by id, lowest = reference)
  std::vector<double> covariates;  ///< Cox model covariates (same length for all subjects)
};

/// \brief The subjects of one arm, in their input order. Throws UsageError if none has that arm.
std::vector<Subject> subjectsOfArm(const std::vector<Subject>& subjects, int arm);

/// \brief The distinct arm ids present, ascending. Throws UsageError if `subjects` is empty.
std::vector<int> armsOf(const std::vector<Subject>& subjects);

/// \brief A copy of `subjects` whose covariates start with the arm indicator: 1 for the higher arm
/// id, 0 for the lower (reference) one (for arms 0 and 1: arm == 1, as R's factor coding), the
/// subject's own covariates following it. Throws UsageError unless exactly two arms are present.
std::vector<Subject> withArmIndicator(const std::vector<Subject>& subjects);

// ---------------------------------------------------------------------------------------------
// Kaplan-Meier

/// \brief One row of the curve: a distinct time with at least one event or censoring (as R's
/// summary(survfit(...), censored = TRUE)).
struct KaplanMeierRow {
  double time = 0;      ///< days (the input's unit)
  int n_risk = 0;       ///< subjects with time >= this time
  int n_event = 0;      ///< events at this time
  int n_censor = 0;     ///< censorings at this time
  double survival = 1;  ///< Kaplan-Meier estimate just after this time
  /// Greenwood standard error of `survival`: S * sqrt(sum d / (n (n - d))); NaN where S = 0.
  double std_err = 0;
  /// Standard error of log S (of the cumulative hazard): sqrt(sum d / (n (n - d))); +inf once
  /// every subject at risk had the event.
  double std_err_log = 0;
  double lower = 1;  ///< 95% CI, exp(log S - z se_log); NaN where S = 0
  double upper = 1;  ///< 95% CI, min(1, exp(log S + z se_log)); NaN where S = 0
};

/// \brief The curve's value at a given time (a step function, right-continuous).
struct SurvivalEstimate {
  double time = 0;      ///< the time asked for (days)
  int n_risk = 0;       ///< subjects with time >= `time`
  double survival = 1;  ///< S(time), events at `time` included
  double std_err = 0;   ///< Greenwood SE of S (NaN where S = 0)
  double lower = 1;     ///< 95% CI (log scale, NaN where S = 0)
  double upper = 1;     ///< 95% CI (log scale, clipped to 1, NaN where S = 0)
};

/// \brief A Kaplan-Meier curve.
struct KaplanMeier {
  int n = 0;                         ///< subjects
  int events = 0;                    ///< events
  std::vector<KaplanMeierRow> rows;  ///< by increasing time
  /// Median survival time (days) as R's print(survfit): the first time the curve is <= 0.5; where
  /// it is exactly 0.5 (within sqrt(machine epsilon)) from that time on, the midpoint between that
  /// time and the next time the curve drops (that time itself when it never drops again). Absent
  /// when the curve stays above 0.5 (median not reached).
  std::optional<double> median;
  /// 95% CI of the median (R's 0.95LCL and 0.95UCL): the same rule applied to the lower and the
  /// upper confidence curve (rows where they are NaN left out); absent when not reached.
  std::optional<double> median_lower;
  std::optional<double> median_upper;  ///< see median_lower

  /// \brief S(t) with its SE and CI, e.g. the 1-, 2- and 3-year rates at t = 365, 730, 1095 days.
  /// S = 1 before the first event. Absent when t is after the last time of the data (as R's
  /// summary(fit, times = t)). Throws UsageError if t is negative or not finite.
  [[nodiscard]] std::optional<SurvivalEstimate> survivalAt(double t) const;
};

/// \brief The Kaplan-Meier curve of all `subjects` (arms pooled; use subjectsOfArm() for one arm).
/// Throws UsageError for no subjects or a negative or non-finite time.
KaplanMeier kaplanMeier(const std::vector<Subject>& subjects);

// ---------------------------------------------------------------------------------------------
// Log-rank test

/// \brief The log-rank test of equal survival across arms (R's survdiff, rho = 0).
struct LogRank {
  std::vector<int> arms;         ///< arm ids, ascending
  std::vector<int> n;            ///< subjects per arm
  std::vector<double> observed;  ///< events per arm
  std::vector<double> expected;  ///< expected events per arm under equal hazards
  /// Variance-covariance matrix of observed - expected (arms x arms).
  std::vector<std::vector<double>> variance;
  double chi_square = 0;  ///< (O - E)' V^-1 (O - E) over all arms with E > 0 but the first
  int df = 0;             ///< arms with E > 0, minus 1
  double p_value = 1;     ///< upper tail of the chi-square distribution with df degrees
};

/// \brief Log-rank test over the arms present. Throws UsageError for no subjects, a bad time,
/// fewer than two arms, no events, or fewer than two arms with expected events > 0.
LogRank logRank(const std::vector<Subject>& subjects);

// ---------------------------------------------------------------------------------------------
// Cox proportional hazards

/// \brief How tied event times enter the partial likelihood.
enum class Ties {
  kEfron,    ///< Efron's approximation (R's coxph default)
  kBreslow,  ///< Breslow's approximation
};

/// \brief One covariate's estimate.
struct CoxCoefficient {
  double coef = 0;          ///< log hazard ratio per unit of the covariate
  double se = 0;            ///< sqrt of the diagonal of the inverse information matrix
  double hazard_ratio = 1;  ///< exp(coef)
  double lower = 1;         ///< 95% Wald CI of the hazard ratio: exp(coef - z se)
  double upper = 1;         ///< exp(coef + z se)
  double z = 0;             ///< coef / se
  double p_value = 1;       ///< two-sided normal p-value of z
};

/// \brief A chi-square test of all coefficients = 0.
struct ChiSquareTest {
  double statistic = 0;
  int df = 0;
  double p_value = 1;
};

/// \brief A fitted Cox model.
struct CoxModel {
  Ties ties = Ties::kEfron;
  int n = 0;                                  ///< subjects
  int events = 0;                             ///< events
  std::vector<CoxCoefficient> coefficients;   ///< one per covariate, in covariate order
  std::vector<std::vector<double>> variance;  ///< inverse of the information matrix (p x p)
  double loglik_null = 0;                     ///< log partial likelihood at coef = 0
  double loglik = 0;                          ///< log partial likelihood at the estimate
  ChiSquareTest likelihood_ratio;             ///< 2 (loglik - loglik_null), df = p
  ChiSquareTest wald;                         ///< coef' I coef, df = p
  ChiSquareTest score;     ///< U(0)' I(0)^-1 U(0), df = p (the log-rank test for one arm)
  int iterations = 0;      ///< Newton-Raphson iterations (as R's fit$iter)
  bool converged = false;  ///< false: max_iterations reached (coefficients may be inf)
};

/// \brief Fits the Cox model on the subjects' covariates by Newton-Raphson as R's coxph: start at
/// 0, halve the step while the log-likelihood decreases, stop when |1 - loglik_old / loglik_new|
/// <= 1e-9 or after max_iterations. Throws UsageError for no subjects, a bad time, no covariates,
/// covariate vectors of different lengths or with non-finite values, no events, or a singular
/// information matrix (a covariate constant in all subjects, or collinear with others: the
/// message names the covariate, 0-based).
CoxModel coxPH(const std::vector<Subject>& subjects, Ties ties = Ties::kEfron,
               int max_iterations = 30);

// ---------------------------------------------------------------------------------------------
// Distributions

/// \brief P(X > x) for X chi-square with df degrees of freedom (the regularized upper incomplete
/// gamma function Q(df/2, x/2)), absolute error < 1e-12. 1 for x <= 0. Throws UsageError for
/// df <= 0 or a NaN x.
double chiSquareUpperTail(double x, double df);

/// \brief P(|Z| > |z|) for Z standard normal. NaN for a NaN z.
double normalTwoSidedP(double z);

}  // namespace rfa::outcomes
