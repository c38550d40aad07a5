#include "box_mean.h"

#include <cmath>
#include <vector>

#include "rfa/core/parallel.h"

namespace rfa::atlas::detail {

namespace {

// Running-sum mean along axis `axis` with half-width `r` voxels, in place (rows in parallel).
void meanAlong(ImageVolume& v, int axis, std::int64_t r) {
  if (r <= 0) return;
  const Size3& s = v.size();
  const auto n = static_cast<std::int64_t>(s[static_cast<std::size_t>(axis)]);
  const std::size_t stride = axis == 0 ? 1 : (axis == 1 ? s[0] : s[0] * s[1]);
  const std::size_t rows = v.voxelCount() / static_cast<std::size_t>(n);
  float* data = v.data().data();
  parallelFor(rows, [&](std::size_t row) {
    // Start voxel of this row: rows enumerate the other two axes.
    std::size_t start = 0;
    if (axis == 0) {
      start = row * s[0];
    } else if (axis == 1) {
      start = (row / s[0]) * s[0] * s[1] + row % s[0];
    } else {
      start = row;
    }
    std::vector<double> prefix(static_cast<std::size_t>(n) + 1, 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
      prefix[static_cast<std::size_t>(i) + 1] =
          prefix[static_cast<std::size_t>(i)] + data[start + static_cast<std::size_t>(i) * stride];
    }
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t lo = std::max<std::int64_t>(0, i - r);
      const std::int64_t hi = std::min<std::int64_t>(n - 1, i + r);
      data[start + static_cast<std::size_t>(i) * stride] = static_cast<float>(
          (prefix[static_cast<std::size_t>(hi) + 1] - prefix[static_cast<std::size_t>(lo)]) /
          static_cast<double>(hi - lo + 1));
    }
  });
}

}  // namespace

ImageVolume boxMean(const ImageVolume& v, double radius_mm) {
  ImageVolume out = v;
  for (int a = 0; a < 3; ++a) {
    const double sp = v.geometry().spacing()[a];
    meanAlong(out, a, static_cast<std::int64_t>(std::lround(radius_mm / sp)));
  }
  return out;
}

}  // namespace rfa::atlas::detail
