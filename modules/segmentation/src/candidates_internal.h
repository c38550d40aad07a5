#pragma once
// Private to rfa::segmentation: crops and per-region statistics of the lesion candidate detection
// (candidates.cpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::segmentation::candidates_detail {

/// A box of the CT grid: first voxel and size (voxels).
struct Box {
  std::array<std::size_t, 3> lo{0, 0, 0};
  Size3 size{0, 0, 0};
  /// Linear index on the full grid of size `full` of the box voxel (i, j, k).
  [[nodiscard]] std::size_t fullIndex(const Size3& full, std::size_t i, std::size_t j,
                                      std::size_t k) const {
    return (lo[0] + i) + full[0] * ((lo[1] + j) + full[1] * (lo[2] + k));
  }
};

/// Bounding box of the non-zero voxels of `mask` grown by `margin` voxels (clipped to the grid);
/// size 0 when the mask is empty.
Box nonZeroBox(const Mask& mask, std::size_t margin);

/// The part of `v` inside `box`, with its geometry (origin moved to the box's first voxel).
template <class T>
Volume<T> cropVolume(const Volume<T>& v, const Box& box);

/// Statistics of one labelled region of a crop. Index-space quantities are in crop voxels.
struct RegionStats {
  std::size_t count = 0;
  Vec3 centroid_index{0, 0, 0};                 // crop continuous index
  double mean_raw = 0;                          // HU, unsmoothed CT
  double mean_smooth = 0;                       // HU, smoothed CT
  double rim_fraction = 0;                      // voxels within the rim / count
  std::array<std::size_t, 3> deepest{0, 0, 0};  // crop index of the deepest voxel
  double deepest_mm2 = -1;                      // its squared depth (mm^2); -1 without a depth map
  double longest_extent_mm = 0;                 // over 13 directions, voxel width included
  double compactness = 0;  // volume / volume of the sphere of the longest extent, <= 1
  double diameter_mm = 0;  // equivalent sphere diameter
  double volume_ml = 0;
};

/// Inputs of regionStats(), all on one crop grid.
struct RegionInputs {
  const LabelMap* labels = nullptr;             // regions 1..n, 0 = background
  const ImageVolume* raw = nullptr;             // CT (HU)
  const ImageVolume* smooth = nullptr;          // smoothed CT (HU)
  const Volume<float>* liver_depth2 = nullptr;  // squared distance to non-liver (mm^2)
  const Volume<float>* inner_depth2 = nullptr;  // squared distance to non-region, or nullptr
  double rim_mm = 0;
};

/// Statistics of labels 1..n (index 0 of the result unused).
std::vector<RegionStats> regionStats(const RegionInputs& in, std::size_t n);

}  // namespace rfa::segmentation::candidates_detail
