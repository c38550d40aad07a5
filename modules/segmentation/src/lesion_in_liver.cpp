// segmentLesionInLiver(): a click in or against the liver, the liver extended with the lesion.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lesion_smoothing.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/components.h"
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

// Transition rim (addTransitionRim): how far outside the lesion, how many surrounding SDs from the
// surrounding median, and the least mean thickness (mm) that makes it a rim rather than the blur
// of a sharp edge by the 1 mm smoothing (the phantom's sharp lesions add 0.2-0.7 mm; IRCADb 17
// tumour 2, whose expert contour holds its ring, 1.5-1.9 mm; docs/validation.md).
constexpr double kRimMm = 4.0;
constexpr double kRimSdFactor = 1.0;
constexpr double kRimMinThicknessMm = 1.0;

// The transition rim of a lesion (a colorectal metastasis's ring between its dark core and the
// parenchyma, which expert contours include): voxels within kRimMm outside `s.mask`, connected
// to it through such voxels, whose smoothed value (1 mm Gaussian) lies more than kRimSdFactor
// surrounding SDs from the surrounding median on the lesion's side, and no farther beyond the
// lesion median than the surround lies on the other side (not fat or air next to a hypodense
// lesion). Added only when its mean thickness (added volume over the lesion's surface) reaches
// kRimMinThicknessMm.
void addTransitionRim(const ImageVolume& ct, LesionSegmentation& s) {
  const double rim_mm = kRimMm;
  const double k = kRimSdFactor;
  const ImageGeometry& g = ct.geometry();
  const Size3& n = g.size();
  std::array<std::size_t, 3> lo{n[0], n[1], n[2]};
  std::array<std::size_t, 3> hi{0, 0, 0};
  for (std::size_t z = 0; z < n[2]; ++z) {
    for (std::size_t y = 0; y < n[1]; ++y) {
      for (std::size_t x = 0; x < n[0]; ++x) {
        if (s.mask(x, y, z) == 0) continue;
        lo = {std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z)};
        hi = {std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z)};
      }
    }
  }
  if (lo[0] > hi[0]) return;
  Size3 size{};
  std::array<std::size_t, 3> base{};
  for (std::size_t a = 0; a < 3; ++a) {
    const auto pad =
        static_cast<std::size_t>(std::ceil((rim_mm + 3.0) / g.spacing()[static_cast<int>(a)]));
    base[a] = lo[a] > pad ? lo[a] - pad : 0;
    size[a] = std::min(n[a] - 1, hi[a] + pad) - base[a] + 1;
  }
  const ImageGeometry cg(
      size, g.spacing(),
      g.indexToLps(Vec3(static_cast<double>(base[0]), static_cast<double>(base[1]),
                        static_cast<double>(base[2]))),
      g.direction());
  ImageVolume smooth(cg, 0.0F);
  Mask m(cg, 0);
  for (std::size_t z = 0; z < size[2]; ++z) {
    for (std::size_t y = 0; y < size[1]; ++y) {
      for (std::size_t x = 0; x < size[0]; ++x) {
        smooth(x, y, z) = ct(x + base[0], y + base[1], z + base[2]);
        m(x, y, z) = s.mask(x + base[0], y + base[1], z + base[2]);
      }
    }
  }
  lesion_detail::smoothInside(smooth, nullptr, 1.0);
  const Mask reach = dilate(m, rim_mm);
  const double contrast = s.surround_median_hu - s.lesion_median_hu;  // > 0: hypodense
  const double t = s.surround_median_hu - (contrast > 0 ? k : -k) * s.surround_sd_hu;
  const double bound = s.lesion_median_hu - contrast;
  const auto qualifies = [&](std::size_t v) {
    if (m.data()[v] != 0 || reach.data()[v] == 0) return false;
    const double val = smooth.data()[v];
    return contrast > 0 ? (val < t && val > bound) : (val > t && val < bound);
  };
  std::vector<std::size_t> stack;
  for (std::size_t v = 0; v < m.voxelCount(); ++v) {
    if (m.data()[v] != 0) stack.push_back(v);
  }
  while (!stack.empty()) {
    const std::size_t v = stack.back();
    stack.pop_back();
    const std::size_t x = v % size[0];
    const std::size_t y = (v / size[0]) % size[1];
    const std::size_t z = v / (size[0] * size[1]);
    const std::size_t plane = size[0] * size[1];
    const std::array<std::size_t, 6> nb{x > 0 ? v - 1 : v,       x + 1 < size[0] ? v + 1 : v,
                                        y > 0 ? v - size[0] : v, y + 1 < size[1] ? v + size[0] : v,
                                        z > 0 ? v - plane : v,   z + 1 < size[2] ? v + plane : v};
    for (const std::size_t q : nb) {
      if (q != v && qualifies(q)) {
        m.data()[q] = 1;
        stack.push_back(q);
      }
    }
  }
  // Surface of the lesion before (voxel faces between it and its outside, mm^2) and volume added:
  // a mean added thickness under min_thickness_mm is the blur of a sharp edge, not a rim.
  const Vec3 sp = g.spacing();
  double surface = 0;
  double added_mm3 = 0;
  for (std::size_t z = 0; z < size[2]; ++z) {
    for (std::size_t y = 0; y < size[1]; ++y) {
      for (std::size_t x = 0; x < size[0]; ++x) {
        const bool was = s.mask(x + base[0], y + base[1], z + base[2]) != 0;
        if (!was) {
          if (m(x, y, z) != 0) added_mm3 += sp[0] * sp[1] * sp[2];
          continue;
        }
        const auto out = [&](std::size_t xx, std::size_t yy, std::size_t zz) {
          return s.mask(xx + base[0], yy + base[1], zz + base[2]) == 0;
        };
        if (x == 0 || out(x - 1, y, z)) surface += sp[1] * sp[2];
        if (x + 1 == size[0] || out(x + 1, y, z)) surface += sp[1] * sp[2];
        if (y == 0 || out(x, y - 1, z)) surface += sp[0] * sp[2];
        if (y + 1 == size[1] || out(x, y + 1, z)) surface += sp[0] * sp[2];
        if (z == 0 || out(x, y, z - 1)) surface += sp[0] * sp[1];
        if (z + 1 == size[2] || out(x, y, z + 1)) surface += sp[0] * sp[1];
      }
    }
  }
  surface *= 2.0 / 3.0;  // voxel faces over-count a smooth surface by 3/2 on average
  if (surface <= 0 || added_mm3 / surface < kRimMinThicknessMm) return;
  std::size_t added = 0;
  for (std::size_t z = 0; z < size[2]; ++z) {
    for (std::size_t y = 0; y < size[1]; ++y) {
      for (std::size_t x = 0; x < size[0]; ++x) {
        auto& out = s.mask(x + base[0], y + base[1], z + base[2]);
        if (m(x, y, z) != 0 && out == 0) {
          out = 1;
          ++added;
        }
      }
    }
  }
  s.voxel_count += added;
  s.volume_ml = static_cast<double>(s.voxel_count) * g.voxelVolumeMm3() / 1000.0;
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
  addTransitionRim(ct_hu, s);
  const auto m = s.mask.data();
  auto l = liver.data();
  for (std::size_t n = 0; n < m.size(); ++n) {
    if (m[n] != 0) l[n] = 1;
  }
  return s;
}

}  // namespace rfa::segmentation
