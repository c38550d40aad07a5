#pragma once
// Plain-data bridge to ITK's ImageIO classes. This header and its .cpp include no Eigen: ITK 5.2
// bundles its own Eigen ("itkeigen") that cannot share a translation unit with the system Eigen.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace rfa::io::detail {

enum class VoxelType { kFloat, kInt16, kUInt16, kUInt8 };

struct PlainVolume {
  std::array<std::size_t, 3> size{1, 1, 1};
  std::array<double, 3> spacing{1, 1, 1};
  std::array<double, 3> origin{0, 0, 0};
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  ///< row-major, columns = axes (LPS)
  std::vector<float> voxels;  ///< x fastest (only filled by readPlainVolume)
};

/// True if ITK has a reader/writer for the file name's extension.
bool hasVolumeIo(const std::string& file);

/// Reads a scalar 2-D/3-D volume as float. Throws rfa::Error subclasses naming the file.
PlainVolume readPlainVolume(const std::string& file);

/// Writes `data` (type `type`, x fastest) with geometry from `geometry`; ITK's gzip where the
/// format allows and `compress`. Throws WriteError naming the file.
void writePlainVolume(const std::string& file, const PlainVolume& geometry, const void* data,
                      VoxelType type, bool compress = true);

}  // namespace rfa::io::detail
