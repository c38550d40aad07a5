// fillLiverColumns(): lesions at the liver's dome and between liver layers (liver_internal.h).
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "liver_internal.h"
#include "rfa/segmentation/components.h"

namespace rfa::segmentation::liver_detail {

Mask fillLiverColumns(const Mask& liver, const ImageVolume& smooth_hu, const Mask& below,
                      const ColumnFillOptions& o) {
  const ImageGeometry& g = liver.geometry();
  const Size3& s = g.size();
  const double dz = g.spacing().z();
  const auto max_gap = static_cast<std::size_t>(std::floor(o.max_gap_mm / dz));
  const auto reach = static_cast<std::size_t>(std::ceil(o.reach_mm / dz));
  const auto wall = static_cast<std::size_t>(std::ceil(o.diaphragm_mm / dz));
  const auto least = static_cast<std::size_t>(std::ceil(o.min_fill_mm / dz));
  Mask out = liver;
  Mask dome(g, 0);  // what (b) adds
  // True when voxels [a, b) of column (i, j) may all be lesion or parenchyma: none below min_hu
  // (fat, air, fluid) and at most o.max_bright_voxels above max_hu (calcification, a vessel).
  const auto fillable = [&](std::size_t i, std::size_t j, std::size_t a, std::size_t b) {
    std::size_t bright = 0;
    for (std::size_t k = a; k < b; ++k) {
      const float v = smooth_hu(i, j, k);
      if (v < o.min_hu || below(i, j, k) == 0) return false;
      if (v > o.max_hu && ++bright > o.max_bright_voxels) return false;
    }
    return true;
  };
  for (std::size_t j = 0; j < s[1]; ++j) {
    for (std::size_t i = 0; i < s[0]; ++i) {
      std::size_t last = s[2];  // the last liver voxel met going up, s[2] for none
      for (std::size_t k = 0; k < s[2]; ++k) {
        if (liver(i, j, k) == 0) continue;
        if (last < s[2] && k > last + 1 && k - last - 1 <= max_gap && fillable(i, j, last + 1, k)) {
          for (std::size_t m = last + 1; m < k; ++m) out(i, j, m) = 1;
        }
        last = k;
      }
      if (last == s[2]) continue;
      // Up to the diaphragm: only where the column has a limit (below() ends under the top). The
      // run of soft tissue above the liver must end at the lung (within reach of that limit); the
      // diaphragm's own thickness under the lung is left out.
      std::size_t top = last + 1;
      while (top < s[2] && below(i, j, top) != 0) ++top;
      if (top == s[2]) continue;
      std::size_t stop = last + 1;
      std::size_t bright = 0;
      bool dark_end = false;  // the run ends at fat or air (the lung), not at blood or the limit
      while (stop < top && stop - last - 1 < max_gap) {
        const float v = smooth_hu(i, j, stop);
        if (v < o.min_hu) {
          dark_end = true;
          break;
        }
        if (v > o.max_hu && ++bright > o.max_bright_voxels) break;
        ++stop;
      }
      // Only a run that leaves a lesion-like thickness once the diaphragm is taken off: a thin
      // layer over a liver that reaches the diaphragm is the diaphragm itself.
      if (!dark_end || stop + reach < top || stop < last + 1 + wall + least) continue;
      for (std::size_t m = last + 1; m < stop - wall; ++m) dome(i, j, m) = 1;
    }
  }
  // A lesion at the dome is a broad bulge in each axial slice; what the columns add over a steep
  // surface (the body wall, the diaphragm's slope) is a thin crescent there: only what survives an
  // in-plane opening is kept (the same voxels on a grid whose slices lie too far apart for the
  // ball to reach the next one).
  if (o.min_width_mm > 0) {
    const ImageGeometry flat(s, Vec3(g.spacing().x(), g.spacing().y(), 1e6), g.origin(),
                             g.direction());
    Mask planes(flat, 0);
    std::copy(dome.data().begin(), dome.data().end(), planes.data().begin());
    const Mask opened = dilate(erode(planes, o.min_width_mm / 2), o.min_width_mm / 2);
    for (std::size_t n = 0; n < dome.voxelCount(); ++n) {
      if (opened.data()[n] == 0) dome.data()[n] = 0;
    }
  }
  for (std::size_t n = 0; n < dome.voxelCount(); ++n) {
    if (dome.data()[n] != 0) out.data()[n] = 1;
  }
  return out;
}

}  // namespace rfa::segmentation::liver_detail
