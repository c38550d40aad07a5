#pragma once
/// \file ultrasound_images.h
/// \brief The ultrasound view of a saved plan, as `rfaplan ultrasound` writes it: per lesion with
/// a placement, the best probe window of its first needle (recorded in the plan, or assessed now
/// for a plan made without it) and the simulated B-mode image of that probe plane with the lesion,
/// zones and needles drawn (report/probe_image.h), as PNG, plus a JSON summary. Research use only.
///
/// Frames: DICOM patient LPS, mm.

#include <filesystem>
#include <string>
#include <vector>

#include "rfa/planning/plan_case.h"

namespace rfa::workflow {

struct UltrasoundImagesOptions {
  planning::PlanCaseOptions inputs;  ///< series / segmentation overrides
  int lesion_id = 0;                 ///< 0: every lesion with a placement
  int size_px = 512;                 ///< image width = height, 64..2048
  /// Probe for lesions the plan has no window for ("" : "curvilinear-abdominal").
  std::string probe;
};

/// \brief One lesion's picture.
struct UltrasoundImage {
  int lesion_id = 0;
  std::filesystem::path file;  ///< "" when the lesion has no probe window (nothing drawn)
  std::string summary;         ///< report::windowSummary()
  std::vector<std::string> flags;
  bool assessed_now = false;  ///< the plan had no window for it
  double frame_ms = 0;        ///< B-mode simulation time
};

/// \brief Writes `out_dir`/lesion-<id>-ultrasound.png per lesion and `out_dir`/ultrasound.json
/// (the windows, flags and files), creating `out_dir`; files written atomically.
/// \throws what planning::loadPlanCase() throws; UsageError for a lesion the plan does not have
/// or has no placement for, or a size out of range; WriteError.
std::vector<UltrasoundImage> writeUltrasoundImages(const std::filesystem::path& plan_file,
                                                   const std::filesystem::path& out_dir,
                                                   const UltrasoundImagesOptions& options = {});

}  // namespace rfa::workflow
