#pragma once
/// \file plan_case.h
/// \brief A saved plan with what it was made on: the source image series (checked to be the one
/// planned) and the segmentation folder. What every exporter (RTSTRUCT, SEG, report) starts from.

#include <filesystem>
#include <string>
#include <vector>

#include "rfa/io/input.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/planning/plan.h"

namespace rfa::planning {

/// \brief Where to find the series and segmentation when not where the plan says.
struct PlanCaseOptions {
  /// The image series (DICOM folder, phantom folder or volume file); empty: the plan's
  /// source.input, tried as recorded, then relative to the plan file's folder.
  std::filesystem::path series;
  /// The segmentation folder; empty: the plan's source.segmentation ("automatic (written to
  /// NAME/)" is NAME/ beside the plan file; a path is tried as recorded, then beside the plan).
  std::filesystem::path segmentation;
};

/// \brief The plan, its image and its segmentation, all on the plan's grid (LPS mm).
struct PlanCase {
  std::filesystem::path plan_file;
  planning::TreatmentPlan plan;
  std::filesystem::path image_path;  ///< where the image was loaded from
  io::LoadedImage image;
  std::filesystem::path segmentation_dir;
  io::SegmentationFolder segmentation;  ///< liver and lesions present (checked)
  std::vector<std::string> notes;       ///< loader warnings
};

/// \brief Loads `plan_file` (readPlanFile), its image and its segmentation.
/// \throws what readPlanFile, io::loadImage and io::readSegmentationFolder throw; NotFoundError
/// naming the path recorded in the plan when the series or segmentation cannot be found (give
/// --series / --segmentation); SelectionError naming both values when the series found is not
/// the one planned (Series Instance UID, grid or SHA-256 of the voxels differ); NoDataError when
/// the segmentation has no liver.nrrd or lesions.nrrd; GeometryError when it is on another grid.
PlanCase loadPlanCase(const std::filesystem::path& plan_file, const PlanCaseOptions& options = {});

}  // namespace rfa::planning
