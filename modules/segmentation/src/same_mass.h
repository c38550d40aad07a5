// Internal to rfa::segmentation: when a mass grown without the liver mask is the same mass as the
// one grown inside it (or detected in it), only no longer cut by the liver's automatic boundary.
#pragma once

#include <cstddef>

namespace rfa::segmentation::detail {

/// A mass grown without the liver replaces the one found inside it when it holds at least this
/// share of it and has at most this many times its voxels (beyond: a leak into a neighbour).
/// Measured on IRCADb 17 (docs/validation.md): tumour 1 at the dome, which the automatic liver
/// cuts.
inline constexpr double kSameMassMinOverlap = 0.9;
inline constexpr double kSameMassMaxGrowth = 2.0;

/// \param inside voxels of the mass found inside the liver; \param grown voxels of the mass grown
/// without it; \param common voxels in both.
inline bool sameMassUncut(std::size_t inside, std::size_t grown, std::size_t common) {
  return static_cast<double>(common) >= kSameMassMinOverlap * static_cast<double>(inside) &&
         static_cast<double>(grown) <= kSameMassMaxGrowth * static_cast<double>(inside);
}

}  // namespace rfa::segmentation::detail
