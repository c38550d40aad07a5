#pragma once
/// \file margin.h
/// \brief 3D minimal ablative margin (MAM) of a treated lesion: signed distances from the
/// pre-treatment lesion surface to the boundary of the ablation zone, with the subcapsular
/// correction, a histogram, a per-voxel margin map and the technical-success verdict.
/// Research use only: a measurement for a tumour board, never a clinical decision.
///
/// Frames and units: the lesion, zone and liver masks are on ONE grid (in rfaplan: the planning
/// grid, the zone segmented on the follow-up resampled through the registration, registration.h),
/// DICOM patient LPS mm. Margins in mm (+ = the lesion surface lies inside the zone with that
/// clearance, - = that part of the lesion lies outside the zone), volumes in mL, percentages
/// 0..100.
///
/// Method: the zone's signed distance at voxel centres from two exact Euclidean distance
/// transforms (segmentation/distance.h), shifted by half a voxel so that its zero lies midway
/// between the last zone voxel and the first non-zone voxel; the lesion surface is sampled at the
/// midpoints of every face between a lesion voxel and a non-lesion voxel, where the signed
/// distance is interpolated. Subcapsular correction (Laimer et al. 2020 style): inside the zone
/// the margin is the distance to the nearest NON-ABLATED LIVER voxel, so zone surface that lies on
/// the liver capsule (where the margin cannot extend) does not limit it; the uncorrected margin
/// uses every non-zone voxel. Accuracy: about a third of a voxel (docs/validation.md).

#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"

namespace rfa::followup {

/// \brief Settings of measureMargin().
struct MarginOptions {
  double threshold_mm = 5.0;        ///< technical success needs MAM >= this (profile minimum)
  double histogram_min_mm = -10.0;  ///< first bin's lower edge; lower margins go to bin 0
  double histogram_max_mm = 20.0;   ///< last bin's upper edge; higher margins go to the last bin
  double histogram_bin_mm = 1.0;
  /// A surface point is "subcapsular" (excluded from the uncorrected figure's shortfall) when its
  /// corrected margin exceeds the uncorrected one by more than this.
  double subcapsular_tolerance_mm = 1.0;
};

/// \brief The margin of one treated lesion.
struct MarginResult {
  /// Minimal signed margin (mm) with the subcapsular correction: the MAM.
  double minimal_margin_mm = 0;
  double minimal_margin_uncorrected_mm = 0;  ///< zone surface on the capsule counted too
  double mean_margin_mm = 0;                 ///< mean over the surface points (corrected)
  Vec3 minimal_margin_point_lps{0, 0, 0};    ///< where the MAM is (lesion surface, LPS mm)
  int surface_points = 0;                    ///< lesion surface face midpoints sampled
  double percent_at_threshold = 0;           ///< % of surface points with margin >= threshold
  double percent_subcapsular = 0;            ///< % of surface points limited by the capsule
  double residual_volume_ml = 0;             ///< lesion voxels outside the zone
  double lesion_volume_ml = 0;
  double zone_volume_ml = 0;
  std::vector<int> histogram;  ///< surface points per bin (MarginOptions bins)
  double histogram_min_mm = 0;
  double histogram_bin_mm = 1;
  /// "technical success" (MAM >= threshold and no residual tumour), "insufficient margin"
  /// (0 <= MAM < threshold), "residual tumour" (part of the lesion outside the zone), "no ablation
  /// zone" (empty zone mask) or "not assessable" (no lesion surface found; the MAMs are NaN).
  std::string verdict;
  bool technical_success = false;
};

/// \brief Measures the margin of `lesion` (non-zero voxels) against `zone` inside `liver`; all
/// three on the same grid. When `margin_map` is not null it receives, on that grid, the corrected
/// margin (mm) at lesion voxels that touch the lesion surface (mean of their faces' values) and
/// NaN elsewhere. Work is limited to the lesion's box + 15 mm (within the lesion and zone box +
/// 5 mm): margins up to 15 mm are exact, larger ones may be reported smaller than 15 + what the
/// box holds (they pass any threshold anyway).
/// \throws GeometryError when the grids differ; NoDataError when `lesion` is empty.
MarginResult measureMargin(const Mask& lesion, const Mask& zone, const Mask& liver,
                           const MarginOptions& options = {}, Volume<float>* margin_map = nullptr);

/// \brief As above, with the zone surface taken from `zone_occupancy` (0..1 on the same grid, e.g.
/// ZoneSegmentation::occupancy: its 0.5 level, sub-voxel from the image's partial volume) instead
/// of the binary `zone` mask, which still gives the residual volume, the zone volume and the work
/// box. \throws as above, GeometryError also when `zone_occupancy` is on another grid.
MarginResult measureMargin(const Mask& lesion, const Mask& zone,
                           const Volume<float>& zone_occupancy, const Mask& liver,
                           const MarginOptions& options = {}, Volume<float>* margin_map = nullptr);

}  // namespace rfa::followup
