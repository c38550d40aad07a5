#pragma once
// Internal to rfa::io: streaming writers of NIfTI-1 (.nii, .nii.gz) and NRRD (.nrrd) for float
// volumes stored as int16, uint16 or float32, the voxels converted and gzip-compressed
// (block-parallel members) block by block on all cores: no copy of the volume.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include "rfa/core/volume.h"

namespace rfa::io::detail {

enum class StreamType : std::int16_t { kInt16 = 4, kFloat32 = 16, kUInt16 = 512 };  // NIfTI codes

/// The 352 bytes before the voxels of a single-file NIfTI-1 (header + empty extension flag):
/// geometry converted from LPS to NIfTI's RAS, qform and sform both "scanner" (code 1), units mm.
std::array<std::uint8_t, 352> niftiHeader(const ImageGeometry& g, StreamType type);

/// The text header of an attached NRRD (NRRD0004, space left-posterior-superior: LPS as stored),
/// encoding gzip or raw, ending with the blank line before the voxels.
std::string nrrdHeader(const ImageGeometry& g, StreamType type, bool gzip);

/// Writes `v` to `file` as NIfTI-1 (`nrrd` false) or NRRD, each voxel converted to `type` (exact:
/// the caller checked that the values fit), gzip-compressed at `gzip_level` (1..12) or plain when
/// 0. Throws WriteError naming the file.
void writeStreamed(const std::filesystem::path& file, const ImageVolume& v, StreamType type,
                   bool nrrd, int gzip_level);

}  // namespace rfa::io::detail
