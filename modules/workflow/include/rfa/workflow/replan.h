#pragma once
/// \file replan.h
/// \brief Re-planning the next RFA session on a follow-up: a new case on the follow-up
/// image whose lesions are the ones still to treat (matched across time points by
/// followup::assessTimepoint(), ids kept; new lesions numbered after the plan's), planned with
/// the earlier sessions counted in the profile's session limit and cumulative ablated-volume
/// budget. Research use only: a planning aid for a tumour board, never a clinical decision.
///
/// Frames and units: the new case is on the FOLLOW-UP grid and frame (its own DICOM patient LPS
/// mm): that is where the next session's needles go. Volumes mL.

#include <string>

#include "rfa/followup/timeline.h"
#include "rfa/followup/timepoint.h"
#include "rfa/io/input.h"
#include "rfa/planning/plan.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// \brief The request the next session is planned with, by `rfaplan followup --next-plan` and the
/// workstation alike: the bioheat confirmation when `confirm`, and with `ultrasound` the planner's
/// preference for needles in a visible probe plane of ultrasound::kDefaultProbe (as `rfaplan
/// plan` does by default).
PlanRequest nextSessionRequest(bool confirm, bool ultrasound);

/// \brief Builds and plans the next session's case: image = `followup` (as loaded, `followup_input`
/// its path), liver = the time point's follow-up liver, lesions = `next.targets` painted from the
/// time point's follow-up lesion map with their next-plan ids; the rest of the anatomy is
/// segmented (ensureAnatomy()); profile = the previous plan's; request.base.batching gets
/// prior_sessions = next.sessions_done and prior_ablated_volume_ml = next.ablated_volume_ml, and
/// the plan records `previous_name` as its prior plan. Progress as planCase().
/// \returns the case with its plan (not saved: savePlan()).
/// \throws NoDataError when no target is left (nothing to re-plan) or the time point is not on
/// `followup`'s grid; what ensureAnatomy() and planCase() throw.
CaseState replanNextSession(const planning::TreatmentPlan& previous,
                            const std::string& previous_name,
                            const followup::TimepointResult& timepoint,
                            const followup::NextSession& next, io::LoadedImage followup,
                            const std::string& followup_input, PlanRequest request,
                            const std::string& version, const Progress& progress = {});

}  // namespace rfa::workflow
