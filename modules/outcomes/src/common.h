#pragma once
// Internal helpers shared by the outcomes sources: input checks and small dense linear algebra.
#include <cstddef>
#include <string>
#include <vector>

#include "rfa/outcomes/survival.h"

namespace rfa::outcomes::detail {

/// Throws UsageError("<what>: no subjects") for an empty input, or naming the first subject with a
/// negative or non-finite time.
void checkSubjects(const std::vector<Subject>& subjects, const std::string& what);

/// Row-major square matrix.
using Matrix = std::vector<std::vector<double>>;

/// Cholesky factorisation A = L D L' of a symmetric positive (semi)definite matrix, with R's
/// coxph tolerance (toler.chol = machine epsilon^0.75): a pivot <= toler * max |diagonal| marks
/// the matrix singular.
class Cholesky {
 public:
  /// Factorises `a`; singular() tells whether a pivot vanished (and which).
  explicit Cholesky(const Matrix& a, double toler = 1.8189894035458565e-12);
  [[nodiscard]] bool singular() const { return singular_index_ >= 0; }
  /// 0-based index of the first vanishing pivot, -1 if none.
  [[nodiscard]] int singularIndex() const { return singular_index_; }
  /// x with A x = b (requires !singular()).
  [[nodiscard]] std::vector<double> solve(const std::vector<double>& b) const;
  /// A^-1 (requires !singular()).
  [[nodiscard]] Matrix inverse() const;

 private:
  std::size_t n_ = 0;
  Matrix l_;  // unit lower triangular
  std::vector<double> d_;
  int singular_index_ = -1;
};

}  // namespace rfa::outcomes::detail
