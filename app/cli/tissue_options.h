#pragma once
// --tissue-condition / --tissue-temperature / --flow, shared by `simulate` and `plan`: the tissue
// the zones are computed in (thermal/tissue_condition.h). In vivo is the planning condition; the
// others are for research comparisons with published ex-vivo or perfused-ex-vivo zones.
#include <CLI/CLI.hpp>
#include <string>

#include "rfa/thermal/tissue_condition.h"

namespace rfa::cli {

struct TissueOptions {
  std::string condition = "in-vivo";
  double temperature_c = 0;
  double flow_ml_min_100g = 0;
  CLI::Option* temperature_option = nullptr;

  /// Adds the three options to `cmd` (this object must outlive the parse: a static).
  void add(CLI::App* cmd);

  /// The parsed state. The start temperature defaults ex vivo to the calibrated temperature of
  /// excised livers whose papers do not report it (zone_calibration.json: excised livers behave as
  /// if warmed, not at 20 C), else to 37 C. \throws rfa::Error (kUsage) for an unknown condition;
  /// as readZoneCalibration() when that file is unreadable.
  [[nodiscard]] thermal::TissueState state() const;
};

}  // namespace rfa::cli
