// simulateAblation(): published zone size of the 3 cm cooled-tip protocol in homogeneous perfused
// liver, the vessel heat sink (6 mm vs 1 mm vessel beside the electrode), the bad inputs.
#include "rfa/thermal/simulation.h"
#include "rfa/thermal/zone_calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "rfa/core/error.h"

namespace rfa::thermal {
namespace {

const ElectrodeCatalog& catalog() {
  static const ElectrodeCatalog c = loadElectrodeCatalog(defaultElectrodeDir());
  return c;
}

void print(const std::string& what, const SimulationResult& r) {
  std::cout << what << ": zone " << r.zone_volume_ml << " mL, along " << r.length_along_mm
            << " mm, across " << r.width_u_mm << " x " << r.width_v_mm << " mm, Tmax "
            << r.max_temperature_c << " C, energy " << r.energy_j / 1000 << " kJ, " << r.backend
            << ", " << r.steps << " steps of " << r.dt_s << " s, " << r.potential_solves
            << " potential solves (" << r.potential_iterations << " CG iterations), impedance "
            << r.generator.front().impedance_ohm << " -> " << r.generator.back().impedance_ohm
            << " ohm, wall " << r.wall_seconds << " s\n";
}

const NeedlePose kPose{Vec3(10, -20, 30), Vec3(0, 0, 1)};

const SimulationResult& cooledTip3cm() {
  static const SimulationResult r = [] {
    SimulationSettings s;
    s.backend = BackendChoice::kCpu;
    return simulateAblation(catalog().find("cooltip-3cm"), kPose, s);
  }();
  return r;
}

// Reference: Song et al. 2015 (BJR, PMC4628443), 17 G internally cooled electrode in living porcine
// liver: 7.79 +- 1.68 mL (n = 10; the 3 cm tip and 12 min assumed, resources/thermal/
// zone_reference.json). The model's power and perfusion were calibrated on that row among others
// (rfaplan calibrate-zones), so the check is partly circular: the zone, computed as the paper
// computes its own (pi/6 x long x short^2), within 1 SD; the short axis below the ex-vivo size and
// the long axis longer than the exposure.
TEST(Simulation, CooledTip3cmTwelveMinutesMatchesTheInVivoZone) {
  const SimulationResult& r = cooledTip3cm();
  print("cooltip-3cm 12 min, 1 mm, homogeneous living liver", r);
  EXPECT_EQ(r.backend, "cpu");
  EXPECT_NEAR(r.simulated_seconds, 720.0, r.dt_s);
  const ZoneMeasure m = measureZoneAlongZ(r.zone);
  std::cout << "as published: " << m.ellipsoid_volume_ml << " mL, short axis " << m.short_axis_mm
            << " mm, long axis " << m.long_axis_mm << " mm\n";
  EXPECT_NEAR(m.ellipsoid_volume_ml, 7.79, 1.68);
  EXPECT_GE(m.short_axis_mm, 17.0);
  EXPECT_LE(m.short_axis_mm, 26.0);
  EXPECT_GT(m.long_axis_mm, 30.0);
  EXPECT_FALSE(m.clipped);
  EXPECT_LT(r.max_temperature_c, 100.5);
}

// Zone radius (mm) from the needle axis along +u in the plane through the middle of the active
// part: the last zone voxel of the contiguous run starting at the axis.
double radiusTowardsU(const SimulationResult& r, const NeedlePose& pose, double mid_mm) {
  const Mat3 f = needleFrame(pose);
  const Vec3 start = pose.tip_lps - f.col(2) * mid_mm;
  const double step = 0.25;
  double last = 0;
  for (double d = 0; d < 40; d += step) {
    const Vec3 idx = r.grid.lpsToIndex(start + f.col(0) * d);
    const Index3 n{std::lround(idx.x()), std::lround(idx.y()), std::lround(idx.z())};
    if (!r.grid.contains(n)) break;
    if (r.zone(static_cast<std::size_t>(n[0]), static_cast<std::size_t>(n[1]),
               static_cast<std::size_t>(n[2])) == 0) {
      break;
    }
    last = d;
  }
  return last;
}

// A straight vessel parallel to the needle, its wall 5 mm from the electrode axis on the +u side.
SimulationResult withVessel(double diameter_mm, Material material) {
  const Electrode& e = catalog().find("cooltip-3cm");
  SimulationSettings s;
  s.backend = BackendChoice::kCpu;
  const ImageGeometry grid = simulationGrid(e, kPose, s);
  TissueModel t = homogeneousLiver(grid);
  const Mat3 f = needleFrame(kPose);
  const Vec3 axis_point = kPose.tip_lps + f.col(0) * (5.0 + 0.5 * diameter_mm);
  const Size3& n = grid.size();
  std::size_t count = 0;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = grid.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const Vec3 d = p - axis_point;
        const double radial = (d - f.col(2) * d.dot(f.col(2))).norm();
        if (radial <= 0.5 * diameter_mm + 1e-9) {
          t.material(i, j, k) = static_cast<std::uint8_t>(material);
          ++count;
        }
      }
    }
  }
  EXPECT_GT(count, 0U);
  return simulateAblation(e, kPose, s, &t);
}

TEST(Simulation, LargeVesselShrinksTheZoneOnItsSideAndASmallOneHardly) {
  const double base = radiusTowardsU(cooledTip3cm(), kPose, 15.0);
  const SimulationResult big = withVessel(6.0, Material::kLargeVessel);
  const SimulationResult small = withVessel(1.0, Material::kBlood);
  print("with a 6 mm vessel, wall 5 mm from the axis", big);
  print("with a 1 mm vessel, wall 5 mm from the axis", small);
  const double r_big = radiusTowardsU(big, kPose, 15.0);
  const double r_small = radiusTowardsU(small, kPose, 15.0);
  std::cout << "zone radius towards the vessel: none " << base << " mm, 6 mm vessel " << r_big
            << " mm (-" << base - r_big << "), 1 mm vessel " << r_small << " mm (-"
            << base - r_small << ")\n";
  EXPECT_GE(base - r_big, 3.0);
  EXPECT_LT(base - r_small, 1.0);
  EXPECT_LT(big.zone_volume_ml, cooledTip3cm().zone_volume_ml);
}

// Acceptance: CPU and GL on the same case, zone Dice >= 0.99 and max temperature difference
// <= 0.5 C. A 3 cm cooled tip next to a large vessel, 2 mm voxels, 3 minutes (llvmpipe is slow).
TEST(Simulation, CpuAndGlAgreeOnTheSameCase) {
  const Electrode& e = catalog().find("cooltip-3cm");
  SimulationSettings s;
  s.spacing_mm = 2.0;
  s.margin_mm = 20.0;
  s.duration_s = 180.0;
  const ImageGeometry grid = simulationGrid(e, kPose, s);
  TissueModel t = homogeneousLiver(grid);
  const Mat3 f = needleFrame(kPose);
  const Vec3 axis_point = kPose.tip_lps + f.col(0) * 9.0;
  for (std::size_t n = 0; n < t.material.voxelCount(); ++n) {
    const std::size_t i = n % grid.size()[0];
    const std::size_t j = (n / grid.size()[0]) % grid.size()[1];
    const std::size_t k = n / (grid.size()[0] * grid.size()[1]);
    const Vec3 d = grid.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j),
                                        static_cast<double>(k))) -
                   axis_point;
    if ((d - f.col(2) * d.dot(f.col(2))).norm() <= 3.0) {
      t.material.data()[n] = static_cast<std::uint8_t>(Material::kLargeVessel);
    }
  }
  s.backend = BackendChoice::kGl;
  SimulationResult gl;
  try {
    gl = simulateAblation(e, kPose, s, &t);
  } catch (const UnsupportedError& x) {
    GTEST_SKIP() << "no OpenGL 4.3 context: " << x.what();
  }
  s.backend = BackendChoice::kCpu;
  const SimulationResult cpu = simulateAblation(e, kPose, s, &t);
  print("CPU", cpu);
  print("GL", gl);
  double max_dt = 0;
  std::size_t both = 0;
  std::size_t a = 0;
  std::size_t b = 0;
  for (std::size_t n = 0; n < cpu.zone.voxelCount(); ++n) {
    max_dt = std::max(max_dt, static_cast<double>(std::abs(cpu.temperature_max_c.data()[n] -
                                                           gl.temperature_max_c.data()[n])));
    a += cpu.zone.data()[n];
    b += gl.zone.data()[n];
    both += cpu.zone.data()[n] & gl.zone.data()[n];
  }
  const double dice = 2.0 * static_cast<double>(both) / static_cast<double>(a + b);
  std::cout << "CPU vs GL: zone Dice " << dice << ", max |dTmax| " << max_dt << " C\n";
  ASSERT_GT(a, 100U);
  EXPECT_GE(dice, 0.99);
  EXPECT_LE(max_dt, 0.5);
}

TEST(Simulation, BadInputsGiveClearErrors) {
  const Electrode& e = catalog().find("cooltip-3cm");
  SimulationSettings s;
  s.backend = BackendChoice::kCpu;
  s.power_w = 0.0;
  EXPECT_THROW(simulateAblation(e, kPose, s), UsageError);
  s.power_w = -5.0;
  EXPECT_THROW(simulateAblation(e, kPose, s), UsageError);
  s.power_w.reset();
  s.duration_s = 0.0;
  EXPECT_THROW(simulateAblation(e, kPose, s), UsageError);
  s.duration_s.reset();
  // A tip outside the tissue grid.
  const TissueModel t = homogeneousLiver(ImageGeometry({20, 20, 20}, Vec3(1, 1, 1), Vec3(0, 0, 0)));
  try {
    (void)simulateAblation(e, NeedlePose{Vec3(100, 100, 100), Vec3(0, 0, 1)}, s, &t);
    ADD_FAILURE() << "no exception";
  } catch (const GeometryError& x) {
    EXPECT_NE(std::string(x.what()).find("outside the simulation grid"), std::string::npos)
        << x.what();
  }
  EXPECT_THROW((void)catalog().find("no-such-electrode"), NotFoundError);
  EXPECT_THROW((void)parseZoneCriterion("t99"), UsageError);
  EXPECT_THROW(simulateAblation(e, NeedlePose{Vec3(0, 0, 0), Vec3(0, 0, 0)}, s), GeometryError);
}

}  // namespace
}  // namespace rfa::thermal
