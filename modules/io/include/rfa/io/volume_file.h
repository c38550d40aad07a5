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

/// \brief Writes a volume, gzip-compressed where the format allows (NRRD gzip encoding, .nii.gz).
/// The file is written to a temporary name in the same folder and renamed, so an existing file is
/// never left half-written. Instantiated for float, int16_t, uint8_t, uint16_t.
/// \throws WriteError naming the file.
template <class T>
void writeVolumeFile(const std::filesystem::path& file, const Volume<T>& volume);

}  // namespace rfa::io
