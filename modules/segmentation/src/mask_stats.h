#pragma once
// Voxel count, centroid (LPS mm) and volume (mL) of a mask (internal).
#include <cstddef>

#include "rfa/core/volume.h"

namespace rfa::segmentation::detail {

struct MaskStats {
  std::size_t count = 0;
  Vec3 centroid_lps{0, 0, 0};
};

inline MaskStats maskStats(const Mask& m) {
  const Size3& s = m.size();
  MaskStats r;
  Vec3 sum(0, 0, 0);
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (m(i, j, k) == 0) continue;
        ++r.count;
        sum += Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
      }
    }
  }
  if (r.count > 0) r.centroid_lps = m.geometry().indexToLps(sum / static_cast<double>(r.count));
  return r;
}

/// mL of `voxels` voxels of grid `g`.
inline double volumeMl(const ImageGeometry& g, std::size_t voxels) {
  return static_cast<double>(voxels) * g.voxelVolumeMm3() / 1000.0;
}

}  // namespace rfa::segmentation::detail
