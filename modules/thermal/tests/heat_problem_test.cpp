// makeHeatProblem(): tables, stability limit, errors.
#include "rfa/thermal/heat_problem.h"

#include <gtest/gtest.h>

#include <cmath>

#include "rfa/core/error.h"

namespace rfa::thermal {
namespace {

TEST(HeatProblem, StableStepIsTheDx2Over6AlphaRuleForLiver) {
  MaterialTable t = MaterialTable::defaults();
  // Only liver free: make every other material held so that the liver decides the limit.
  for (std::size_t m = 1; m < kMaterialCount; ++m) t.m[m].held = true;
  const MaterialProperties& l = t[Material::kLiver];
  const double alpha = l.conductivity_w_mk / (l.density_kg_m3 * l.heat_capacity_j_kgk);
  const double perf = l.perfusion_per_s * t.blood_density_kg_m3 * t.blood_heat_capacity_j_kgk /
                      (l.density_kg_m3 * l.heat_capacity_j_kgk);
  for (const double dx : {0.5, 1.0, 2.0}) {
    const double expected = 1.0 / (6.0 * alpha / (dx * dx * 1e-6) + perf);
    EXPECT_NEAR(stableTimeStep(t, Vec3(dx, dx, dx)), expected, 1e-9 * expected) << dx;
  }
  // physics.md: 1.22 s at 1 mm for alpha = 1.36e-7 m2/s (no perfusion).
  EXPECT_NEAR(1e-6 / (6 * alpha), 1.22, 0.05);
}

TEST(HeatProblem, TablesAndErrors) {
  const MaterialTable t = MaterialTable::defaults();
  const Size3 size{4, 4, 4};
  std::vector<std::uint8_t> mat(64, 0);
  const HeatProblem p = makeHeatProblem(size, Vec3(1, 1, 2), mat, t, {}, 0);
  EXPECT_GT(p.dt_s, 0.0F);
  EXPECT_NEAR(p.g[0][0][0], 0.52 / 1e-6, 1.0);
  EXPECT_NEAR(p.g[2][0][0], 0.52 / 4e-6, 1.0);
  EXPECT_EQ(p.g[0][0][static_cast<std::size_t>(Material::kAir)], 0.0F);
  EXPECT_TRUE(std::isnan(p.held[0]));
  EXPECT_EQ(p.held[static_cast<std::size_t>(Material::kLargeVessel)], 37.0F);
  // Wall convection is weaker than tissue conduction over half a voxel.
  EXPECT_LT(p.g[0][0][static_cast<std::size_t>(Material::kLargeVessel)], p.g[0][0][0]);
  EXPECT_THROW(makeHeatProblem(size, Vec3(1, 1, 1), std::vector<std::uint8_t>(10, 0), t, {}, 0),
               GeometryError);
  EXPECT_THROW(makeHeatProblem(size, Vec3(1, 1, 1), mat, t, {}, 100.0), UnsupportedError);
  std::vector<std::uint8_t> bad = mat;
  bad[3] = 42;
  EXPECT_THROW(makeHeatProblem(size, Vec3(1, 1, 1), bad, t, {}, 0), CorruptDataError);
}

}  // namespace
}  // namespace rfa::thermal
