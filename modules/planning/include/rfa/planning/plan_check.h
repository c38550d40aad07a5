#pragma once
/// \file plan_check.h
/// \brief Re-validation of a treatment plan (plan.h) against its protocol profile and itself: what
/// `rfaplan plan-check` runs after reading a plan file (plan_io.h). Research use only.
///
/// Units and frames as in plan.h (LPS mm, mL, fractions in [0, 1]). Tolerances: volumes 0.01 mL,
/// fractions 1e-3, margins 1e-3 mm, unit vectors and orthonormality 1e-3, zone centre and
/// semi-axes 0.01 mm (the file rounds every number to 1e-4).

#include <string>
#include <vector>

#include "rfa/planning/plan.h"
#include "rfa/planning/profile.h"
#include "rfa/thermal/preview.h"

namespace rfa::planning {

/// One finding of validatePlan().
struct PlanProblem {
  bool error = true;  ///< true: the plan breaks a rule or contradicts itself; false: a warning
  std::string where;  ///< JSON path in the plan file, e.g. "sessions[1].lesion_ids"
  std::string text;   ///< what is wrong, with the numbers
};

/// \brief Checks `plan` against `profile` and itself. Errors:
///  - lesions: ids >= 1, unique and ascending; every lesion in exactly one session or in
///    `unplaced`; PlanLesion::session equal to the index of the session that lists it (0: none);
///  - settings: prior_sessions >= 0; prior_ablated_volume_ml finite and >= 0 (re-planning after
///    earlier sessions; the problem names the member);
///  - sessions: indices P + 1..P + n in order (P = settings.prior_sessions, 0 for a first plan:
///    1..n); P + n <= profile max_sessions; no empty session; ids that
///    exist, each lesion in at most one session; size <= max_targets; size >= min_targets unless
///    the whole plan schedules fewer than min_targets lesions; ablated_volume_ml equal to the sum
///    of its lesions' ablated volumes (the confirmation's margins when present, else the
///    preview's; 0.01 mL); liver_fraction equal to ablated_volume_ml / liver_volume_ml (1e-3) and
///    <= the profile's max_ablated_liver_fraction;
///  - cumulative_volume_ml equal to settings.prior_ablated_volume_ml + the sum of the sessions'
///    volumes (0.01 mL),
///    cumulative_liver_fraction equal to it / liver_volume_ml (1e-3) and <= the profile limit;
///    liver_volume_ml > 0 when any session exists;
///  - unplaced: ids that exist, listed once, in no session;
///  - a scheduled lesion flagged "none" with a minimal margin (confirmation if present, else
///    preview) below the profile's minimum - 1e-3 mm; a flagged lesion without a reason;
///  - placements: direction_lps not unit; zone axes not orthonormal; with `calibrations`: the
///    zone recomputed by thermal::previewZone(findCalibration(electrode, protocol),
///    {tip, direction}) differs (centre or a semi-axis by more than 0.01 mm, or the w axis from
///    the needle direction by more than 1e-3); an unknown electrode/protocol pair;
///  - the number of "rfa" timeline events differs from the number of sessions;
///  - fits_profile true while `unplaced` is not empty.
/// Warnings: a scheduled flagged lesion; settings.profile != profile.name; settings margins or
/// liver fraction limit different from the profile's; more lesions than the profile's max_count;
/// a lesion larger than its max_diameter_mm.
/// Problems are in the order above within each part of the plan; throws nothing but
/// std::bad_alloc.
std::vector<PlanProblem> validatePlan(
    const TreatmentPlan& plan, const ProtocolProfile& profile,
    const std::vector<thermal::PreviewCalibration>* calibrations = nullptr);

/// \brief Throws when `problems` holds at least one error (warnings alone do nothing).
/// \throws PlanRuleError whose message lists every error, one per line:
/// "<file>: <where>: <text>".
void throwIfInvalid(const std::vector<PlanProblem>& problems, const std::string& file);

}  // namespace rfa::planning
