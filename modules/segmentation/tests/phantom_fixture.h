#pragma once
// The phantom shared by the segmentation tests (generated once per test program) and a Dice helper.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/phantom/phantom.h"
#include "rfa/segmentation/distance.h"

namespace rfa::segmentation::test {

/// 160 x 160 x 70 voxels of 2.4 x 2.4 x 2.8 mm (the whole body width), 4 lesions, seed 7.
inline const phantom::Phantom& testPhantom() {
  static const phantom::Phantom p = [] {
    phantom::PhantomOptions o;
    o.size = {160, 160, 70};
    o.spacing_mm = {2.4, 2.4, 2.8};
    o.lesions = 4;
    o.seed = 7;
    return phantom::generatePhantom(o);
  }();
  return p;
}

/// Dice coefficient 2 |A & B| / (|A| + |B|) of two masks on one grid (1 when both are empty).
inline double dice(const Mask& a, const Mask& b) {
  std::size_t both = 0;
  std::size_t na = 0;
  std::size_t nb = 0;
  for (std::size_t n = 0; n < a.voxelCount(); ++n) {
    const bool x = a.data()[n] != 0;
    const bool y = b.data()[n] != 0;
    both += x && y ? 1 : 0;
    na += x ? 1 : 0;
    nb += y ? 1 : 0;
  }
  return na + nb == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
}

/// Voxels of `m` with a face neighbour outside it (or on the grid's border): its surface.
inline Mask surfaceOf(const Mask& m) {
  Mask out(m.geometry(), 0);
  const Size3& s = m.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (m(i, j, k) == 0) continue;
        const bool edge = i == 0 || j == 0 || k == 0 || i + 1 == s[0] || j + 1 == s[1] ||
                          k + 1 == s[2] || m(i - 1, j, k) == 0 || m(i + 1, j, k) == 0 ||
                          m(i, j - 1, k) == 0 || m(i, j + 1, k) == 0 || m(i, j, k - 1) == 0 ||
                          m(i, j, k + 1) == 0;
        out(i, j, k) = edge ? 1 : 0;
      }
    }
  }
  return out;
}

/// 95th percentile Hausdorff distance (mm) between the surfaces of two masks on one grid: the
/// distances from each surface voxel of either mask to the nearest surface voxel of the other,
/// pooled (voxel centres, the grid's spacing). +infinity when one mask is empty, 0 when both are.
inline double hd95Mm(const Mask& a, const Mask& b) {
  const Mask sa = surfaceOf(a);
  const Mask sb = surfaceOf(b);
  const Volume<float> da = squaredDistanceMm2(sa);
  const Volume<float> db = squaredDistanceMm2(sb);
  std::vector<float> d;
  bool any_a = false;
  bool any_b = false;
  for (std::size_t n = 0; n < sa.voxelCount(); ++n) {
    if (sa.data()[n] != 0) {
      any_a = true;
      d.push_back(db.data()[n]);
    }
    if (sb.data()[n] != 0) {
      any_b = true;
      d.push_back(da.data()[n]);
    }
  }
  if (!any_a && !any_b) return 0.0;
  if (!any_a || !any_b) return std::numeric_limits<double>::infinity();
  const auto q = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(d.size()))) - 1;
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(q), d.end());
  return std::sqrt(static_cast<double>(d[q]));
}

}  // namespace rfa::segmentation::test
