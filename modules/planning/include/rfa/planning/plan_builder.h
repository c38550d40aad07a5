#pragma once
/// \file plan_builder.h
/// \brief From segmented anatomy to a TreatmentPlan (plan.h): what `rfaplan plan` and the GUI run.
/// Three stages, callable separately (the GUI re-runs the last one when a lesion is moved, and
/// runs the second in the background):
///  1. planLesions(): per lesion, trajectories (trajectory.h), the placement search with the
///     preview model for each allowed electrode (coverage.h; every needle of every layout is
///     re-checked against the path constraints), the electrode choice, the targeting uncertainty;
///  2. confirmLesions(): each placement simulated with the bioheat solver on the patient's tissue
///     (heat sink of the segmented vessels included), margins recomputed on the simulated zones;
///  3. planSessions(): batching into sessions (batching.h), the pre-session lab checks (labs.h)
///     and the timeline (schedule.h).
/// Research use only: a planning aid for a tumour board, never a clinical decision.
///
/// Frames and units: all volumes share one grid; points DICOM patient LPS mm; volumes mL.
///
/// Electrode choice per lesion: the electrodes are tried from the largest preview zone down, each
/// with its first protocol and its preview calibration; the chosen one reaches the minimum margin
/// with the fewest ablations; among those, the targeting uncertainty decides (the layout whose
/// P(margin >= minimum) under the needle placement error is higher by more than 0.1 wins: a robust
/// placement), then the smaller ablated volume; when none reaches the margin, the largest minimal
/// margin wins (then fewer ablations). A smaller electrode is searched with at
/// most as many ablations as the best layout so far (it can only win with fewer, or as many with
/// less volume). The search runs on the lesion resampled (nearest) to search_spacing_mm when the
/// image is finer; the reported preview figures are recomputed on the image grid, the targeting
/// uncertainty is estimated on the search grid.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/planning/batching.h"
#include "rfa/planning/coverage.h"
#include "rfa/planning/guidance.h"
#include "rfa/planning/labs.h"
#include "rfa/planning/plan.h"
#include "rfa/planning/profile.h"
#include "rfa/planning/trajectory.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/preview.h"
#include "rfa/thermal/simulation.h"

namespace rfa::planning {

/// The segmented case, all on one grid. body, liver and lesions are required.
struct PlanAnatomy {
  const Mask* body = nullptr;
  const Mask* liver = nullptr;
  const LabelMap* lesions = nullptr;  ///< lesion instance labels (ids), 0 elsewhere
  const Mask* bone = nullptr;
  const Mask* lung = nullptr;
  const Mask* gallbladder = nullptr;
  const ImageVolume* vessel_radius_mm = nullptr;  ///< 0 outside vessels
};

/// Electrodes and their preview models.
struct PlanEquipment {
  const thermal::ElectrodeCatalog* catalog = nullptr;
  const std::vector<thermal::PreviewCalibration>* calibrations = nullptr;
};

/// Default electrodes tried per lesion, in order: one internally cooled family (one generator).
std::vector<std::string> defaultPlanElectrodes();

struct PlanBuildOptions {
  std::vector<std::string> electrodes = defaultPlanElectrodes();
  /// Path search settings; the access window and vessel safety (max_posterior_normal,
  /// below/above_liver_mm, max_skin_angle_deg, vessel_safety_mm, large_vessel_radius_mm) are
  /// taken from the profile (ProtocolProfile::access), and max_length_mm is capped by the longest
  /// allowed electrode's shaft (each needle is also checked against its own shaft).
  TrajectoryOptions trajectory;
  /// Search settings; margins are taken from the profile, needle_ok is set by the builder.
  CoverageOptions coverage = [] {
    CoverageOptions c;
    c.max_ablations = 5;
    return c;
  }();
  double search_spacing_mm = 2.0;  ///< coarsest grid of the placement search, mm (> 0)
  int uncertainty_samples = 100;   ///< 0: no uncertainty analysis
  /// Samples, seed and zone-size spread of the uncertainty analysis; its mean_error_mm is set by
  /// the builder from `guidance` / `targeting_error_mm` (a value here is not used).
  UncertaintyOptions uncertainty;
  /// The image guidance whose cited targeting error drives the uncertainty analysis (guidance.h);
  /// none: the profile's modality (ProtocolProfile::guidance) from defaultGuidanceFile().
  std::optional<GuidanceModality> guidance;
  /// A mean 3D targeting error (mm, >= 0) replacing the modality's figures for every needle
  /// (recorded as given by the user); none: the modality's.
  std::optional<double> targeting_error_mm;
  /// Ultrasound guidance (may be empty: no preference): how well a needle from `entry_lps` to
  /// `target_lps` (LPS mm) into lesion `lesion_id` can be followed under ultrasound, in [0, 1]
  /// (the workflow gives the best probe window's min(lesion visible, needle visible),
  /// ultrasound/window_search.h). When set, every safe trajectory of a lesion is scored and the
  /// placement search uses only those scoring >= needle_visibility_min when there are any: the
  /// planner prefers needles that lie in a visible probe plane; PlanLesion::ultrasound records the
  /// counts. Called from several threads at once.
  std::function<double(int lesion_id, const Vec3& entry_lps, const Vec3& target_lps)>
      needle_visibility;
  double needle_visibility_min = 0.5;  ///< in [0, 1]
  std::string ultrasound_probe;        ///< the probe needle_visibility models (recorded)
  /// Bioheat confirmation settings (spacing, backend, margin); the protocol is the placement's.
  thermal::SimulationSettings confirmation = [] {
    thermal::SimulationSettings s;
    s.spacing_mm = 1.5;
    s.margin_mm = 30;
    return s;
  }();
  /// Refinement after a confirmation that falls short of the minimum margin while the preview
  /// met it: the preview overestimated this lesion's margin by (preview - confirmed), so the
  /// search is run again aiming at a preview margin of minimum + that + 0.5 mm; the new placements
  /// are simulated and kept when their simulated margin reaches the minimum or gains >= 1 mm. At
  /// most this many rounds, and only while the aim stays within max_refinement_mm above the
  /// minimum.
  int refinement_rounds = 2;
  double max_refinement_mm = 10;
  /// Batching settings. Re-planning after earlier sessions of the same treatment:
  /// batching.prior_sessions and batching.prior_ablated_volume_ml (batching.h) are the sessions
  /// already done and their ablated volume (mL); they are copied into plan.settings
  /// (prior_sessions, prior_ablated_volume_ml) by planLesions() and planSessions(), and the new
  /// sessions are numbered from prior_sessions + 1 within the profile's budget of the whole
  /// treatment (max_sessions, max_ablated_liver_fraction of the cumulative volume).
  BatchOptions batching;
  /// The earlier plan this one continues (file name or note; informational), "" for a first plan;
  /// copied into plan.settings.prior_plan.
  std::string prior_plan;
  int cycles_between_sessions = 1;
  /// First RFA of this plan (session prior_sessions + 1); none: days only.
  std::optional<std::chrono::year_month_day> start_date;
  /// One per new session in order (labs[0]: session prior_sessions + 1); fewer: the rest "labs not
  /// given".
  std::vector<LabResults> labs;
  /// Progress callback: stage name and fraction done in [0, 1]. May be empty.
  std::function<void(const std::string& stage, double fraction)> progress;
};

/// \brief Stage 1: the lesions of a new plan (trajectories, placements, preview margins,
/// uncertainty). Fills plan.lesions, plan.liver_volume_ml and plan.settings (the prior treatment
/// from options.batching and options.prior_plan included); leaves sessions empty.
/// \throws NoDataError when body/liver/lesions are missing or there is no lesion; GeometryError
/// when a volume is on another grid or a lesion lies outside the liver (less than half of its
/// voxels in the liver mask: the message names the lesion and its centroid); NotFoundError for an
/// unknown electrode or a missing calibration; UsageError for option values out of range
/// (batching.prior_sessions < 0, batching.prior_ablated_volume_ml negative or not finite
/// included).
TreatmentPlan planLesions(const PlanAnatomy& anatomy, const ProtocolProfile& profile,
                          const PlanEquipment& equipment, const PlanBuildOptions& options);

/// \brief Stage 2: simulates every placement of every lesion that has placements and stores the
/// confirmation. A lesion with the minimum margin in the preview but not in the simulation is
/// refined (PlanBuildOptions::refinement_rounds); if it still falls short it gets the flag
/// "heat sink" when a large vessel lies within minimum margin + one voxel of its worst voxel,
/// otherwise "too large", with both margins in the reason. With the CPU backend the lesions are
/// confirmed in parallel (one per worker; the same result as one at a time), and
/// options.progress is then called from the workers, serialised, as lesions complete.
/// \throws as thermal::simulateAblation().
void confirmLesions(TreatmentPlan& plan, const PlanAnatomy& anatomy, const ProtocolProfile& profile,
                    const PlanEquipment& equipment, const PlanBuildOptions& options);

/// \brief Stage 3: sessions, unplaced lesions, lab checks, timeline, totals and notes, from the
/// plan's lesions (confirmed ablated volumes when present, else the preview's). Replaces any
/// earlier sessions. Lesions flagged "no safe path" are left out; other flagged lesions are
/// scheduled with their flag (best effort) and named in the notes. The prior treatment
/// (options.batching.prior_sessions / prior_ablated_volume_ml, options.prior_plan) is copied into
/// plan.settings and passed to planBatches(): sessions numbered prior_sessions + 1, ..., the
/// cumulative volume includes the prior volume, the timeline starts at session prior_sessions + 1.
/// \throws UsageError as planBatches() (prior values out of range) and scheduleSessions().
void planSessions(TreatmentPlan& plan, const ProtocolProfile& profile,
                  const PlanBuildOptions& options);

}  // namespace rfa::planning
