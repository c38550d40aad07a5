#pragma once
/// \file timepoint.h
/// \brief One follow-up time point of a plan: registration, ablation zones and margins of every
/// lesion treated so far (confirm.h), the lesions seen at follow-up (automatic detection on the
/// follow-up image), matched to the plan's lesions, and the RECIST 1.1 / mRECIST response
/// (response.h). What `rfaplan followup` runs for each TIMEPOINT. Research use only.
///
/// Frames and units: the follow-up lesions are detected and measured on the follow-up's own grid
/// (its frame, LPS mm; RECIST diameters as seen there) and their centroids mapped into the
/// planning frame through the inverse registration for matching; zones and margins are on the
/// planning grid (confirm.h). Diameters mm, volumes mL.

#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/followup/confirm.h"
#include "rfa/followup/response.h"
#include "rfa/io/input.h"
#include "rfa/planning/plan.h"
#include "rfa/segmentation/candidates.h"

namespace rfa::followup {

/// \brief Settings of assessTimepoint().
struct TimepointOptions {
  /// Sessions of the plan performed before this time point (their lesions are "treated"); 0 =
  /// imaging before any RFA (no zones, no margins).
  int sessions_done = 1;
  bool force = false;      ///< as ConfirmOptions::force
  ConfirmOptions confirm;  ///< session / include_earlier_sessions / force are set from the above
  ResponseOptions response;
  segmentation::CandidateOptions candidates;
  /// A follow-up candidate whose centroid (planning frame) lies in a segmented ablation zone
  /// dilated by this is the zone itself, not a lesion.
  double zone_exclusion_mm = 2.0;
  /// Viable tumour of a treated lesion (its part outside the zone) smaller than this is noise.
  double min_residual_ml = 0.1;
};

/// \brief The assessment of one time point.
struct TimepointResult {
  std::string input;       ///< the follow-up as given
  std::string study_date;  ///< DICOM StudyDate yyyymmdd, "" when absent
  int sessions_done = 0;
  IdentityCheck identity;
  ConfirmResult confirmation;            ///< empty lesions (and no zones) when sessions_done == 0
  std::vector<MeasuredLesion> baseline;  ///< the plan's lesions, treated flags and measurements
  std::vector<MeasuredLesion> followup;  ///< lesions detected at follow-up (planning-frame
                                         ///< centroids, diameters measured on the follow-up)
  LabelMap followup_lesions;  ///< on the follow-up grid: labels = MeasuredLesion::id (1..N)
  Mask followup_liver;        ///< on the follow-up grid
  ResponseAssessment response;
  std::vector<std::string> warnings;
};

/// \brief Maps a point of the moving (follow-up) frame into the fixed (planning) frame: the
/// inverse of Registration::fixedToMoving() by fixed-point iteration (to 1e-3 mm, 50 iterations
/// at most; the last iterate otherwise). LPS mm.
Vec3 movingToFixed(const Registration& r, const Vec3& y_moving_lps);

/// \brief Assesses `followup` against `plan` (its planning CT, liver and lesion labels on one
/// grid). `nadir_recist` / `nadir_mrecist`: smallest target sums of earlier time points.
/// \throws as confirmSession() (SelectionError for another patient unless forced, UsageError for
/// sessions_done beyond the plan's sessions), segmentLiver() on the follow-up.
TimepointResult assessTimepoint(const planning::TreatmentPlan& plan, const ImageVolume& planning_ct,
                                const Mask& planning_liver, const LabelMap& planning_lesions,
                                const io::LoadedImage& followup, const TimepointOptions& options,
                                std::optional<double> nadir_recist = std::nullopt,
                                std::optional<double> nadir_mrecist = std::nullopt);

}  // namespace rfa::followup
