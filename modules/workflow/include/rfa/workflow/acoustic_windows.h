#pragma once
/// \file acoustic_windows.h
/// \brief Whether each planned needle can be guided under ultrasound: for every lesion of the
/// case's plan with a placement, the best probe window of its first needle
/// (ultrasound::bestNeedleWindow(): the probe in the needle's plane, rotated about the shaft and
/// slid across it on the skin) on the case's CT, with bone and lung masks of its segmentation as
/// obstacles, and the flags an operator would want before the procedure. Research use only.
///
/// Frames and units: DICOM patient LPS, mm.

#include <optional>
#include <string>
#include <vector>

#include "rfa/ultrasound/probe.h"
#include "rfa/ultrasound/window_search.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// \brief The window of one lesion's first needle.
struct LesionWindow {
  int lesion_id = 0;
  std::optional<ultrasound::ProbeWindow> window;  ///< none: no probe pose touches the skin
  /// "no acoustic window" (less than half the lesion visible from the best pose), "needle not
  /// visible" (less than half of its path), "deep (> 12 cm)" (the lesion's visible part).
  std::vector<std::string> flags;
};

/// \brief The windows of the plan's lesions with placements, in plan order.
/// \throws NoDataError when the case has no plan or no lesion map; what bestNeedleWindow() throws.
std::vector<LesionWindow> acousticWindows(const CaseState& state,
                                          const ultrasound::ProbeModel& probe);

}  // namespace rfa::workflow
