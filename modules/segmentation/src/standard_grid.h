#pragma once
// The grid every segmentation step runs on, whatever the acquisition stored (internal).
//
// Axis-aligned acquisitions (supine, prone, feet-first, flipped, sagittal or coronal slices) are
// stored canonically by an exact axis permutation/reversal (core/reorient.h: no resampling, the
// results are exact in patient space). Oblique or gantry-tilted acquisitions, whose canonical
// direction still holds a rotation or shear, are then resampled (trilinear) onto an axis-aligned
// grid of the same spacing covering the whole volume, and the results come back by nearest
// neighbour: the index-space steps (working grid, slice-wise passes, scan orders) then see the
// anatomy as they see an axial acquisition.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "rfa/core/grid_bounds.h"
#include "rfa/core/reorient.h"
#include "rfa/core/resample.h"
#include "rfa/core/volume.h"

namespace rfa::segmentation::detail {

class StandardGrid {
 public:
  explicit StandardGrid(const ImageGeometry& source)
      : source_(source), r_(canonicalReorientation(source)) {
    canonical_ = reorientedGeometry(source, r_);
    const Mat3& d = canonical_.direction();
    double off = 0;
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) {
        if (a != b) off = std::max(off, std::abs(d(a, b)));
      }
    }
    oblique_ = off > 1e-3;  // about 0.06 degrees
    if (oblique_) aligned_ = alignedCover(canonical_);
  }

  /// True when the source grid is already the standard one (nothing to convert).
  [[nodiscard]] bool passthrough() const { return r_.identity() && !oblique_; }
  [[nodiscard]] bool oblique() const { return oblique_; }
  [[nodiscard]] const ImageGeometry& standard() const { return oblique_ ? aligned_ : canonical_; }

  /// An image on the standard grid (trilinear when oblique; outside the source: its minimum).
  [[nodiscard]] ImageVolume image(const ImageVolume& v) const {
    ImageVolume c = reorientVolume(v, r_);
    if (!oblique_) return c;
    float lowest = std::numeric_limits<float>::max();
    for (const float x : c.data()) lowest = std::min(lowest, x);
    return resample(c, aligned_, Interpolation::kLinear, lowest);
  }

  /// A mask or label map on the standard grid (nearest neighbour when oblique).
  template <class T>
  [[nodiscard]] Volume<T> labels(const Volume<T>& v) const {
    Volume<T> c = reorientVolume(v, r_);
    if (!oblique_) return c;
    return resample(c, aligned_, Interpolation::kNearest, T{});
  }

  /// A result on the standard grid back on the source grid (nearest neighbour when oblique).
  template <class T>
  [[nodiscard]] Volume<T> back(const Volume<T>& v) const {
    if (v.empty()) return v;
    if (!oblique_) return restoreVolume(v, source_, r_);
    return restoreVolume(resample(v, canonical_, Interpolation::kNearest, T{}), source_, r_);
  }

 private:
  // Identity-direction grid with `g`'s spacing covering every voxel centre of `g`.
  static ImageGeometry alignedCover(const ImageGeometry& g) {
    const auto [lo, hi] = voxelCentreBoundsLps(g);
    Size3 size{};
    for (int k = 0; k < 3; ++k) {
      size[static_cast<std::size_t>(k)] =
          static_cast<std::size_t>(std::ceil((hi[k] - lo[k]) / g.spacing()[k] - 1e-6)) + 1;
    }
    return ImageGeometry(size, g.spacing(), lo, Mat3::Identity());
  }

  ImageGeometry source_;
  AxisReorientation r_;
  ImageGeometry canonical_;
  bool oblique_ = false;
  ImageGeometry aligned_;
};

}  // namespace rfa::segmentation::detail
