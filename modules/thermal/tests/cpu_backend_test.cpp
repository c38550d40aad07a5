// The vectorised CPU backend against a plain double-precision transcription of the update in
// heat_problem.h (written here, voxel by voxel, without any of the backend's fast paths): uniform
// rows, mixed rows, held voxels, grid faces (Dirichlet and insulated), damage with and without
// the perfusion stop, quiet rows skipped and woken by a source moved mid-run. Also: 2^x without a
// library call (fast_exp2.h) against std::exp2, and the same bits for 1 and 2 worker threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <memory>
#include <vector>

#include "../src/fast_exp2.h"
#include "heat_test_support.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/heat_problem.h"

namespace rfa::thermal {
namespace {

TEST(FastExp2, WithinThreeUlpOfStdExp2) {
  double worst = 0;
  float at = 0;
  for (float x = -126.0F; x <= 127.0F; x += 0.000977F) {
    const double ref = std::exp2(static_cast<double>(x));
    const double rel = std::abs(detail::fastExp2(x) - ref) / ref;
    if (rel > worst) {
      worst = rel;
      at = x;
    }
  }
  std::cout << "[ fastExp2 ] max relative error " << worst << " at x = " << at << " ("
            << worst / std::numeric_limits<float>::epsilon() << " eps)\n";
  EXPECT_LE(worst, 3.0 * std::numeric_limits<float>::epsilon());
  // Clamped outside [-126, 127], never 0 or infinite.
  EXPECT_EQ(detail::fastExp2(-500.0F), std::exp2(-126.0F));
  EXPECT_EQ(detail::fastExp2(500.0F), std::exp2(127.0F));
  EXPECT_EQ(detail::fastExp2(0.0F), 1.0F);
  EXPECT_EQ(detail::fastExp2(10.0F), 1024.0F);
}

using Grid = test::MaterialGrid;
using test::blob;
using test::u8;

// 37 x 23 x 19 at 1 mm (odd sizes: vector loops with remainders): liver, a tumour sphere, a blood
// vessel along x, a cooled electrode line along z (held), fat at z+, air at y-.
Grid mixedGrid() {
  Grid g{{37, 23, 19}, {}};
  g.material.assign(g.size[0] * g.size[1] * g.size[2], u8(Material::kLiver));
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    for (std::size_t j = 0; j < g.size[1]; ++j) {
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double x = static_cast<double>(i);
        const double y = static_cast<double>(j);
        const double z = static_cast<double>(k);
        std::uint8_t m = u8(Material::kLiver);
        if ((x - 18) * (x - 18) + (y - 11) * (y - 11) + (z - 9) * (z - 9) <= 16) {
          m = u8(Material::kTumour);
        }
        if ((y - 5) * (y - 5) + (z - 13) * (z - 13) <= 1.5) m = u8(Material::kBlood);
        if (k >= 17) m = u8(Material::kFat);
        if (i == 16 && j == 11 && k >= 3 && k <= 12) m = u8(Material::kCooledElectrode);
        if (j == 0) m = u8(Material::kAir);
        g.material[g.index(i, j, k)] = m;
      }
    }
  }
  return g;
}

// heat_problem.h's update in double precision, one voxel at a time.
struct Reference {
  const HeatProblem& p;
  std::vector<double> t, tmax, omega, cem;

  explicit Reference(const HeatProblem& problem) : p(problem) {
    const std::size_t n = p.voxelCount();
    t.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const float h = p.held[p.material[i]];
      t[i] = std::isnan(h) ? p.initial_temperature_c : h;
    }
    tmax = t;
    omega.assign(n, 0.0);
    cem.assign(n, 0.0);
  }

  void step(const std::vector<float>& q) {
    const std::size_t nx = p.size[0];
    const std::size_t ny = p.size[1];
    const std::size_t nz = p.size[2];
    std::vector<double> next(t.size());
    for (std::size_t k = 0; k < nz; ++k) {
      for (std::size_t j = 0; j < ny; ++j) {
        for (std::size_t i = 0; i < nx; ++i) {
          const std::size_t n = i + nx * (j + ny * k);
          const std::uint8_t m = p.material[n];
          if (!std::isnan(p.held[m])) {
            next[n] = p.held[m];
            continue;
          }
          double sum = 0;
          const auto face = [&](int axis, bool inside, std::size_t o) {
            const double g = p.g[static_cast<std::size_t>(axis)][m][inside ? p.material[o] : m];
            if (inside) {
              sum += g * (t[o] - t[n]);
            } else if (!p.insulated_boundary) {
              sum += g * (p.boundary_temperature_c - t[n]);
            }
          };
          face(0, i > 0, n - 1);
          face(0, i + 1 < nx, n + 1);
          face(1, j > 0, n - nx);
          face(1, j + 1 < ny, n + nx);
          face(2, k > 0, n - nx * ny);
          face(2, k + 1 < nz, n + nx * ny);
          const double perf =
              p.perf[m] * (p.perfusion_stops_with_damage ? std::exp(-omega[n]) : 1.0);
          const double tn = t[n] + static_cast<double>(p.dt_over_rhoc[m]) *
                                       (sum + q[n] - perf * (t[n] - p.arterial_c));
          next[n] = std::min(tn, static_cast<double>(p.vaporisation_c));
        }
      }
    }
    for (std::size_t n = 0; n < t.size(); ++n) {
      const double tn = next[n];
      tmax[n] = std::max(tmax[n], tn);
      if (tn >= p.damage_floor_c) {
        omega[n] += p.dt_s * std::exp(p.ln_a - p.ea_over_r_k / (tn + 273.15));
      }
      if (tn >= 39.0) cem[n] += p.dt_s / 60.0 * std::pow(tn >= 43.0 ? 0.5 : 0.25, 43.0 - tn);
    }
    t.swap(next);
  }
};

void expectMatchesReference(bool insulated, bool perfusion_stops) {
  const Grid grid = mixedGrid();
  HeatProblem p = makeHeatProblem(grid.size, Vec3(1, 1, 1), grid.material,
                                  MaterialTable::defaults(), DamageModel{}, 0);
  p.insulated_boundary = insulated;
  p.perfusion_stops_with_damage = perfusion_stops;
  if (!insulated) p.boundary_temperature_c = 35.0F;
  p.vaporisation_c = 100.0F;
  // A source, then a second one elsewhere: rows that were quiet (skipped) must wake up.
  const std::vector<float> q = blob(grid.size, 19, 11, 9, 2.0, 3e7);
  const std::vector<float> q2 = blob(grid.size, 6, 17, 5, 1.5, 8e6);
  std::unique_ptr<HeatBackend> cpu = makeCpuBackend(p);
  Reference ref(p);
  const int steps = 150;
  cpu->setSource(q);
  cpu->advance(steps / 2);
  for (int s = 0; s < steps / 2; ++s) ref.step(q);
  cpu->setSource(q2);
  cpu->advance(steps / 2);
  for (int s = 0; s < steps / 2; ++s) ref.step(q2);
  const HeatFields f = cpu->readFields();
  double max_dt = 0;
  double max_dtmax = 0;
  double max_rel_omega = 0;
  double max_rel_cem = 0;
  std::size_t zone = 0;
  double peak = 0;
  for (std::size_t n = 0; n < ref.t.size(); ++n) {
    max_dt = std::max(max_dt, std::abs(f.temperature_c[n] - ref.t[n]));
    max_dtmax = std::max(max_dtmax, std::abs(f.temperature_max_c[n] - ref.tmax[n]));
    if (ref.omega[n] > 1e-3) {
      max_rel_omega = std::max(max_rel_omega, std::abs(f.omega[n] - ref.omega[n]) / ref.omega[n]);
    }
    if (ref.cem[n] > 1e-3) {
      max_rel_cem = std::max(max_rel_cem, std::abs(f.cem43_min[n] - ref.cem[n]) / ref.cem[n]);
    }
    zone += ref.omega[n] >= 1.0 ? 1 : 0;
    peak = std::max(peak, ref.tmax[n]);
  }
  std::cout << "[ CPU vs reference ] " << (insulated ? "insulated" : "Dirichlet 35 C")
            << (perfusion_stops ? "" : ", perfusion kept") << ": max|dT| " << max_dt
            << " C, max|dTmax| " << max_dtmax << " C, max rel dOmega " << max_rel_omega
            << ", max rel dCEM43 " << max_rel_cem << ", zone " << zone << " voxels, peak " << peak
            << " C\n";
  // Single precision over 150 steps (measured: ~1e-5 C, ~1e-5 relative).
  EXPECT_LE(max_dt, 1e-4);
  EXPECT_LE(max_dtmax, 1e-4);
  EXPECT_LE(max_rel_omega, 1e-4);
  EXPECT_LE(max_rel_cem, 1e-4);
  // Not vacuous: damage ran; with the Dirichlet boundary the vaporisation clamp too.
  EXPECT_GT(zone, 20U);
  EXPECT_GE(peak, insulated ? 60.0 : 99.99);
}

TEST(CpuBackend, MatchesPlainReferenceWithDirichletBoundary) {
  expectMatchesReference(false, true);
}

TEST(CpuBackend, MatchesPlainReferenceInsulatedWithPerfusionKept) {
  expectMatchesReference(true, false);
}

TEST(CpuBackend, SameBitsForOneAndTwoThreads) {
  const Grid grid = mixedGrid();
  const HeatProblem p = makeHeatProblem(grid.size, Vec3(1, 1, 1), grid.material,
                                        MaterialTable::defaults(), DamageModel{}, 0);
  const std::vector<float> q = blob(grid.size, 19, 11, 9, 2.0, 1.5e7);
  std::vector<HeatFields> runs;
  for (const char* threads : {"1", "2"}) {
    const char* old = std::getenv("RFA_THREADS");
    const std::string kept = old != nullptr ? old : "";
    setenv("RFA_THREADS", threads, 1);
    std::unique_ptr<HeatBackend> cpu = makeCpuBackend(p);
    cpu->setSource(q);
    cpu->advance(60);
    runs.push_back(cpu->readFields());
    if (old != nullptr) {
      setenv("RFA_THREADS", kept.c_str(), 1);
    } else {
      unsetenv("RFA_THREADS");
    }
  }
  EXPECT_EQ(runs[0].temperature_c, runs[1].temperature_c);
  EXPECT_EQ(runs[0].omega, runs[1].omega);
  EXPECT_EQ(runs[0].cem43_min, runs[1].cem43_min);
  EXPECT_GT(*std::max_element(runs[0].omega.begin(), runs[0].omega.end()), 1.0F);
}

}  // namespace
}  // namespace rfa::thermal
