#pragma once
// ITK baseline for the segmentation benchmark, behind plain data (no Eigen: ITK 5.2 bundles its own).
#include <array>
#include <cstddef>

namespace rfa::bench {

/// Runs itk::ConnectedThresholdImageFilter on a float volume (x fastest) from `seed` (voxel index)
/// over [lower, upper]; returns the number of voxels in the region.
std::size_t itkConnectedThreshold(const float* voxels, const std::array<std::size_t, 3>& size,
                                  const std::array<double, 3>& spacing,
                                  const std::array<long, 3>& seed, float lower, float upper);

}  // namespace rfa::bench
