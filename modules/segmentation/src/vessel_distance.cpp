// Lesion-to-vessel gap. Two voxels whose indices differ by d are, as boxes of the grid spacing s,
// sqrt(sum_a (s_a max(0, |d_a| - 1))^2) apart; that is the centre distance to the nearest voxel of
// the vessel mask dilated by the 3x3x3 cube. So the gap is the distance transform of the dilated
// vessel mask, read at the lesion voxels. Both are computed in the lesion's bounding box grown by
// the search distance: a vessel voxel outside it is farther than the search distance.
#include "vessel_distance.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "distance_detail.h"

namespace rfa::segmentation::detail {

namespace {

struct Box {
  Index3 lo{0, 0, 0};
  Size3 size{0, 0, 0};
  [[nodiscard]] std::size_t index(std::size_t i, std::size_t j, std::size_t k) const {
    return i + size[0] * (j + size[1] * k);
  }
};

Box searchBox(const ImageGeometry& g, const Index3& lo, const Index3& hi, double search_mm) {
  Box b;
  for (std::size_t a = 0; a < 3; ++a) {
    const auto margin =
        static_cast<std::int64_t>(std::ceil(search_mm / g.spacing()[static_cast<int>(a)])) + 1;
    b.lo[a] = std::max<std::int64_t>(0, lo[a] - margin);
    const std::int64_t top = std::min(static_cast<std::int64_t>(g.size()[a]) - 1, hi[a] + margin);
    b.size[a] = static_cast<std::size_t>(top - b.lo[a] + 1);
  }
  return b;
}

std::size_t gridIndex(const ImageGeometry& g, const Box& b, std::size_t i, std::size_t j,
                      std::size_t k) {
  const Size3& s = g.size();
  return (static_cast<std::size_t>(b.lo[0]) + i) +
         s[0] * ((static_cast<std::size_t>(b.lo[1]) + j) +
                 s[1] * (static_cast<std::size_t>(b.lo[2]) + k));
}

// Vessel voxels of the box (radius >= min), dilated by the 3x3x3 cube (three 1D passes).
Mask dilatedVessels(const ImageVolume& radius, const Box& b, double min_radius_mm) {
  Mask m(ImageGeometry(b.size, radius.geometry().spacing(), Vec3::Zero()), 0);
  for (std::size_t k = 0; k < b.size[2]; ++k) {
    for (std::size_t j = 0; j < b.size[1]; ++j) {
      for (std::size_t i = 0; i < b.size[0]; ++i) {
        const float r = radius.data()[gridIndex(radius.geometry(), b, i, j, k)];
        m.data()[b.index(i, j, k)] = static_cast<double>(r) >= min_radius_mm ? 1 : 0;
      }
    }
  }
  const std::array<std::size_t, 3> stride{1, b.size[0], b.size[0] * b.size[1]};
  for (std::size_t a = 0; a < 3; ++a) {
    const std::vector<std::uint8_t> src(m.data().begin(), m.data().end());
    for (std::size_t k = 0; k < b.size[2]; ++k) {
      for (std::size_t j = 0; j < b.size[1]; ++j) {
        for (std::size_t i = 0; i < b.size[0]; ++i) {
          const std::array<std::size_t, 3> ijk{i, j, k};
          const std::size_t n = b.index(i, j, k);
          std::uint8_t v = src[n];
          if (ijk[a] > 0) v |= src[n - stride[a]];
          if (ijk[a] + 1 < b.size[a]) v |= src[n + stride[a]];
          m.data()[n] = v;
        }
      }
    }
  }
  return m;
}

}  // namespace

std::optional<double> vesselGap(const LabelMap& lesions, std::uint16_t label, const Index3& lo,
                                const Index3& hi, const ImageVolume& vessel_radius_mm,
                                const MeasurementOptions& options) {
  const ImageGeometry& g = lesions.geometry();
  const Box b = searchBox(g, lo, hi, options.vessel_search_mm);
  const double cap = options.vessel_search_mm * options.vessel_search_mm * (1.0 + 1e-6);
  const Volume<float> d2 =
      squaredDistance(dilatedVessels(vessel_radius_mm, b, options.vessel_min_radius_mm), true, cap);
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < b.size[2]; ++k) {
    for (std::size_t j = 0; j < b.size[1]; ++j) {
      for (std::size_t i = 0; i < b.size[0]; ++i) {
        if (lesions.data()[gridIndex(g, b, i, j, k)] != label) continue;
        best = std::min(best, static_cast<double>(d2.data()[b.index(i, j, k)]));
      }
    }
  }
  const double gap = std::sqrt(best);
  if (!(gap <= options.vessel_search_mm)) return std::nullopt;
  return gap;
}

}  // namespace rfa::segmentation::detail
