#pragma once
// Private to rfa::segmentation: a mask from a per-voxel predicate.
#include <cstddef>

#include "rfa/core/parallel.h"
#include "rfa/core/volume.h"

namespace rfa::segmentation::detail {

/// out[n] = keep(n) ? 1 : 0 for every linear voxel index n of `geometry`, parallel over slices.
template <class Keep>
Mask selectVoxels(const ImageGeometry& geometry, Keep&& keep) {
  Mask out = Mask::uninitialized(geometry);
  const std::size_t per_slice = geometry.size()[0] * geometry.size()[1];
  parallelFor(geometry.size()[2], [&](std::size_t k) {
    for (std::size_t n = k * per_slice; n < (k + 1) * per_slice; ++n) {
      out.data()[n] = keep(n) ? 1 : 0;
    }
  });
  return out;
}

}  // namespace rfa::segmentation::detail
