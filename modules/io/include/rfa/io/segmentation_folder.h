#pragma once
/// \file segmentation_folder.h
/// \brief The output folder of `rfaplan segment` (also the layout of a phantom's truth/ folder):
/// one NRRD file per structure, all on the grid of the segmented CT (geometry in DICOM patient LPS
/// mm, as in every volume file, see volume_file.h):
///   body.nrrd, lung.nrrd, bone.nrrd, liver.nrrd, gallbladder.nrrd: uint8 masks, 0/1;
///   lesions.nrrd: uint16 lesion labels 1..N, 0 elsewhere;
///   vessels.nrrd: float, local vessel lumen radius in mm inside vessels, 0 elsewhere.
/// Every file is optional. Other files of the folder (lesions.json, ...) are not touched.

#include <filesystem>
#include <optional>

#include "rfa/core/volume.h"

namespace rfa::io {

/// \brief The volumes of a segmentation folder; an absent file is an empty optional.
struct SegmentationFolder {
  std::optional<Mask> body;         ///< body.nrrd: everything inside the skin
  std::optional<Mask> lung;         ///< lung.nrrd
  std::optional<Mask> bone;         ///< bone.nrrd
  std::optional<Mask> liver;        ///< liver.nrrd: parenchyma with lesions and vessels inside
  std::optional<Mask> gallbladder;  ///< gallbladder.nrrd
  std::optional<LabelMap> lesions;  ///< lesions.nrrd: lesion labels 1..N
  std::optional<ImageVolume> vessel_radius_mm;  ///< vessels.nrrd: lumen radius (mm), 0 outside
};

/// \brief Writes each present volume of `folder` into `dir` as <name>.nrrd (names above),
/// creating `dir` if needed; absent volumes leave any existing file of that name alone. Each file
/// is replaced atomically (writeVolumeFile()).
/// \throws GeometryError, before anything is written, when the present volumes are not all on one
/// grid (naming both files and their grids). \throws WriteError naming the folder or file.
void writeSegmentationFolder(const std::filesystem::path& dir, const SegmentationFolder& folder);

/// \brief Reads the segmentation folder `dir`: each of the files above that exists; the others
/// stay empty. Masks are read as 0/1 (any non-zero voxel value becomes 1).
/// \throws NotFoundError naming `dir` when it is not a folder ("expected the output folder of
/// 'rfaplan segment'"). \throws GeometryError naming both files and their grids (size, spacing,
/// origin) when a file is not on the grid of the first one read (order: body, lung, bone, liver,
/// gallbladder, lesions, vessels). \throws CorruptDataError, UnsupportedError as readLabelFile()
/// and readVolumeFile() for a malformed file (mask and label files: integers 0..65535).
SegmentationFolder readSegmentationFolder(const std::filesystem::path& dir);

/// \brief The vessels of `folder` as a mask (1 where the lumen radius is > 0), on their grid; none
/// when the folder has no vessels. (The fluid of the simulated ultrasound.)
std::optional<Mask> vesselMaskOf(const SegmentationFolder& folder);

}  // namespace rfa::io
