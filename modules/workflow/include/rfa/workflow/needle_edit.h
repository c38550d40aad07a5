#pragma once
/// \file needle_edit.h
/// \brief A needle of the open case's plan dragged by hand: the live preview (zone, margins, path
/// problems; planning::previewPlacementEdit) and applying it (planning::applyPlacementEdit), with
/// the case's anatomy, profile and the installed electrodes and preview calibrations. Qt-free.
///
/// Frames and units: DICOM patient LPS mm.

#include <vector>

#include "rfa/planning/placement_edit.h"
#include "rfa/planning/plan_check.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// \brief What the lesion would look like with the needle moved; changes nothing. About 7-30 ms
/// (placement_edit.h). \throws NoDataError without a plan or anatomy; what
/// previewPlacementEdit() throws.
planning::PlacementEditResult previewNeedleEdit(const CaseState& state,
                                                const planning::PlacementEdit& edit);

/// \brief Applies the edit to state.plan (planning::applyPlacementEdit) and returns the plan's
/// rule problems. The plan is then no longer confirmed for that lesion. When the first needle of a
/// lesion with a recorded acoustic window moves, the window is assessed again with the same probe
/// (acoustic_windows.h). Throws as previewNeedleEdit() and acousticWindows().
std::vector<planning::PlanProblem> applyNeedleEdit(CaseState& state,
                                                   const planning::PlacementEdit& edit);

}  // namespace rfa::workflow
