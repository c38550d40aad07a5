#pragma once
/// \file volume_file.h
/// \brief Volume files: NRRD (.nrrd, .nhdr) and NIfTI-1 (.nii, .nii.gz), and MetaImage (.mha/.mhd).
/// Geometry is converted to/from LPS mm (NIfTI stores RAS; the conversion is done by ITK's reader).

#include <filesystem>

#include "rfa/core/volume.h"

namespace rfa::io {

/// \brief True if the file name ends in a supported volume extension.
bool isVolumeFileName(const std::filesystem::path& file);

/// \brief Reads a scalar volume as float. \throws NotFoundError, CorruptDataError, UnsupportedError
/// (vector images, 2D files).
ImageVolume readVolumeFile(const std::filesystem::path& file);

/// \brief Reads a label map (integer voxel values 0..65535). \throws as readVolumeFile, and
/// CorruptDataError if a voxel is negative, non-integer or > 65535.
LabelMap readLabelFile(const std::filesystem::path& file);

/// \brief How volume files are written.
struct VolumeWriteOptions {
  /// gzip level of .nii.gz files: 1 fastest .. 9 smallest as in gzip and pigz (libdeflate also
  /// takes 10..12). The default is a fast level: 2-3x faster than 6 for a few per cent more bytes
  /// on CT (docs/benchmarks.md).
  int compression_level = 3;
};

/// \brief Writes a volume, gzip-compressed where the format allows (NRRD gzip encoding, .nii.gz).
/// A .nii.gz is compressed on all cores (independent gzip members, which gzip, zlib and ITK read as
/// one stream) at options.compression_level; NRRD and MetaImage through ITK's own writers.
/// The file is written to a temporary name in the same folder and renamed, so an existing file is
/// never left half-written. Instantiated for float, int16_t, uint8_t, uint16_t.
/// \throws WriteError naming the file; UsageError for a compression level outside 1..12.
template <class T>
void writeVolumeFile(const std::filesystem::path& file, const Volume<T>& volume,
                     const VolumeWriteOptions& options = {});

/// \brief The voxel type writeVolumeFileExact() chose.
enum class StoredVoxelType { kInt16, kUInt16, kFloat32 };
/// \brief "int16", "uint16", "float32".
const char* storedVoxelTypeName(StoredVoxelType t);

/// \brief The narrowest type that holds every voxel of `volume` exactly: int16 when all are
/// integers in -32768..32767 (CT in HU after the DICOM rescale), uint16 when in 0..65535, else
/// float32 (non-integer rescale, e.g. many MR series; NaN).
StoredVoxelType exactVoxelType(const ImageVolume& volume);

/// \brief Writes `volume` (float in memory) as exactVoxelType(): CT is stored as int16, half the
/// bytes of float32, with the same values. \throws as writeVolumeFile. \returns the type written.
StoredVoxelType writeVolumeFileExact(const std::filesystem::path& file, const ImageVolume& volume,
                                     const VolumeWriteOptions& options = {});

}  // namespace rfa::io
