#pragma once
/// \file response.h
/// \brief Response and progression across time points: lesions of a follow-up matched to the
/// plan's (baseline) lesions, per-lesion status (stable, shrunk, grown, vanished, ablated,
/// residual, local tumour progression, new), and the per-time-point RECIST 1.1 and mRECIST
/// categories. Pure logic over measurements; research use only.
///
/// Frames and units: every position is in the PLANNING frame (DICOM patient LPS mm): follow-up
/// lesions are measured on the follow-up resampled onto the planning grid (registration.h).
/// Diameters in mm (RECIST: longest axial diameter), volumes in mL, changes in percent.
///
/// Definitions (docs/validation.md "Follow-up"):
///  - Matching: pairs (baseline, follow-up) whose centroids lie within
///    max(match_min_mm, match_factor x baseline diameter), nearest pairs first, one-to-one.
///  - Untreated baseline lesion: "vanished" (no match), "shrunk" (diameter -30 % or more),
///    "grown" (+20 % or more), else "stable". Treated lesion (ablated in a session before the time
///    point): "ablated" (no viable tumour next to its zone) or "residual" (viable tumour at the
///    zone: the lesion's part outside the zone, or a follow-up lesion touching the zone).
///  - Unmatched follow-up lesion: "local tumour progression" when it lies within ltp_distance_mm
///    of a treated lesion's ablation zone, else "new".
///  - RECIST 1.1: targets = the (up to) two largest baseline lesions >= 10 mm (two per organ);
///    sum of their longest diameters as seen (an ablated target is measured as its ablation zone:
///    RECIST does not discount necrosis). mRECIST: the same targets' VIABLE diameters (an ablated
///    target without viable tumour counts 0). Category: CR all targets 0 mm and no new lesion; PD
///    a new lesion (or local progression), or sum >= 1.2 x nadir and >= nadir + 5 mm; PR sum <=
///    0.7 x baseline; else SD.

#include <optional>
#include <string>
#include <vector>

#include "rfa/core/points.h"

namespace rfa::followup {

/// \brief A lesion measured at one time point (planning frame).
struct MeasuredLesion {
  int id = 0;  ///< plan lesion id (baseline) or follow-up label
  Vec3 centroid_lps{0, 0, 0};
  double diameter_mm = 0;  ///< RECIST longest axial diameter
  double volume_ml = 0;
  bool treated = false;           ///< baseline only: ablated in a session before this time point
  double zone_diameter_mm = 0;    ///< treated: longest axial diameter of its ablation zone
  double viable_diameter_mm = 0;  ///< treated: of its part outside the zone (0 = none)
  /// Follow-up only: distance (mm) to the nearest treated lesion's ablation zone, and that lesion;
  /// absent when no zone was segmented.
  std::optional<double> zone_distance_mm;
  int nearest_zone_lesion = 0;
};

/// \brief Settings of assessResponse().
struct ResponseOptions {
  double match_min_mm = 10.0;
  double match_factor = 0.75;
  double ltp_distance_mm = 10.0;
  double shrink_pct = -30.0;
  double grow_pct = 20.0;
  double measurable_mm = 10.0;  ///< RECIST 1.1 measurable lesion (CT, <= 5 mm slices)
  int max_targets = 2;          ///< RECIST 1.1: two per organ
};

/// \brief One row of the matching.
struct LesionMatch {
  int baseline_id = 0;  ///< 0 for a follow-up lesion without a baseline lesion
  int followup_id = 0;  ///< 0 when none at follow-up
  std::string status;   ///< see the file comment
  double baseline_diameter_mm = 0;
  double diameter_mm = 0;         ///< as seen at this time point (RECIST)
  double viable_diameter_mm = 0;  ///< mRECIST
  double change_pct = 0;          ///< of the RECIST diameter vs baseline (0 for new lesions)
  double match_distance_mm = 0;   ///< centroid distance of the pair
  int related_lesion = 0;         ///< local tumour progression: the treated lesion
  std::string reason;             ///< in words
};

/// \brief RECIST 1.1 or mRECIST at one time point.
struct ResponseCategory {
  std::string category;  ///< "CR", "PR", "SD", "PD"
  double sum_mm = 0;
  double baseline_sum_mm = 0;
  double nadir_sum_mm = 0;  ///< the smallest sum so far, baseline included
  double change_from_baseline_pct = 0;
  std::string reason;
};

/// \brief The assessment of one time point.
struct ResponseAssessment {
  std::vector<LesionMatch> lesions;  ///< baseline lesions by id, then follow-up-only lesions
  std::vector<int> target_ids;       ///< RECIST target lesions (baseline ids)
  ResponseCategory recist;
  ResponseCategory mrecist;
  int new_lesions = 0;
  int local_progressions = 0;
};

/// \brief The (up to max_targets) largest measurable baseline lesions, largest first (ties: id).
std::vector<int> selectTargets(const std::vector<MeasuredLesion>& baseline,
                               const ResponseOptions& options = {});

/// \brief Matches `followup` to `baseline` and categorises the time point. `nadir_recist` and
/// `nadir_mrecist` are the smallest target sums of the earlier time points (none: the baseline).
/// \throws UsageError when an id repeats within `baseline` or within `followup`.
ResponseAssessment assessResponse(const std::vector<MeasuredLesion>& baseline,
                                  const std::vector<MeasuredLesion>& followup,
                                  const ResponseOptions& options = {},
                                  std::optional<double> nadir_recist = std::nullopt,
                                  std::optional<double> nadir_mrecist = std::nullopt);

}  // namespace rfa::followup
