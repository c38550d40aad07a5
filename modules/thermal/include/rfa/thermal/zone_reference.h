#pragma once
/// \file zone_reference.h
/// \brief The table of published ablation-zone sizes (resources/thermal/zone_reference.json) that
/// the zone model is calibrated on and checked against: one row per device, protocol and tissue
/// condition, each cited.
///
/// Units: axes in mm (short = perpendicular to the electrode, long = along it), volumes in mL,
/// durations in s, temperatures in C, flows in mL/min/100 g.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/thermal/tissue_condition.h"

namespace rfa::thermal {

struct ZoneReferenceRow {
  std::string id;                        ///< unique in the table
  std::string device;                    ///< as published
  std::optional<std::string> electrode;  ///< the rfaplan electrode that models it, if any
  std::string protocol;                  ///< as published
  double duration_s = 720;               ///< ablation time simulated for this row
  TissueCondition condition = TissueCondition::kInVivo;
  std::string species;
  std::optional<double> tissue_temperature_c;  ///< absent: not reported
  std::optional<double> flow_ml_min_100g;      ///< perfused ex vivo: the circuit's flow
  std::optional<double> short_axis_mm, short_axis_sd_mm;
  std::optional<double> long_axis_mm, long_axis_sd_mm;
  std::optional<double> volume_ml, volume_sd_ml;
  /// The paper computed the volume from the diameters (pi/6 x long x short^2, the usual
  /// ellipsoid formula; or the row assumes so): the model's figure is computed the same way.
  bool volume_from_axes = true;
  /// False: the two diameters were published without their orientation to the electrode and are
  /// compared with the zone's smallest and largest extents.
  bool axes_oriented = true;
  std::optional<int> n;
  bool calibration = false;  ///< "use": "calibration" (fitted) or "reference" (shown only)
  std::string note;          ///< what is assumed or derived
  std::string source;        ///< citation

  /// True when the row can be simulated: an electrode, and a known flow for a perfused circuit.
  [[nodiscard]] bool simulable() const;
};

struct ZoneReferenceTable {
  std::string id;    ///< e.g. "rfaplan-zone-reference"
  std::string date;  ///< yyyy-mm-dd of this version of the table
  std::vector<ZoneReferenceRow> rows;
};

/// \brief Reads the table. Strict: a missing field, wrong type, unknown key, out-of-range value
/// (duration, axes, volume > 0; SD >= 0; temperature 0..60 C; flow >= 0), unknown condition or
/// use, a repeated row id, a calibration row without an electrode or without any of volume /
/// short axis / long axis throw CorruptDataError naming the file and the field path
/// ("rows[3].volume_ml"). \throws NotFoundError when the file cannot be opened.
ZoneReferenceTable readZoneReferenceTable(const std::filesystem::path& file);

/// \brief Published in-vivo spread of `electrode`'s zone: relative SD of its axes, the largest of
/// short-axis SD / mean, long-axis SD / mean and volume SD / mean / 3 (a volume varies as the cube
/// of its axes) over the table's in-vivo rows of that electrode. An electrode without such a row
/// gets the largest value over the table's electrodes (the conservative choice); 0 when the table
/// has none at all.
double inVivoZoneSizeCv(const ZoneReferenceTable& table, const std::string& electrode);

/// \brief resources/thermal/zone_reference.json (beside the electrode folder).
std::filesystem::path defaultZoneReferenceFile();

}  // namespace rfa::thermal
