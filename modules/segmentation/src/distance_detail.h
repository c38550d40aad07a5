#pragma once
// Private: the distance transform behind squaredDistanceMm2(), with the options morphology needs.

#include "rfa/core/volume.h"

namespace rfa::segmentation::detail {

/// Squared distance (mm^2) to the nearest voxel v with (v != 0) == feature_nonzero. Values above
/// cap_mm2 may be returned as +infinity (they are dropped between passes, which skips work when
/// only distances up to a radius matter).
Volume<float> squaredDistance(const Mask& mask, bool feature_nonzero, double cap_mm2);

}  // namespace rfa::segmentation::detail
