#pragma once
/// \file registration.h
/// \brief Registration of a follow-up CT/MR (the "moving" image) to the planning series (the
/// "fixed" image) with ITK: rigid (versor + translation, Mattes mutual information), then an
/// optional deformable B-spline stage whose metric is restricted to a region of the fixed image
/// (the liver, dilated). Research use only.
///
/// Frames and units: every point is DICOM patient LPS in millimetres. A Registration maps a point
/// of the FIXED (planning) frame to the MOVING (follow-up) frame: y_moving =
/// fixedToMoving(x_fixed). Resampling the follow-up onto the planning grid (resampleToFixed())
/// pulls each fixed voxel's value from fixedToMoving(voxel centre). Displacements in mm, angles in
/// degrees, times in s.
///
/// Deterministic: the same images and options give the same transform, bit for bit, whatever the
/// number of cores (fixed seeds for the metric sampling; the rigid metric runs in one work unit,
/// the B-spline metric in a fixed number of work units summed in order).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"

namespace rfa::followup {

class Registration;

/// \brief Settings of registerImages(). Defaults suit CT of the abdomen.
struct RegistrationOptions {
  bool deformable = true;  ///< false: rigid only
  /// Linear stage: rigid (false, same patient) or affine (true: 12 parameters, scaling and shear
  /// too, for registering another patient's image, e.g. a labelled atlas). With affine set, the
  /// Registration's `rotation` holds the affine matrix and quality.rotation_deg the angle of its
  /// matrix taken as a rotation (approximate).
  bool affine = false;
  /// Resolution of the rigid stage (mm): images box-averaged over whole voxels, so each axis gets
  /// the native spacing times round(rigid_spacing_mm / native spacing), at least the native one.
  double rigid_spacing_mm = 4.0;
  /// Resolution of the B-spline stage (as above): 1.5 mm keeps 1.25 mm images native and halves
  /// 0.78 mm pixels. On the acceptance phantom (1.25 mm) native resolution halved the liver TRE
  /// against 2.5 mm (mean 0.38-0.45 vs 0.93 mm, docs/validation.md).
  double deformable_spacing_mm = 1.5;
  double bspline_grid_spacing_mm = 40.0;  ///< B-spline control point spacing (mm), at most
  int rigid_iterations = 200;             ///< per level (two levels)
  /// Extra starts of the linear stage (LPS mm): each is added to the initial translation (the
  /// centroid alignment) and the stage is run again from it; the run with the lowest score is
  /// kept (ties: the earlier; the centroid start is run first). For images of other patients
  /// whose fields of view differ, e.g. atlases, where the centroids disagree by centimetres and
  /// the stage can stay in the wrong basin. Empty: one start.
  std::vector<Vec3> linear_start_offsets_mm;
  /// Score of a linear-stage result (the registration holds only the linear map; lower is
  /// better). Unset: the stage's final Mattes value. (Mutual information over partly overlapping
  /// fields of view can prefer the wrong start: docs/validation.md, CHAOS case 15.)
  std::function<double(const Registration& linear)> linear_start_score;
  /// With extra starts: every start is first run with this many iterations per level and
  /// scored, then the best one is run in full (rigid_iterations). 0: every start runs in full.
  int linear_screen_iterations = 0;
  /// L-BFGS-B iterations of the B-spline stage. The metric has no smoothness penalty; more
  /// iterations start fitting the image noise (on the phantom 30 was already worse than 20).
  int deformable_iterations = 20;
  /// Share of the region voxels sampled by the metric (each stage; at least 2000 samples).
  double sampling_fraction = 0.05;
  std::uint64_t seed = 1;  ///< seed of the metric's random sampling
  /// Quality thresholds: a result is flagged poor (RegistrationQuality::poor) when the liver
  /// surface distance (if both liver masks were given) has mean > max_surface_mean_mm or
  /// 95th percentile > max_surface_p95_mm, or cannot be measured (the mapped follow-up liver
  /// does not meet the planning liver), or when the deformation folds (Jacobian <= 0).
  double max_surface_mean_mm = 2.0;
  double max_surface_p95_mm = 5.0;
};

/// \brief How good the result is (what the CLI and the GUI show; see docs/validation.md).
struct RegistrationQuality {
  /// Mean |fixed - resampled moving| (image units, HU for CT) over the fixed region: before
  /// registration (identity transform), after the rigid stage and at the end.
  double mean_abs_difference_initial = 0;
  double mean_abs_difference_rigid = 0;
  double mean_abs_difference_final = 0;
  /// Symmetric surface distance (mm) between the fixed liver and the moving liver mapped into the
  /// fixed frame (surface voxels in the `exclude` mask left out); absent unless both liver masks
  /// were given to registerImages().
  std::optional<double> liver_surface_mean_mm;
  std::optional<double> liver_surface_p95_mm;
  double max_deformable_displacement_mm = 0;  ///< largest B-spline displacement inside the region
  double min_jacobian = 1;                    ///< of the deformable part inside the region
  double rotation_deg = 0;                    ///< of the rigid stage
  double translation_mm = 0;                  ///< of the rigid stage (at the fixed region centre)
  double seconds = 0;                         ///< wall time of registerImages()
  /// The linear start kept (RegistrationOptions::linear_start_offsets_mm; zero: the centroid
  /// alignment), LPS mm.
  Vec3 linear_start_offset_mm{0, 0, 0};
  bool poor = false;                  ///< one of the thresholds broken
  std::vector<std::string> warnings;  ///< why poor, in words with the figures
};

/// \brief The result: rigid part and a dense deformable displacement field, plus the quality.
class Registration {
 public:
  /// \brief Point of the moving (follow-up) frame that corresponds to `x_fixed_lps` (LPS mm):
  /// rigid(x) + d(x), where d is the deformable displacement field (trilinear; within half a voxel
  /// beyond its outer voxel centres the outer values hold; 0 farther out).
  [[nodiscard]] Vec3 fixedToMoving(const Vec3& x_fixed_lps) const;

  Mat3 rotation = Mat3::Identity();  ///< rigid: y = rotation (x - centre) + centre + translation
  Vec3 centre_lps{0, 0, 0};          ///< LPS mm, fixed frame
  Vec3 translation_mm{0, 0, 0};
  /// Deformable displacement (LPS mm, added after the rigid map) sampled on a grid in the fixed
  /// frame; empty for a rigid registration. Components stored x, y, z per voxel in three volumes.
  ImageVolume displacement_x, displacement_y, displacement_z;
  RegistrationQuality quality;
};

/// Progress of registerImages(): stage ("rigid", "deformable") and fraction in [0, 1]. May throw
/// to cancel (the exception propagates).
using RegistrationProgress = std::function<void(const std::string& stage, double fraction)>;

/// \brief Registers `moving` (follow-up) to `fixed` (planning). `fixed_region` (on fixed's grid,
/// typically the planning liver mask) restricts the metric: it is dilated by 10 mm internally
/// (to include the liver capsule). The rigid stage is initialised by the centroids of the liver
/// masks when `moving_liver` is given (else of the image centres). `fixed_liver` and
/// `moving_liver` (each on its image's grid, may be null) give the liver surface distance of the
/// quality. `exclude` (fixed grid, may be null) removes voxels from the metric region (e.g. the
/// planned ablation zones, whose HU changed) and from the liver surface distance (an automatic
/// liver segmentation of the follow-up leaves hypodense zones at the liver edge out).
/// The fixed centroid of the initialisation is that of `fixed_liver` when given, else of
/// `fixed_region`; it is also the centre of the rigid rotation.
/// \throws GeometryError when an image is empty or a mask is not on its image's grid or
/// `fixed_region` is empty; NoDataError when the region has too few voxels to sample (none left
/// outside `exclude`, or fewer than 100 at a stage's resolution) or the follow-up does not cover
/// it; UsageError for an option out of range (spacings <= 0, sampling_fraction outside (0, 1],
/// iterations < 1).
Registration registerImages(const ImageVolume& fixed, const ImageVolume& moving,
                            const Mask& fixed_region, const RegistrationOptions& options = {},
                            const Mask* fixed_liver = nullptr, const Mask* moving_liver = nullptr,
                            const Mask* exclude = nullptr,
                            const RegistrationProgress& progress = {});

/// \brief `moving` resampled onto `fixed_grid` through `r` (trilinear; `outside` where the mapped
/// point leaves the moving image).
ImageVolume resampleToFixed(const ImageVolume& moving, const Registration& r,
                            const ImageGeometry& fixed_grid, float outside);

/// \brief A moving-frame mask resampled onto `fixed_grid` (trilinear of 0/1, >= 0.5 is inside).
Mask resampleMaskToFixed(const Mask& moving, const Registration& r,
                         const ImageGeometry& fixed_grid);

/// \brief Writes DIR/registration.json (rigid parameters, quality, warnings) and
/// DIR/displacement_x|y|z.nrrd (when deformable), creating DIR. \throws WriteError.
void writeRegistration(const Registration& r, const std::filesystem::path& dir);

/// \brief Reads what writeRegistration() wrote. \throws NotFoundError, CorruptDataError naming the
/// file.
Registration readRegistration(const std::filesystem::path& dir);

}  // namespace rfa::followup
