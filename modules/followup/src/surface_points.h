#pragma once
/// \file surface_points.h
/// \brief Private: sub-voxel surface points of a smoothed indicator (the vertices marching cubes
/// would place on grid edges) and nearest-point queries over them (uniform grid buckets). LPS mm.

#include <array>
#include <cstddef>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"

namespace rfa::followup::detail {

/// \brief One crossing of the 0.5 level along a grid edge from voxel p to its +axis neighbour q.
struct EdgeCrossing {
  std::size_t p = 0;  ///< linear index of the first voxel
  std::size_t q = 0;  ///< linear index of the second voxel
  double t = 0;       ///< position along p -> q, 0..1
  Vec3 lps{0, 0, 0};
  bool p_inside = false;  ///< the indicator is >= 0.5 at p
};

/// \brief Every edge of the grid along which `indicator` crosses 0.5.
std::vector<EdgeCrossing> levelCrossings(const Volume<float>& indicator);

/// \brief Nearest-point search over a fixed set of points (LPS mm).
class PointIndex {
 public:
  /// \brief Buckets of `cell_mm` (mm) over the points' bounding box.
  PointIndex(std::vector<Vec3> points, double cell_mm);
  /// \brief Distance (mm) from `p` to the nearest point; +infinity when the set is empty.
  [[nodiscard]] double nearestDistance(const Vec3& p) const;
  [[nodiscard]] bool empty() const { return points_.empty(); }

 private:
  std::vector<Vec3> points_;
  double cell_ = 2.0;
  Vec3 lo_{0, 0, 0};
  std::array<long, 3> dims_{0, 0, 0};
  std::vector<std::size_t> start_;  ///< cell -> first point in order_ (CSR)
  std::vector<std::size_t> order_;
};

}  // namespace rfa::followup::detail
