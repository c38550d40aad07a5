#pragma once
// What planSessions() (plan_sessions.cpp) and the manual session edits (session_edit.cpp) share:
// the per-lesion volume, the notes derived from the sessions and the timeline. Not public API.
// Units as in plan.h: mL, fractions in [0, 1], days.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "rfa/planning/plan.h"
#include "rfa/planning/profile.h"

namespace rfa::planning::detail {

/// Ablated volume of a lesion's placements: the bioheat confirmation's when present, else the
/// preview's (mL).
double lesionAblatedVolume(const PlanLesion& l);

/// The session reason batching writes about its volume: "ablated volume V mL = F % of the liver
/// (limit L %)" (batching.cpp).
std::string sessionVolumeReason(double volume_ml, double liver_fraction, double max_fraction);

/// The plan note of a session whose lab check does not allow it to proceed; "" otherwise.
std::string sessionLabNote(const PlanSession& s);

/// Notes on the profile's lesion limits (count, diameter) and on scheduled lesions without the full
/// margin, in planSessions()' order, appended to `notes`. Returns false when a lesion limit is hit.
bool lesionLimitNotes(const TreatmentPlan& plan, const ProtocolProfile& profile,
                      std::vector<std::string>& notes);

/// Replaces plan.timeline with the schedule of plan.sessions.size() sessions (schedule.h),
/// numbered from plan.settings.prior_sessions + 1, from `start_date` (none: days from the plan's
/// first RFA only) and sets plan.settings.start_date; returns the timeline's notes.
/// \throws UsageError as scheduleSessions() (e.g. prior + planned sessions > max_sessions).
std::vector<std::string> rebuildTimeline(
    TreatmentPlan& plan, const ProtocolProfile& profile,
    const std::optional<std::chrono::year_month_day>& start_date, int cycles_between_sessions);

/// After a manual edit of a session's lesions: its ablated volume and liver fraction recomputed,
/// its "ablated volume ..." reason replaced (or added), its review reset (the board must look
/// again).
void updateSessionVolume(PlanSession& s, const TreatmentPlan& plan, const ProtocolProfile& profile);

/// After a manual edit: the cumulative volume (plan.settings.prior_ablated_volume_ml + the
/// sessions' volumes) and fraction recomputed, `old_notes` taken out of
/// plan.notes and `new_notes` appended, fits_profile = nothing unplaced, `limits_ok` and no
/// validatePlan() error.
void finishManualEdit(TreatmentPlan& plan, const ProtocolProfile& profile,
                      const std::vector<std::string>& old_notes, std::vector<std::string> new_notes,
                      bool limits_ok);

}  // namespace rfa::planning::detail
