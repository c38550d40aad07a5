// Local thickness (largest inscribed ball covering each voxel) of the vessel mask, in mm.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rfa/core/parallel.h"
#include "rfa/core/volume.h"
#include "rfa/segmentation/distance.h"
#include "vessel_filters.h"

namespace rfa::segmentation::vessel_detail {

namespace {

using I64 = std::int64_t;

struct Ball {
  std::array<I64, 3> centre;
  float radius;  // mm
};

// Voxels whose ball is not contained in a 26-neighbour's ball: D(c) + |c - n| > D(n) for all n.
std::vector<Ball> maximalBalls(const Mask& mask, const ImageVolume& dist) {
  const Size3 s = mask.size();
  const Vec3& sp = mask.geometry().spacing();
  std::vector<Ball> balls;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const float d = dist(i, j, k);
        if (mask(i, j, k) == 0 || d <= 0.0F) continue;
        bool maximal = true;
        for (int dk = -1; dk <= 1 && maximal; ++dk) {
          for (int dj = -1; dj <= 1 && maximal; ++dj) {
            for (int di = -1; di <= 1 && maximal; ++di) {
              const I64 ni = static_cast<I64>(i) + di;
              const I64 nj = static_cast<I64>(j) + dj;
              const I64 nk = static_cast<I64>(k) + dk;
              if ((di == 0 && dj == 0 && dk == 0) || ni < 0 || nj < 0 || nk < 0 ||
                  ni >= static_cast<I64>(s[0]) || nj >= static_cast<I64>(s[1]) ||
                  nk >= static_cast<I64>(s[2])) {
                continue;
              }
              const double step = std::sqrt(di * di * sp[0] * sp[0] + dj * dj * sp[1] * sp[1] +
                                            dk * dk * sp[2] * sp[2]);
              const float dn = dist(static_cast<std::size_t>(ni), static_cast<std::size_t>(nj),
                                    static_cast<std::size_t>(nk));
              if (dn >= d + step - 1e-4) maximal = false;
            }
          }
        }
        if (maximal) {
          balls.push_back({{static_cast<I64>(i), static_cast<I64>(j), static_cast<I64>(k)}, d});
        }
      }
    }
  }
  return balls;
}

}  // namespace

ImageVolume localThicknessRadius(const Mask& mask) {
  ImageVolume out(mask.geometry(), 0.0F);
  Mask background(mask.geometry(), 0);
  bool any = false;
  for (std::size_t n = 0; n < mask.voxelCount(); ++n) {
    background.data()[n] = mask.data()[n] == 0 ? 1 : 0;
    any = any || mask.data()[n] != 0;
  }
  if (!any) return out;
  ImageVolume dist = squaredDistanceMm2(background);
  for (float& d : dist.data()) d = std::isfinite(d) ? std::sqrt(d) : 1e6F;
  std::vector<Ball> balls = maximalBalls(mask, dist);
  const Size3 s = mask.size();
  const Vec3& sp = mask.geometry().spacing();
  // Each output slice paints the balls that reach it (no write conflicts between slices).
  parallelFor(s[2], [&](std::size_t k) {
    const I64 kk = static_cast<I64>(k);
    for (const Ball& b : balls) {
      const double r = b.radius;
      const double dz = static_cast<double>(kk - b.centre[2]) * sp[2];
      const double rem2 = r * r - dz * dz;
      if (rem2 <= 0.0) continue;
      const I64 hj = static_cast<I64>(std::ceil(std::sqrt(rem2) / sp[1]));
      for (I64 j = std::max<I64>(0, b.centre[1] - hj);
           j <= std::min<I64>(static_cast<I64>(s[1]) - 1, b.centre[1] + hj); ++j) {
        const double dy = static_cast<double>(j - b.centre[1]) * sp[1];
        const double rem = rem2 - dy * dy;
        if (rem <= 0.0) continue;
        const I64 hi = static_cast<I64>(std::ceil(std::sqrt(rem) / sp[0]));
        for (I64 i = std::max<I64>(0, b.centre[0] - hi);
             i <= std::min<I64>(static_cast<I64>(s[0]) - 1, b.centre[0] + hi); ++i) {
          const double dx = static_cast<double>(i - b.centre[0]) * sp[0];
          if (dx * dx >= rem ||
              mask(static_cast<std::size_t>(i), static_cast<std::size_t>(j), k) == 0) {
            continue;
          }
          float& o = out(static_cast<std::size_t>(i), static_cast<std::size_t>(j), k);
          o = std::max(o, b.radius);
        }
      }
    }
  });
  return out;
}

}  // namespace rfa::segmentation::vessel_detail
