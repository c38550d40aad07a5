#pragma once
/// \file liver.h
/// \brief Automatic liver segmentation on contrast CT (Hounsfield units) or MR (LiverOptions::
/// modality; any intensity scale), optionally guided by seed points. Research use only.
///
/// Positions (seeds, centroids) are DICOM patient LPS in mm (+x patient Left, +y Posterior,
/// +z Superior), intensities in HU, volumes in mL (1 mL = 1000 mm^3). "Patient right" is the side
/// of smaller LPS x than the centroid of the body mask; absolute coordinates are never assumed (a
/// volume whose origin puts the body at positive x works the same).
///
/// Method (segmentLiver()):
///  1. Work grid: the CT grid with spacing max(working_spacing_mm, CT spacing) per axis; the CT is
///     box-averaged onto it, then median filtered (3x3x3).
///  2. Body mask (segmentBody()) on the work grid, and the part of it below the diaphragm: the
///     base of the lungs (air components reaching the top of the imaged body: not bowel gas) per column, the
///     mediastinum between the lungs (heart, great vessels) at the height interpolated between
///     them; voxels more than diaphragm_tolerance_mm above it are never liver.
///  3. Intensity model: without seeds, the mode of the histogram of soft tissue
///     ([soft_tissue_min_hu, soft_tissue_max_hu]) inside the body eroded by body_margin_mm, on the
///     patient-right half; the standard deviation from the peak's width at half maximum. With
///     seeds, the median and spread of the voxels within seed_radius_mm of the seeds.
///  4. Threshold at [mean - lower_sd x sd, mean + upper_sd x sd] inside the body below the
///     diaphragm, opening by opening_radius_mm (cuts thin bridges to heart, stomach, kidney,
///     spleen, muscle), then a split at the necks that survive it (watershed of the distance to
///     the background, neck_ratio: organs touching the liver through a bridge, such as the spleen
///     through the stomach wall, become regions of their own; a broad waist within the liver does
///     not), then the region that contains the seeds, or else the one with most voxels on the
///     patient-right half. It is grown back into the thresholded voxels within the opening radius
///     that no other region holds.
///  5. The model is re-estimated (median and spread) on that component and step 4 runs once
///     more.
///  6. Closing by closing_radius_mm, hole filling in 3D and per axial slice (lesions and vessels
///     inside the liver join it), largest component.
///  7. Dome fill (CT): in each vertical column, gaps between liver voxels up to
///     column_fill_max_mm of soft tissue are filled, and where a lung lies above, the run of soft
///     tissue from the liver's top up to fat or air at the lung (not blood: the heart) is filled
///     but for its last diaphragm_thickness_mm, when at least 6 mm remain and the addition is at
///     least 6 mm wide in its axial slice. A hypodense lesion at the dome opens onto the diaphragm,
///     where hole filling cannot reach it; where the liver already reaches the diaphragm nothing is
///     added.
///  8. Surface lesions: components of the hypodense voxels ([lesion_min_hu, lower threshold),
///     opened by lesion_opening_mm) with at least lesion_contact of their surface facing the liver
///     are added; closing and hole filling again; then voxels below fluid_max_hu (gallbladder,
///     bile, also fluid cysts) are removed.
///  9. Vertical tubes: the inferior vena cava (or aorta) that the mask follows below the liver,
///     found as a chain of small, round axial sections of steady area at least tube_min_length_mm
///     long (the liver's own tip shrinks slice by slice), is removed; the largest component kept.
/// 10. Back to the CT grid by trilinear interpolation of the 0/1 mask, threshold 0.5.
///
/// Plausibility checks make the function throw rather than return a garbage mask: no tissue in
/// the soft-tissue range, a result smaller than min_liver_ml or larger than max_body_fraction of
/// the body, or a centroid not on the patient-right side of the body.
///
/// Measured (CLI path, automatic, no seed; docs/validation.md): 3D-IRCADb-01 patient 17 Dice 0.940
/// (1838 vs 1861 mL); CRLM-CT-1004 (5 mm, oral and IV contrast) 1603 mL, the spleen, heart and
/// infra-hepatic vena cava left out (review pictures in docs/images/). Synthetic shapes with
/// known answers for steps 2, 4 and 8: tests/liver_neighbours_test.cpp.

#include <span>

#include "rfa/core/volume.h"
#include "rfa/segmentation/modality.h"

namespace rfa::segmentation {

/// \brief Parameters of segmentLiver(). The defaults suit portal-venous CT of the adult abdomen.
struct LiverOptions {
  /// CT (intensities in HU) or MR (any scale: normalised first, modality.h; no surface-lesion and
  /// no diaphragm step; the HU ranges below are not used, the body is what is brighter than the
  /// background and the model's histogram spans the body's intensities).
  Modality modality = Modality::kCT;
  double mr_min_sd = 8.0;          ///< MR: bounds of the estimated standard deviation (normalised
  double mr_max_sd = 150.0;        ///< units: the body's 99th percentile is 1000)
  std::size_t mr_model_peaks = 3;  ///< MR: histogram peaks tried as the liver's model
  double mr_lower_sd = 2.5;        ///< MR threshold window (the model is not re-estimated on MR:
  double mr_upper_sd = 2.0;        ///< the region's own spread includes the neighbours it touches)
  /// MR: a region with less than this fraction of its voxels on the patient-right side of the
  /// body's centroid has run into left-sided organs; the window's sd is then multiplied by
  /// mr_narrowing_factor, at most mr_narrowing_steps times (the expert livers of CHAOS hold
  /// 88-98 % of their voxels on that side).
  double mr_min_right_fraction = 0.75;
  double mr_narrowing_factor = 0.8;
  int mr_narrowing_steps = 4;
  /// MR: a region with more than mr_max_outer_fraction of its voxels in the body's outer
  /// mr_outer_layer_mm is the subcutaneous fat (bright on T1 and on T2 without fat suppression),
  /// never the liver.
  double mr_outer_layer_mm = 10.0;
  double mr_max_outer_fraction = 0.5;
  double working_spacing_mm = 2.0;   ///< work grid spacing (mm); the CT spacing if coarser
  float soft_tissue_min_hu = 40.0F;  ///< histogram range of candidate parenchyma (HU)
  float soft_tissue_max_hu = 250.0F;
  double body_margin_mm = 10.0;  ///< body wall excluded from the histogram (mm)
  double lower_sd = 3.5;         ///< threshold window: mean - lower_sd x sd
  double upper_sd = 2.5;         ///< to mean + upper_sd x sd (brighter: vessels, heart, kidney)
  double min_sd_hu = 6.0;        ///< bounds of the estimated standard deviation (HU)
  double max_sd_hu = 25.0;
  double opening_radius_mm = 5.0;    ///< opening that separates the liver from its neighbours (mm)
  double neck_ratio = 0.4;           ///< regions meeting at a neck shallower than this x the
                                     ///< shallower region's depth are split (see splitAtNecks)
  double neck_min_dynamic_mm = 4.0;  ///< ... unless that region rises less than this above it
  double diaphragm_tolerance_mm = 5.0;      ///< liver allowed this far above the lungs' bases (mm)
  double mediastinum_max_width_mm = 160.0;  ///< widest gap between the lungs interpolated (mm)
  double tube_max_area_mm2 = 1200.0;        ///< vertical tubes (vena cava) leaving the liver: axial
  double tube_min_length_mm = 30.0;         ///< sections at most this large, at least this long,
  double tube_max_area_ratio = 1.8;         ///< of steady area (max / min)
  double tube_min_fill = 0.5;        ///< and round (fill of the bounding ellipse) are dropped
  double column_fill_max_mm = 60.0;  ///< longest vertical gap filled (lesions at the dome); 0 = off
  double diaphragm_thickness_mm = 4.0;  ///< left out under the lung when filling up to it
  double closing_radius_mm = 8.0;       ///< closing that takes in surface lesions and vessels (mm)
  float lesion_min_hu = 20.0F;          ///< hypodense lesions at the surface: lowest HU
  double lesion_opening_mm = 4.0;  ///< opening of the hypodense mask (drops partial-volume rims)
  double lesion_contact = 0.5;     ///< least fraction of a lesion's surface facing the liver
  float fluid_max_hu = 20.0F;      ///< enclosed fluid (gallbladder, bile) below this is removed
  double seed_radius_mm = 10.0;    ///< neighbourhood of a seed used for the model (mm)
  double min_liver_ml = 300.0;     ///< smaller results are "no liver found"
  double max_body_fraction = 0.5;  ///< results larger than this fraction of the body are refused
};

/// \brief Result of segmentLiver().
struct LiverSegmentation {
  Mask mask;            ///< 0/1 on the CT grid (same ImageGeometry)
  double mean_hu = 0;   ///< parenchyma intensity model: centre (HU, of the smoothed CT)
  double sd_hu = 0;     ///< and standard deviation (HU)
  double lower_hu = 0;  ///< threshold window used (HU)
  double upper_hu = 0;
  double volume_ml = 0;        ///< volume of `mask` (mL)
  Vec3 centroid_lps{0, 0, 0};  ///< centroid of `mask`, LPS mm
  Vec3 seed_lps{0, 0, 0};  ///< the seed used: the first user seed inside the body, or the automatic
                           ///< one (the voxel of the chosen component deepest inside it), LPS mm
  bool seed_from_user = false;  ///< true when `seeds_lps` was given and used
};

/// \brief Segments the liver (parenchyma with the lesions and vessels inside it) of a CT in HU.
/// `seeds_lps` (optional, LPS mm) are points inside the liver; they fix the intensity model and
/// the component. Deterministic; the heavy passes run on rfa::parallelFor.
/// \throws NoDataError whose message starts with "no liver found:" when the volume is empty, has
/// no body, or holds no liver-like region (see the plausibility checks above), or when every seed
/// lies outside the grid or the body.
LiverSegmentation segmentLiver(const ImageVolume& ct_hu, const LiverOptions& options = {},
                               std::span<const Vec3> seeds_lps = {});

}  // namespace rfa::segmentation
