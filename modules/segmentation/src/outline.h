#pragma once
// Private: outline points of a cropped lesion and longest distances between them (measurements).
// Points are kept in doubled voxel index coordinates (exact integers: a face midpoint between
// voxels i and i + 1 has coordinate 2i + 1) and mapped to LPS mm only for distances.

#include <array>
#include <cstdint>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/segmentation/measurements.h"

namespace rfa::segmentation::detail {

/// Doubled voxel index (2i, 2j, 2k) of the full grid.
using Doubled = std::array<std::int64_t, 3>;

/// One lesion cropped to its bounding box: inside[i + nx * (j + ny * k)] is 1 on the lesion.
struct Crop {
  Index3 origin{0, 0, 0};  // full-grid index of crop voxel (0, 0, 0)
  Size3 size{0, 0, 0};
  std::vector<std::uint8_t> inside;
  [[nodiscard]] bool at(std::int64_t i, std::int64_t j, std::int64_t k) const;
};

/// Crop of the voxels equal to `label` inside [lo, hi] (inclusive indices).
Crop cropLabel(const LabelMap& labels, std::uint16_t label, const Index3& lo, const Index3& hi);

/// Midpoints of the faces between lesion and non-lesion voxels (marching-cubes vertices).
std::vector<Doubled> surfacePoints(const Crop& crop);
/// Midpoints of the in-slice edges between lesion and non-lesion pixels of crop slice `k`.
std::vector<Doubled> outlinePoints(const Crop& crop, std::size_t k);

/// The points that are the smallest or largest on each of their three grid lines: every convex-hull
/// vertex of the set is among them.
std::vector<Doubled> hullCandidates(const std::vector<Doubled>& points);

/// LPS mm of doubled indices.
std::vector<Vec3> toLps(const ImageGeometry& geometry, const std::vector<Doubled>& points);

/// The two points farthest apart (exact up to 12000 points, else over 4000 directions).
Segment farthestPair(const std::vector<Vec3>& points);

/// Longest segment between two of `points` (one slice, LPS mm) perpendicular to `axis` (unit, in
/// the slice plane with unit normal `normal`) within +-tolerance_mm along `axis`.
Segment longestPerpendicular(const std::vector<Vec3>& points, const Vec3& axis, const Vec3& normal,
                             double tolerance_mm);

}  // namespace rfa::segmentation::detail
