#pragma once
/// \file coverage.h
/// \brief Ablative margin metrics, ablation placement search and targeting-uncertainty analysis
/// at the preview-model level ("Coverage" and "Targeting uncertainty"). The zones are the
/// calibrated preview ellipsoids of rfa/thermal/preview.h (homogeneous liver, no heat sink); a
/// chosen plan is to be confirmed with the full bioheat solver.
///
/// Margin convention (all metrics in mm, on the voxel grid of the lesion mask):
///  - a lesion voxel inside the zone has the margin d - h/2, d = distance from its centre to the
///    nearest voxel centre outside the zone, h = the smallest grid spacing (the boundary is taken
///    half-way between voxel centres);
///  - a lesion voxel outside the zone has the margin -(d - h/2), d = distance to the nearest zone
///    voxel centre;
///  - the minimal ablative margin is the minimum over the lesion voxels (the minimum of the
///    inside distances is always reached on the lesion surface). It is positive when the whole
///    lesion is inside the zone: the lesion dilated by (about) that margin stays inside; negative
///    when a part is outside: minus the largest distance from a lesion voxel to the zone.
///  - The distances are exact Euclidean distance transforms (rfa::segmentation) on a crop of the
///    grid: the lesion's bounding box padded by `crop_pad_mm`; a margin whose magnitude exceeds
///    the pad is reported as +-crop_pad_mm (saturated).
///  - coverage of the lesion dilated by r: the voxels whose centre lies within r of a lesion voxel
///    centre (lesion included), % of them inside the zone.
///
/// Frames and units: DICOM patient LPS mm, volumes in mL, percentages 0..100.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/planning/plan_enums.h"
#include "rfa/planning/trajectory.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/preview.h"

namespace rfa::planning {

/// Margin metrics of one lesion against one ablation zone (or the union of several).
struct MarginMetrics {
  double minimal_margin_mm = 0;    ///< signed, see the file comment
  double coverage_min_pct = 0;     ///< % of lesion + minimum margin inside the zone
  double coverage_target_pct = 0;  ///< % of lesion + target margin inside the zone
  std::size_t lesion_voxels = 0;
  Vec3 worst_lps{0, 0, 0};  ///< centre of the lesion voxel with the minimal margin
};

/// Options of the margin metrics.
struct MarginOptions {
  double minimum_margin_mm = 5;  ///< profile Margins::minimum_mm
  double target_margin_mm = 10;  ///< profile Margins::target_mm
  double crop_pad_mm = 15;       ///< crop = lesion bbox + max(pad, target margin) + one voxel
};

/// \brief Margin metrics of `lesion` against `zone` (same grid; non-zero = inside).
/// \throws GeometryError when the grids differ; NoDataError when the lesion is empty.
MarginMetrics computeMargins(const Mask& lesion, const Mask& zone,
                             const MarginOptions& options = {});

/// \brief Margin metrics of `lesion` against the union of `zones` (LPS ellipsoids), rasterised on
/// the lesion's crop grid. An empty list is a zone that contains nothing.
/// \throws NoDataError when the lesion is empty.
MarginMetrics computeMargins(const Mask& lesion, const std::vector<thermal::EllipsoidZone>& zones,
                             const MarginOptions& options = {});

/// Reusable evaluator for one lesion: precomputes the crop, the lesion's distance map and the
/// dilated sets once, so that each evaluate() costs one rasterisation of the zones on the crop and
/// one or two distance transforms of it. evaluate() is const and keeps no state.
class MarginEvaluator {
 public:
  /// \throws NoDataError when `lesion` has no voxel.
  explicit MarginEvaluator(const Mask& lesion, const MarginOptions& options = {});

  /// \brief Metrics against the union of `zones`.
  [[nodiscard]] MarginMetrics evaluate(const std::vector<thermal::EllipsoidZone>& zones) const;
  /// \brief Metrics against `zone` on the crop grid (crop()).
  [[nodiscard]] MarginMetrics evaluateCropMask(const Mask& zone) const;

  /// \brief The voxel of lesion + minimum margin farthest outside the union of `zones` (LPS mm);
  /// when all are inside, the lesion voxel with the smallest margin.
  [[nodiscard]] Vec3 leastCoveredLps(const std::vector<thermal::EllipsoidZone>& zones) const;

  [[nodiscard]] const ImageGeometry& crop() const { return crop_; }
  [[nodiscard]] const Mask& lesionCrop() const { return lesion_; }
  [[nodiscard]] const Vec3& centroidLps() const { return centroid_lps_; }
  /// \brief Volume (mL) of the lesion dilated by the minimum margin.
  [[nodiscard]] double dilatedMinimumVolumeMl() const;
  /// \brief Squared distance (mm^2) of every crop voxel to the lesion.
  [[nodiscard]] const Volume<float>& lesionDistance2() const { return lesion_d2_; }
  [[nodiscard]] const MarginOptions& options() const { return options_; }

 private:
  MarginOptions options_;
  ImageGeometry crop_;
  Mask lesion_;
  Volume<float> lesion_d2_;
  std::vector<std::size_t> lesion_index_;          ///< crop linear indices of the lesion voxels
  std::vector<std::size_t> dilated_min_index_;     ///< lesion + minimum margin
  std::vector<std::size_t> dilated_target_index_;  ///< lesion + target margin
  Vec3 centroid_lps_{0, 0, 0};
  double half_spacing_mm_ = 0.5;
  double pad_mm_ = 15;
};

/// Why a lesion cannot be covered with the required margin.
enum class CoverageFlag : std::uint8_t {
  kNone,        ///< covered with margin >= minimum
  kNoSafePath,  ///< "no safe path": no trajectory direction given
  kTooLarge,    ///< "too large": lesion + minimum margin exceeds what max_ablations zones cover
                ///< (volume check), or the search did not reach the margin (see `reason`)
  kVessel,      ///< "vessel": the margin is short where a large vessel touches the lesion
};

/// \brief "none", "no safe path", "too large", "vessel".
const char* coverageFlagName(CoverageFlag flag);

/// \brief The plan's flag of a coverage outcome (the same word).
LesionFlag lesionFlagOf(CoverageFlag flag);

/// Options of the placement search.
struct CoverageOptions {
  MarginOptions margins;
  int max_ablations = 4;           ///< overlapping zones tried at most
  double along_search_mm = 10;     ///< tip shifts along the needle: +-this ...
  double along_step_mm = 1;        ///< ... in these steps
  double lateral_search_mm = 4;    ///< lateral shifts (u, v of the needle frame): +-this ...
  double lateral_step_mm = 2;      ///< ... in these steps
  std::size_t max_directions = 3;  ///< first trajectory directions tried (planner cost order)
  /// A lesion whose (lesion + minimum margin) volume exceeds this fraction of max_ablations x the
  /// zone volume is flagged "too large" without a multi-ablation search (overlap wastes volume).
  double packing_efficiency = 0.6;
  /// Needle path check (e.g. TrajectoryPlanner::checkNeedle for every shaft of the electrode):
  /// a layout with a pose for which it returns false is never chosen. Empty: every pose allowed.
  std::function<bool(const thermal::NeedlePose&)> needle_ok;
};

/// One ablation of a coverage plan.
struct Placement {
  thermal::NeedlePose pose;  ///< tip and unit direction, LPS mm
  std::string electrode;
  std::string protocol;
  thermal::EllipsoidZone zone;  ///< the preview ellipsoid at `pose`
};

/// Coverage plan of one lesion.
struct CoveragePlan {
  std::vector<Placement> placements;  ///< empty only for "no safe path"
  MarginMetrics metrics;              ///< of the union of the placements' zones
  int ablations = 0;                  ///< placements.size()
  double ablated_volume_ml = 0;       ///< union of the zones (safety limit), mL
  CoverageFlag flag = CoverageFlag::kNone;
  std::string reason;               ///< human-readable explanation when flag != kNone
  std::size_t evaluations = 0;      ///< margin evaluations made by the search
  std::size_t refused_layouts = 0;  ///< layouts refused by CoverageOptions::needle_ok
};

/// \brief Unit needle directions (entry -> target) of a planner's trajectories, in their order.
/// Trajectories whose entry equals their target are skipped.
std::vector<Vec3> trajectoryDirections(const std::vector<Trajectory>& trajectories);

/// \brief Searches placements for `lesion` (mask on any grid) with the electrode/protocol of
/// `calibration`, along the needle directions `directions_lps` (unit or not; trajectories from
/// the TrajectoryPlanner, first = best).
///
/// Deterministic search: (1) one ablation per direction (first max_directions): the tip is put so
/// that the zone centre is at the lesion centroid (tip = centroid - centre_offset_mm * w), then
/// shifted along the needle (+-along_search_mm) and laterally (a grid of +-lateral_search_mm),
/// keeping the shift that maximises the minimal margin (ties: coverage of lesion + minimum
/// margin, then the first found). (2) If the margin is short and the volume check passes, zones
/// are added, for k = 2 .. max_ablations: (a) greedy: the k-1 layout plus a zone centred so as
/// to hold, with the minimum margin, the voxel of lesion + minimum margin farthest outside the
/// union (when all are inside, the lesion voxel with the smallest margin), its needle along each
/// of the directions in turn (the best after its tip search is kept: needles need not be
/// parallel), then every earlier tip searched again once;
/// (b) ring: k zone centres evenly on a circle across the needle around the centroid (radius 0 to
/// semi_across_mm in 1 mm steps, two phases, first axis = the lesion's principal axis across the
/// needle), and for k >= 4 also k - 1 on the circle plus one at the centroid (which holds the
/// poles of a lesion that is long along the needle), every tip then searched as in (1). The better
/// of (a), (b) and the best so far is kept; stops at the minimum margin or max_ablations.
///
/// Every layout is checked with options.needle_ok: a layout with a forbidden needle scores a
/// margin of -infinity and is never kept.
///
/// Flags: no direction, or no allowed layout found -> kNoSafePath (no placement); volume check
/// (packing_efficiency) fails -> kTooLarge, no search: the centred single placement on the first
/// direction is reported; margin still short after the search -> kVessel when `large_vessels` (same
/// grid as `lesion`, vessels >= 3 mm diameter, optional) has a voxel within minimum margin + one
/// voxel of the lesion's worst voxel, otherwise kTooLarge. \throws NoDataError when the lesion is
/// empty; GeometryError when `large_vessels` is given on another grid.
CoveragePlan planCoverage(const Mask& lesion, const thermal::PreviewCalibration& calibration,
                          const std::vector<Vec3>& directions_lps,
                          const CoverageOptions& options = {}, const Mask* large_vessels = nullptr);

/// \brief Volume (mL) of the union of `zones`, rasterised at `spacing_mm` on an LPS-aligned grid
/// covering them all. 0 for an empty list.
double unionVolumeMl(const std::vector<thermal::EllipsoidZone>& zones, double spacing_mm = 1.0);

/// Options of the targeting-uncertainty analysis.
struct UncertaintyOptions {
  int samples = 200;
  std::uint64_t seed = 1;
  /// Mean 3D tip placement error, mm (3.7 mm reported for percutaneous targeting). The tip error
  /// is an isotropic 3D Gaussian with per-axis sigma = mean_error / (2 sqrt(2/pi)) (the mean of a
  /// Maxwell-distributed radius is 2 sigma sqrt(2/pi)): 3.7 mm -> sigma = 2.319 mm.
  double mean_error_mm = 3.7;
  /// Zone-size spread per electrode name: relative SD of a zone's axes (the published spread of
  /// ablation zones in vivo, thermal::PreviewCalibration::zone_size_cv). In every sample each
  /// placement's zone is scaled about its centre by one factor 1 + cv z (z standard normal,
  /// factor clamped to [0.5, 1.5]; all three axes together: a zone larger or smaller as a whole).
  /// The factors come from a second random stream (seed + 1), so the tip offsets of a sample
  /// are the same with or without them. Electrodes not listed: no size spread.
  std::vector<thermal::ZoneSizeSpread> zone_size_cv;
};

/// Result of the targeting-uncertainty analysis.
struct UncertaintyResult {
  double probability = 0;    ///< fraction of samples with minimal margin >= minimum margin
  double p10_margin_mm = 0;  ///< 10th percentile: sorted margins at rank floor(0.1 (n - 1))
  double mean_margin_mm = 0;
  double sigma_mm = 0;  ///< per-axis sigma used
  int samples = 0;
  double ms_per_sample = 0;  ///< wall time per sample (rasterisation + distance transforms)
};

/// \brief Per-axis sigma (mm) of an isotropic 3D Gaussian with mean radial error `mean_error_mm`.
double sigmaFromMeanError(double mean_error_mm);

/// \brief Monte Carlo of the minimal margin of `placements` (their zones; the lesion and margins
/// of `evaluator`) under tip placement error: a tip offset translates the zone. Each
/// placement gets its own independent tip offset in every sample (each ablation is a separate
/// needle insertion or re-positioning); the direction is kept. Deterministic for a given seed
/// (own mt19937_64 + Box-Muller, not std::normal_distribution). An empty placement list gives
/// probability 0. \throws UsageError when samples < 1, mean_error_mm < 0 or not finite, or a
/// zone_size_cv is < 0, > 1 or not finite.
UncertaintyResult targetingUncertainty(const MarginEvaluator& evaluator,
                                       const std::vector<Placement>& placements,
                                       const UncertaintyOptions& options = {});

}  // namespace rfa::planning
