#pragma once
// Small helpers shared by the plan builder's stages (not part of the public API). LPS mm.
#include <cstddef>
#include <string>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"
#include "rfa/planning/trajectory.h"
#include "rfa/thermal/electrode.h"

namespace rfa::planning::detail {

/// Non-zero voxels of `m`.
std::size_t countSet(const Mask& m);
/// Fraction of the voxels labelled `label` that are set in `mask` (same grid); 0 when none.
double fractionInMask(const LabelMap& labels, int label, const Mask& mask);
/// Mask of one label.
Mask labelMask(const LabelMap& labels, int label);
/// Voxels with value >= threshold.
Mask thresholdAtLeast(const ImageVolume& v, double threshold);
/// "(x, y, z) mm" with one decimal.
std::string pointText(const Vec3& p);
/// Fixed-point text with `decimals` decimals.
std::string fixed(double v, int decimals);
/// A set voxel of `m` whose centre lies within `radius_mm` of `p_lps` (searches only the box
/// around it)?
bool anyVoxelWithin(const Mask& m, const Vec3& p_lps, double radius_mm);
/// Every shaft of `electrode` at `pose` passes planner.checkNeedle() and is no longer than the
/// electrode's shaft; false (never throws) for a tip outside the grid or body.
bool needleAllowed(const TrajectoryPlanner& planner, const thermal::Electrode& electrode,
                   const thermal::NeedlePose& pose);

}  // namespace rfa::planning::detail
