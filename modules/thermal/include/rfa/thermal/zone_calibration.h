#pragma once
/// \file zone_calibration.h
/// \brief Calibration of the zone model on the published zone-size table (zone_reference.h), each
/// row simulated in its own condition, with leave-one-out prediction errors.
///
/// Free parameters (ZoneModelParameters):
/// - per electrode, one factor on its net-power schedules (all its protocols): the tissue's share
///   of the generator output, which a 1 mm model cannot derive (electrode surface, coolant);
/// - the effective Pennes perfusion of living liver (one value for every electrode: the planning
///   condition);
/// - the start temperature of ex-vivo tissue where a paper does not report it (one value).
/// A row in vivo is simulated perfused at 37 C with the fitted perfusion; ex vivo unperfused from
/// its tissue temperature; perfused ex vivo with the circuit's published flow and temperature;
/// with vascular occlusion unperfused at 37 C (tissue_condition.h). An in-vivo prediction is thus
/// never fitted to an ex-vivo row: the ex-vivo rows inform the power factor through their own
/// condition, and the perfusion comes from the in-vivo rows.
///
/// Method: each calibration row's zone is simulated on a grid of power factors x (perfusion or
/// temperature where the row depends on it); the fit minimises, over the parameters, the sum over
/// calibration rows of (ln(V / V_pub) / ln 1.2)^2 + ((SA - SA_pub) / 2 mm)^2 + ((LA - LA_pub) /
/// 4 mm)^2 (the terms a row publishes; V computed as the paper computed its own, see
/// comparedVolumeMl), interpolating the sampled zones bilinearly in ln(factor) and ln(perfusion)
/// or temperature. Each electrode's factor is then polished on simulations at the fitted global
/// parameters (its rows' cost at 0.85, 1 and 1.15 x the factor, a parabola's vertex in
/// ln(factor), the best of the four), because the interpolation between sampled factors is coarse
/// where a zone grows steeply with power. Last, the tolerance refinement: least squares in ln(V)
/// can leave one of two papers' conflicting rows just outside the acceptance while a point with
/// every row inside exists, so all the parameters are moved together to minimise the largest
/// tolerance use (|V / V_pub - 1| / 20 %, |SA - SA_pub| / 2 mm) over the calibration rows, on
/// simulations: up to ZoneCalibrationOptions::refinement_steps trust-region steps, each on a
/// local model (every figure's derivatives by forward differences of simulations: 0.5 C, 0.1 in
/// ln perfusion, 0.08 in ln factor) whose smooth maximum (16-norm) a pattern search minimises
/// inside the trust box; a step is taken when the simulated largest use falls, else the box is
/// halved. Every reported figure is simulated again at the final parameters (no interpolated
/// figure is reported). Leave-one-out: the fit without a row (least squares and polish on the
/// other rows; the refinement too with leave_one_out_refinement), the row simulated at that fit.
///
/// Frames and units: the simulation is the electrode's own frame (tip at the LPS origin, needle
/// along +z); axes in mm, volumes in mL, perfusion in 1/s, temperatures in C.

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/materials.h"
#include "rfa/thermal/preview.h"
#include "rfa/thermal/zone_reference.h"

namespace rfa::thermal {

/// \brief A zone's published figures.
struct ZoneMeasure {
  double volume_ml = 0;  ///< voxels
  /// pi/6 x long x short^2: the volume as papers compute it from the diameters.
  double ellipsoid_volume_ml = 0;
  double short_axis_mm = 0;  ///< largest equivalent-circle diameter of a cross-section
  double long_axis_mm = 0;   ///< extent along the needle
  bool clipped = false;      ///< the zone reached the simulation box: figures are lower bounds
};

/// \brief Measures `zone` with the needle along +z of its grid (identity direction): the volume;
/// the short axis as the largest 2 sqrt(A / pi) over the z slices (A: the slice's zone area; for
/// the round cross-section of a homogeneous simulation this is its diameter, without the 1-voxel
/// steps of an extent); the long axis as the number of z slices holding zone x the z spacing;
/// the ellipsoid volume from those two.
ZoneMeasure measureZoneAlongZ(const Mask& zone);

struct ZoneModelParameters {
  double in_vivo_perfusion_per_s = 0.0036;
  double ex_vivo_temperature_c = 20.0;        ///< ex-vivo rows that do not report theirs
  std::map<std::string, double> power_scale;  ///< electrode -> factor (absent: 1)

  [[nodiscard]] double scaleOf(const std::string& electrode) const;
};

/// \brief `electrode` with every protocol's power points multiplied by `scale` (> 0).
Electrode scaledElectrode(const Electrode& electrode, double scale);

/// \brief The in-vivo material table with parenchyma and tumour perfusion `perfusion_per_s`.
MaterialTable inVivoMaterials(double perfusion_per_s);

/// \brief Simulates `row` (its electrode's first protocol, run for the row's duration, on
/// homogeneous tissue in the row's condition, CPU backend) at `params`.
/// \throws UsageError when the row is not simulable(); as simulateAblation().
ZoneMeasure simulateZoneRow(const Electrode& electrode, const ZoneReferenceRow& row,
                            const ZoneModelParameters& params, double spacing_mm = 1.0);

/// \brief The model's volume as `row` reports its own: the ellipsoid volume when the paper
/// computed it from the diameters (volume_from_axes), else the voxel volume.
double comparedVolumeMl(const ZoneReferenceRow& row, const ZoneMeasure& m);

/// \brief The fit cost of `m` against `row` (see the file comment); 0 for a perfect match.
double zoneRowCost(const ZoneReferenceRow& row, const ZoneMeasure& m);

/// The acceptance of a calibration row: volume within +-20 % and short axis within +-2 mm of the
/// published means.
inline constexpr double kZoneVolumeTolerance = 0.20;
inline constexpr double kZoneShortAxisToleranceMm = 2.0;

/// \brief One figure a row publishes and the tolerance applies to, with the model's value: the
/// volume (mL, as comparedVolumeMl) or the short axis (mm; the smaller extent for unoriented rows).
struct ZoneTerm {
  bool volume = false;
  double model = 0;
  double published = 0;
};
/// \brief The row's volume and short-axis terms (those it publishes).
std::vector<ZoneTerm> zoneToleranceTerms(const ZoneReferenceRow& row, const ZoneMeasure& m);
/// \brief |error| / tolerance of one term: 1 at the edge of the acceptance.
double toleranceUse(const ZoneTerm& t);
/// \brief The largest toleranceUse() of the row's terms (0 when it publishes neither).
double zoneRowToleranceUse(const ZoneReferenceRow& row, const ZoneMeasure& m);

/// \brief Within the acceptance: zoneRowToleranceUse() <= 1.
bool zoneRowWithinTolerance(const ZoneReferenceRow& row, const ZoneMeasure& m);

struct ZoneCalibrationOptions {
  double spacing_mm = 1.0;
  std::vector<double> scales{0.5, 0.75, 1.1, 1.65, 2.5, 3.75};  ///< sampled power factors
  std::vector<double> perfusions_per_s{0.0036, 0.0072, 0.0144, 0.0288, 0.0576};
  std::vector<double> temperatures_c{18, 23, 29, 37};
  bool leave_one_out = true;
  int refinement_steps = 6;  ///< trust-region steps of the tolerance refinement (0: none)
  /// Refine each leave-one-out fit too. Off by default: it multiplies the refinement's ~150
  /// simulations by the number of rows (hours at 1 mm); the leave-one-out fits are then least
  /// squares + polish, a few per cent from what the refinement would give (docs/validation.md).
  bool leave_one_out_refinement = false;
  std::function<void(const std::string&)> progress;  ///< one line per simulation, may be empty
};

struct ZoneRowResult {
  std::string id;
  std::string electrode;
  bool calibration = false;
  ZoneMeasure fit;                           ///< simulated at the fitted parameters
  std::optional<ZoneMeasure> leave_one_out;  ///< simulated at the fit without this row
  std::optional<ZoneModelParameters> leave_one_out_parameters;
};

struct ZoneCalibration {
  std::string table_id;
  std::string table_date;
  std::string calibrated_on;  ///< yyyy-mm-dd
  double spacing_mm = 1.0;
  ZoneModelParameters parameters;
  std::vector<ZoneRowResult> rows;  ///< every simulable row of the table, in table order
  double cost = 0;                  ///< the fit's cost (simulated, at the final parameters)
  /// The largest zoneRowToleranceUse() over the calibration rows at the final parameters (<= 1:
  /// every row within the acceptance).
  double largest_tolerance_use = 0;
  int simulations = 0;
  std::vector<std::string> warnings;  ///< parameters at the edge of the sampled range
};

/// \brief Fits the parameters to the table's calibration rows (see the file comment) and
/// simulates every simulable row at the fit (and at each leave-one-out fit).
/// \throws NotFoundError when a row names an electrode missing from `catalog`; UsageError when
/// the table has no calibration row or an option list has fewer than 2 values.
ZoneCalibration calibrateZones(const ZoneReferenceTable& table, const ElectrodeCatalog& catalog,
                               const ZoneCalibrationOptions& options);

/// \brief `c` as the JSON text writeZoneCalibration() writes (parameters, each row's published and
/// simulated figures).
std::string zoneCalibrationText(const ZoneCalibration& c, const ZoneReferenceTable& table);

/// \brief Writes zoneCalibrationText() atomically. \throws WriteError naming the file.
void writeZoneCalibration(const std::filesystem::path& file, const ZoneCalibration& c,
                          const ZoneReferenceTable& table);

/// \brief The parameters and table identity recorded in a calibration file.
struct ZoneCalibrationRecord {
  std::string table_id;
  std::string table_date;
  std::string calibrated_on;
  ZoneModelParameters parameters;
  /// Leave-one-out figures per row id (rows fitted without themselves).
  std::map<std::string, ZoneMeasure> leave_one_out;
};
/// \brief Reads what writeZoneCalibration() wrote. \throws NotFoundError, CorruptDataError naming
/// the file and field.
ZoneCalibrationRecord readZoneCalibration(const std::filesystem::path& file);

/// \brief Preview calibrations (preview.h) of every protocol of `electrodes` (names in `catalog`)
/// on homogeneous tissue of `materials`, 1 mm, CPU, each recording `condition`, the record's table
/// ("<id> <date>") and the electrode's in-vivo zone-size spread from `table` (0 for another
/// condition: none published). About 3-10 s per electrode. \throws NotFoundError for an unknown
/// electrode; as calibratePreview().
std::vector<PreviewCalibration> conditionPreviews(
    const ElectrodeCatalog& catalog, const std::vector<std::string>& electrodes,
    const MaterialTable& materials, TissueCondition condition, const ZoneReferenceTable& table,
    const std::function<void(const std::string&)>& progress = {});

/// \brief resources/thermal/zone_calibration.json.
std::filesystem::path defaultZoneCalibrationFile();

}  // namespace rfa::thermal
