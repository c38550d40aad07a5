#include "crop.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace rfa::followup::detail {

std::optional<IndexBox> boundingBox(const Mask& mask) {
  const Size3& n = mask.size();
  IndexBox b;
  b.lo = {n[0], n[1], n[2]};
  bool any = false;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (mask(i, j, k) == 0) continue;
        any = true;
        const std::array<std::size_t, 3> ijk{i, j, k};
        for (int a = 0; a < 3; ++a) {
          b.lo[a] = std::min(b.lo[a], ijk[a]);
          b.hi[a] = std::max(b.hi[a], ijk[a] + 1);
        }
      }
    }
  }
  if (!any) return std::nullopt;
  return b;
}

IndexBox unite(const IndexBox& a, const IndexBox& b) {
  IndexBox u;
  for (int d = 0; d < 3; ++d) {
    u.lo[d] = std::min(a.lo[d], b.lo[d]);
    u.hi[d] = std::max(a.hi[d], b.hi[d]);
  }
  return u;
}

IndexBox pad(const IndexBox& box, double pad_mm, const ImageGeometry& g) {
  IndexBox p;
  for (int d = 0; d < 3; ++d) {
    const auto n = static_cast<std::size_t>(std::ceil(std::max(0.0, pad_mm) / g.spacing()[d]));
    p.lo[d] = box.lo[d] > n ? box.lo[d] - n : 0;
    p.hi[d] = std::min(g.size()[d], box.hi[d] + n);
  }
  return p;
}

ImageGeometry subGrid(const ImageGeometry& g, const IndexBox& box) {
  const Vec3 lo(static_cast<double>(box.lo[0]), static_cast<double>(box.lo[1]),
                static_cast<double>(box.lo[2]));
  return ImageGeometry(box.size(), g.spacing(), g.indexToLps(lo), g.direction());
}

}  // namespace rfa::followup::detail

namespace rfa::followup::detail {

void gaussianSmooth(Volume<float>& v, const Vec3& sigma_mm) {
  if (v.empty()) return;
  const Size3 n = v.size();
  std::vector<float> line;
  std::vector<float> out;
  for (int axis = 0; axis < 3; ++axis) {
    const double s = sigma_mm[axis] / v.geometry().spacing()[axis];
    if (!(s > 0)) continue;
    const auto radius = static_cast<std::int64_t>(std::ceil(3.0 * s));
    if (radius < 1) continue;
    std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
    double sum = 0;
    for (std::int64_t t = -radius; t <= radius; ++t) {
      const double w = std::exp(-0.5 * static_cast<double>(t * t) / (s * s));
      kernel[static_cast<std::size_t>(t + radius)] = w;
      sum += w;
    }
    for (auto& w : kernel) w /= sum;
    const std::size_t len = n[static_cast<std::size_t>(axis)];
    const std::size_t stride = axis == 0 ? 1 : (axis == 1 ? n[0] : n[0] * n[1]);
    const std::size_t lines = v.voxelCount() / len;
    auto data = v.data();
    line.resize(len);
    out.resize(len);
    for (std::size_t l = 0; l < lines; ++l) {
      // Start of line l: decompose l over the two other axes.
      std::size_t start = 0;
      if (axis == 0) {
        start = l * n[0];
      } else if (axis == 1) {
        start = (l % n[0]) + (l / n[0]) * n[0] * n[1];
      } else {
        start = l;
      }
      for (std::size_t q = 0; q < len; ++q) line[q] = data[start + q * stride];
      for (std::size_t q = 0; q < len; ++q) {
        double acc = 0;
        for (std::int64_t t = -radius; t <= radius; ++t) {
          const std::int64_t idx = std::clamp<std::int64_t>(static_cast<std::int64_t>(q) + t, 0,
                                                            static_cast<std::int64_t>(len) - 1);
          acc += kernel[static_cast<std::size_t>(t + radius)] * line[static_cast<std::size_t>(idx)];
        }
        out[q] = static_cast<float>(acc);
      }
      for (std::size_t q = 0; q < len; ++q) data[start + q * stride] = out[q];
    }
  }
}

}  // namespace rfa::followup::detail
