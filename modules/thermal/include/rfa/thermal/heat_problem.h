#pragma once
/// \file heat_problem.h
/// \brief The discretised Pennes bioheat problem that every backend steps: a material index per
/// voxel and small per-material / per-face tables, so that the CPU and the GLSL kernels read the
/// same numbers.
///
/// Discretisation (finite volumes on the voxel grid, explicit Euler in time):
///   T'_i = T_i + dt_over_rhoc[m_i] * ( sum_f G[a_f][m_i][m_n] (T_n - T_i)
///                                      + q_i - perf[m_i] * s_i * (T_i - T_a) )
/// for a voxel i of a free material m_i; a held material keeps T'_i = held[m_i]. The sum runs over
/// the six face neighbours n (axis a_f); G = harmonic-mean conductivity / dx_a^2 (W/(m3 K)), or
/// 1 / (dx/(2k) + 1/h) / dx towards a held convective-wall material, 0 across an insulating one.
/// Outside the grid: `boundary_temperature_c` through G[a][m_i][m_i] (Dirichlet) or nothing
/// (insulated); then T'_i = min(T'_i, vaporisation_c). s_i = exp(-Omega_i) when perfusion stops
/// with damage, else 1. After the update, for T' >= damage_floor_c: Omega += dt A exp(-Ea / (R (T'
/// + 273.15))) (below the floor the rate is taken as 0: with the liver A and Ea it would add 0.2
/// over 12 min at 37 C and throttle the perfusion of healthy tissue); T_max = max(T_max, T'); CEM43
/// += dt/60 R^(43 - T') with R = 0.5 above 43 C, 0.25 below (Sapareto & Dewey 1984), skipped below
/// 39 C (a minute there adds < 0.004 equivalent minutes). exp(-Omega) is taken as 1 while Omega is
/// 0. Stability: dt <= 1 / max_m (sum of the six largest G of m + perf[m]) * rhoc[m] over the free
/// materials of the table, which is the dt <= dx^2 / (6 alpha) rule for a homogeneous material.

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/thermal/materials.h"

namespace rfa::thermal {

/// \brief Everything a backend needs. Voxel order: x fastest (same as rfa::Volume).
struct HeatProblem {
  Size3 size{0, 0, 0};
  Vec3 spacing_mm{1, 1, 1};
  std::vector<std::uint8_t> material;  ///< Material index per voxel
  /// Face conductance G[axis][a][b] in W/(m3 K) between a voxel of material a and its neighbour
  /// of material b along `axis`.
  std::array<std::array<std::array<float, kMaterialCount>, kMaterialCount>, 3> g{};
  std::array<float, kMaterialCount> dt_over_rhoc{};  ///< dt / (rho c) in m3 K / W
  std::array<float, kMaterialCount> perf{};          ///< w rho_b c_b in W/(m3 K)
  std::array<float, kMaterialCount> held{};          ///< held temperature (C), NaN when free
  float arterial_c = 37.0F;
  bool insulated_boundary = false;
  float boundary_temperature_c = 37.0F;
  bool perfusion_stops_with_damage = true;
  float ln_a = 91.80F;
  float ea_over_r_k = 30996.0F;
  float damage_floor_c = 40.0F;
  /// Free voxels are capped here after the update (tissue water vaporises: the energy above goes
  /// into latent heat and is not tracked); +infinity = no cap.
  float vaporisation_c = std::numeric_limits<float>::infinity();
  float dt_s = 1.0F;
  float initial_temperature_c = 37.0F;

  [[nodiscard]] std::size_t voxelCount() const { return size[0] * size[1] * size[2]; }
};

/// \brief Largest stable explicit time step (s) on a grid of `spacing_mm` for the free materials of
/// `table`, from the same G and perfusion terms as the kernel.
double stableTimeStep(const MaterialTable& table, const Vec3& spacing_mm);

/// \brief Fills the tables of a HeatProblem from `table`, the grid and dt.
/// \param material  Material index per voxel (size[0]*size[1]*size[2], x fastest).
/// \param dt_s  time step; <= 0 selects 0.9 x stableTimeStep().
/// \throws GeometryError when the sizes disagree or spacing <= 0; UnsupportedError when dt_s
/// exceeds stableTimeStep() (explicit scheme would diverge).
HeatProblem makeHeatProblem(const Size3& size, const Vec3& spacing_mm,
                            std::vector<std::uint8_t> material, const MaterialTable& table,
                            const DamageModel& damage, double dt_s);

/// \brief The state fields, all float, voxel order x fastest.
struct HeatFields {
  std::vector<float> temperature_c;
  std::vector<float> temperature_max_c;
  std::vector<float> omega;  ///< Arrhenius damage integral (dimensionless)
  std::vector<float> cem43_min;
};

}  // namespace rfa::thermal
