#pragma once
/// \file resample.h
/// \brief Resampling of volumes onto another grid (both grids in LPS mm).

#include "rfa/core/volume.h"

namespace rfa {

enum class Interpolation { kNearest, kLinear };

/// \brief Samples `source` at the centre of every voxel of `target` (both in LPS mm).
/// Linear interpolation is trilinear in the source index space; nearest is used for labels.
/// Points outside the source grid get `outside`. Multithreaded over slices.
/// Instantiated for float, int16_t, uint8_t, uint16_t.
template <class T>
Volume<T> resample(const Volume<T>& source, const ImageGeometry& target, Interpolation interp,
                   T outside = T{});

/// \brief Grid with the same origin, direction and physical extent as `g`, spacing `spacing_mm`
/// (size rounded to cover the extent). \throws GeometryError for a non-positive spacing.
ImageGeometry withSpacing(const ImageGeometry& g, const Vec3& spacing_mm);

/// \brief Samples `v` at a continuous index with trilinear interpolation (clamped at the border).
template <class T>
double sampleLinear(const Volume<T>& v, const Vec3& index);

}  // namespace rfa
