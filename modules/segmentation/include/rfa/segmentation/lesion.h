#pragma once
/// \file lesion.h
/// \brief Segmentation of one focal liver lesion from a click (a seed point) on CT in Hounsfield
/// units.
///
/// Frames and units: the seed is a point in DICOM patient LPS millimetres; radii, widths and
/// sigmas are in mm, intensities in HU, volumes in mL. Distances use the grid spacing with the grid
/// axes taken as orthogonal (exact except for gantry-tilted CT, where they are those of the
/// unsheared grid). The returned mask is on the grid of the CT (same ImageGeometry).
///
/// Method (all on a crop around the seed holding the search ball, so the cost does not depend on
/// the size of the CT):
///  1. The crop is smoothed with a Gaussian of `smoothing_sigma_mm` (separable, per-axis sigma in
///     voxels from the spacing) against image noise; with a liver mask, as a normalised convolution
///     inside the (dilated) liver, so that fat and air beyond its surface do not darken the
///     parenchyma at the edge. All statistics below use the smoothed values.
///  2. Lesion intensity: median of a ball of `core_radius_mm` around the seed (kept fixed).
///  3. Surrounding intensity: medians of concentric shells (`shell_width_mm` thick, liver voxels
///     only when a liver is given) are taken outwards from the core; the first shell whose median
///     differs from the lesion median by at least `min_contrast_hu` marks the edge, and the search
///     goes on outwards while the shell median keeps moving away from the lesion (a rim of
///     intermediate density, e.g. a target lesion, is crossed), stopping at the plateau: that
///     median is the surrounding estimate and its radius is `radius_searched_mm`. The sign of the
///     difference tells a hypodense from a hyperdense lesion; both are handled.
///  4. Threshold: on the lesion side of the surrounding median, `gap` HU away from it, with
///     gap = clamp(surround_sd_factor x SD, min_gap_fraction x contrast, contrast / 2), where SD
///     is a one-sided robust SD of the surrounding (1.4826 x MAD of the values on the side away
///     from the lesion, which partial-volume lesion voxels do not inflate). It lies nearer the
///     parenchyma than the midpoint so that the transition rim that reference outlines include is
///     kept; noise pushes it back towards the midpoint. The region is grown (6-connected) from the
///     seed (or, when the seed voxel does not qualify, e.g. a calcification, the nearest
///     qualifying voxel of the core ball) over voxels on the lesion side of the threshold and not
///     farther than max(`far_margin_hu`, contrast) beyond the lesion median on the other side
///     (keeps fat and air out of a hypodense lesion), inside the ball of `max_radius_mm` and, when
///     a liver mask is given, inside that mask dilated by `liver_margin_mm`. The surrounding
///     median and SD are then re-estimated over the band between `shell_gap_mm` and
///     `shell_gap_mm + shell_width_mm` outside the region (liver voxels only) and the region
///     regrown, until the threshold moves by less than 1 HU or `max_iterations` is reached; an
///     estimate whose contrast falls below `min_contrast_hu` (a leak) is discarded.
///  5. Clean-up: opening by `opening_radius_mm` (cuts thin bridges into neighbouring structures),
///     the component holding the seed, closing by `closing_radius_mm`, 3D hole filling (enclosed
///     calcifications and vessels belong to the lesion), then again the component holding the
///     seed.
///  6. Calcifications: voxels brighter than `calcification_hu` on the unsmoothed CT (above
///     portal-venous vessel enhancement) within `calcification_reach_mm` of the region and inside
///     the allowed voxels join it (calcified parts at the border of mucinous metastases).
///  7. Shape: each axial slice (third grid axis) is filled to its convex hull, kept inside the
///     allowed voxels, then the component holding the seed. Reference outlines of metastases are
///     convex per slice (IRCADb 17: the per-slice hull of each reference tumour has Dice 0.994
///     with it), and the hull takes back the rim of near-parenchyma density and the parts that
///     the threshold misses between lobes. Not suited to a strongly concave lesion: set
///     `convex_per_slice` false there.
/// The medians make the estimates robust to calcifications, vessels and a seed that falls on one.
///
/// Validation (tests/lesion_test.cpp): phantom lesions of 6-47 mm at 2 mm voxels, Dice 0.97-1.0;
/// 3D-IRCADb-01 patient 17 with its reference liver, seeds at the reference centroids: tumour 2
/// (hypodense with a rim) Dice 0.84, 78.0 mL vs 78.6 mL; tumour 1 (heterogeneous, calcified) Dice
/// 0.81, 67.7 mL vs 85.6 mL: parts of liver-like density that the hypodense part does not enclose
/// are missed, so volumes are under-estimated on such lesions. About 0.2 s per lesion on a
/// 512x512x119 CT (2 cores).

#include <cstddef>

#include "rfa/core/volume.h"

namespace rfa::segmentation {

/// \brief Parameters of segmentLesionFromSeed(). Lengths in mm, intensities in HU.
struct LesionSeedOptions {
  double max_radius_mm = 40.0;          ///< the lesion is searched within this distance of the seed
  double core_radius_mm = 3.0;          ///< ball around the seed for the first lesion estimate
  double smoothing_sigma_mm = 1.0;      ///< Gaussian smoothing before thresholding; 0 = none
  double min_contrast_hu = 15.0;        ///< least lesion/surrounding difference accepted
  double surround_sd_factor = 1.0;      ///< threshold this many surrounding SDs from its median...
  double min_gap_fraction = 0.35;       ///< ...but at least this fraction of the contrast away
  double shell_gap_mm = 1.5;            ///< surrounding band starts this far outside the region
  double shell_width_mm = 4.0;          ///< thickness of the surrounding band / search shells
  double far_margin_hu = 80.0;          ///< least reach of the band beyond the lesion median
  double liver_margin_mm = 0.0;         ///< dilation of the liver mask, when one is given
  double opening_radius_mm = 1.5;       ///< 0 = no opening
  double closing_radius_mm = 4.0;       ///< 0 = no closing
  int max_iterations = 8;               ///< threshold re-estimations
  double calcification_reach_mm = 5.0;  ///< calcifications this close are added; 0 = never
  float calcification_hu = 250.0F;      ///< above portal-venous vessel enhancement
  bool convex_per_slice = true;         ///< fill each axial slice to its convex hull
  float air_threshold_hu = -300.0F;     ///< a seed below this lies in air (outside the body)
};

/// \brief Result of segmentLesionFromSeed().
struct LesionSegmentation {
  Mask mask;                          ///< 0/1 on the CT grid
  std::size_t voxel_count = 0;        ///< voxels of `mask`
  double volume_ml = 0;               ///< voxel_count x voxel volume (mL)
  bool hyperdense = false;            ///< lesion brighter than its surrounding
  double lesion_mean_hu = 0;          ///< mean of the (unsmoothed) CT inside the mask
  double lesion_sd_hu = 0;            ///< standard deviation of the CT inside the mask
  double lesion_median_hu = 0;        ///< robust lesion estimate: median of the core ball
  double region_median_hu = 0;        ///< median of the last grown region (smoothed CT)
  double surround_median_hu = 0;      ///< final robust surrounding estimate (smoothed CT)
  double surround_sd_hu = 0;          ///< 1.4826 x MAD of the surrounding band (smoothed CT)
  double threshold_hu = 0;            ///< final threshold between lesion and surrounding
  double radius_searched_mm = 0;      ///< outer radius of the shell that gave the first surrounding
  int iterations = 0;                 ///< threshold estimations done
  bool reached_search_limit = false;  ///< the grown region touched the search ball (may be cut)
};

/// \brief Segments the lesion containing `seed_lps` (LPS mm) on `ct_hu` (HU). `liver`, when
/// given, must be on the CT grid; growth is then kept inside it (dilated by liver_margin_mm).
/// \throws GeometryError "seed (x, y, z) mm is outside the image ..." when the seed lies outside
/// the grid, or when `liver` is not on the CT grid, or an option is out of range (radii <= 0).
/// \throws NoDataError when the seed lies in air ("seed ... lies outside the body": median of its
/// 3x3x3 neighbourhood below air_threshold_hu), when no surrounding differing by
/// min_contrast_hu is found within max_radius_mm, or when nothing lesion-like grows from the seed.
LesionSegmentation segmentLesionFromSeed(const ImageVolume& ct_hu, const Vec3& seed_lps,
                                         const LesionSeedOptions& options = {},
                                         const Mask* liver = nullptr);

/// \brief A lesion from a click in or against the liver, and the liver extended with it (the
/// LiTS/IRCADb convention: the liver holds its lesions). First as segmentLesionFromSeed() with
/// `liver`. When that finds nothing and the click lies outside `liver` but within `near_liver_mm`
/// of it - a mass at the capsule that the automatic liver left out - the lesion is grown without
/// the liver and kept when it touches the liver. When the first attempt succeeds, the lesion is
/// also grown without the liver, and that mass replaces it when it holds at least 90 % of the first
/// and at most twice its voxels: a mass the automatic liver cut (IRCADb 17 tumour 1 at the dome,
/// click at its centre: Dice 0.550 -> 0.736; docs/validation.md), not a leak into a neighbour.
/// `liver` (0/1 on the CT grid) then gets every voxel of the lesion. \throws as
/// segmentLesionFromSeed() (the first attempt's error when the retry is not allowed), and
/// NoDataError "... does not touch the liver" when the retried mass lies apart.
LesionSegmentation segmentLesionInLiver(const ImageVolume& ct_hu, const Vec3& seed_lps, Mask& liver,
                                        const LesionSeedOptions& options = {},
                                        double near_liver_mm = 15.0);

}  // namespace rfa::segmentation
