#pragma once
// Private helper of rfa::atlas: mean over a box of voxels, separable running sums.
#include "rfa/core/volume.h"

namespace rfa::atlas::detail {

/// Mean of `v` over the box of half-widths round(radius_mm / spacing) voxels per axis (clipped at
/// the grid's edges: the mean of the voxels inside), on v's grid.
ImageVolume boxMean(const ImageVolume& v, double radius_mm);

}  // namespace rfa::atlas::detail
