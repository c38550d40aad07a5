#pragma once
/// \file grid_bounds.h
/// \brief The axis-aligned LPS box of a grid's voxel centres.

#include <array>
#include <limits>

#include "rfa/core/geometry.h"

namespace rfa {

/// \brief {min, max} corners (LPS mm) of the axis-aligned box holding the centres of every voxel
/// of `g` (the extremes are at the grid's 8 corner voxels, also for an oblique grid).
inline std::array<Vec3, 2> voxelCentreBoundsLps(const ImageGeometry& g) {
  Vec3 lo = Vec3::Constant(std::numeric_limits<double>::infinity());
  Vec3 hi = -lo;
  for (int c = 0; c < 8; ++c) {
    const Vec3 idx((c & 1) != 0 ? static_cast<double>(g.size()[0]) - 1 : 0.0,
                   (c & 2) != 0 ? static_cast<double>(g.size()[1]) - 1 : 0.0,
                   (c & 4) != 0 ? static_cast<double>(g.size()[2]) - 1 : 0.0);
    const Vec3 p = g.indexToLps(idx);
    lo = lo.cwiseMin(p);
    hi = hi.cwiseMax(p);
  }
  return {lo, hi};
}

}  // namespace rfa
