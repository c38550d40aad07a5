#pragma once
/// \file candidates.h
/// \brief Automatic detection of focal lesion candidates inside a liver mask on CT in Hounsfield
/// units, for the user to accept or reject. Research use only.
///
/// Frames and units: points are DICOM patient LPS in millimetres, lengths in mm, intensities in HU,
/// volumes in mL (1 mL = 1000 mm^3). Distances use the grid spacing with the grid axes taken as
/// orthogonal (exact except for gantry-tilted CT). Voxel indices refer to the CT grid.
///
/// Method (detectLesionCandidates(); all on the bounding box of the liver plus a margin):
///  1. Parenchyma model: median and robust SD (1.4826 x MAD) of the CT, raw and smoothed, inside
///     the liver eroded by `parenchyma_erosion_mm` (the whole liver if the erosion empties it).
///     Medians keep lesions and vessels from biasing the model.
///  2. The CT is smoothed by a Gaussian of `smoothing_sigma_mm` as a normalised convolution inside
///     the liver (fat and air beyond the surface do not darken the voxels at its edge).
///  3. Thresholds on the smoothed CT, gap = max(threshold_sd x smoothed SD, min_contrast_hu):
///     hypodense voxels below median - gap (and above `hypo_min_hu`, which keeps fat and air out),
///     hyperdense voxels above median + gap; each set split into 26-connected components.
///  4. Hard rejections: components smaller than a sphere of `min_diameter_mm`; components with a
///     compactness below `min_compactness` (compactness = volume / volume of the sphere whose
///     diameter is the longest extent of the component, measured along 13 directions; 1 for a
///     ball, 6 r^2 / L^2 for a tube of radius r and length L, near 0 for a vessel tree: bright
///     vessels connected over long distances are one elongated component and are dropped; an
///     elongated hypodense component is opened by `split_opening_mm` and its parts of at least
///     `split_min_diameter_mm` judged again, since a hypodense lesion can be joined to hypodense
///     vessels or ducts); components with
///     more than `max_rim_fraction` of their voxels within `rim_mm` of the liver
///     boundary (partial-volume rims with fat or air at the surface).
///  5. Refinement (when `refine`): segmentLesionFromSeed() from the component's deepest voxel
///     (largest distance to the component's border), liver-restricted; its mask replaces the
///     component when it holds the seed, has the same polarity and its volume lies within
///     [1/3, 3] x the component's volume. At most `max_refined` candidates (largest first) are
///     refined. A refined mask that mostly overlaps an earlier candidate is a duplicate and
///     dropped.
///  6. Score in [0, 1], higher = more likely a lesion: the weighted geometric mean
///       score = s_cnr^0.4 x s_shape^0.25 x s_size^0.2 x s_depth^0.15
///     with s_cnr = min(1, |contrast| / (cnr_full x parenchyma SD of the raw CT)) (contrast to
///     noise), s_shape = min(1, compactness / compactness_full), s_size = min(1, equivalent
///     diameter / size_full_mm) and s_depth = 1 - fraction of voxels within rim_mm of the liver
///     boundary; all on the final mask. Candidates below `min_score` are dropped; the rest are
///     sorted by decreasing score (ties: larger volume first).
///
/// Validation (tests/candidates_test.cpp, truth liver as input): phantom seeds 1-3 (4-6 lesions,
/// 192x192x80 at 2 mm): every lesion >= 10 mm found (3, 3 and 4 of them), no false positive, the
/// 5-10 mm lesions found too; a lesion-free phantom liver gives no candidate. Seeds 1-16 (2-10
/// lesions) at 2 mm and at the default 256x256x100 at 1.5x1.5x2 mm: no lesion >= 10 mm missed, no
/// false positive, one 6 mm lesion missed. 0.2-1.5 s per case (2 cores). The phantom has no
/// partial volume and a uniform parenchyma; real CT (heterogeneous parenchyma, partial volume,
/// segmentation errors at the surface) is not validated yet.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::segmentation {

/// \brief Parameters of detectLesionCandidates(). Lengths in mm, intensities in HU.
struct CandidateOptions {
  double smoothing_sigma_mm = 1.2;     ///< Gaussian inside the liver before thresholding; 0 = none
  double parenchyma_erosion_mm = 4.0;  ///< the parenchyma model ignores this rim of the liver
  double threshold_sd = 3.0;           ///< k: thresholds at median -/+ k x smoothed SD...
  double min_contrast_hu = 15.0;       ///< ...but at least this far from the median
  float hypo_min_hu = -100.0F;         ///< smoothed voxels below this are not lesion (fat, air)
  bool detect_hypodense = true;
  bool detect_hyperdense = true;
  double min_diameter_mm = 5.0;         ///< smaller components (equivalent sphere) are dropped
  double min_compactness = 0.25;        ///< more elongated components are dropped (vessels)...
  double split_opening_mm = 4.0;        ///< ...after a second look at their parts opened by this
                                        ///< radius (hypodense only: a lesion joined to hypodense
                                        ///< vessels or ducts); 0 = none...
  double split_min_diameter_mm = 15.0;  ///< ...keeping the parts at least this large (mm)
  double rim_mm = 3.0;                  ///< voxel-centre distance to the nearest non-liver voxel
                                        ///< centre counted as the surface rim (about 2 mm from the
                                        ///< surface, which lies half a voxel outside)
  double max_rim_fraction = 0.5;        ///< components with more of their voxels in the rim dropped
  bool refine = true;                   ///< refine each candidate with segmentLesionFromSeed()
  std::size_t max_refined = 30;         ///< refine at most this many candidates (largest first)
  double cnr_full = 3.0;                ///< contrast-to-noise ratio scoring 1
  double compactness_full = 0.5;        ///< compactness scoring 1
  double size_full_mm = 10.0;           ///< equivalent diameter scoring 1
  double min_score = 0.5;               ///< candidates scoring less are not returned
  /// Confidence for automatic scheduling (triageCandidate()): hypodense candidates (colorectal
  /// metastases on portal-venous CT) of at least this equivalent diameter (mm)...
  double confident_min_diameter_mm = 15.0;
  double confident_min_score = 0.6;          ///< ...scoring at least this...
  double confident_max_rim_fraction = 0.25;  ///< ...with at most this in the surface rim
};

/// \brief One lesion candidate.
struct LesionCandidate {
  Vec3 seed_lps{0, 0, 0};        ///< deepest voxel of the thresholded component, LPS mm (a click)
  Vec3 centroid_lps{0, 0, 0};    ///< mean of the mask's voxel centres, LPS mm
  double volume_ml = 0;          ///< voxel count x voxel volume (mL)
  double diameter_mm = 0;        ///< equivalent sphere diameter (6 V / pi)^(1/3) (mm)
  double longest_extent_mm = 0;  ///< longest extent over 13 directions (mm)
  double mean_hu = 0;            ///< mean of the (unsmoothed) CT inside the mask (HU)
  double contrast_hu = 0;        ///< mean_hu - parenchyma median (HU): negative = hypodense
  double cnr = 0;                ///< |contrast_hu| / parenchyma SD of the raw CT
  double compactness = 0;        ///< volume / volume of the sphere of the longest extent, [0, 1]
  double rim_fraction = 0;       ///< fraction of voxels within rim_mm of the liver boundary
  double score = 0;              ///< [0, 1], see candidates.h step 6
  bool hyperdense = false;       ///< brighter than the parenchyma
  bool refined = false;          ///< the mask comes from segmentLesionFromSeed()
  std::vector<std::size_t> voxels;  ///< linear indices (CT grid, x fastest) of the mask, sorted
};

/// \brief Whether an automatic candidate may be planned without a look (`confident`), and why.
struct CandidateTriage {
  bool confident = false;
  std::string reason;  ///< e.g. "score 0.83, hypodense, 24 mm" or "to review: hyperdense ..."
};

/// \brief The triage of one candidate: confident when hypodense, of equivalent diameter >=
/// confident_min_diameter_mm, compactness (of the final mask) >= min_compactness, at most
/// confident_max_rim_fraction of its voxels in the liver's surface rim and score >=
/// confident_min_score; otherwise "to review" with each unmet condition named (hyperdense: an
/// enhancing vessel segment, a calcification or a hypervascular lesion, which portal-venous CT
/// cannot tell apart; small: partial volume and vessel cross-sections look like small lesions;
/// elongated: a fissure, a duct or the hilum's fat; at the surface: fat or soft tissue that the
/// liver mask took in at its edge; low score: weak contrast or irregular shape).
CandidateTriage triageCandidate(const LesionCandidate& c, const CandidateOptions& o = {});

/// \brief Parenchyma model and counts of one detection run.
struct CandidateReport {
  double parenchyma_median_hu = 0;  ///< median of the raw CT in the eroded liver (HU)
  double parenchyma_sd_hu = 0;      ///< 1.4826 x MAD of the raw CT there (HU)
  double smoothed_median_hu = 0;    ///< the same on the smoothed CT
  double smoothed_sd_hu = 0;
  double hypo_threshold_hu = 0;  ///< thresholds applied to the smoothed CT (HU)
  double hyper_threshold_hu = 0;
  std::size_t components = 0;      ///< thresholded components of at least min_diameter_mm
  std::size_t rejected_shape = 0;  ///< below min_compactness
  std::size_t rejected_rim = 0;    ///< above max_rim_fraction
  std::size_t rejected_score = 0;  ///< below min_score, or duplicates after refinement
  std::size_t refined = 0;         ///< candidates whose mask comes from the refinement
};

/// \brief Detects hypo- and hyperdense lesion candidates in `liver` (0/1 mask on the CT grid) of
/// `ct_hu` (HU), sorted by decreasing score. Deterministic; smoothing and distance maps run on
/// rfa::parallelFor. `report`, when given, receives the model and the counts.
/// \throws GeometryError if `liver` is not on the grid of `ct_hu` or an option is out of range
/// (negative lengths, threshold_sd <= 0). \throws NoDataError if the CT or the liver mask is empty.
/// \throws UnsupportedError if more than 65535 components of one polarity reach min_diameter_mm or
/// more than 65535 candidates pass the hard rejections.
std::vector<LesionCandidate> detectLesionCandidates(const ImageVolume& ct_hu, const Mask& liver,
                                                    const CandidateOptions& options = {},
                                                    CandidateReport* report = nullptr);

/// \brief Instance label map of `candidates` on `geometry` (the CT grid): candidate n (in the
/// given order) gets label n + 1; a voxel claimed twice keeps the first. \throws GeometryError if a
/// voxel index lies outside the grid, UnsupportedError for more than 65535 candidates.
LabelMap candidateLabelMap(const std::vector<LesionCandidate>& candidates,
                           const ImageGeometry& geometry);

}  // namespace rfa::segmentation
