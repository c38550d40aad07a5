#pragma once
// Private to rfa::segmentation: per-slice convex hull of a mask.
#include "rfa/core/volume.h"

namespace rfa::segmentation::detail {

/// \brief Each slice k (third grid axis, axial for axial CT) of `mask` replaced by the filled
/// convex hull of its voxel centres. The hull is taken in index space, which is the hull in
/// millimetres too (an axis scaling maps convex sets to convex sets). A voxel is inside when its
/// centre lies inside or on the hull polygon; slices with fewer than three voxels, or collinear
/// ones, are kept as the segment between their extreme voxels.
Mask convexHullPerSlice(const Mask& mask);

}  // namespace rfa::segmentation::detail
