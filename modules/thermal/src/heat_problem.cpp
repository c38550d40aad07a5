// HeatProblem tables from a MaterialTable (discretisation in heat_problem.h).
#include "rfa/thermal/heat_problem.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "rfa/core/error.h"

namespace rfa::thermal {

namespace {

// Conductance per unit volume (W/(m3 K)) across a face of width dx (m) from a voxel of material a
// to its neighbour of material b.
double faceConductance(const MaterialTable& t, std::size_t a, std::size_t b, double dx) {
  const MaterialProperties& pa = t.m[a];
  const MaterialProperties& pb = t.m[b];
  if (pa.insulating || pb.insulating) return 0.0;
  if (pb.held && pb.convective_wall && !pa.held) {
    return 1.0 / (dx / (2.0 * pa.conductivity_w_mk) + 1.0 / t.vessel_wall_h_w_m2k) / dx;
  }
  const double ka = pa.conductivity_w_mk;
  const double kb = pb.conductivity_w_mk;
  return 2.0 * ka * kb / (ka + kb) / (dx * dx);
}

double rhoC(const MaterialProperties& p) {
  return p.density_kg_m3 * p.heat_capacity_j_kgk;
}

double perfusionCoefficient(const MaterialTable& t, const MaterialProperties& p) {
  return p.perfusion_per_s * t.blood_density_kg_m3 * t.blood_heat_capacity_j_kgk;
}

}  // namespace

double stableTimeStep(const MaterialTable& table, const Vec3& spacing_mm) {
  double worst = 0;  // max over free materials of (sum G + perf) / (rho c), 1/s
  for (std::size_t a = 0; a < kMaterialCount; ++a) {
    const MaterialProperties& p = table.m[a];
    if (p.held) continue;
    double sum = perfusionCoefficient(table, p);
    for (int axis = 0; axis < 3; ++axis) {
      const double dx = spacing_mm[axis] * 1e-3;
      double gmax = 0;
      for (std::size_t b = 0; b < kMaterialCount; ++b) {
        gmax = std::max(gmax, faceConductance(table, a, b, dx));
      }
      sum += 2.0 * gmax;
    }
    worst = std::max(worst, sum / rhoC(p));
  }
  return worst > 0 ? 1.0 / worst : std::numeric_limits<double>::infinity();
}

HeatProblem makeHeatProblem(const Size3& size, const Vec3& spacing_mm,
                            std::vector<std::uint8_t> material, const MaterialTable& table,
                            const DamageModel& damage, double dt_s) {
  if (material.size() != size[0] * size[1] * size[2] || material.empty()) {
    throw GeometryError("heat problem: " + std::to_string(material.size()) +
                        " material voxels for a grid of " + std::to_string(size[0]) + "x" +
                        std::to_string(size[1]) + "x" + std::to_string(size[2]));
  }
  if (spacing_mm.minCoeff() <= 0) throw GeometryError("heat problem: spacing must be > 0 mm");
  for (const std::uint8_t m : material) {
    if (m >= kMaterialCount) {
      throw CorruptDataError("heat problem: material index " + std::to_string(m) + " (valid 0.." +
                             std::to_string(kMaterialCount - 1) + ")");
    }
  }
  const double limit = stableTimeStep(table, spacing_mm);
  if (dt_s <= 0) dt_s = 0.9 * limit;
  if (dt_s > limit) {
    std::ostringstream s;
    s << "heat problem: time step " << dt_s << " s exceeds the explicit stability limit " << limit
      << " s at " << spacing_mm.transpose() << " mm";
    throw UnsupportedError(s.str());
  }
  HeatProblem p;
  p.size = size;
  p.spacing_mm = spacing_mm;
  p.material = std::move(material);
  for (int axis = 0; axis < 3; ++axis) {
    const double dx = spacing_mm[axis] * 1e-3;
    for (std::size_t a = 0; a < kMaterialCount; ++a) {
      for (std::size_t b = 0; b < kMaterialCount; ++b) {
        p.g[static_cast<std::size_t>(axis)][a][b] =
            static_cast<float>(faceConductance(table, a, b, dx));
      }
    }
  }
  for (std::size_t a = 0; a < kMaterialCount; ++a) {
    const MaterialProperties& m = table.m[a];
    p.dt_over_rhoc[a] = static_cast<float>(dt_s / rhoC(m));
    p.perf[a] = static_cast<float>(perfusionCoefficient(table, m));
    p.held[a] =
        m.held ? static_cast<float>(m.held_temperature_c) : std::numeric_limits<float>::quiet_NaN();
  }
  p.arterial_c = static_cast<float>(table.arterial_temperature_c);
  p.boundary_temperature_c = p.arterial_c;
  p.initial_temperature_c = p.arterial_c;
  p.perfusion_stops_with_damage = table.perfusion_stops_with_damage;
  p.ln_a = static_cast<float>(damage.ln_a);
  p.ea_over_r_k = static_cast<float>(damage.ea_over_r_k);
  p.dt_s = static_cast<float>(dt_s);
  return p;
}

}  // namespace rfa::thermal
