#pragma once
// Private to rfa::report: the picture helpers the key images and the review panels share: the
// automatic window from the 1st-99th percentiles, the windowed grey square picture and the outline
// band of a mask drawn over it.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "rfa/report/image.h"

namespace rfa::report::detail {

// The 1st and 99th percentiles of `values` (finite ones); {0, 1} when there is none.
inline std::pair<double, double> percentiles(std::vector<float> values) {
  std::erase_if(values, [](float v) { return !std::isfinite(v); });
  if (values.empty()) return {0, 1};
  const auto pick = [&](double q) {
    const auto n = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), values.end());
    return static_cast<double>(values[n]);
  };
  return {pick(0.01), pick(0.99)};
}

// The grey window {width, level} to draw `values` with: the given one, or with `automatic` the
// 1st-99th percentiles of the values (at least 1e-6 wide).
inline std::pair<double, double> greyWindow(const std::vector<float>& values, bool automatic,
                                            double window, double level) {
  if (!automatic) return {window, level};
  const auto [lo, hi] = percentiles(values);
  return {std::max(hi - lo, 1e-6), (hi + lo) / 2};
}

// An n x n picture of `values` (row-major, NaN: outside the image, black) through the grey window
// (`window` wide around `level`).
inline RgbImage greyPicture(const std::vector<float>& values, int n, double window, double level) {
  RgbImage pic(n, n, Rgb{0, 0, 0});
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const float val = values[static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
                               static_cast<std::size_t>(x)];
      if (std::isnan(val)) continue;
      const double t = std::clamp((val - (level - window / 2)) / window, 0.0, 1.0);
      const auto grey = static_cast<std::uint8_t>(std::lround(255 * t));
      pic.set(x, y, {grey, grey, grey});
    }
  }
  return pic;
}

// Pixels of `inside` within `width` pixels (Chebyshev) of a pixel outside it: an outline band
// drawn on the inner side of the boundary.
inline std::vector<std::uint8_t> outline(const std::vector<std::uint8_t>& inside, int n,
                                         int width) {
  std::vector<std::uint8_t> band(inside.size(), 0);
  const auto at = [&](int x, int y) {
    return inside[static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
                  static_cast<std::size_t>(x)];
  };
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      if (at(x, y) == 0) continue;
      bool edge = false;
      for (int dy = -width; dy <= width && !edge; ++dy) {
        for (int dx = -width; dx <= width && !edge; ++dx) {
          const int xx = x + dx;
          const int yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= n || yy >= n) continue;  // the border is not an edge
          if (at(xx, yy) == 0) edge = true;
        }
      }
      if (edge) {
        band[static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
             static_cast<std::size_t>(x)] = 1;
      }
    }
  }
  return band;
}

}  // namespace rfa::report::detail
