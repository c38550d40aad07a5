#pragma once
/// \file crop.h
/// \brief Private: index boxes of masks and cropping of volumes to them (same spacing and
/// direction, origin moved; LPS mm).

#include <array>
#include <cstddef>
#include <optional>

#include "rfa/core/volume.h"

namespace rfa::followup::detail {

/// \brief Half-open voxel index box [lo, hi).
struct IndexBox {
  std::array<std::size_t, 3> lo{0, 0, 0};
  std::array<std::size_t, 3> hi{0, 0, 0};
  [[nodiscard]] Size3 size() const { return {hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]}; }
};

/// \brief Box of the non-zero voxels of `mask`; none when it is empty.
std::optional<IndexBox> boundingBox(const Mask& mask);

/// \brief Smallest box holding both.
IndexBox unite(const IndexBox& a, const IndexBox& b);

/// \brief `box` grown by `pad_mm` on every side (per-axis voxels = ceil(pad / spacing)), clamped
/// to the grid `g`.
IndexBox pad(const IndexBox& box, double pad_mm, const ImageGeometry& g);

/// \brief The sub-grid of `g` covered by `box` (origin at the box's first voxel).
ImageGeometry subGrid(const ImageGeometry& g, const IndexBox& box);

/// \brief The voxels of `v` inside `box`, on subGrid(v.geometry(), box).
template <class T>
Volume<T> crop(const Volume<T>& v, const IndexBox& box) {
  Volume<T> out = Volume<T>::uninitialized(subGrid(v.geometry(), box));
  const Size3 n = box.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        out(i, j, k) = v(box.lo[0] + i, box.lo[1] + j, box.lo[2] + k);
      }
    }
  }
  return out;
}

/// \brief Writes `part` (on subGrid(full's grid, box)) back into `full`.
template <class T>
void uncrop(const Volume<T>& part, const IndexBox& box, Volume<T>& full) {
  const Size3 n = box.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        full(box.lo[0] + i, box.lo[1] + j, box.lo[2] + k) = part(i, j, k);
      }
    }
  }
}

}  // namespace rfa::followup::detail

namespace rfa::followup::detail {

/// \brief Separable Gaussian smoothing in place, `sigma_mm` (mm) per grid axis (i, j, k), kernel
/// cut at 3 sigma, border values repeated. An axis with sigma below a third of its spacing is
/// left unsmoothed.
void gaussianSmooth(Volume<float>& v, const Vec3& sigma_mm);

}  // namespace rfa::followup::detail
