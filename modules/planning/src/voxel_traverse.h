#pragma once
// Voxel traversal of a segment (Amanatides-Woo) and a distance bound between voxel centres, shared
// by the trajectory planner (trajectory.cpp) and the hand-moved needle check (placement_edit.cpp).
// Not public API. Indices are continuous grid indices (voxel c covers [c - 0.5, c + 0.5) per axis).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "rfa/core/geometry.h"

namespace rfa::planning::detail {

// Calls visit(i, j, k) for every voxel the segment a->b (continuous indices) passes through, in
// order from a to b, cells clamped to the grid.
template <class Visit>
void traverseVoxels(const Vec3& a_index, const Vec3& b_index, const Size3& n, Visit&& visit) {
  const Vec3 a = a_index + Vec3::Constant(0.5);
  const Vec3 d = b_index - a_index;
  std::array<std::int64_t, 3> cell{};
  std::array<std::int64_t, 3> step{};
  std::array<double, 3> t_max{};
  std::array<double, 3> t_delta{};
  double span = 0;
  for (std::size_t ax = 0; ax < 3; ++ax) {
    const int axi = static_cast<int>(ax);
    cell[ax] = static_cast<std::int64_t>(std::floor(a[axi]));
    span += std::abs(d[axi]);
    if (d[axi] > 0) {
      step[ax] = 1;
      t_max[ax] = (static_cast<double>(cell[ax]) + 1.0 - a[axi]) / d[axi];
      t_delta[ax] = 1.0 / d[axi];
    } else if (d[axi] < 0) {
      step[ax] = -1;
      t_max[ax] = (a[axi] - static_cast<double>(cell[ax])) / -d[axi];
      t_delta[ax] = -1.0 / d[axi];
    } else {
      step[ax] = 0;
      t_max[ax] = std::numeric_limits<double>::infinity();
      t_delta[ax] = std::numeric_limits<double>::infinity();
    }
  }
  const auto clampAxis = [&](std::size_t ax) {
    const auto hi = static_cast<std::int64_t>(n[ax]) - 1;
    return static_cast<std::size_t>(std::clamp<std::int64_t>(cell[ax], 0, hi));
  };
  const auto max_steps = static_cast<std::size_t>(span) + 4;
  for (std::size_t s = 0; s <= max_steps; ++s) {
    visit(clampAxis(0), clampAxis(1), clampAxis(2));
    std::size_t ax = 0;
    if (t_max[1] < t_max[ax]) ax = 1;
    if (t_max[2] < t_max[ax]) ax = 2;
    if (t_max[ax] > 1.0) break;
    cell[ax] += step[ax];
    t_max[ax] += t_delta[ax];
  }
}

/// Lower bound (mm) of the distance from continuous index `x` to the nearest voxel of a set, from
/// the distances (mm) of the 8 surrounding voxel centres v (clamped to the grid), which
/// `voxel_distance(std::array<std::size_t, 3>)` gives: max over v of d(v) - |x - v|, exact for a
/// 1-Lipschitz distance.
template <class VoxelDistance>
double distanceLowerBound(const ImageGeometry& g, const Vec3& x, VoxelDistance&& voxel_distance) {
  const Size3& n = g.size();
  double best = -std::numeric_limits<double>::infinity();
  const std::array<double, 3> base{std::floor(x[0]), std::floor(x[1]), std::floor(x[2])};
  for (int corner = 0; corner < 8; ++corner) {
    std::array<std::size_t, 3> v{};
    Vec3 vi;
    for (std::size_t ax = 0; ax < 3; ++ax) {
      const double c = base[ax] + static_cast<double>((corner >> ax) & 1);
      const double cc = std::clamp(c, 0.0, static_cast<double>(n[ax]) - 1.0);
      v[ax] = static_cast<std::size_t>(cc);
      vi[static_cast<int>(ax)] = cc;
    }
    const double gap = (g.indexToLpsMatrix() * (x - vi)).norm();
    best = std::max(best, static_cast<double>(voxel_distance(v)) - gap);
  }
  return best;
}

}  // namespace rfa::planning::detail
