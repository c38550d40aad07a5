// segmentLesionInLiver(): a click in or against the liver, the liver extended with the lesion.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include "rfa/core/error.h"
#include "rfa/segmentation/lesion.h"
#include "same_mass.h"

namespace rfa::segmentation {
namespace {

std::string formatMm(double v) {
  return std::to_string(static_cast<long>(std::lround(v)));
}

// True when a liver voxel lies within `mm` of the voxel nearest `seed_lps` (box search, distances
// in mm on the grid's axes scaled by the spacing).
bool liverWithin(const Mask& liver, const Vec3& seed_lps, double mm) {
  const ImageGeometry& g = liver.geometry();
  const Vec3 c = g.lpsToIndex(seed_lps);
  std::array<std::int64_t, 3> lo{};
  std::array<std::int64_t, 3> hi{};
  for (int a = 0; a < 3; ++a) {
    const double r = mm / g.spacing()[a];
    lo[static_cast<std::size_t>(a)] = std::max<std::int64_t>(0, std::llround(std::floor(c[a] - r)));
    hi[static_cast<std::size_t>(a)] =
        std::min<std::int64_t>(static_cast<std::int64_t>(g.size()[static_cast<std::size_t>(a)]) - 1,
                               std::llround(std::ceil(c[a] + r)));
  }
  const Mat3& m = g.indexToLpsMatrix();
  for (std::int64_t k = lo[2]; k <= hi[2]; ++k) {
    for (std::int64_t j = lo[1]; j <= hi[1]; ++j) {
      for (std::int64_t i = lo[0]; i <= hi[0]; ++i) {
        if (liver(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                  static_cast<std::size_t>(k)) == 0) {
          continue;
        }
        const Vec3 d =
            m * (Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)) - c);
        if (d.norm() <= mm) return true;
      }
    }
  }
  return false;
}

// True when a voxel of `mask` is a liver voxel or a face neighbour of one.
bool touchesLiver(const Mask& mask, const Mask& liver) {
  const Size3& n = mask.geometry().size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (mask(i, j, k) == 0) continue;
        if (liver(i, j, k) != 0) return true;
        if ((i > 0 && liver(i - 1, j, k) != 0) || (i + 1 < n[0] && liver(i + 1, j, k) != 0) ||
            (j > 0 && liver(i, j - 1, k) != 0) || (j + 1 < n[1] && liver(i, j + 1, k) != 0) ||
            (k > 0 && liver(i, j, k - 1) != 0) || (k + 1 < n[2] && liver(i, j, k + 1) != 0)) {
          return true;
        }
      }
    }
  }
  return false;
}

// The lesion grown without the liver when it is the same mass, only not cut by the liver mask
// (same_mass.h); `inside` otherwise.
LesionSegmentation uncutByTheLiver(const ImageVolume& ct_hu, const Vec3& seed_lps,
                                   const LesionSeedOptions& options, LesionSegmentation inside) {
  LesionSegmentation free;
  try {
    free = segmentLesionFromSeed(ct_hu, seed_lps, options, nullptr);
  } catch (const NoDataError&) {
    return inside;
  }
  std::size_t n_inside = 0;
  std::size_t n_free = 0;
  std::size_t common = 0;
  const auto a = inside.mask.data();
  const auto b = free.mask.data();
  for (std::size_t v = 0; v < a.size(); ++v) {
    n_inside += a[v] != 0 ? 1 : 0;
    n_free += b[v] != 0 ? 1 : 0;
    common += (a[v] != 0 && b[v] != 0) ? 1 : 0;
  }
  return detail::sameMassUncut(n_inside, n_free, common) ? free : inside;
}

}  // namespace

LesionSegmentation segmentLesionInLiver(const ImageVolume& ct_hu, const Vec3& seed_lps, Mask& liver,
                                        const LesionSeedOptions& options, double near_liver_mm) {
  LesionSegmentation s;
  try {
    s = uncutByTheLiver(ct_hu, seed_lps, options,
                        segmentLesionFromSeed(ct_hu, seed_lps, options, &liver));
  } catch (const NoDataError& first) {
    // Only a click that is not in the liver mask but close to it is retried without the liver.
    const ImageGeometry& g = ct_hu.geometry();
    const Vec3 idx = g.lpsToIndex(seed_lps);
    const Index3 ijk{std::llround(idx.x()), std::llround(idx.y()), std::llround(idx.z())};
    const bool in_liver =
        g.contains(ijk) && liver(static_cast<std::size_t>(ijk[0]), static_cast<std::size_t>(ijk[1]),
                                 static_cast<std::size_t>(ijk[2])) != 0;
    if (in_liver || !liverWithin(liver, seed_lps, near_liver_mm)) throw;
    s = segmentLesionFromSeed(ct_hu, seed_lps, options, nullptr);
    if (!touchesLiver(s.mask, liver)) {
      throw NoDataError(std::string(first.what()) + "; grown without the liver (the click is " +
                        "outside it, within " + formatMm(near_liver_mm) +
                        " mm), the mass does not touch the liver");
    }
  }
  const auto m = s.mask.data();
  auto l = liver.data();
  for (std::size_t n = 0; n < m.size(); ++n) {
    if (m[n] != 0) l[n] = 1;
  }
  return s;
}

}  // namespace rfa::segmentation
