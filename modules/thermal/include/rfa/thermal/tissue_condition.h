#pragma once
/// \file tissue_condition.h
/// \brief The experimental condition of an ablation - living perfused liver, excised liver at room
/// or bath temperature, excised liver on a blood-perfusion circuit, living liver with its inflow
/// clamped - as a change of the material table, so that each published zone size is reproduced in
/// its own condition (../shared/docs/physics.md: ex vivo zones are 1.3-2x the in-vivo ones).
///
/// Units: temperatures in C, perfusion rates in 1/s (m3 blood per m3 tissue per s) or, for a
/// perfusion circuit, in mL/min/100 g as the papers give them.

#include <string>

#include "rfa/thermal/materials.h"

namespace rfa::thermal {

enum class TissueCondition {
  kInVivo,           ///< living liver: perfused, at 37 C (the planning condition)
  kExVivo,           ///< excised liver: no perfusion, no vessel flow, at the tissue temperature
  kPerfusedExVivo,   ///< excised liver on a perfusion circuit: the circuit's flow, its temperature
  kInVivoOcclusion,  ///< living liver with hepatic inflow occluded (Pringle): no perfusion, 37 C
};

/// \brief "in-vivo", "ex-vivo", "perfused-ex-vivo", "in-vivo-occlusion".
std::string conditionName(TissueCondition c);
/// \brief Parses conditionName()'s spellings. \throws UsageError (exit 2) naming the value and
/// listing the valid ones.
TissueCondition parseTissueCondition(const std::string& s);

/// \brief A condition with its numbers.
struct TissueState {
  TissueCondition condition = TissueCondition::kInVivo;
  double tissue_temperature_c = 37.0;  ///< start temperature (ex vivo: the room or bath)
  double flow_ml_min_100g = 0;         ///< kPerfusedExVivo only: the circuit's tissue flow
};

/// \brief Liver density used to turn a flow per 100 g into a perfusion rate per volume, kg/m3.
inline constexpr double kLiverDensityForFlow = 1079.0;

/// \brief mL/min/100 g -> 1/s (m3 blood per m3 tissue per s): F / 100 g x rho / 60 s.
double perfusionFromFlow(double flow_ml_min_100g);

/// \brief The material table of `state`, from the in-vivo table `in_vivo` (whose parenchyma
/// perfusion is the calibrated in-vivo value):
/// - kInVivo: unchanged; the tissue and arterial temperature 37 C as in the table.
/// - kExVivo: no perfusion in any material, vessels hold still blood (not held at a temperature),
///   initial temperature `tissue_temperature_c`.
/// - kPerfusedExVivo: parenchyma and tumour perfused at perfusionFromFlow(flow), small vessels
///   10x that, large vessels held at the circuit temperature `tissue_temperature_c`.
/// - kInVivoOcclusion: as in vivo with no parenchyma or small-vessel perfusion and large vessels
///   no longer held (no flow), at 37 C.
/// \throws UsageError when the temperature is outside 0..60 C or the flow is < 0 or not finite.
MaterialTable materialsFor(const MaterialTable& in_vivo, const TissueState& state);

}  // namespace rfa::thermal
