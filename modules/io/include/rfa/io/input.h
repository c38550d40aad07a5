#pragma once
/// \file input.h
/// \brief One entry point for every command's INPUT: a DICOM folder or file, an rfaplan phantom
/// folder (DIR/ct + DIR/truth.json), or a volume file (NRRD/NIfTI/MetaImage).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/io/dicom_types.h"

namespace rfa::io {

enum class InputKind { kDicom, kPhantomFolder, kVolumeFile };

/// \brief What an input path is, and where its DICOM series or volume file is.
struct ResolvedInput {
  InputKind kind = InputKind::kDicom;
  std::filesystem::path path;        ///< as given
  std::filesystem::path image_path;  ///< DICOM folder/file or volume file to read
};

/// \brief Classifies `path`. \throws NotFoundError if it does not exist.
ResolvedInput resolveInput(const std::filesystem::path& path);

/// \brief An image ready for processing, with its DICOM series record when it came from DICOM.
struct LoadedImage {
  ImageVolume image;
  std::optional<DicomSeries> series;  ///< empty for volume files
  std::vector<std::string> warnings;
  std::string source;  ///< human description: "DICOM series <uid> (<desc>)" or the file name
};

/// \brief Loads INPUT. For DICOM with several series, `series_id` (a DicomSeries::id or
/// SeriesInstanceUID) chooses one; without it the input must hold exactly one loadable series.
/// \throws SelectionError listing the candidates when the choice is ambiguous or not found, and
/// what scanDicom/loadSeries/readVolumeFile throw.
LoadedImage loadImage(const std::filesystem::path& input, const std::string& series_id = {});

}  // namespace rfa::io
