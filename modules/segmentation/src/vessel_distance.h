#pragma once
// Private: gap between a lesion and the nearest qualifying vessel (see measurements.h).

#include <cstdint>
#include <optional>

#include "rfa/core/volume.h"
#include "rfa/segmentation/measurements.h"

namespace rfa::segmentation::detail {

/// Gap (mm) between the voxel boxes of `label` (bounding box [lo, hi], inclusive indices) and of
/// the voxels with vessel_radius_mm >= options.vessel_min_radius_mm, searched within
/// options.vessel_search_mm; empty if none is that close.
std::optional<double> vesselGap(const LabelMap& lesions, std::uint16_t label, const Index3& lo,
                                const Index3& hi, const ImageVolume& vessel_radius_mm,
                                const MeasurementOptions& options);

}  // namespace rfa::segmentation::detail
