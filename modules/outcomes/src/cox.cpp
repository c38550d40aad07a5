// The Cox proportional-hazards model: partial likelihood with Efron or Breslow ties, its score
// vector and information matrix, Newton-Raphson with step halving as R's coxph, and the Wald,
// likelihood-ratio and score tests.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>

#include "common.h"
#include "rfa/core/error.h"
#include "rfa/outcomes/survival.h"

namespace rfa::outcomes {

namespace {

using detail::Matrix;

constexpr double kConvergenceEps = 1e-9;  // R's coxph.control(eps)

// The partial log-likelihood, its gradient (score) and the information (minus its Hessian).
struct Evaluation {
  double loglik = 0;
  std::vector<double> u;
  Matrix imat;
};

// The data in the order of increasing time, covariates centred on their means.
class CoxData {
 public:
  CoxData(const std::vector<Subject>& subjects, Ties ties) : ties_(ties) {
    p_ = subjects.front().covariates.size();
    std::vector<std::size_t> order(subjects.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return subjects[a].time < subjects[b].time;
    });
    std::vector<double> mean(p_, 0.0);
    for (const Subject& s : subjects) {
      for (std::size_t j = 0; j < p_; ++j) mean[j] += s.covariates[j];
    }
    for (double& m : mean) m /= static_cast<double>(subjects.size());
    for (const std::size_t i : order) {
      time_.push_back(subjects[i].time);
      event_.push_back(subjects[i].event);
      std::vector<double> x(p_);
      for (std::size_t j = 0; j < p_; ++j) x[j] = subjects[i].covariates[j] - mean[j];
      x_.push_back(std::move(x));
    }
  }

  [[nodiscard]] std::size_t p() const { return p_; }

  [[nodiscard]] Evaluation evaluate(const std::vector<double>& beta) const {
    const std::size_t n = time_.size();
    std::vector<double> eta(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      eta[i] = std::inner_product(x_[i].begin(), x_[i].end(), beta.begin(), 0.0);
    }
    // Shift the linear predictors by their maximum against overflow (the likelihood is the same).
    const double shift = *std::max_element(eta.begin(), eta.end());
    Evaluation e;
    e.u.assign(p_, 0.0);
    e.imat.assign(p_, std::vector<double>(p_, 0.0));
    double s0 = 0;
    std::vector<double> s1(p_, 0.0);
    Matrix s2(p_, std::vector<double>(p_, 0.0));
    std::vector<double> d1(p_, 0.0);
    Matrix d2(p_, std::vector<double>(p_, 0.0));
    std::vector<double> a1(p_, 0.0);
    std::size_t end = n;  // one past the current group of equal times
    while (end > 0) {
      const double t = time_[end - 1];
      std::size_t begin = end;
      while (begin > 0 && time_[begin - 1] == t) --begin;
      double d0 = 0;
      int deaths = 0;
      std::fill(d1.begin(), d1.end(), 0.0);
      for (auto& row : d2) std::fill(row.begin(), row.end(), 0.0);
      for (std::size_t i = begin; i < end; ++i) {
        const double w = std::exp(eta[i] - shift);
        const std::vector<double>& x = x_[i];
        s0 += w;
        for (std::size_t j = 0; j < p_; ++j) {
          s1[j] += w * x[j];
          for (std::size_t l = 0; l <= j; ++l) s2[j][l] += w * x[j] * x[l];
        }
        if (event_[i]) {
          ++deaths;
          d0 += w;
          e.loglik += eta[i] - shift;
          for (std::size_t j = 0; j < p_; ++j) {
            e.u[j] += x[j];
            d1[j] += w * x[j];
            for (std::size_t l = 0; l <= j; ++l) d2[j][l] += w * x[j] * x[l];
          }
        }
      }
      // Efron: the l-th of the tied deaths sees the risk set less l/d of the deaths' weight;
      // Breslow: every death sees the whole risk set.
      for (int k = 0; k < deaths; ++k) {
        const double f = ties_ == Ties::kEfron ? static_cast<double>(k) / deaths : 0.0;
        const double a0 = s0 - f * d0;
        e.loglik -= std::log(a0);
        for (std::size_t j = 0; j < p_; ++j) {
          a1[j] = (s1[j] - f * d1[j]) / a0;
          e.u[j] -= a1[j];
        }
        for (std::size_t j = 0; j < p_; ++j) {
          for (std::size_t l = 0; l <= j; ++l) {
            e.imat[j][l] += (s2[j][l] - f * d2[j][l]) / a0 - a1[j] * a1[l];
          }
        }
      }
      end = begin;
    }
    for (std::size_t j = 0; j < p_; ++j) {
      for (std::size_t l = 0; l < j; ++l) e.imat[l][j] = e.imat[j][l];
    }
    return e;
  }

 private:
  Ties ties_;
  std::size_t p_ = 0;
  std::vector<double> time_;
  std::vector<bool> event_;
  std::vector<std::vector<double>> x_;
};

detail::Cholesky factorise(const Matrix& imat) {
  detail::Cholesky chol(imat);
  if (chol.singular()) {
    throw UsageError("Cox model: the information matrix is singular: covariate " +
                     std::to_string(chol.singularIndex()) +
                     " is collinear with the covariates before it (or has no variation among "
                     "the subjects at risk at the event times)");
  }
  return chol;
}

ChiSquareTest chiSquareTest(double statistic, int df) {
  ChiSquareTest t;
  t.statistic = statistic;
  t.df = df;
  t.p_value = chiSquareUpperTail(statistic, df);
  return t;
}

void checkCovariates(const std::vector<Subject>& subjects) {
  const std::size_t p = subjects.front().covariates.size();
  if (p == 0) throw UsageError("Cox model: the subjects have no covariates");
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const std::vector<double>& x = subjects[i].covariates;
    if (x.size() != p) {
      throw UsageError("Cox model: subject " + std::to_string(i) + " has " +
                       std::to_string(x.size()) + " covariates, subject 0 has " +
                       std::to_string(p));
    }
    for (std::size_t j = 0; j < p; ++j) {
      if (!std::isfinite(x[j])) {
        throw UsageError("Cox model: covariate " + std::to_string(j) + " of subject " +
                         std::to_string(i) + " is not finite");
      }
    }
  }
  for (std::size_t j = 0; j < p; ++j) {
    const double v = subjects.front().covariates[j];
    if (std::all_of(subjects.begin(), subjects.end(),
                    [&](const Subject& s) { return s.covariates[j] == v; })) {
      throw UsageError("Cox model: covariate " + std::to_string(j) + " is constant (" +
                       std::to_string(v) + ") in all subjects: the information matrix is singular");
    }
  }
  if (std::none_of(subjects.begin(), subjects.end(), [](const Subject& s) { return s.event; })) {
    throw UsageError("Cox model: no events");
  }
}

}  // namespace

CoxModel coxPH(const std::vector<Subject>& subjects, Ties ties, int max_iterations) {
  detail::checkSubjects(subjects, "Cox model");
  checkCovariates(subjects);
  if (max_iterations < 1) {
    throw UsageError("Cox model: max_iterations must be >= 1, not " +
                     std::to_string(max_iterations));
  }
  const CoxData data(subjects, ties);
  const std::size_t p = data.p();
  CoxModel model;
  model.ties = ties;
  model.n = static_cast<int>(subjects.size());
  model.events = static_cast<int>(
      std::count_if(subjects.begin(), subjects.end(), [](const Subject& s) { return s.event; }));

  std::vector<double> beta(p, 0.0);
  Evaluation current = data.evaluate(beta);
  model.loglik_null = current.loglik;
  const detail::Cholesky chol0 = factorise(current.imat);
  std::vector<double> step = chol0.solve(current.u);
  model.score = chiSquareTest(std::inner_product(step.begin(), step.end(), current.u.begin(), 0.0),
                              static_cast<int>(p));

  // Newton-Raphson as R's coxph: halve the step while the likelihood gets worse; converged when
  // the relative change of the log-likelihood is <= eps after a full step.
  double loglik_old = current.loglik;
  std::vector<double> new_beta(p);
  for (std::size_t j = 0; j < p; ++j) new_beta[j] = beta[j] + step[j];
  bool halving = false;
  for (int iter = 1; iter <= max_iterations; ++iter) {
    current = data.evaluate(new_beta);
    model.iterations = iter;
    if (!halving && std::fabs(1 - loglik_old / current.loglik) <= kConvergenceEps) {
      model.converged = true;
      break;
    }
    if (iter == max_iterations) break;
    if (!std::isfinite(current.loglik) || current.loglik < loglik_old) {
      halving = true;
      for (std::size_t j = 0; j < p; ++j) new_beta[j] = (new_beta[j] + beta[j]) / 2;
    } else {
      halving = false;
      loglik_old = current.loglik;
      beta = new_beta;
      step = factorise(current.imat).solve(current.u);
      for (std::size_t j = 0; j < p; ++j) new_beta[j] = beta[j] + step[j];
    }
  }
  beta = new_beta;
  model.loglik = current.loglik;
  model.variance = factorise(current.imat).inverse();

  double wald = 0;
  for (std::size_t j = 0; j < p; ++j) {
    for (std::size_t l = 0; l < p; ++l) wald += beta[j] * current.imat[j][l] * beta[l];
  }
  model.wald = chiSquareTest(wald, static_cast<int>(p));
  model.likelihood_ratio =
      chiSquareTest(2 * (model.loglik - model.loglik_null), static_cast<int>(p));
  for (std::size_t j = 0; j < p; ++j) {
    CoxCoefficient c;
    c.coef = beta[j];
    c.se = std::sqrt(model.variance[j][j]);
    c.hazard_ratio = std::exp(c.coef);
    c.lower = std::exp(c.coef - kZ975 * c.se);
    c.upper = std::exp(c.coef + kZ975 * c.se);
    c.z = c.coef / c.se;
    c.p_value = normalTwoSidedP(c.z);
    model.coefficients.push_back(c);
  }
  return model;
}

}  // namespace rfa::outcomes
