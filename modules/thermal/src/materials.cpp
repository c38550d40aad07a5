// Default material table (sources in materials.h).
#include "rfa/thermal/materials.h"

namespace rfa::thermal {

std::string materialName(Material m) {
  switch (m) {
    case Material::kLiver:
      return "liver";
    case Material::kTumour:
      return "tumour";
    case Material::kBlood:
      return "blood (small vessel)";
    case Material::kLargeVessel:
      return "large vessel";
    case Material::kFat:
      return "fat";
    case Material::kBone:
      return "bone";
    case Material::kCooledElectrode:
      return "cooled electrode";
    case Material::kAir:
      return "air";
  }
  return "material " + std::to_string(static_cast<int>(m));
}

MaterialTable MaterialTable::defaults() {
  MaterialTable t;
  MaterialProperties liver;  // struct defaults are the liver values
  t[Material::kLiver] = liver;

  MaterialProperties tumour = liver;
  tumour.heat_capacity_j_kgk = 3750;
  tumour.conductivity_w_mk = 0.5;
  tumour.sigma_s_m = 0.4;
  t[Material::kTumour] = tumour;

  // Blood in vessels below the heat-sink radius: blood properties, flow as a strong perfusion term
  // (0.036 1/s: 10 x Go-Smart's parenchyma value), not resolved as a held wall.
  MaterialProperties blood = liver;
  blood.density_kg_m3 = 1060;
  blood.heat_capacity_j_kgk = 3639;
  blood.conductivity_w_mk = 0.52;
  blood.sigma_s_m = 0.667;
  blood.perfusion_per_s = 0.036;
  t[Material::kBlood] = blood;

  MaterialProperties large = blood;
  large.perfusion_per_s = 0;
  large.held = true;
  large.convective_wall = true;
  large.held_temperature_c = t.arterial_temperature_c;
  t[Material::kLargeVessel] = large;

  MaterialProperties fat = liver;  // IT'IS: fat 911 kg/m3, 2348 J/kgK, 0.21 W/mK, 0.04 S/m
  fat.density_kg_m3 = 911;
  fat.heat_capacity_j_kgk = 2348;
  fat.conductivity_w_mk = 0.21;
  fat.sigma_s_m = 0.04;
  fat.perfusion_per_s = 0.0005;
  t[Material::kFat] = fat;

  MaterialProperties bone = liver;  // IT'IS cortical bone: 1908, 1313, 0.32, 0.02 S/m
  bone.density_kg_m3 = 1908;
  bone.heat_capacity_j_kgk = 1313;
  bone.conductivity_w_mk = 0.32;
  bone.sigma_s_m = 0.02;
  bone.perfusion_per_s = 0.0002;
  t[Material::kBone] = bone;

  MaterialProperties electrode = liver;  // its faces carry tissue conductivity; temperature held
  electrode.perfusion_per_s = 0;
  electrode.held = true;
  electrode.held_temperature_c = 20.0;
  electrode.sigma_s_m = 1e3;
  t[Material::kCooledElectrode] = electrode;

  MaterialProperties air = liver;
  air.perfusion_per_s = 0;
  air.held = true;
  air.insulating = true;
  air.sigma_s_m = 0;
  air.held_temperature_c = t.arterial_temperature_c;
  t[Material::kAir] = air;
  return t;
}

}  // namespace rfa::thermal
