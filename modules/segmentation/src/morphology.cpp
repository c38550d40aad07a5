// Binary morphology with a ball of radius r (mm): thresholds of the exact distance transform, so
// the cost is linear in voxels whatever r is. Each operation works on the mask's bounding box grown
// by the radius (plus one voxel), which is all that can change.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include "distance_detail.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/components.h"
#include "select_voxels.h"

namespace rfa::segmentation {

namespace {

// A box of voxels of a grid; may reach outside it (for padding).
struct Region {
  std::array<std::int64_t, 3> lo{0, 0, 0};
  Size3 size{0, 0, 0};
};

// r^2 plus a relative tolerance for the float distances, so that a voxel at exactly r is in.
double squaredRadius(double radius_mm) {
  return radius_mm * radius_mm * (1.0 + 1e-5);
}

// Voxels the radius spans along each axis, plus one.
std::array<std::int64_t, 3> reach(const ImageGeometry& g, double radius_mm) {
  std::array<std::int64_t, 3> r{};
  for (std::size_t a = 0; a < 3; ++a) {
    r[a] = static_cast<std::int64_t>(std::ceil(radius_mm / g.spacing()[static_cast<int>(a)])) + 1;
  }
  return r;
}

// Bounding box of the non-zero voxels grown by `grow` voxels (clamped to the grid if `clamp`);
// empty if the mask is empty.
std::optional<Region> grownBox(const Mask& m, const std::array<std::int64_t, 3>& grow, bool clamp) {
  const Size3& s = m.size();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::array<std::int64_t, 3> lo{kMax, kMax, kMax};
  std::array<std::int64_t, 3> hi{-1, -1, -1};
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      const std::uint8_t* row = m.data().data() + m.linearIndex(0, j, k);
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (row[i] == 0) continue;
        const std::array<std::int64_t, 3> ijk{static_cast<std::int64_t>(i),
                                              static_cast<std::int64_t>(j),
                                              static_cast<std::int64_t>(k)};
        for (std::size_t a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], ijk[a]);
          hi[a] = std::max(hi[a], ijk[a]);
        }
      }
    }
  }
  if (hi[0] < 0) return std::nullopt;
  Region r;
  for (std::size_t a = 0; a < 3; ++a) {
    lo[a] -= grow[a];
    hi[a] += grow[a];
    if (clamp) {
      lo[a] = std::max<std::int64_t>(lo[a], 0);
      hi[a] = std::min(hi[a], static_cast<std::int64_t>(s[a]) - 1);
    }
    r.lo[a] = lo[a];
    r.size[a] = static_cast<std::size_t>(hi[a] - lo[a] + 1);
  }
  return r;
}

// Calls f(region voxel, grid voxel) for the region voxels inside the grid of `g`.
template <class F>
void forOverlap(const ImageGeometry& g, const Region& r, F&& f) {
  const Size3& s = g.size();
  const auto inside = [](std::int64_t x, std::size_t n) {
    return x >= 0 && x < static_cast<std::int64_t>(n);
  };
  for (std::size_t k = 0; k < r.size[2]; ++k) {
    const std::int64_t gk = r.lo[2] + static_cast<std::int64_t>(k);
    if (!inside(gk, s[2])) continue;
    for (std::size_t j = 0; j < r.size[1]; ++j) {
      const std::int64_t gj = r.lo[1] + static_cast<std::int64_t>(j);
      if (!inside(gj, s[1])) continue;
      for (std::size_t i = 0; i < r.size[0]; ++i) {
        const std::int64_t gi = r.lo[0] + static_cast<std::int64_t>(i);
        if (!inside(gi, s[0])) continue;
        f(i + r.size[0] * (j + r.size[1] * k),
          static_cast<std::size_t>(gi) +
              s[0] * (static_cast<std::size_t>(gj) + s[1] * static_cast<std::size_t>(gk)));
      }
    }
  }
}

// The region of `m` as a mask of its own (0/1; zeros outside the grid).
Mask extract(const Mask& m, const Region& r) {
  Mask out(ImageGeometry(r.size, m.geometry().spacing(), Vec3::Zero()), 0);
  forOverlap(m.geometry(), r,
             [&](std::size_t n, std::size_t g) { out.data()[n] = m.data()[g] != 0 ? 1 : 0; });
  return out;
}

// A zero mask on the grid of `like` with `part` (a region of it) copied in.
Mask pasted(const Mask& like, const Mask& part, const Region& r) {
  Mask out(like.geometry(), 0);
  forOverlap(like.geometry(), r,
             [&](std::size_t n, std::size_t g) { out.data()[g] = part.data()[n]; });
  return out;
}

// Dilation and erosion of a whole grid (outside it: background for dilation, foreground for
// erosion).
Mask dilateGrid(const Mask& m, double r2) {
  const Volume<float> d2 = detail::squaredDistance(m, true, r2);
  return detail::selectVoxels(m.geometry(), [&](std::size_t n) { return d2.data()[n] <= r2; });
}

Mask erodeGrid(const Mask& m, double r2) {
  const Volume<float> d2 = detail::squaredDistance(m, false, r2);
  return detail::selectVoxels(m.geometry(),
                              [&](std::size_t n) { return m.data()[n] != 0 && d2.data()[n] > r2; });
}

Mask binarised(const Mask& mask) {
  return detail::selectVoxels(mask.geometry(), [&](std::size_t n) { return mask.data()[n] != 0; });
}

}  // namespace

Mask dilate(const Mask& mask, double radius_mm) {
  if (!(radius_mm > 0.0)) return binarised(mask);
  const auto box = grownBox(mask, reach(mask.geometry(), radius_mm), true);
  if (!box) return Mask(mask.geometry(), 0);
  return pasted(mask, dilateGrid(extract(mask, *box), squaredRadius(radius_mm)), *box);
}

Mask erode(const Mask& mask, double radius_mm) {
  if (!(radius_mm > 0.0)) return binarised(mask);
  // Clamped to the grid, so that the crop's outside is foreground only where the grid's is; on the
  // other sides the crop holds all the background within the radius.
  const auto box = grownBox(mask, reach(mask.geometry(), radius_mm), true);
  if (!box) return Mask(mask.geometry(), 0);
  return pasted(mask, erodeGrid(extract(mask, *box), squaredRadius(radius_mm)), *box);
}

Mask close(const Mask& mask, double radius_mm) {
  if (!(radius_mm > 0.0)) return binarised(mask);
  std::array<std::int64_t, 3> grow = reach(mask.geometry(), radius_mm);
  for (auto& g : grow) g *= 2;
  // Not clamped: beyond the grid the mask continues as background (zeros in the padding).
  const auto box = grownBox(mask, grow, false);
  if (!box) return Mask(mask.geometry(), 0);
  const double r2 = squaredRadius(radius_mm);
  return pasted(mask, erodeGrid(dilateGrid(extract(mask, *box), r2), r2), *box);
}

}  // namespace rfa::segmentation
