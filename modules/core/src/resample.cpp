#include "rfa/core/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"

namespace rfa {

template <class T>
double sampleLinear(const Volume<T>& v, const Vec3& index) {
  const auto& s = v.size();
  double w[3];
  std::size_t i0[3];
  std::size_t i1[3];
  for (int a = 0; a < 3; ++a) {
    const double maxi = static_cast<double>(s[a]) - 1.0;
    const double x = std::clamp(index[a], 0.0, maxi);
    const double f = std::floor(x);
    i0[a] = static_cast<std::size_t>(f);
    i1[a] = std::min(i0[a] + 1, s[a] - 1);
    w[a] = x - f;
  }
  auto at = [&](std::size_t i, std::size_t j, std::size_t k) {
    return static_cast<double>(v(i, j, k));
  };
  const double c00 = at(i0[0], i0[1], i0[2]) * (1 - w[0]) + at(i1[0], i0[1], i0[2]) * w[0];
  const double c10 = at(i0[0], i1[1], i0[2]) * (1 - w[0]) + at(i1[0], i1[1], i0[2]) * w[0];
  const double c01 = at(i0[0], i0[1], i1[2]) * (1 - w[0]) + at(i1[0], i0[1], i1[2]) * w[0];
  const double c11 = at(i0[0], i1[1], i1[2]) * (1 - w[0]) + at(i1[0], i1[1], i1[2]) * w[0];
  const double c0 = c00 * (1 - w[1]) + c10 * w[1];
  const double c1 = c01 * (1 - w[1]) + c11 * w[1];
  return c0 * (1 - w[2]) + c1 * w[2];
}

namespace {
template <class T>
T castSample(double x) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(x);
  } else {
    const double lo = static_cast<double>(std::numeric_limits<T>::min());
    const double hi = static_cast<double>(std::numeric_limits<T>::max());
    return static_cast<T>(std::clamp(std::round(x), lo, hi));
  }
}
}  // namespace

template <class T>
Volume<T> resample(const Volume<T>& source, const ImageGeometry& target, Interpolation interp,
                   T outside) {
  Volume<T> out(target, outside);
  if (source.empty() || out.empty()) return out;
  // target index -> source index is affine: A * idx + b.
  const Mat3 a = source.geometry().lpsToIndexMatrix() * target.indexToLpsMatrix();
  const Vec3 b = source.geometry().lpsToIndex(target.origin());
  const auto& ts = target.size();
  const auto& ss = source.size();
  parallelFor(ts[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < ts[1]; ++j) {
      Vec3 idx = a * Vec3(0.0, static_cast<double>(j), static_cast<double>(k)) + b;
      const Vec3 di = a.col(0);
      for (std::size_t i = 0; i < ts[0]; ++i, idx += di) {
        bool inside = true;
        for (int ax = 0; ax < 3; ++ax) {
          if (idx[ax] < -0.5 || idx[ax] > static_cast<double>(ss[ax]) - 0.5) inside = false;
        }
        if (!inside) continue;
        if (interp == Interpolation::kNearest) {
          const auto ni =
              static_cast<std::size_t>(std::clamp(std::lround(idx[0]), 0L, long(ss[0] - 1)));
          const auto nj =
              static_cast<std::size_t>(std::clamp(std::lround(idx[1]), 0L, long(ss[1] - 1)));
          const auto nk =
              static_cast<std::size_t>(std::clamp(std::lround(idx[2]), 0L, long(ss[2] - 1)));
          out(i, j, k) = source(ni, nj, nk);
        } else {
          out(i, j, k) = castSample<T>(sampleLinear(source, idx));
        }
      }
    }
  });
  return out;
}

ImageGeometry withSpacing(const ImageGeometry& g, const Vec3& spacing_mm) {
  Size3 size{};
  for (int a = 0; a < 3; ++a) {
    if (!(spacing_mm[a] > 0.0) || !std::isfinite(spacing_mm[a])) {
      throw GeometryError("resampling spacing must be > 0 mm, got " +
                          std::to_string(spacing_mm[a]));
    }
    const double extent = static_cast<double>(g.size()[a]) * g.spacing()[a];
    size[a] =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(extent / spacing_mm[a])));
  }
  // Keep the outer boundary of voxel 0 in place: origin moves by half the spacing difference.
  const Vec3 shift = 0.5 * (spacing_mm - g.spacing());
  return ImageGeometry(size, spacing_mm, g.origin() + g.direction() * shift, g.direction());
}

#define RFA_INSTANTIATE_RESAMPLE(T)                                                         \
  template Volume<T> resample<T>(const Volume<T>&, const ImageGeometry&, Interpolation, T); \
  template double sampleLinear<T>(const Volume<T>&, const Vec3&);
RFA_INSTANTIATE_RESAMPLE(float)
RFA_INSTANTIATE_RESAMPLE(std::int16_t)
RFA_INSTANTIATE_RESAMPLE(std::uint8_t)
RFA_INSTANTIATE_RESAMPLE(std::uint16_t)
#undef RFA_INSTANTIATE_RESAMPLE

}  // namespace rfa
