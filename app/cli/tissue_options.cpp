#include "tissue_options.h"

#include "rfa/thermal/zone_calibration.h"

namespace rfa::cli {

void TissueOptions::add(CLI::App* cmd) {
  cmd->add_option("--tissue-condition", condition,
                  "For research comparisons with published zones: in-vivo (perfused, 37 C: the "
                  "planning condition), ex-vivo (no perfusion, at --tissue-temperature), "
                  "perfused-ex-vivo (--flow, at --tissue-temperature) or in-vivo-occlusion (no "
                  "perfusion, 37 C)")
      ->capture_default_str();
  temperature_option = cmd->add_option(
      "--tissue-temperature", temperature_c,
      "Start temperature of excised tissue in C (default: ex-vivo the calibrated start "
      "temperature of excised livers whose papers do not report it, zone_calibration.json; "
      "37 otherwise)");
  cmd->add_option("--flow", flow_ml_min_100g,
                  "Tissue flow of a perfused-ex-vivo circuit in mL/min/100 g (default 0)");
}

thermal::TissueState TissueOptions::state() const {
  thermal::TissueState s;
  s.condition = thermal::parseTissueCondition(condition);
  const bool given = temperature_option != nullptr && temperature_option->count() > 0;
  if (given) {
    s.tissue_temperature_c = temperature_c;
  } else if (s.condition == thermal::TissueCondition::kExVivo) {
    s.tissue_temperature_c = thermal::readZoneCalibration(thermal::defaultZoneCalibrationFile())
                                 .parameters.ex_vivo_temperature_c;
  }
  s.flow_ml_min_100g = flow_ml_min_100g;
  return s;
}

}  // namespace rfa::cli
