#pragma once
/// \file plan.h
/// \brief The treatment plan: what `rfaplan plan` writes, `rfaplan plan-check` re-validates and the
/// GUI and the DICOM export read. Plain data; the file format is in plan_io.h and
/// docs/plan-format.md. Research use only: a planning aid for a tumour board, never a clinical
/// decision.
///
/// Frames and units: every point is DICOM patient LPS in millimetres, every direction a unit
/// vector in LPS; lengths and margins in mm, angles in degrees, volumes in mL, fractions in [0, 1],
/// percentages in 0..100, probabilities in [0, 1], times in seconds, dates ISO yyyy-mm-dd.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/planning/labs.h"
#include "rfa/planning/plan_enums.h"
#include "rfa/thermal/preview.h"

namespace rfa::planning {

/// The "format" member of every plan file and its schema version (plan_io.h).
inline constexpr const char* kPlanFormatName = "rfaplan-plan";
inline constexpr int kPlanFormatVersion = 2;

/// The image series the plan was made on.
struct PlanSource {
  std::string input;  ///< the INPUT path as given (informational)
  std::string patient_id;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string frame_of_reference_uid;
  bool frame_of_reference_generated = false;  ///< true when the series had none (derived UID)
  std::string modality;
  Size3 size{0, 0, 0};  ///< voxels (columns, rows, slices)
  Vec3 spacing_mm{1, 1, 1};
  Vec3 origin_lps_mm{0, 0, 0};        ///< centre of the first voxel
  Mat3 direction = Mat3::Identity();  ///< columns: LPS unit vectors of the i, j, k axes
  std::string voxel_sha256;           ///< of the HU voxels as float32 little-endian, x fastest
  std::string segmentation;           ///< "automatic" or the --segmentation folder given
};

/// One ranked trajectory of a lesion (see trajectory.h for the cost terms).
struct PlanTrajectory {
  Vec3 entry_lps{0, 0, 0};
  Vec3 target_lps{0, 0, 0};
  double length_mm = 0;
  double skin_angle_deg = 0;
  std::optional<double> min_vessel_distance_mm;  ///< absent: no large vessel in the image
  int capsule_crossings = 0;
  double cost = 0;
};

/// One ablation: a needle position, the electrode and protocol, and its preview zone.
struct PlanPlacement {
  std::string electrode;
  std::string protocol;
  Vec3 tip_lps{0, 0, 0};
  Vec3 direction_lps{0, 0, 1};  ///< unit, skin entry towards the tip
  Vec3 entry_lps{0, 0, 0};      ///< where the needle line crosses the skin
  double path_length_mm = 0;    ///< entry to tip
  thermal::EllipsoidZone zone;  ///< the preview ellipsoid at this pose
};

/// Margin figures of a lesion against a set of zones.
struct PlanMargins {
  double minimal_margin_mm = 0;    ///< signed (coverage.h), + = whole lesion inside
  double coverage_min_pct = 0;     ///< % of lesion + minimum margin inside
  double coverage_target_pct = 0;  ///< % of lesion + target margin inside
  double ablated_volume_ml = 0;    ///< union of the zones
};

/// Monte Carlo of the margin under needle placement error (coverage.h).
struct PlanUncertainty {
  /// Mean 3D targeting error used (mm): the guidance's in-plane or out-of-plane figure (a CT
  /// needle off the axial plane) converted to 3D (guidance.h), or the user's value.
  double mean_error_mm = 0;
  double sigma_mm = 0;
  int samples = 0;
  double probability_margin_ok = 0;  ///< P(minimal margin >= minimum)
  double p10_margin_mm = 0;
  double mean_margin_mm = 0;
};

/// The bioheat confirmation of a lesion's placements (thermal/simulation.h, heat sink included).
struct PlanConfirmation {
  std::string backend;  ///< "cpu" or "gl"
  double spacing_mm = 0;
  PlanMargins margins;                     ///< of the union of the simulated zones
  std::vector<double> zone_volumes_ml;     ///< one per placement
  std::vector<double> max_temperatures_c;  ///< one per placement
};

/// \brief Ultrasound guidance of a lesion: how many of its safe paths a probe plane shows, and the
/// best probe window of its first needle (ultrasound/window_search.h, filled by the workflow).
struct PlanUltrasound {
  std::string probe;       ///< probe model (resources/probes)
  int paths_assessed = 0;  ///< safe trajectories scored (PlanLesion::trajectories)
  int paths_visible = 0;   ///< of those, shown by a probe plane (score >= the planner's minimum)
  /// The placement search used only the visible paths (there were some); false: all safe paths.
  bool preferred = false;
  /// Best window of the first needle: "subcostal", "intercostal", "epigastric"; "" = none found
  /// (no probe pose on the skin).
  std::string access;
  double rotation_deg = 0;    ///< probe plane about the needle shaft (core/slice_plane.h)
  double offset_mm = 0;       ///< probe slid across the needle from the skin entry
  Vec3 contact_lps{0, 0, 0};  ///< centre of the probe face on the skin
  Vec3 axial_lps{0, 1, 0};    ///< beam direction into the body (unit)
  Vec3 lateral_lps{0, 0, 1};  ///< across the face, in the image plane (unit)
  double lesion_visible = 0;  ///< fraction of the lesion's in-plane voxels visible
  double needle_visible = 0;  ///< fraction of the needle path visible
  double depth_mm = 0;        ///< mean depth of the lesion's visible part
  /// "no acoustic window", "needle not visible", "deep (> 12 cm)", "dome/subcapsular: consider
  /// artificial ascites".
  std::vector<std::string> flags;
};

/// One lesion of the plan.
struct PlanLesion {
  int id = 0;  ///< label in the lesion map
  Vec3 centroid_lps{0, 0, 0};
  double diameter_mm = 0;  ///< longest 3D diameter
  double volume_ml = 0;
  std::optional<double> vessel_gap_mm;  ///< to the nearest >= 3 mm vessel; absent: none found
  bool near_major_vessel = false;
  std::vector<PlanTrajectory> trajectories;   ///< best K, cost ascending
  std::map<std::string, int> rejected_paths;  ///< reason -> candidates rejected
  int path_candidates = 0;
  std::vector<PlanPlacement> placements;  ///< empty only without a safe path
  PlanMargins preview;                    ///< preview-model margins of the placements
  std::optional<PlanUncertainty> uncertainty;
  std::optional<PlanConfirmation> confirmation;  ///< absent when not confirmed
  std::optional<PlanUltrasound> ultrasound;      ///< absent when not assessed
  LesionFlag flag = LesionFlag::kNone;
  std::string reason;  ///< why, when flag != kNone
  /// Times the placements were searched again aiming at a larger preview margin because the
  /// bioheat confirmation fell short (plan_builder.h); 0 = the first search was kept.
  int refinements = 0;
  /// Preview margin evaluations of the placement search that produced the placements: all
  /// electrodes tried, and the uncertainty samples that ranked equally good layouts (the final
  /// `uncertainty` analysis not included).
  int search_evaluations = 0;
  /// Session that treats it (its PlanSession::index: prior_sessions + 1, ...); 0 = not scheduled.
  int session = 0;
  /// Where the lesion comes from (a candidate to review is planned, but left out of every session
  /// until accepted: moveLesionToSession()).
  Detection detection = Detection::kGiven;
  std::string detection_reason;  ///< the candidate's score and why it was kept or is to review
};

/// The session decision of a lab check's outcome.
inline SessionDecision sessionDecisionOf(LabDecision d) {
  switch (d) {
    case LabDecision::kProceed:
      return SessionDecision::kProceed;
    case LabDecision::kPostpone:
      return SessionDecision::kPostpone;
    case LabDecision::kIncomplete:
      return SessionDecision::kIncomplete;
  }
  return SessionDecision::kIncomplete;
}

/// One RFA session.
struct PlanSession {
  /// Session number in the whole treatment: settings.prior_sessions + 1, + 2, ... (1-based; 1, 2,
  /// ... for a first plan).
  int index = 0;
  std::vector<int> lesion_ids;
  double ablated_volume_ml = 0;
  double liver_fraction = 0;
  std::vector<std::string> reasons;  ///< why these lesions together
  std::optional<LabReport> labs;     ///< the pre-session lab check; absent: no labs given
  std::string lab_date;              ///< date of the labs checked ("" when absent)
  SessionDecision decision = SessionDecision::kLabsNotGiven;  ///< from the lab check
  ReviewStatus review_status = ReviewStatus::kNotReviewed;    ///< tumour board; free comment:
  std::string review_comment;
  /// Who set the review status or comment last (the account or name given) and when (ISO 8601
  /// UTC, "2027-01-05T10:20:30Z"); "" when never reviewed, and in plans of format_version 1.
  std::string review_by;
  std::string review_at;
};

/// A lesion left out of every session.
struct PlanUnplaced {
  int id = 0;
  std::string reason;
};

/// One event of the timeline (schedule.h).
struct PlanEvent {
  int day = 0;       ///< days from the plan's first RFA (day 0)
  std::string date;  ///< yyyy-mm-dd when the plan has a start date, else ""
  EventKind kind = EventKind::kRfa;
  int session = 1;  ///< session number in the whole treatment (PlanSession::index)
  int cycle = 0;
  std::string text;
};

/// The settings the plan was made with (enough to reproduce it).
struct PlanSettings {
  std::string profile;                  ///< ProtocolProfile::name
  std::vector<std::string> electrodes;  ///< electrodes the search could choose, in order tried
  double minimum_margin_mm = 5;
  double target_margin_mm = 10;
  double max_ablated_liver_fraction = 1.0 / 3.0;
  int max_ablations_per_lesion = 4;
  double vessel_safety_mm = 3;
  /// Mean 3D needle targeting error (mm) of the guidance with the needle in the imaging plane, or
  /// the user's value; a lesion's own figure is in PlanUncertainty::mean_error_mm.
  double mean_targeting_error_mm = 3.7;
  /// The guidance modality (GuidanceModality::id, guidance.h); "" in plans written before it.
  std::string guidance;
  /// Where mean_targeting_error_mm comes from: the modality's citation, or "given by the user".
  std::string targeting_error_source;
  int uncertainty_samples = 0;  ///< 0: no uncertainty analysis
  bool confirmed = false;       ///< bioheat confirmation run
  double confirmation_spacing_mm = 0;
  int cycles_between_sessions = 1;
  std::string start_date;  ///< first RFA of this plan, yyyy-mm-dd, or "" (timeline in days only)
  // Re-planning after earlier sessions (prior treatment): the plan's sessions are numbered
  // prior_sessions + 1, ...; prior + planned sessions stay within the profile's max_sessions, and
  // TreatmentPlan::cumulative_volume_ml counts prior_ablated_volume_ml too.
  /// RFA sessions already done before this plan (re-planning), 0 = a first plan.
  int prior_sessions = 0;
  /// Ablated volume (mL) of those sessions, counted in the cumulative budget.
  double prior_ablated_volume_ml = 0;
  /// The earlier plan it continues (file name / note), "" for a first plan.
  std::string prior_plan;
  /// The zone model of the electrodes' previews: "<condition> zones, <table id> <date>" (e.g.
  /// "in-vivo zones, rfaplan-zone-reference 2026-12-07"); "" when not recorded (plans written
  /// before, or calibrations without a table).
  std::string zone_model;
  /// Zone-size spread per electrode used in the margin Monte Carlo (relative SD of the axes).
  std::vector<thermal::ZoneSizeSpread> zone_size_cv;
};

/// The whole plan.
struct TreatmentPlan {
  int format_version = kPlanFormatVersion;
  int revision = 1;      ///< incremented by every save over an earlier revision of the same file
  std::string software;  ///< "rfaplan <version>"
  PlanSource source;
  PlanSettings settings;
  double liver_volume_ml = 0;
  std::vector<PlanLesion> lesions;  ///< by id ascending
  std::vector<PlanSession> sessions;
  std::vector<PlanUnplaced> unplaced;
  bool fits_profile = true;  ///< every lesion in a session with its margin (or a flag and reason)
  /// The treatment's total: settings.prior_ablated_volume_ml + the sessions' ablated volumes (mL).
  double cumulative_volume_ml = 0;
  double cumulative_liver_fraction = 0;  ///< cumulative_volume_ml / liver_volume_ml
  std::vector<PlanEvent> timeline;
  std::vector<std::string> notes;  ///< plan-level remarks: profile limits hit, assumptions
};

}  // namespace rfa::planning
