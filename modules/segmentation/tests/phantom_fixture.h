#pragma once
// The phantom shared by the segmentation tests (generated once per test program) and a Dice helper.
#include <cstdint>

#include "rfa/core/volume.h"
#include "rfa/phantom/phantom.h"

namespace rfa::segmentation::test {

/// 160 x 160 x 70 voxels of 2.4 x 2.4 x 2.8 mm (the whole body width), 4 lesions, seed 7.
inline const phantom::Phantom& testPhantom() {
  static const phantom::Phantom p = [] {
    phantom::PhantomOptions o;
    o.size = {160, 160, 70};
    o.spacing_mm = {2.4, 2.4, 2.8};
    o.lesions = 4;
    o.seed = 7;
    return phantom::generatePhantom(o);
  }();
  return p;
}

/// Dice coefficient 2 |A & B| / (|A| + |B|) of two masks on one grid (1 when both are empty).
inline double dice(const Mask& a, const Mask& b) {
  std::size_t both = 0;
  std::size_t na = 0;
  std::size_t nb = 0;
  for (std::size_t n = 0; n < a.voxelCount(); ++n) {
    const bool x = a.data()[n] != 0;
    const bool y = b.data()[n] != 0;
    both += x && y ? 1 : 0;
    na += x ? 1 : 0;
    nb += y ? 1 : 0;
  }
  return na + nb == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
}

}  // namespace rfa::segmentation::test
