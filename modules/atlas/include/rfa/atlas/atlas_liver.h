#pragma once
/// \file atlas_liver.h
/// \brief Multi-atlas liver segmentation: labelled images of other patients (the atlases) are
/// registered to the image to segment (affine then B-spline, Mattes mutual information:
/// rfa::followup::registerImages with RegistrationOptions::affine), their liver labels are mapped
/// onto its grid and fused by voting, and the vote is refined by the image's own liver intensity.
/// Works on CT and MR alike (mutual information needs no common intensity scale). Research use
/// only.
///
/// Why (docs/validation.md): on the ten CHAOS T2 livers the intensity model (liver.h) leaks into
/// bowel and spleen or takes the wrong organ when the liver is not a histogram peak of its own;
/// the other patients' livers, registered, say where a liver can be.
///
/// Frames and units: images and masks are rfa::ImageVolume / rfa::Mask with their ImageGeometry
/// (DICOM patient LPS, mm); the result is on the target's grid. Volumes in mL, times in s.
/// Deterministic: registerImages() is (fixed seeds, fixed work units), the atlases are registered
/// one after another (ITK's random sampling shares one process-wide generator) and fused in order.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/segmentation/modality.h"

namespace rfa::atlas {

/// \brief One labelled atlas: an image and its liver mask on the image's grid.
struct Atlas {
  std::string name;  ///< e.g. the image's file name, for reports
  ImageVolume image;
  Mask liver;
};

/// \brief Reads the atlases of a folder: every `image_<id>.<ext>` with a `label_<id>.<ext>` next to
/// it (NIfTI .nii/.nii.gz or NRRD .nrrd; the CHAOS layout), the liver being the voxels of value
/// `liver_label` in the label file. `skip_ids` leaves some out (e.g. the case being segmented, for
/// leave-one-out checks). Sorted by id (numeric ids numerically).
/// \throws NotFoundError when the folder does not exist or holds no image/label pair;
/// GeometryError naming the files when a label is not on its image's grid; NoDataError when a
/// label holds no voxel of `liver_label`; the readers' errors (CorruptDataError, ...) naming the
/// file.
std::vector<Atlas> readAtlasFolder(const std::filesystem::path& folder, int liver_label = 1,
                                   const std::vector<std::string>& skip_ids = {});

/// \brief Settings of segmentLiverWithAtlases().
struct AtlasLiverOptions {
  segmentation::Modality modality = segmentation::Modality::kCT;  ///< of the target and atlases
  /// Registration resolutions (mm): linear (affine) and B-spline stages, and the B-spline control
  /// point spacing. Coarse on purpose: the atlases are other patients, whose livers differ by
  /// more than these details.
  double affine_spacing_mm = 5.0;
  double deformable_spacing_mm = 4.0;
  double bspline_grid_spacing_mm = 50.0;
  int affine_iterations = 100;
  int deformable_iterations = 20;
  /// Extra starts of the affine stage, shifted along the patient's head-foot axis (mm, + towards
  /// the head) from the alignment of the body centroids, which is off by centimetres when the
  /// fields of view differ. Each atlas keeps the start whose mapped liver is most homogeneous in
  /// the image (the smallest robust spread of the image's values inside it: median absolute
  /// deviation in HU on CT, over the median on MR); mutual information preferred the wrong start
  /// (docs/validation.md). Empty: the centroid start only.
  std::vector<double> start_shifts_mm = {-40.0, -20.0, 20.0, 40.0};
  /// Affine iterations per level of each start's screening run; the start kept is then run in
  /// full (affine_iterations). 0: every start runs in full.
  int start_screen_iterations = 25;
  /// Fusion: a voxel is liver when at least `sure_fraction` of the atlases put it in the liver,
  /// or at least `possible_fraction` do and its intensity lies within `intensity_sd` robust
  /// standard deviations (1.4826 x median absolute deviation) of the median of the voxels all
  /// atlases agree on; then the largest 6-connected component, holes filled.
  double sure_fraction = 0.6;
  /// Locally weighted vote instead of one vote per atlas: around each voxel an atlas counts with
  /// exp(-D / sd), D the mean over a box of half-width weighting_radius_mm of |image - atlas|
  /// (the atlas mapped and scaled so that its liver median meets the unanimous voxels' median),
  /// sd that median's robust SD.
  bool local_weighting = true;
  double weighting_radius_mm = 5.0;
  double possible_fraction = 0.35;
  double intensity_sd = 2.0;
};

/// \brief Per-atlas figures of a run.
struct AtlasRun {
  std::string name;
  double seconds = 0;          ///< registration wall time
  double start_shift_mm = 0;   ///< the affine start kept (AtlasLiverOptions::start_shifts_mm)
  double mapped_liver_ml = 0;  ///< the atlas liver mapped onto the target
};

/// \brief The fused liver and how it was obtained.
struct AtlasLiverSegmentation {
  Mask mask;  ///< on the target's grid (0/1)
  double volume_ml = 0;
  /// Fraction of the atlases voting liver at each voxel (0..1; locally weighted when
  /// AtlasLiverOptions::local_weighting), on the target's grid.
  ImageVolume vote;
  float core_median = 0;  ///< intensity model from the voxels all atlases agree on
  float core_sd = 0;
  std::vector<AtlasRun> atlases;  ///< one per atlas, in order
  double seconds = 0;             ///< wall time of the whole call
};

/// Progress: atlases done out of the total. May throw to cancel (the exception propagates).
using AtlasProgress = std::function<void(std::size_t done, std::size_t total)>;

/// \brief Segments the liver of `target` (CT in HU or MR in any units, as `options.modality`)
/// with `atlases` (same modality). The target's body (segmentation::segmentBody, the MR
/// background threshold on MR) is the registration's metric region.
/// \throws UsageError when `atlases` is empty or an option is out of range; NoDataError when no
/// body is found, a registration fails or the fused liver is empty.
AtlasLiverSegmentation segmentLiverWithAtlases(const ImageVolume& target,
                                               const std::vector<Atlas>& atlases,
                                               const AtlasLiverOptions& options = {},
                                               const AtlasProgress& progress = {});

}  // namespace rfa::atlas
