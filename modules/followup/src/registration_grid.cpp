// Grid helpers of the follow-up registration: boxes, crops, dilation, box-average downsampling,
// intensity windows (registration_internal.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "registration_internal.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/distance.h"

namespace rfa::followup::regdetail {

IndexBox maskBounds(const Mask& m) {
  IndexBox box;
  const auto& n = m.size();
  box.lo = {static_cast<std::int64_t>(n[0]), static_cast<std::int64_t>(n[1]),
            static_cast<std::int64_t>(n[2])};
  box.hi = {-1, -1, -1};
  const auto data = m.data();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      const std::uint8_t* row = data.data() + m.linearIndex(0, j, k);
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (row[i] == 0) continue;
        const std::array<std::int64_t, 3> ijk{static_cast<std::int64_t>(i),
                                              static_cast<std::int64_t>(j),
                                              static_cast<std::int64_t>(k)};
        for (int a = 0; a < 3; ++a) {
          box.lo[a] = std::min(box.lo[a], ijk[a]);
          box.hi[a] = std::max(box.hi[a], ijk[a]);
        }
      }
    }
  }
  return box;
}

IndexBox grow(const IndexBox& box, const ImageGeometry& g, double margin_mm) {
  if (box.empty()) return box;
  IndexBox out;
  for (int a = 0; a < 3; ++a) {
    const auto m = static_cast<std::int64_t>(std::ceil(margin_mm / g.spacing()[a]));
    out.lo[a] = std::max<std::int64_t>(0, box.lo[a] - m);
    out.hi[a] = std::min<std::int64_t>(static_cast<std::int64_t>(g.size()[a]) - 1, box.hi[a] + m);
  }
  return out;
}

IndexBox wholeGrid(const ImageGeometry& g) {
  IndexBox b;
  for (int a = 0; a < 3; ++a) {
    b.lo[a] = 0;
    b.hi[a] = static_cast<std::int64_t>(g.size()[a]) - 1;
  }
  return b;
}

ImageGeometry cropGeometry(const ImageGeometry& g, const IndexBox& box) {
  Size3 size{0, 0, 0};
  for (int a = 0; a < 3; ++a) size[a] = static_cast<std::size_t>(box.hi[a] - box.lo[a] + 1);
  const Vec3 lo(static_cast<double>(box.lo[0]), static_cast<double>(box.lo[1]),
                static_cast<double>(box.lo[2]));
  return ImageGeometry(size, g.spacing(), g.indexToLps(lo), g.direction());
}

template <class T>
Volume<T> crop(const Volume<T>& v, const IndexBox& box) {
  auto out = Volume<T>::uninitialized(cropGeometry(v.geometry(), box));
  const auto& n = out.size();
  parallelFor(n[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      const T* src =
          &v(static_cast<std::size_t>(box.lo[0]), j + static_cast<std::size_t>(box.lo[1]),
             k + static_cast<std::size_t>(box.lo[2]));
      std::copy(src, src + n[0], &out(0, j, k));
    }
  });
  return out;
}
template Volume<std::uint8_t> crop(const Volume<std::uint8_t>&, const IndexBox&);
template Volume<float> crop(const Volume<float>&, const IndexBox&);

Mask dilate(const Mask& m, double radius_mm) {
  Mask out(m.geometry(), 0);
  const IndexBox bounds = maskBounds(m);
  if (bounds.empty()) return out;
  const IndexBox box = grow(bounds, m.geometry(), radius_mm + m.geometry().spacing().maxCoeff());
  const Mask sub = crop(m, box);
  const Volume<float> d2 = segmentation::squaredDistanceMm2(sub);
  const auto limit = static_cast<float>(radius_mm * radius_mm * (1.0 + 1e-6));
  const auto& n = sub.size();
  parallelFor(n[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (d2(i, j, k) <= limit) {
          out(i + static_cast<std::size_t>(box.lo[0]), j + static_cast<std::size_t>(box.lo[1]),
              k + static_cast<std::size_t>(box.lo[2])) = 1;
        }
      }
    }
  });
  return out;
}

std::size_t countNonZero(const Mask& m) {
  const auto data = m.data();
  return static_cast<std::size_t>(
      std::count_if(data.begin(), data.end(), [](std::uint8_t v) { return v != 0; }));
}

Vec3 centroidLps(const Mask& m, const Vec3& fallback) {
  const auto& n = m.size();
  Vec3 sum(0, 0, 0);
  double count = 0;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (m(i, j, k) == 0) continue;
        sum += Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
        count += 1;
      }
    }
  }
  if (count == 0) return fallback;
  return m.geometry().indexToLps(sum / count);
}

ImageGeometry stageGeometry(const ImageGeometry& g, const IndexBox& box, double spacing_mm) {
  Size3 size{0, 0, 0};
  Vec3 spacing;
  Vec3 origin_index;
  for (int a = 0; a < 3; ++a) {
    const double sp = g.spacing()[a];
    const double factor = std::max(1.0, std::round(spacing_mm / sp));
    const std::int64_t n_src = box.hi[a] - box.lo[a] + 1;
    // Whole cells only (a partial last cell would not be centred on its voxels).
    size[a] = static_cast<std::size_t>(
        std::max<std::int64_t>(1, n_src / static_cast<std::int64_t>(factor)));
    spacing[a] = factor * sp;
    origin_index[a] = static_cast<double>(box.lo[a]) + 0.5 * (factor - 1.0);
  }
  return ImageGeometry(size, spacing, g.indexToLps(origin_index), g.direction());
}

template <class T>
ImageVolume boxAverage(const Volume<T>& src, const IndexBox& box, double spacing_mm) {
  const ImageGeometry& g = src.geometry();
  const ImageGeometry out_geometry = stageGeometry(g, box, spacing_mm);
  const Size3 size = out_geometry.size();
  std::array<std::vector<std::int64_t>, 3> bin;  // output index of each source index in the box
  std::array<std::vector<double>, 3> count;      // source voxels per output index
  std::array<std::size_t, 3> used{0, 0, 0};      // source voxels per axis that fall in whole cells
  for (int a = 0; a < 3; ++a) {
    const auto factor =
        static_cast<std::int64_t>(std::lround(out_geometry.spacing()[a] / g.spacing()[a]));
    const std::int64_t n_src = box.hi[a] - box.lo[a] + 1;
    const auto m = static_cast<std::int64_t>(size[a]);
    used[a] = static_cast<std::size_t>(std::min(n_src, m * factor));
    bin[a].resize(used[a]);
    count[a].assign(static_cast<std::size_t>(m), 0.0);
    for (std::size_t i = 0; i < used[a]; ++i) {
      const std::int64_t b = static_cast<std::int64_t>(i) / factor;
      bin[a][i] = b;
      count[a][static_cast<std::size_t>(b)] += 1.0;
    }
  }
  ImageVolume out(out_geometry, 0.0F);
  // Source slices per output slice (bins are monotonic).
  std::vector<std::int64_t> first(size[2], -1);
  std::vector<std::int64_t> last(size[2], -2);
  for (std::size_t i = 0; i < bin[2].size(); ++i) {
    const auto b = static_cast<std::size_t>(bin[2][i]);
    if (first[b] < 0) first[b] = static_cast<std::int64_t>(i);
    last[b] = static_cast<std::int64_t>(i);
  }
  const std::size_t n_src_x = used[0];
  const std::size_t n_src_y = used[1];
  parallelFor(size[2], [&](std::size_t kz) {
    std::vector<double> acc(size[0] * size[1], 0.0);
    for (std::int64_t ks = first[kz]; ks <= last[kz]; ++ks) {
      const auto k = static_cast<std::size_t>(ks + box.lo[2]);
      for (std::size_t js = 0; js < n_src_y; ++js) {
        const T* row =
            &src(static_cast<std::size_t>(box.lo[0]), js + static_cast<std::size_t>(box.lo[1]), k);
        double* out_row = acc.data() + static_cast<std::size_t>(bin[1][js]) * size[0];
        for (std::size_t is = 0; is < n_src_x; ++is) {
          out_row[bin[0][is]] += static_cast<double>(row[is]);
        }
      }
    }
    const double cz = count[2][kz];
    for (std::size_t j = 0; j < size[1]; ++j) {
      for (std::size_t i = 0; i < size[0]; ++i) {
        const double c = count[0][i] * count[1][j] * cz;
        out(i, j, kz) = c > 0 ? static_cast<float>(acc[i + size[0] * j] / c) : 0.0F;
      }
    }
  });
  return out;
}
template ImageVolume boxAverage(const Volume<float>&, const IndexBox&, double);
template ImageVolume boxAverage(const Volume<std::uint8_t>&, const IndexBox&, double);

Mask threshold(const ImageVolume& fraction, float level) {
  Mask out(fraction.geometry(), 0);
  const auto in = fraction.data();
  auto o = out.data();
  for (std::size_t n = 0; n < in.size(); ++n) o[n] = in[n] >= level ? 1 : 0;
  return out;
}

std::array<float, 2> robustWindow(std::vector<float> values) {
  if (values.empty()) return {0.0F, 1.0F};
  auto at = [&](double q) {
    const auto n = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), values.end());
    return values[n];
  };
  const float lo = at(0.005);
  float hi = at(0.995);
  if (hi < lo + 1.0F) hi = lo + 1.0F;
  return {lo, hi};
}

std::vector<float> valuesInMask(const ImageVolume& img, const Mask& mask) {
  std::vector<float> out;
  const auto v = img.data();
  const auto m = mask.data();
  for (std::size_t n = 0; n < v.size(); ++n) {
    if (m[n] != 0) out.push_back(v[n]);
  }
  return out;
}

void clampTo(ImageVolume& img, const std::array<float, 2>& window) {
  auto v = img.data();
  for (float& x : v) x = std::clamp(x, window[0], window[1]);
}

}  // namespace rfa::followup::regdetail
