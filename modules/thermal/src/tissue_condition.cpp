// Tissue conditions as changes of the material table (tissue_condition.h).
#include "rfa/thermal/tissue_condition.h"

#include <cmath>
#include <sstream>

#include "rfa/core/error.h"

namespace rfa::thermal {

std::string conditionName(TissueCondition c) {
  switch (c) {
    case TissueCondition::kInVivo:
      return "in-vivo";
    case TissueCondition::kExVivo:
      return "ex-vivo";
    case TissueCondition::kPerfusedExVivo:
      return "perfused-ex-vivo";
    case TissueCondition::kInVivoOcclusion:
      return "in-vivo-occlusion";
  }
  return "in-vivo";
}

TissueCondition parseTissueCondition(const std::string& s) {
  for (const TissueCondition c :
       {TissueCondition::kInVivo, TissueCondition::kExVivo, TissueCondition::kPerfusedExVivo,
        TissueCondition::kInVivoOcclusion}) {
    if (s == conditionName(c)) return c;
  }
  throw UsageError("unknown tissue condition '" + s +
                   "' (in-vivo, ex-vivo, perfused-ex-vivo, in-vivo-occlusion)");
}

double perfusionFromFlow(double flow_ml_min_100g) {
  // mL blood per min per 100 g -> m3 blood per s per kg -> per m3 of tissue.
  return flow_ml_min_100g * 1e-6 / 60.0 / 0.1 * kLiverDensityForFlow;
}

MaterialTable materialsFor(const MaterialTable& in_vivo, const TissueState& state) {
  if (!(state.tissue_temperature_c >= 0 && state.tissue_temperature_c <= 60)) {
    std::ostringstream m;
    m << "tissue temperature " << state.tissue_temperature_c << " C: must be in 0..60 C";
    throw UsageError(m.str());
  }
  if (!(state.flow_ml_min_100g >= 0) || !std::isfinite(state.flow_ml_min_100g)) {
    std::ostringstream m;
    m << "perfusion flow " << state.flow_ml_min_100g << " mL/min/100 g: must be >= 0";
    throw UsageError(m.str());
  }
  MaterialTable t = in_vivo;
  const auto still_vessels = [&t] {
    for (const Material v : {Material::kBlood, Material::kLargeVessel}) {
      t[v].perfusion_per_s = 0;
      t[v].held = false;
      t[v].convective_wall = false;
    }
  };
  switch (state.condition) {
    case TissueCondition::kInVivo:
      break;
    case TissueCondition::kExVivo:
      for (auto& m : t.m) m.perfusion_per_s = 0;
      still_vessels();
      t.arterial_temperature_c = state.tissue_temperature_c;
      t[Material::kAir].held_temperature_c = state.tissue_temperature_c;
      break;
    case TissueCondition::kPerfusedExVivo: {
      const double w = perfusionFromFlow(state.flow_ml_min_100g);
      t[Material::kLiver].perfusion_per_s = w;
      t[Material::kTumour].perfusion_per_s = w;
      t[Material::kBlood].perfusion_per_s = 10 * w;
      t.arterial_temperature_c = state.tissue_temperature_c;
      t[Material::kLargeVessel].held_temperature_c = state.tissue_temperature_c;
      t[Material::kAir].held_temperature_c = state.tissue_temperature_c;
      break;
    }
    case TissueCondition::kInVivoOcclusion:
      t[Material::kLiver].perfusion_per_s = 0;
      t[Material::kTumour].perfusion_per_s = 0;
      still_vessels();
      break;
  }
  return t;
}

}  // namespace rfa::thermal
