#pragma once
// Private to rfa::segmentation: Gaussian smoothing of a crop restricted to a mask.
#include "rfa/core/volume.h"

namespace rfa::segmentation::lesion_detail {

/// Separable Gaussian of `sigma_mm` (per-axis sigma in voxels from the spacing) applied to `v` in
/// place; when `inside` is given, only voxels inside it contribute and are changed.
void smoothInside(ImageVolume& v, const Mask* inside, double sigma_mm);

}  // namespace rfa::segmentation::lesion_detail
