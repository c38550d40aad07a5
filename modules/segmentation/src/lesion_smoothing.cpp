// Gaussian smoothing of the lesion crop (lesion.cpp), normalised inside a mask.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lesion_smoothing.h"
#include "rfa/core/parallel.h"
#include "rfa/core/volume.h"

namespace rfa::segmentation::lesion_detail {

namespace {

using I64 = std::int64_t;

// One axis of a separable Gaussian with clamped borders, in place; parallel over the other axes.
void gaussianAxis(ImageVolume& v, int axis, double sigma_vox) {
  if (sigma_vox < 0.25) return;
  const int r = static_cast<int>(std::ceil(3.0 * sigma_vox));
  std::vector<float> w(static_cast<std::size_t>(2 * r + 1));
  double sum = 0;
  for (int t = -r; t <= r; ++t) {
    const double x = std::exp(-0.5 * t * t / (sigma_vox * sigma_vox));
    w[static_cast<std::size_t>(t + r)] = static_cast<float>(x);
    sum += x;
  }
  for (float& x : w) x = static_cast<float>(x / sum);
  const Size3 s = v.size();
  const std::array<std::size_t, 3> stride{1, s[0], s[0] * s[1]};
  const std::size_t len = s[static_cast<std::size_t>(axis)];
  const std::size_t step = stride[static_cast<std::size_t>(axis)];
  const int a1 = axis == 0 ? 1 : 0;
  const int a2 = axis == 2 ? 1 : 2;
  const std::size_t n1 = s[static_cast<std::size_t>(a1)];
  const std::size_t n2 = s[static_cast<std::size_t>(a2)];
  float* data = v.data().data();
  parallelFor(n2, [&](std::size_t b) {
    std::vector<float> line(len);
    for (std::size_t a = 0; a < n1; ++a) {
      const std::size_t base =
          a * stride[static_cast<std::size_t>(a1)] + b * stride[static_cast<std::size_t>(a2)];
      for (std::size_t n = 0; n < len; ++n) line[n] = data[base + n * step];
      const I64 last = static_cast<I64>(len) - 1;
      for (std::size_t n = 0; n < len; ++n) {
        float acc = 0;
        for (int t = -r; t <= r; ++t) {
          const I64 m = std::clamp(static_cast<I64>(n) + t, I64{0}, last);
          acc += w[static_cast<std::size_t>(t + r)] * line[static_cast<std::size_t>(m)];
        }
        data[base + n * step] = acc;
      }
    }
  });
}

}  // namespace

// Gaussian of sigma_mm (mm; per-axis sigma in voxels from the spacing) on `v` in place. With
// `inside` (same grid), a normalised convolution over the voxels of `inside` only: values outside
// it (fat and air beyond the liver surface) do not darken the voxels at its edge.
void smoothInside(ImageVolume& v, const Mask* inside, double sigma_mm) {
  if (sigma_mm <= 0) return;
  ImageVolume weight(v.geometry(), 1.0F);
  if (inside != nullptr) {
    for (std::size_t n = 0; n < weight.voxelCount(); ++n) {
      weight.data()[n] = inside->data()[n] != 0 ? 1.0F : 0.0F;
      v.data()[n] *= weight.data()[n];
    }
  }
  const Vec3& spacing = v.geometry().spacing();
  for (int a = 0; a < 3; ++a) {
    gaussianAxis(v, a, sigma_mm / spacing[a]);
    if (inside != nullptr) gaussianAxis(weight, a, sigma_mm / spacing[a]);
  }
  if (inside == nullptr) return;
  for (std::size_t n = 0; n < weight.voxelCount(); ++n) {
    if (weight.data()[n] > 1e-3F) v.data()[n] /= weight.data()[n];
  }
}

}  // namespace rfa::segmentation::lesion_detail
