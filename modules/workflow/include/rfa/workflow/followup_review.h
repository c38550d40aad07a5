#pragma once
/// \file followup_review.h
/// \brief The follow-up of a saved plan as the workstation shows it: one follow-up image assessed
/// exactly as `rfaplan followup PLAN FOLLOWUP@N` assesses it (workflow::assessTimeline():
/// registration, ablation zones and minimal ablative margins of the lesions treated so far,
/// lesions matched with RECIST 1.1 / mRECIST, the next session's targets and budget), its rows per
/// lesion, the plan's timeline with the time point placed in it, and the scene of the registered
/// follow-up with the margin colour map (the colours of `rfaplan confirm`'s margin_L<id>.png,
/// report::marginColour()). No Qt, no VTK. Research use only: measurements for a tumour board,
/// never a clinical decision.
///
/// Frames and units: the registered follow-up, zones and margin map are on the PLANNING grid and
/// in the planning frame (DICOM patient LPS, mm): a point is the same place in both images.
/// Margins and diameters mm, volumes mL, dates yyyy-mm-dd (or DICOM yyyymmdd as stored).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/io/input.h"
#include "rfa/planning/plan_case.h"
#include "rfa/workflow/case_scene.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/followup_jobs.h"

namespace rfa::workflow {

/// \brief What to review: a saved plan and one follow-up image.
struct FollowupReviewRequest {
  std::filesystem::path plan_file;
  planning::PlanCaseOptions where;  ///< the planning series/segmentation when not as recorded
  std::filesystem::path followup;   ///< DICOM folder/file, phantom folder or volume file
  std::string followup_series;      ///< Series Instance UID when the folder holds several
  int sessions_done = 1;            ///< sessions of the plan done before this image (>= 0)
  bool force = false;               ///< go on for an image that looks like another patient
};

/// \brief One lesion of the follow-up: a plan lesion (treated or not) or a new one.
struct FollowupLesionRow {
  int lesion_id = 0;    ///< the plan's lesion id; 0 for a lesion seen only at follow-up
  int followup_id = 0;  ///< label in the follow-up lesion map; 0 when none was found
  int session = 0;      ///< the plan's session of the lesion (0: none / new)
  bool treated = false;
  /// Minimal ablative margin with the subcapsular correction (mm) and its verdict: treated
  /// lesions only (the values `rfaplan confirm` writes to margins.json).
  std::optional<double> mam_mm;
  std::optional<double> mam_uncorrected_mm;
  std::optional<double> percent_at_threshold;
  std::optional<Vec3> mam_point_lps;  ///< where the MAM is (lesion surface), planning LPS mm
  std::string verdict;                ///< "technical success", "insufficient margin", ...
  bool technical_success = false;
  std::string status;  ///< response status: "complete response", "shrunk", "new", ...
  std::string reason;  ///< the match in words
  double baseline_diameter_mm = 0;
  double diameter_mm = 0;          ///< RECIST, as seen at follow-up
  double viable_diameter_mm = 0;   ///< mRECIST
  std::optional<Vec3> centre_lps;  ///< the plan lesion's centroid (planning LPS mm), when known
  std::vector<std::string> warnings;
};

/// \brief One line of the treatment timeline: a plan event or the assessed follow-up.
struct TimelineEntry {
  int day = 0;  ///< days from the plan's first RFA (the follow-up: -1 when its date is unknown)
  std::string date;  ///< yyyy-mm-dd or DICOM yyyymmdd; "" when unknown
  std::string kind;  ///< the plan's kinds ("rfa", "systemic-cycle", ...) or "follow-up"
  int session = 0;
  std::string text;
  bool done = false;  ///< an RFA session counted as done, or the assessed follow-up
};

/// \brief A follow-up reviewed.
struct FollowupReview {
  planning::PlanCase planned;  ///< the plan, its series and segmentation (planning grid)
  io::LoadedImage followup;    ///< the follow-up as loaded (its own grid)
  std::string followup_input;  ///< the follow-up as given
  FollowupTimeline timeline;   ///< exactly one time point, and the next session
  std::vector<FollowupLesionRow> rows;
  std::vector<TimelineEntry> entries;
  /// The registration quality in one line, and whether it is poor (any quality warning): the
  /// margins are then not to be trusted without checking the alignment.
  std::string registration_summary;
  bool registration_poor = false;
  std::vector<std::string> warnings;  ///< registration, identity, loader and per-lesion remarks
  double threshold_mm = 5;            ///< margin needed for technical success
  /// The box to look at in 3D (planning LPS mm): the segmented zones (else the plan's lesion
  /// centres) with 15 mm around; min > max when there is nothing to show.
  Vec3 focus_min_lps{1, 1, 1};
  Vec3 focus_max_lps{0, 0, 0};

  [[nodiscard]] const followup::TimepointResult& timepoint() const {
    return timeline.timepoints.back();
  }
};

/// \brief Loads the plan (planning::loadPlanCase()) and the follow-up (io::loadImage()), and
/// assesses it as `rfaplan followup` does (assessTimeline() with one time point: the same
/// registration, zones, margins, matching and next session), then the rows and timeline.
/// Progress stages: "loading", then those of followup::ConfirmOptions::progress; it may throw to
/// cancel. \throws UsageError for sessions_done < 0 or beyond the plan's sessions; what
/// loadPlanCase(), io::loadImage() and assessTimeline() throw.
FollowupReview reviewFollowup(const FollowupReviewRequest& request, const Progress& progress = {});

/// \brief The rows of a time point: every lesion of the response (plan lesions by id, then the
/// lesions seen only at follow-up) with its margin when it was treated.
std::vector<FollowupLesionRow> followupRows(const planning::TreatmentPlan& plan,
                                            const followup::TimepointResult& timepoint);

/// \brief The plan's timeline with the follow-up placed in it (by date when both have one; for a
/// plan in days, after the technical-success imaging of the sessions done, before any later
/// imaging or RFA) and the next session's targets and budget as the last entry.
std::vector<TimelineEntry> timelineEntries(const planning::TreatmentPlan& plan,
                                           const followup::TimepointResult& timepoint,
                                           const followup::NextSession& next);

/// Margin colour-map bins: label 1 = below 0 mm, then one label per whole mm up to the
/// threshold, the last label = at or above it.
struct MarginBins {
  double threshold_mm = 5;
  [[nodiscard]] int count() const;                      ///< number of labels (>= 3)
  [[nodiscard]] int labelOf(double margin_mm) const;    ///< 1..count()
  [[nodiscard]] double valueOf(int label) const;        ///< a margin inside the bin (its centre)
  [[nodiscard]] SceneColour colourOf(int label) const;  ///< report::marginColour(valueOf(label))
};

/// \brief The scene of the registered follow-up (its CT is FollowupReview's
/// timepoint().confirmation.followup_on_planning, on the planning grid): "liver" (the planning
/// liver, a faint surface in 3D only), "zones" (the segmented
/// ablation zones), "lesions" (the plan's treated lesions, outline colour, not in 3D), "margin
/// map" (the lesion surface voxels coloured by their margin bin, as the confirm PNGs colour them;
/// slice views) and "margin surface" (each treated lesion filled with the bin of its nearest
/// surface voxel, for the coloured 3D surface; invisible in the slice views). Pure; any thread.
CaseScene followupScene(const FollowupReview& review);

}  // namespace rfa::workflow
