// Crops and per-region statistics (size, intensity, rim fraction, deepest voxel, longest extent,
// compactness) for the lesion candidate detection (candidates.cpp).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include "candidates_internal.h"

namespace rfa::segmentation::candidates_detail {

namespace {

// The 13 directions of the 26-neighbourhood up to sign (axes, face and body diagonals), in
// physical space (index offsets x spacing), normalised.
std::array<Vec3, 13> extentDirections() {
  std::array<Vec3, 13> d;
  std::size_t n = 0;
  for (int a = -1; a <= 1; ++a) {
    for (int b = -1; b <= 1; ++b) {
      for (int c = -1; c <= 1; ++c) {
        const bool first_positive = a > 0 || (a == 0 && b > 0) || (a == 0 && b == 0 && c > 0);
        if (!first_positive) continue;
        d[n++] = Vec3(a, b, c).normalized();
      }
    }
  }
  return d;
}

}  // namespace

Box nonZeroBox(const Mask& mask, std::size_t margin) {
  const Size3& s = mask.size();
  std::array<std::size_t, 3> lo{s[0], s[1], s[2]};
  std::array<std::size_t, 3> hi{0, 0, 0};
  bool any = false;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      const std::uint8_t* row = &mask.data()[mask.linearIndex(0, j, k)];
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (row[i] == 0) continue;
        any = true;
        const std::array<std::size_t, 3> x{i, j, k};
        for (std::size_t a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], x[a]);
          hi[a] = std::max(hi[a], x[a]);
        }
      }
    }
  }
  Box box;
  if (!any) return box;
  for (std::size_t a = 0; a < 3; ++a) {
    box.lo[a] = lo[a] > margin ? lo[a] - margin : 0;
    const std::size_t top = std::min(hi[a] + margin, s[a] - 1);
    box.size[a] = top - box.lo[a] + 1;
  }
  return box;
}

template <class T>
Volume<T> cropVolume(const Volume<T>& v, const Box& box) {
  const ImageGeometry& g = v.geometry();
  const Vec3 origin =
      g.indexToLps(Vec3(static_cast<double>(box.lo[0]), static_cast<double>(box.lo[1]),
                        static_cast<double>(box.lo[2])));
  Volume<T> out =
      Volume<T>::uninitialized(ImageGeometry(box.size, g.spacing(), origin, g.direction()));
  for (std::size_t k = 0; k < box.size[2]; ++k) {
    for (std::size_t j = 0; j < box.size[1]; ++j) {
      const T* src = &v.data()[box.fullIndex(v.size(), 0, j, k)];
      std::copy(src, src + box.size[0], &out.data()[out.linearIndex(0, j, k)]);
    }
  }
  return out;
}

template Volume<float> cropVolume(const Volume<float>&, const Box&);
template Volume<std::uint8_t> cropVolume(const Volume<std::uint8_t>&, const Box&);

std::vector<RegionStats> regionStats(const RegionInputs& in, std::size_t n) {
  const LabelMap& labels = *in.labels;
  const Size3& s = labels.size();
  const Vec3& sp = labels.geometry().spacing();
  const std::array<Vec3, 13> dirs = extentDirections();
  // Projection width of one voxel box along each direction.
  std::array<double, 13> width{};
  for (std::size_t d = 0; d < dirs.size(); ++d) width[d] = dirs[d].cwiseAbs().dot(sp);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<std::array<double, 13>> pmin(n + 1);
  std::vector<std::array<double, 13>> pmax(n + 1);
  for (std::size_t l = 0; l <= n; ++l) {
    pmin[l].fill(kInf);
    pmax[l].fill(-kInf);
  }
  std::vector<RegionStats> st(n + 1);
  std::vector<Vec3> sum_index(n + 1, Vec3::Zero());
  std::vector<std::size_t> rim(n + 1, 0);
  const double rim2 = in.rim_mm * in.rim_mm;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const std::size_t v = labels.linearIndex(i, j, k);
        const std::uint16_t l = labels.data()[v];
        if (l == 0 || l > n) continue;
        RegionStats& r = st[l];
        ++r.count;
        const Vec3 x(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
        sum_index[l] += x;
        r.mean_raw += in.raw->data()[v];
        r.mean_smooth += in.smooth->data()[v];
        if (in.liver_depth2->data()[v] <= rim2) ++rim[l];
        if (in.inner_depth2 != nullptr && in.inner_depth2->data()[v] > r.deepest_mm2) {
          r.deepest_mm2 = in.inner_depth2->data()[v];
          r.deepest = {i, j, k};
        }
        const Vec3 p = x.cwiseProduct(sp);
        for (std::size_t d = 0; d < dirs.size(); ++d) {
          const double t = p.dot(dirs[d]);
          pmin[l][d] = std::min(pmin[l][d], t);
          pmax[l][d] = std::max(pmax[l][d], t);
        }
      }
    }
  }
  const double voxel_ml = labels.geometry().voxelVolumeMm3() / 1000.0;
  for (std::size_t l = 1; l <= n; ++l) {
    RegionStats& r = st[l];
    if (r.count == 0) continue;
    const double c = static_cast<double>(r.count);
    r.centroid_index = sum_index[l] / c;
    r.mean_raw /= c;
    r.mean_smooth /= c;
    r.rim_fraction = static_cast<double>(rim[l]) / c;
    r.volume_ml = c * voxel_ml;
    r.diameter_mm = std::cbrt(6.0 * r.volume_ml * 1000.0 / std::numbers::pi);
    for (std::size_t d = 0; d < dirs.size(); ++d) {
      r.longest_extent_mm = std::max(r.longest_extent_mm, pmax[l][d] - pmin[l][d] + width[d]);
    }
    const double ball = std::numbers::pi / 6.0 * std::pow(r.longest_extent_mm, 3) / 1000.0;
    r.compactness = std::min(1.0, r.volume_ml / ball);
  }
  return st;
}

}  // namespace rfa::segmentation::candidates_detail
