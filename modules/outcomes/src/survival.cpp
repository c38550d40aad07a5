// Kaplan-Meier curves (Greenwood SE, log-scale CI, R's median rule), the log-rank test, arm
// helpers and the shared input checks and linear algebra.
#include "rfa/outcomes/survival.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <numeric>
#include <set>
#include <string>

#include "common.h"
#include "rfa/core/error.h"

namespace rfa::outcomes {

namespace detail {

void checkSubjects(const std::vector<Subject>& subjects, const std::string& what) {
  if (subjects.empty()) throw UsageError(what + ": no subjects");
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const double t = subjects[i].time;
    if (!std::isfinite(t)) {
      throw UsageError(what + ": subject " + std::to_string(i) + " has a non-finite time");
    }
    if (t < 0) {
      throw UsageError(what + ": subject " + std::to_string(i) + " has a negative time (" +
                       std::to_string(t) + ")");
    }
  }
}

Cholesky::Cholesky(const Matrix& a, double toler) : n_(a.size()), l_(a.size()), d_(a.size(), 0) {
  double max_diag = 0;
  for (std::size_t i = 0; i < n_; ++i) {
    l_[i].assign(n_, 0.0);
    max_diag = std::max(max_diag, std::fabs(a[i][i]));
  }
  const double eps = max_diag > 0 ? max_diag * toler : toler;
  for (std::size_t j = 0; j < n_; ++j) {
    double pivot = a[j][j];
    for (std::size_t k = 0; k < j; ++k) pivot -= l_[j][k] * l_[j][k] * d_[k];
    if (!(pivot > eps)) {
      singular_index_ = static_cast<int>(j);
      return;
    }
    d_[j] = pivot;
    l_[j][j] = 1;
    for (std::size_t i = j + 1; i < n_; ++i) {
      double s = a[i][j];
      for (std::size_t k = 0; k < j; ++k) s -= l_[i][k] * l_[j][k] * d_[k];
      l_[i][j] = s / pivot;
    }
  }
}

std::vector<double> Cholesky::solve(const std::vector<double>& b) const {
  std::vector<double> x(b);
  for (std::size_t i = 0; i < n_; ++i) {
    for (std::size_t k = 0; k < i; ++k) x[i] -= l_[i][k] * x[k];
  }
  for (std::size_t i = 0; i < n_; ++i) x[i] /= d_[i];
  for (std::size_t i = n_; i-- > 0;) {
    for (std::size_t k = i + 1; k < n_; ++k) x[i] -= l_[k][i] * x[k];
  }
  return x;
}

Matrix Cholesky::inverse() const {
  Matrix inv(n_, std::vector<double>(n_, 0.0));
  for (std::size_t j = 0; j < n_; ++j) {
    std::vector<double> e(n_, 0.0);
    e[j] = 1;
    const std::vector<double> col = solve(e);
    for (std::size_t i = 0; i < n_; ++i) inv[i][j] = col[i];
  }
  // Symmetrise the rounding.
  for (std::size_t i = 0; i < n_; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const double m = 0.5 * (inv[i][j] + inv[j][i]);
      inv[i][j] = m;
      inv[j][i] = m;
    }
  }
  return inv;
}

}  // namespace detail

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Subject indices sorted by time (stable).
std::vector<std::size_t> byTime(const std::vector<Subject>& subjects) {
  std::vector<std::size_t> order(subjects.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return subjects[a].time < subjects[b].time;
  });
  return order;
}

// The median of one curve (survival, or its lower or upper confidence limit) as R's print(survfit)
// (survmean): the first time the curve is < 0.5 + tol; if it is 0.5 there (within tol), the
// midpoint to the next time it goes lower, if any. Rows with NaN values are left out.
std::optional<double> medianOf(const std::vector<KaplanMeierRow>& rows,
                               double KaplanMeierRow::*curve) {
  const double tol = std::sqrt(std::numeric_limits<double>::epsilon());
  const auto usable = [&](const KaplanMeierRow& r) { return !std::isnan(r.*curve); };
  const auto first = std::find_if(rows.begin(), rows.end(), [&](const KaplanMeierRow& r) {
    return usable(r) && r.*curve < 0.5 + tol;
  });
  if (first == rows.end()) return std::nullopt;
  const double y = (*first).*curve;
  if (std::fabs(y - 0.5) < tol) {
    const auto lower = std::find_if(std::next(first), rows.end(), [&](const KaplanMeierRow& r) {
      return usable(r) && r.*curve < y;
    });
    if (lower != rows.end()) return (first->time + lower->time) / 2;
  }
  return first->time;
}

}  // namespace

std::vector<int> armsOf(const std::vector<Subject>& subjects) {
  if (subjects.empty()) throw UsageError("arms: no subjects");
  std::set<int> arms;
  for (const Subject& s : subjects) arms.insert(s.arm);
  return {arms.begin(), arms.end()};
}

std::vector<Subject> subjectsOfArm(const std::vector<Subject>& subjects, int arm) {
  std::vector<Subject> out;
  std::copy_if(subjects.begin(), subjects.end(), std::back_inserter(out),
               [arm](const Subject& s) { return s.arm == arm; });
  if (out.empty()) throw UsageError("arm " + std::to_string(arm) + " has no subjects");
  return out;
}

std::vector<Subject> withArmIndicator(const std::vector<Subject>& subjects) {
  const std::vector<int> arms = armsOf(subjects);
  if (arms.size() != 2) {
    throw UsageError("arm indicator: needs exactly two arms, " + std::to_string(arms.size()) +
                     " present");
  }
  std::vector<Subject> out = subjects;
  for (Subject& s : out) {
    s.covariates.insert(s.covariates.begin(), s.arm == arms[1] ? 1.0 : 0.0);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kaplan-Meier

KaplanMeier kaplanMeier(const std::vector<Subject>& subjects) {
  detail::checkSubjects(subjects, "Kaplan-Meier");
  const std::vector<std::size_t> order = byTime(subjects);
  KaplanMeier km;
  km.n = static_cast<int>(subjects.size());
  double surv = 1;
  double var_log = 0;  // sum d / (n (n - d))
  std::size_t i = 0;
  while (i < order.size()) {
    const double t = subjects[order[i]].time;
    KaplanMeierRow row;
    row.time = t;
    row.n_risk = static_cast<int>(order.size() - i);
    while (i < order.size() && subjects[order[i]].time == t) {
      if (subjects[order[i]].event) {
        ++row.n_event;
      } else {
        ++row.n_censor;
      }
      ++i;
    }
    if (row.n_event > 0) {
      const double n = row.n_risk;
      const double d = row.n_event;
      surv *= (n - d) / n;
      var_log +=
          row.n_event < row.n_risk ? d / (n * (n - d)) : std::numeric_limits<double>::infinity();
    }
    km.events += row.n_event;
    row.survival = surv;
    row.std_err_log = std::sqrt(var_log);
    row.std_err = surv * row.std_err_log;  // 0 * inf = NaN, as R
    if (surv > 0) {
      row.lower = std::exp(std::log(surv) - kZ975 * row.std_err_log);
      row.upper = std::min(1.0, std::exp(std::log(surv) + kZ975 * row.std_err_log));
    } else {
      row.lower = kNaN;
      row.upper = kNaN;
    }
    km.rows.push_back(row);
  }
  km.median = medianOf(km.rows, &KaplanMeierRow::survival);
  km.median_lower = medianOf(km.rows, &KaplanMeierRow::lower);
  km.median_upper = medianOf(km.rows, &KaplanMeierRow::upper);
  return km;
}

std::optional<SurvivalEstimate> KaplanMeier::survivalAt(double t) const {
  if (!std::isfinite(t) || t < 0) {
    throw UsageError("survivalAt: the time must be finite and >= 0, not " + std::to_string(t));
  }
  if (rows.empty() || t > rows.back().time) return std::nullopt;
  SurvivalEstimate e;
  e.time = t;
  // The last row at or before t gives the value, the first row at or after t the risk set.
  const auto after = std::lower_bound(rows.begin(), rows.end(), t,
                                      [](const KaplanMeierRow& r, double v) { return r.time < v; });
  e.n_risk = after->n_risk;
  const auto upto = std::upper_bound(rows.begin(), rows.end(), t,
                                     [](double v, const KaplanMeierRow& r) { return v < r.time; });
  if (upto != rows.begin()) {
    const KaplanMeierRow& r = *std::prev(upto);
    e.survival = r.survival;
    e.std_err = r.std_err;
    e.lower = r.lower;
    e.upper = r.upper;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Log-rank

LogRank logRank(const std::vector<Subject>& subjects) {
  detail::checkSubjects(subjects, "log-rank test");
  LogRank lr;
  lr.arms = armsOf(subjects);
  const std::size_t k = lr.arms.size();
  if (k < 2) {
    throw UsageError("log-rank test: needs at least two arms, only arm " +
                     std::to_string(lr.arms.front()) + " has subjects");
  }
  const auto armIndex = [&](int arm) {
    return static_cast<std::size_t>(std::lower_bound(lr.arms.begin(), lr.arms.end(), arm) -
                                    lr.arms.begin());
  };
  lr.n.assign(k, 0);
  lr.observed.assign(k, 0.0);
  lr.expected.assign(k, 0.0);
  lr.variance.assign(k, std::vector<double>(k, 0.0));
  std::vector<double> at_risk(k, 0.0);
  for (const Subject& s : subjects) {
    const std::size_t a = armIndex(s.arm);
    ++lr.n[a];
    at_risk[a] += 1;
  }
  const std::vector<std::size_t> order = byTime(subjects);
  std::vector<double> deaths(k, 0.0);
  std::vector<double> leaving(k, 0.0);
  std::size_t i = 0;
  while (i < order.size()) {
    const double t = subjects[order[i]].time;
    std::fill(deaths.begin(), deaths.end(), 0.0);
    std::fill(leaving.begin(), leaving.end(), 0.0);
    double d = 0;
    while (i < order.size() && subjects[order[i]].time == t) {
      const Subject& s = subjects[order[i]];
      const std::size_t a = armIndex(s.arm);
      leaving[a] += 1;
      if (s.event) {
        deaths[a] += 1;
        d += 1;
      }
      ++i;
    }
    if (d > 0) {
      const double n = std::accumulate(at_risk.begin(), at_risk.end(), 0.0);
      for (std::size_t a = 0; a < k; ++a) {
        lr.observed[a] += deaths[a];
        lr.expected[a] += at_risk[a] * d / n;
      }
      if (n > 1) {
        const double f = d * (n - d) / (n * n * (n - 1));
        for (std::size_t a = 0; a < k; ++a) {
          lr.variance[a][a] += f * at_risk[a] * (n - at_risk[a]);
          for (std::size_t b = 0; b < k; ++b) {
            if (b != a) lr.variance[a][b] -= f * at_risk[a] * at_risk[b];
          }
        }
      }
    }
    for (std::size_t a = 0; a < k; ++a) at_risk[a] -= leaving[a];
  }
  if (std::accumulate(lr.observed.begin(), lr.observed.end(), 0.0) == 0) {
    throw UsageError("log-rank test: no events");
  }
  // As R's survdiff: the arms with expected events, the first of them left out.
  std::vector<std::size_t> used;
  for (std::size_t a = 0; a < k; ++a) {
    if (lr.expected[a] > 0) used.push_back(a);
  }
  if (used.size() < 2) {
    throw UsageError("log-rank test: fewer than two arms have subjects at risk at an event time");
  }
  const std::size_t m = used.size() - 1;
  detail::Matrix v(m, std::vector<double>(m, 0.0));
  std::vector<double> diff(m, 0.0);
  for (std::size_t r = 0; r < m; ++r) {
    diff[r] = lr.observed[used[r + 1]] - lr.expected[used[r + 1]];
    for (std::size_t c = 0; c < m; ++c) v[r][c] = lr.variance[used[r + 1]][used[c + 1]];
  }
  const detail::Cholesky chol(v);
  if (chol.singular()) {
    throw UsageError(
        "log-rank test: the variance matrix is singular (arm " +
        std::to_string(lr.arms[used[static_cast<std::size_t>(chol.singularIndex()) + 1]]) + ")");
  }
  const std::vector<double> sol = chol.solve(diff);
  lr.chi_square = std::inner_product(sol.begin(), sol.end(), diff.begin(), 0.0);
  lr.df = static_cast<int>(m);
  lr.p_value = chiSquareUpperTail(lr.chi_square, lr.df);
  return lr;
}

}  // namespace rfa::outcomes
