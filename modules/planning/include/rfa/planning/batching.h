#pragma once
/// \file batching.h
/// \brief Grouping of lesions into RFA sessions ("batches") under a protocol profile: 2-6 targets
/// per session, at most 3 sessions, ablated volume per session and in total below a fraction of
/// the liver, each grouping with the reasons a tumour board can read.
///
/// Frames and units: positions in DICOM patient LPS mm; entry directions are unit vectors in LPS
/// (from the skin entry towards the target); volumes in mL; angles in degrees.
///
/// Method (deterministic):
///  1. Lesions without a safe path or coverage (`feasible` false) are left out with their reason.
///  2. Priority: diameter (mm) + `priority_vessel_bonus_mm` when next to a major vessel or bile
///     duct + `priority_growth_bonus_mm` when it grew since the last imaging; ties by id.
///  3. Session count n = max(1, ceil(N / max_targets)) for the N feasible lesions (the fewest
///     sessions: each is a procedure under sedation and a systemic-therapy pause, while lesions in
///     two windows only cost a repositioning within a session); when n exceeds
///     max_sessions the profile cannot hold them: the plan keeps max_sessions x max_targets
///     lesions in priority order and reports the rest as not fitting (best partial plan).
///     Session sizes are as even as possible (they differ by at most one), so no session falls
///     below min_targets unless N itself does (a lone lesion is then treated alone: it is the only
///     one left).
///  4. Sessions are seeded in priority order: session k starts with the highest-priority lesion
///     not yet placed; it then takes, one at a time, the unplaced lesion most similar to its
///     members: dissimilarity = angle between entry directions / `window_angle_deg` + distance
///     to the nearest member / `closeness_mm` (a shared acoustic window and closeness mean less
///     repositioning of probe and patient), as long as the session's ablated volume stays within
///     max_ablated_liver_fraction of the liver.
///  5. The cumulative volume is checked against the same fraction; lesions that would exceed it
///     are reported as not fitting, with that reason.
/// Re-planning after earlier sessions (BatchOptions::prior_sessions / prior_ablated_volume_ml):
/// the profile's limits hold for the whole treatment. Only max_sessions - prior_sessions sessions
/// are available (none left: every lesion is unplaced, "the profile's N sessions are used up by
/// the earlier sessions", fits_profile false); the capacity of step 3 is available sessions x
/// max_targets; the cumulative volume of step 5 starts at prior_ablated_volume_ml (a lesion that
/// would push it beyond the fraction is unplaced with a reason naming the earlier sessions'
/// volume); the new sessions are numbered prior_sessions + 1, ...; the per-session volume limit is
/// unchanged. The defaults (0, 0) are a first plan.
/// Each session lists why: its seed (the highest priority left), what its members share (window
/// spread, largest distance), its volume and liver fraction.

#include <optional>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/planning/profile.h"

namespace rfa::planning {

/// \brief What batching needs to know of one lesion.
struct BatchLesion {
  int id = 0;                    ///< lesion label
  Vec3 centroid_lps{0, 0, 0};    ///< mm
  double diameter_mm = 0;        ///< longest diameter
  double ablated_volume_ml = 0;  ///< planned zone volume for this lesion (union of its ablations)
  int ablations = 1;             ///< overlapping ablations it needs
  Vec3 entry_direction_lps{0, 0, 1};  ///< best path, skin entry -> target (unit)
  bool near_major_vessel = false;     ///< next to a >= 3 mm vessel or a bile duct
  bool grew = false;                  ///< larger than at the previous imaging
  bool feasible = true;               ///< has a safe path and can be covered
  std::string infeasible_reason;      ///< why not, when !feasible
};

struct BatchOptions {
  double window_angle_deg = 30.0;  ///< entry directions this close share a window
  double closeness_mm = 50.0;      ///< distance scale of the similarity
  double priority_vessel_bonus_mm = 20.0;
  double priority_growth_bonus_mm = 10.0;
  /// RFA sessions of the same treatment already done (re-planning), >= 0; 0 = a first plan.
  int prior_sessions = 0;
  /// Ablated volume of those sessions (mL, >= 0, finite): counted in the cumulative budget.
  double prior_ablated_volume_ml = 0;
};

struct BatchSession {
  int index = 0;                ///< 1-based number in the treatment: prior_sessions + 1, ...
  std::vector<int> lesion_ids;  ///< in the order they were grouped
  double ablated_volume_ml = 0;
  double liver_fraction = 0;  ///< ablated_volume_ml / liver volume
  std::vector<std::string> reasons;
};

struct UnplacedLesion {
  int id = 0;
  std::string reason;
};

struct BatchPlan {
  std::vector<BatchSession> sessions;
  std::vector<UnplacedLesion> unplaced;  ///< infeasible, or beyond what the profile holds
  bool fits_profile = true;              ///< every feasible lesion placed
  /// The treatment's total (mL): prior_ablated_volume_ml + the new sessions' volumes.
  double cumulative_volume_ml = 0;
  double cumulative_liver_fraction = 0;  ///< cumulative_volume_ml / liver volume
  std::vector<std::string> notes;        ///< plan-level remarks (profile limits hit, ...)
};

/// \brief Groups `lesions` into sessions under `profile` for a liver of `liver_volume_ml`.
/// \throws UsageError when liver_volume_ml <= 0, ids repeat, a volume is negative, an options
/// scale is <= 0, prior_sessions < 0 or prior_ablated_volume_ml is negative or not finite.
BatchPlan planBatches(const std::vector<BatchLesion>& lesions, const ProtocolProfile& profile,
                      double liver_volume_ml, const BatchOptions& options = {});

}  // namespace rfa::planning
