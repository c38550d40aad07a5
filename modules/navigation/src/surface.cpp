// Voxel-face boundary surface of a mask (surface.h).
#include "rfa/navigation/surface.h"

#include <unordered_map>

namespace rfa::navigation {

TriangleMesh maskSurface(const Mask& mask) {
  const ImageGeometry& g = mask.geometry();
  const Size3 s = g.size();
  const std::size_t cx = s[0] + 1;
  const std::size_t cy = s[1] + 1;
  TriangleMesh mesh;
  // Corner (i, j, k) of the corner lattice is the point at index (i - 0.5, j - 0.5, k - 0.5).
  std::unordered_map<std::uint64_t, std::uint32_t> ids;
  auto corner = [&](std::size_t i, std::size_t j, std::size_t k) -> std::uint32_t {
    const std::uint64_t key = i + cx * (j + cy * k);
    const auto [it, added] =
        ids.try_emplace(key, static_cast<std::uint32_t>(mesh.points_lps.size()));
    if (added) {
      mesh.points_lps.push_back(
          g.indexToLps(Vec3(static_cast<double>(i) - 0.5, static_cast<double>(j) - 0.5,
                            static_cast<double>(k) - 0.5)));
    }
    return it->second;
  };
  // Index axes left-handed in LPS: a counter-clockwise quad in index space is clockwise in LPS.
  const bool flip = g.indexToLpsMatrix().determinant() < 0;
  auto quad = [&](std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    if (flip) {
      mesh.triangles.push_back({a, c, b});
      mesh.triangles.push_back({a, d, c});
    } else {
      mesh.triangles.push_back({a, b, c});
      mesh.triangles.push_back({a, c, d});
    }
  };
  auto inside = [&](std::size_t i, std::size_t j, std::size_t k) {
    return i < s[0] && j < s[1] && k < s[2] && mask(i, j, k) != 0;
  };
  // Unsigned wrap-around makes i - 1 of i == 0 huge, hence outside.
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (mask(i, j, k) == 0) continue;
        // Corners counter-clockwise seen from outside, in index space (right-handed).
        if (!inside(i - 1, j, k)) {
          quad(corner(i, j, k), corner(i, j, k + 1), corner(i, j + 1, k + 1), corner(i, j + 1, k));
        }
        if (!inside(i + 1, j, k)) {
          quad(corner(i + 1, j, k), corner(i + 1, j + 1, k), corner(i + 1, j + 1, k + 1),
               corner(i + 1, j, k + 1));
        }
        if (!inside(i, j - 1, k)) {
          quad(corner(i, j, k), corner(i + 1, j, k), corner(i + 1, j, k + 1), corner(i, j, k + 1));
        }
        if (!inside(i, j + 1, k)) {
          quad(corner(i, j + 1, k), corner(i, j + 1, k + 1), corner(i + 1, j + 1, k + 1),
               corner(i + 1, j + 1, k));
        }
        if (!inside(i, j, k - 1)) {
          quad(corner(i, j, k), corner(i, j + 1, k), corner(i + 1, j + 1, k), corner(i + 1, j, k));
        }
        if (!inside(i, j, k + 1)) {
          quad(corner(i, j, k + 1), corner(i + 1, j, k + 1), corner(i + 1, j + 1, k + 1),
               corner(i, j + 1, k + 1));
        }
      }
    }
  }
  return mesh;
}

}  // namespace rfa::navigation
