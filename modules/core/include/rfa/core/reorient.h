#pragma once
/// \file reorient.h
/// \brief Exact reorientation of a voxel grid by permuting and reversing its index axes (no
/// resampling, no interpolation): the same voxels at the same LPS positions, stored in another
/// order. Used to run index-space algorithms (slice-wise passes, anisotropic kernels, scan orders)
/// on one canonical storage whatever the acquisition stored: prone, feet-first, flipped columns,
/// sagittal or coronal slices give the same result in patient space.
///
/// Canonical storage: index axis 0 runs along +x (patient left, L), axis 1 along +y (posterior,
/// P), axis 2 along +z (superior, S), each taken as the LPS axis that dominates that index axis's
/// direction column. For an axis-aligned acquisition the canonical direction is the identity; an
/// oblique one keeps its rotation (the nearest axis order is chosen, nothing is resampled).

#include <array>
#include <cstddef>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"

namespace rfa {

/// \brief How a grid maps onto its canonical storage: canonical axis a is the source's index axis
/// `source_axis[a]`, read backwards when `reversed[a]`.
struct AxisReorientation {
  std::array<int, 3> source_axis{0, 1, 2};
  std::array<bool, 3> reversed{false, false, false};

  /// \brief True when the canonical storage is the source storage (nothing to do).
  [[nodiscard]] bool identity() const {
    return source_axis == std::array<int, 3>{0, 1, 2} && !reversed[0] && !reversed[1] &&
           !reversed[2];
  }
};

/// \brief The reorientation of `g` to canonical storage (see the file comment). Ties between LPS
/// axes (a direction column at exactly 45 degrees) go to the lower axis, each LPS axis is used
/// once.
AxisReorientation canonicalReorientation(const ImageGeometry& g);

/// \brief The geometry of `g` stored as `r` says: same voxel centres in LPS mm.
ImageGeometry reorientedGeometry(const ImageGeometry& g, const AxisReorientation& r);

/// \brief Linear index in the source grid (size `source_size`) of canonical voxel (i, j, k).
inline std::size_t sourceLinearIndex(const Size3& source_size, const AxisReorientation& r,
                                     std::size_t i, std::size_t j, std::size_t k) {
  const std::array<std::size_t, 3> c{i, j, k};
  std::array<std::size_t, 3> s{};
  for (int a = 0; a < 3; ++a) {
    const auto sa = static_cast<std::size_t>(r.source_axis[static_cast<std::size_t>(a)]);
    const std::size_t n = source_size[sa];
    s[sa] = r.reversed[static_cast<std::size_t>(a)] ? n - 1 - c[static_cast<std::size_t>(a)]
                                                    : c[static_cast<std::size_t>(a)];
  }
  return s[0] + source_size[0] * (s[1] + source_size[1] * s[2]);
}

/// \brief Calls f(canonical_linear_index, source_linear_index) for every voxel, canonical voxels in
/// storage order (x fastest), for a canonical grid of size `canonical_size` reoriented by `r` from
/// a source grid of size `source_size`.
template <class F>
void forEachReorientedVoxel(const Size3& canonical_size, const Size3& source_size,
                            const AxisReorientation& r, F&& f) {
  std::size_t o = 0;
  for (std::size_t k = 0; k < canonical_size[2]; ++k) {
    for (std::size_t j = 0; j < canonical_size[1]; ++j) {
      for (std::size_t i = 0; i < canonical_size[0]; ++i) {
        f(o++, sourceLinearIndex(source_size, r, i, j, k));
      }
    }
  }
}

/// \brief `v` in the storage `r` describes (a copy when `r` is the identity).
template <class T>
Volume<T> reorientVolume(const Volume<T>& v, const AxisReorientation& r) {
  if (r.identity()) return v;
  Volume<T> out = Volume<T>::uninitialized(reorientedGeometry(v.geometry(), r));
  const auto in = v.data();
  auto dst = out.data();
  forEachReorientedVoxel(out.geometry().size(), v.geometry().size(), r,
                         [&](std::size_t c, std::size_t s) { dst[c] = in[s]; });
  return out;
}

/// \brief Checks that `canonical` lies on reorientedGeometry(source, r). \throws GeometryError.
void requireReorientedGrid(const ImageGeometry& canonical, const ImageGeometry& source,
                           const AxisReorientation& r);

/// \brief The inverse of reorientVolume(): `canonical` (stored as `r` says) back on `source`, the
/// grid it was reoriented from. \throws GeometryError when `canonical` is not on
/// reorientedGeometry(source, r).
template <class T>
Volume<T> restoreVolume(const Volume<T>& canonical, const ImageGeometry& source,
                        const AxisReorientation& r) {
  requireReorientedGrid(canonical.geometry(), source, r);
  if (r.identity()) return canonical;
  Volume<T> out = Volume<T>::uninitialized(source);
  const auto in = canonical.data();
  auto dst = out.data();
  forEachReorientedVoxel(canonical.geometry().size(), source.size(), r,
                         [&](std::size_t c, std::size_t s) { dst[s] = in[c]; });
  return out;
}

}  // namespace rfa
