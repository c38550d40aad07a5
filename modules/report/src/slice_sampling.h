#pragma once
// Bilinear sampling of one slice of a volume (private to rfa::report): the key images and the
// margin colour maps draw voxel data at picture pixels.
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "rfa/core/volume.h"

namespace rfa::report::detail {

// Bilinear interpolation of f(i, j) on slice k at continuous (fi, fj); `outside` beyond the
// grid's half-voxel border.
template <class F>
double bilinear(const Size3& s, double fi, double fj, double outside, F f) {
  const auto nx = static_cast<double>(s[0]);
  const auto ny = static_cast<double>(s[1]);
  if (fi < -0.5 || fj < -0.5 || fi > nx - 0.5 || fj > ny - 0.5) return outside;
  fi = std::clamp(fi, 0.0, nx - 1);
  fj = std::clamp(fj, 0.0, ny - 1);
  const auto i0 = static_cast<std::size_t>(std::floor(fi));
  const auto j0 = static_cast<std::size_t>(std::floor(fj));
  const std::size_t i1 = std::min(i0 + 1, s[0] - 1);
  const std::size_t j1 = std::min(j0 + 1, s[1] - 1);
  const double ti = fi - static_cast<double>(i0);
  const double tj = fj - static_cast<double>(j0);
  return (1 - tj) * ((1 - ti) * f(i0, j0) + ti * f(i1, j0)) +
         tj * ((1 - ti) * f(i0, j1) + ti * f(i1, j1));
}

}  // namespace rfa::report::detail
