#pragma once
/// \file materials.h
/// \brief Thermal and electrical properties of the materials of an ablation simulation.
///
/// Units: SI inside the solver (kg/m3, J/(kg K), W/(m K), S/m, 1/s), temperatures in degrees
/// Celsius. Sources (../shared/docs/physics.md): liver and tumour from the Go-Smart constants
/// (go-smart/glossia-scratch-test-site, constants-liver.xml) except the liver conductivity 0.52
/// W/(m K) (COMSOL / IT'IS human liver); blood rho 1060, c 3639 (Go-Smart); fat and bone from the
/// IT'IS tissue database (Hasgall et al., v4.1); temperature coefficient of the electric
/// conductivity +1.5 %/K up to 100 C (Chang 2003 and Stein/Kroeger: 1.3-2 %/K), x 0.01 above
/// (desiccation: the cause of the impedance roll-off).

#include <array>
#include <cstdint>
#include <string>

namespace rfa::thermal {

/// Effective Pennes perfusion of living liver (and tumour), 1/s: the planning condition,
/// calibrated by `rfaplan calibrate-zones` on the in-vivo rows of
/// resources/thermal/zone_reference.json (recorded in resources/thermal/zone_calibration.json; the
/// test ZoneCalibration.ShippedModelMatchesThePublishedInVivo2cmZone keeps the two equal). It is
/// larger than Go-Smart's 0.0036 1/s: living liver's blood flow removes heat that a lumped
/// perfusion term at that rate does not (in-vivo zones are 1.9-3x smaller than ex-vivo ones).
inline constexpr double kInVivoLiverPerfusionPerS = 0.011048;

/// Material index of a simulation voxel (stored as uint8). The numbers are part of the file format
/// of materials.nrrd and of the GLSL kernel: do not reorder.
enum class Material : std::uint8_t {
  kLiver = 0,        ///< perfused parenchyma
  kTumour = 1,       ///< metastasis
  kBlood = 2,        ///< vessel below the heat-sink radius: blood with a high perfusion term
  kLargeVessel = 3,  ///< vessel >= 3 mm: held at blood temperature, wall convection h
  kFat = 4,
  kBone = 5,
  kCooledElectrode = 6,  ///< active part of an internally cooled electrode: held at the coolant
  kAir = 7,              ///< lung / outside the body: thermally and electrically insulating
};
inline constexpr std::size_t kMaterialCount = 8;

/// \brief Human-readable material name ("liver", "large vessel", ...).
std::string materialName(Material m);

/// \brief Properties of one material (SI units).
struct MaterialProperties {
  double density_kg_m3 = 1079;
  double heat_capacity_j_kgk = 3540;
  double conductivity_w_mk = 0.52;
  double sigma_s_m = 0.333;    ///< electric conductivity at 37 C
  double sigma_per_k = 0.015;  ///< relative change of sigma per K below 100 C
  double perfusion_per_s = kInVivoLiverPerfusionPerS;  ///< blood perfusion w (m3/m3/s)
  bool held = false;                                   ///< temperature held (Dirichlet), not solved
  bool convective_wall = false;                        ///< held voxels exchange heat through wall h
  bool insulating = false;                             ///< no heat or current crosses its faces
  double held_temperature_c = 37.0;                    ///< for held materials (coolant, blood)
};

/// \brief The table used by a simulation.
struct MaterialTable {
  std::array<MaterialProperties, kMaterialCount> m{};
  double blood_density_kg_m3 = 1060;
  double blood_heat_capacity_j_kgk = 3639;
  double arterial_temperature_c = 37.0;     ///< perfusion sink temperature and initial temperature
  double vessel_wall_h_w_m2k = 230.0;       ///< Go-Smart venous wall heat transfer coefficient
  bool perfusion_stops_with_damage = true;  ///< w x exp(-Omega): dead tissue is not perfused

  /// Defaults with the sources in the file comment. The cooled-electrode temperature defaults to
  /// 20 C (electrode surface under chilled-saline circulation); electrodes set it.
  static MaterialTable defaults();

  [[nodiscard]] const MaterialProperties& operator[](Material x) const {
    return m[static_cast<std::size_t>(x)];
  }
  [[nodiscard]] MaterialProperties& operator[](Material x) {
    return m[static_cast<std::size_t>(x)];
  }
};

/// \brief Arrhenius liver damage parameters (physics.md: A = 7.39e39 1/s, Ea = 2.577e5 J/mol).
struct DamageModel {
  double ln_a = 91.80;                   ///< ln(A / (1/s)) = ln(7.39e39)
  double ea_over_r_k = 2.577e5 / 8.314;  ///< Ea / R in kelvin
};

}  // namespace rfa::thermal
