#pragma once
/// \file session_edit.h
/// \brief Manual edits of a plan's sessions, as a tumour board or a radiologist makes them by
/// hand (the GUI's drag of a lesion to another session). Research use only: a planning aid, never
/// a clinical decision.
///
/// Units as in plan.h: volumes in mL, fractions in [0, 1], timeline days from the first RFA.

#include <vector>

#include "rfa/planning/plan.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/profile.h"

namespace rfa::planning {

/// \brief Moves lesion `lesion_id` into session `to_session`, a session number as in
/// PlanSession::index: P + 1 .. P + n, P = plan.settings.prior_sessions (earlier sessions of a
/// re-plan, 0 for a first plan) and n the number of sessions; P + n + 1 opens a new session,
/// allowed up to the profile's max_sessions (prior sessions included). The lesion may come
/// from another session or from `plan.unplaced` (only when it has placements: a lesion without a
/// safe path cannot be scheduled).
///
/// Afterwards:
///  - a session left empty is removed and the later sessions are renumbered from P + 1 (their
///    labs, lab decision and review move with them); PlanLesion::session is updated for every
///    lesion;
///  - each touched session (the one left, the one entered) gets its ablated_volume_ml and
///    liver_fraction recomputed as planSessions() does (confirmation volume when present, else the
///    preview's), its "ablated volume ..." reason updated, and its review_status reset to "" (the
///    board must review it again); the target session gets the reason
///    "L<id> moved here by hand from session <k>" (k: its number before the move) or
///    "L<id> moved here by hand from the unscheduled lesions" (an automatic candidate "to review"
///    moved so becomes "accepted", PlanLesion::detection); a new session has no labs;
///  - cumulative_volume_ml / cumulative_liver_fraction (settings.prior_ablated_volume_ml
///    included), the timeline (schedule.h, numbered from P + 1, with the plan's
///    settings.cycles_between_sessions and settings.start_date) and the notes that derive from the
///    sessions (lab decisions, lesion limits, flagged scheduled lesions, timeline) are recomputed;
///    other notes are kept;
///  - fits_profile is true only when no lesion is left unscheduled, the profile's lesion limits
///    hold and validatePlan() finds no error.
/// The move is made even when it breaks a rule of the profile (a human decision): the returned
/// problems say which (e.g. a session over the liver-fraction limit or over max_targets).
///
/// \returns validatePlan(plan, profile) of the edited plan (plan_check.h).
/// \throws NotFoundError for a lesion id that is not in the plan. \throws UsageError, leaving
/// `plan` unchanged, when to_session < P + 1 or > min(P + n + 1, max_sessions), when
/// settings.prior_sessions < 0, when the lesion is already in `to_session`, when it has no
/// placements (the message names the lesion), or when the timeline cannot be scheduled
/// (scheduleSessions(): e.g. cycles_between_sessions outside the profile's range once there are
/// two sessions).
std::vector<PlanProblem> moveLesionToSession(TreatmentPlan& plan, int lesion_id, int to_session,
                                             const ProtocolProfile& profile);

}  // namespace rfa::planning
