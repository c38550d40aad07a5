// belowDiaphragm(): the part of the body that can hold liver, below the lungs' bases and the
// mediastinum between them (liver_internal.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "liver_internal.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/components.h"

namespace rfa::segmentation::liver_detail {

namespace {

// Lungs: air components of segmentLungs() that reach the top of the imaged body: a voxel on the
// top slice, or one whose superior neighbour is not body (the padding around an oblique series
// resampled onto the standard grid, or air above a volume cut across the chest). Bowel and stomach
// gas have tissue above them.
Mask thoracicLungs(const ImageVolume& smooth_hu, const Mask& body) {
  const Mask air = segmentLungs(smooth_hu, body);
  const ComponentLabels c = labelComponents(air, Connectivity::k6);
  const Size3& s = air.size();
  std::vector<bool> keep(c.count() + 1, false);
  const std::size_t top = s[2] - 1;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const std::uint16_t l = c.labels(i, j, k);
        if (l != 0 && (k == top || body(i, j, k + 1) == 0)) keep[l] = true;
      }
    }
  }
  keep[0] = false;
  Mask lungs(air.geometry(), 0);
  for (std::size_t n = 0; n < lungs.voxelCount(); ++n) {
    lungs.data()[n] = keep[c.labels.data()[n]] ? 1 : 0;
  }
  return lungs;
}

}  // namespace

Mask belowDiaphragm(const ImageVolume& smooth_hu, const Mask& body, double tolerance_mm,
                    double max_gap_mm) {
  const ImageGeometry& g = body.geometry();
  const Size3& s = g.size();
  Mask allowed(g, 1);
  if (s[2] < 2) return allowed;
  const Mask lungs = thoracicLungs(smooth_hu, body);
  // Height (slice index, fractional for the interpolated ones) of the diaphragm per column; NaN
  // where unknown: the last slice of the first lung run met going down from the top.
  constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> base(s[0] * s[1], kUnknown);
  for (std::size_t j = 0; j < s[1]; ++j) {
    for (std::size_t i = 0; i < s[0]; ++i) {
      std::size_t k = s[2];
      while (k > 0 && lungs(i, j, k - 1) == 0) --k;
      if (k == 0) continue;
      while (k > 0 && lungs(i, j, k - 1) != 0) --k;
      base[j * s[0] + i] = static_cast<double>(k);  // the lowest lung voxel of that run
    }
  }
  // Columns between two lung columns of the same row (the mediastinum: heart, great vessels)
  // take the height interpolated between them.
  const double dx = g.spacing().x();
  std::vector<double> filled = base;
  for (std::size_t j = 0; j < s[1]; ++j) {
    const double* row = &base[j * s[0]];
    std::size_t last = s[0];  // the last lung column met, s[0] for none
    for (std::size_t i = 0; i < s[0]; ++i) {
      if (std::isnan(row[i])) continue;
      if (last < s[0] && i > last + 1 && static_cast<double>(i - last) * dx <= max_gap_mm) {
        for (std::size_t m = last + 1; m < i; ++m) {
          const double t = static_cast<double>(m - last) / static_cast<double>(i - last);
          filled[j * s[0] + m] = (1 - t) * row[last] + t * row[i];
        }
      }
      last = i;
    }
  }
  const double tol = tolerance_mm / g.spacing().z();
  for (std::size_t j = 0; j < s[1]; ++j) {
    for (std::size_t i = 0; i < s[0]; ++i) {
      const double b = filled[j * s[0] + i];
      if (std::isnan(b)) continue;
      for (std::size_t k = 0; k < s[2]; ++k) {
        if (static_cast<double>(k) > b + tol) allowed(i, j, k) = 0;
      }
    }
  }
  return allowed;
}

}  // namespace rfa::segmentation::liver_detail
