#pragma once
/// \file preview.h
/// \brief Fast ablation-zone preview: an ellipsoid per electrode and protocol, calibrated once
/// from the full solver (simulateAblation) on homogeneous perfused liver, for interactive use and
/// plan search (a pose's zone in microseconds, its mask in about a millisecond, instead of seconds
/// of simulation).
///
/// Model: the zone is an ellipsoid around the needle axis, its centre on the axis at
/// `centre_offset_mm` along w from the tip (negative = behind the tip), its axes the needle frame
/// (u, v, w) of the pose, semi-axes `semi_across_mm` (u and v) and `semi_along_mm` (w). It ignores
/// the tissue around the needle (vessels, other organs, tumour): it is the zone in homogeneous
/// liver, to be checked by the full solver once a plan is chosen.
///
/// Calibration (calibratePreview): the full solver runs with the tip at the origin, direction +z,
/// on homogeneous liver. The centre offset is the mean of the zone's extreme w coordinates; the
/// semi-axes start as half the zone's extents (half of length_along_mm along w, half of the mean
/// of width_u_mm and width_v_mm across) and are then scaled by one common factor so that the
/// ellipsoid's volume equals the solver's zone volume. Extents alone overestimate the volume of a
/// zone that is not a full ellipsoid (a cooled electrode's zone is a rounded cylinder at its
/// waist, a tine array's is squarer), and the volume is the figure the clinical references give
/// and the planner compares with the tumour plus margin; the common factor keeps the extents'
/// aspect ratio. `fit_dice` records how well the fitted ellipsoid overlaps the solver's zone.
///
/// Frames and units: LPS millimetres, volumes in mL, powers in W, times in s.

#include <filesystem>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/simulation.h"

namespace rfa::thermal {

/// \brief An ellipsoidal zone in LPS mm. A semi-axis that is not finite and > 0 makes an empty
/// zone (contains() false everywhere, an empty mask).
struct EllipsoidZone {
  Vec3 centre_lps{0, 0, 0};
  Mat3 axes = Mat3::Identity();  ///< columns u, v, w: orthonormal LPS unit vectors
  double semi_u_mm = 0;
  double semi_v_mm = 0;
  double semi_w_mm = 0;

  /// \brief True when `p_lps` lies inside or on the ellipsoid.
  [[nodiscard]] bool contains(const Vec3& p_lps) const;
  /// \brief 4/3 pi a b c, in mL.
  [[nodiscard]] double volumeMl() const;
  /// \brief Mask on `grid` (any direction matrix): 1 where the voxel centre is inside. Visits only
  /// the rows of the ellipsoid's bounding box and fills each row's run of inside voxels directly.
  [[nodiscard]] Mask rasterize(const ImageGeometry& grid) const;
};

/// \brief One electrode's zone-size spread: relative SD of its zone's axes.
struct ZoneSizeSpread {
  std::string electrode;
  double cv = 0;
};

/// \brief The spread of `electrode` in `spreads`, 0 when it is not listed.
double zoneSizeCv(const std::vector<ZoneSizeSpread>& spreads, const std::string& electrode);

/// \brief One electrode and protocol's preview model and how it was made.
struct PreviewCalibration {
  std::string electrode;
  std::string protocol;
  double power_w = 0;           ///< the protocol's last scheduled power, or the override used
  double duration_s = 0;        ///< the protocol's duration, or the override used
  double centre_offset_mm = 0;  ///< zone centre along w from the tip; negative = behind the tip
  double semi_across_mm = 0;    ///< semi-axis along u and v
  double semi_along_mm = 0;     ///< semi-axis along w
  double solver_volume_ml = 0;  ///< the solver's zone volume (= the ellipsoid's volume)
  double fit_dice = 0;          ///< Dice of the fitted ellipsoid with the solver's zone
  double spacing_mm = 0;        ///< solver grid spacing
  std::string solver_backend;   ///< SimulationResult::backend ("cpu", "gl")
  std::string zone_criterion;   ///< "arrhenius", "t50", "t60" or "cem43"
  /// The zone model it was made with (optional in the file, for files written before):
  std::string tissue_condition = "in-vivo";  ///< conditionName() of the simulated tissue
  std::string zone_table;  ///< "<table id> <date>" the electrode was calibrated on; "" = none
  /// Published spread of this electrode's zone in that condition: relative SD of its axes (the
  /// zone-size term of the margin Monte Carlo, planning::UncertaintyOptions); 0 = none known.
  double zone_size_cv = 0;
};

/// \brief Runs simulateAblation for `electrode` with `protocol` (which need not be one of the
/// electrode's own) on homogeneous liver, tip at the origin, direction +z, and fits the ellipsoid
/// (see the file comment). `settings.protocol` is ignored; its power and duration overrides,
/// spacing, backend, zone criterion and materials apply.
/// \throws as simulateAblation(); GeometryError when the solver's zone is empty.
PreviewCalibration calibratePreview(const Electrode& electrode, const Protocol& protocol,
                                    const SimulationSettings& settings);

/// \brief The calibrated ellipsoid for a needle at `pose` (axes from needleFrame()).
/// \throws GeometryError when the pose's direction has zero length.
EllipsoidZone previewZone(const PreviewCalibration& calibration, const NeedlePose& pose);

/// \brief Reads a calibration file: {"calibrations": [{...}, ...]} with every PreviewCalibration
/// field (keys starting with '_' are comments; tissue_condition, zone_table and zone_size_cv may
/// be absent: "in-vivo", "" and 0). Strict: a missing field, wrong type, unknown key
/// or out-of-range value (power, duration, semi-axes, spacing > 0; volume >= 0; Dice in [0, 1]),
/// and a repeated electrode/protocol pair, throw CorruptDataError naming the file and the field
/// path (e.g. "calibrations[1].semi_along_mm").
/// \throws NotFoundError when the file cannot be opened.
std::vector<PreviewCalibration> readPreviewCalibrations(const std::filesystem::path& file);

/// \brief Writes `calibrations` in the format readPreviewCalibrations() reads (numbers rounded to
/// 1e-4). \throws WriteError naming the file when it cannot be written.
void writePreviewCalibrations(const std::filesystem::path& file,
                              const std::vector<PreviewCalibration>& calibrations);

/// \brief The calibration of `electrode` with `protocol` (exact names).
/// \throws NotFoundError naming them and listing the electrode/protocol pairs available.
const PreviewCalibration& findCalibration(const std::vector<PreviewCalibration>& calibrations,
                                          const std::string& electrode,
                                          const std::string& protocol);

/// \brief The shipped calibrations: resources/thermal/preview_calibration.json, beside the
/// electrode folder (defaultElectrodeDir().parent_path() / "thermal"; not in the electrode folder,
/// whose every *.json is read as an electrode).
std::filesystem::path defaultPreviewCalibrationFile();

}  // namespace rfa::thermal
