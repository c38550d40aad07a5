#pragma once
/// \file distance.h
/// \brief Exact Euclidean distance transform of a mask, in millimetres, on anisotropic grids.

#include "rfa/core/volume.h"

namespace rfa::segmentation {

/// \brief Squared distance (mm^2) from every voxel centre to the nearest non-zero voxel centre of
/// `features` (0 on the features themselves), on the same grid. Exact for the grid's spacing
/// (Felzenszwalb-Huttenlocher lower envelopes, one pass per axis, linear time, parallel over
/// lines); the axes are taken as orthogonal, which they are except for gantry-tilted CT, where the
/// distance is that of the unsheared grid. +infinity everywhere when `features` is empty.
/// Values are stored as float (relative error about 1e-7).
Volume<float> squaredDistanceMm2(const Mask& features);

}  // namespace rfa::segmentation
