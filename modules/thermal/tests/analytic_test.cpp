// The bioheat discretisation against closed-form solutions in an infinite homogeneous medium
// (liver properties), with a point source of power P in the centre voxel:
//  - steady, perfused: T - Ta = P / (4 pi k r) exp(-r / L), L = sqrt(k / (w rho_b c_b));
//  - transient, no perfusion, source switched on at t = 0:
//    T - Ta = P / (4 pi k r) erfc(r / (2 sqrt(alpha t))).
// Acceptance (issue 4): max error <= 2 % of the peak rise outside the 2 voxels around the source,
// and second-order convergence from 2 to 1 to 0.5 mm. "Outside the 2 voxels around the source":
// outside the 5x5x5 block centred on it; the peak rise is the largest simulated rise (at the
// source voxel). Also printed: the error relative to the largest analytic rise among the compared
// voxels (3 voxels out), a much stricter figure that the near-field deviation of the lattice
// Green's function (a few % at 3 voxels, independent of h) keeps above 2 %. Also: energy
// conservation without perfusion.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <string>

#include "../src/stencil_solver.h"
#include "rfa/thermal/heat_backend.h"

namespace rfa::thermal {
namespace {

constexpr double kPower = 0.2;  // W

struct Errors {
  double max_abs = 0;    // K, over voxels outside the 5x5x5 block and r <= r_max
  double peak_rise = 0;  // K, largest simulated rise (at the source)
  double near_rise = 0;  // K, largest analytic rise among the compared voxels
  double at_points = 0;  // K, max error at r = 6, 8, 10 mm on the three axes
};

// Grid of n^3 voxels of spacing h (mm), source in the centre voxel (n odd).
template <class Analytic>
Errors compare(const std::vector<float>& rise, std::size_t n, double h, double r_max_mm,
               Analytic&& analytic) {
  Errors e;
  e.peak_rise = *std::max_element(rise.begin(), rise.end());
  const auto c = static_cast<std::ptrdiff_t>(n / 2);
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = 0; i < n; ++i) {
        const double dx = static_cast<double>(static_cast<std::ptrdiff_t>(i) - c);
        const double dy = static_cast<double>(static_cast<std::ptrdiff_t>(j) - c);
        const double dz = static_cast<double>(static_cast<std::ptrdiff_t>(k) - c);
        const double rv = std::sqrt(dx * dx + dy * dy + dz * dz);
        const double r_mm = rv * h;
        const double cheb = std::max({std::abs(dx), std::abs(dy), std::abs(dz)});
        if (cheb <= 2.0 || r_mm > r_max_mm) continue;
        const double a = analytic(r_mm * 1e-3);
        const double err = std::abs(rise[i + n * (j + n * k)] - a);
        e.max_abs = std::max(e.max_abs, err);
        e.near_rise = std::max(e.near_rise, a);
        const bool on_axis = (dx == 0 ? 1 : 0) + (dy == 0 ? 1 : 0) + (dz == 0 ? 1 : 0) == 2;
        const double rounded = std::round(r_mm);
        if (on_axis && std::abs(r_mm - rounded) < 1e-9 &&
            (rounded == 6.0 || rounded == 8.0 || rounded == 10.0)) {
          e.at_points = std::max(e.at_points, err);
        }
      }
    }
  }
  return e;
}

MaterialTable liverOnly(bool perfused) {
  MaterialTable t = MaterialTable::defaults();
  if (!perfused) t[Material::kLiver].perfusion_per_s = 0;
  t.perfusion_stops_with_damage = false;
  return t;
}

// Steady state by conjugate gradients on the same 7-point operator the time stepper uses.
Errors steady(double h) {
  const MaterialTable t = liverOnly(true);
  const MaterialProperties& l = t[Material::kLiver];
  const double k = l.conductivity_w_mk;
  const double perf = l.perfusion_per_s * t.blood_density_kg_m3 * t.blood_heat_capacity_j_kgk;
  const double length = std::sqrt(k / perf);
  const auto n = static_cast<std::size_t>(2 * std::lround(30.0 / h) + 1);  // +-30 mm = 5 L
  detail::StencilSystem s;
  s.size = {n, n, n};
  s.spacing_m = Vec3(h, h, h) * 1e-3;
  s.k.assign(n * n * n, static_cast<float>(k));
  s.a.assign(n * n * n, static_cast<float>(perf));
  std::vector<float> f(n * n * n, 0.0F);
  f[n * n * n / 2] = static_cast<float>(kPower / std::pow(h * 1e-3, 3));
  std::vector<float> u(n * n * n, 0.0F);
  const detail::SolveReport rep = detail::solveStencil(s, f, u, 1e-7, 5000);
  EXPECT_TRUE(rep.converged) << rep.relative_residual;
  return compare(u, n, h, 25.0, [&](double r) {
    return kPower / (4 * std::numbers::pi * k * r) * std::exp(-r / length);
  });
}

// Acceptance on the three grids: <= 2 % of the peak rise each, observed order > 1.7 between them.
void expectTwoPercentAndSecondOrder(const std::string& label, const Errors& e2, const Errors& e1,
                                    const Errors& e05) {
  for (const auto& [h, e] : {std::pair{2.0, e2}, {1.0, e1}, {0.5, e05}}) {
    std::cout << label << " h " << h << " mm: max error " << e.max_abs << " K of peak rise "
              << e.peak_rise << " K (" << 100 * e.max_abs / e.peak_rise << " %; "
              << 100 * e.max_abs / e.near_rise
              << " % of the rise 3 voxels out), error at r = 6/8/10 mm " << e.at_points << " K\n";
    EXPECT_LE(e.max_abs, 0.02 * e.peak_rise) << label << ", h " << h;
  }
  const double p1 = std::log2(e2.at_points / e1.at_points);
  const double p2 = std::log2(e1.at_points / e05.at_points);
  std::cout << label << ": observed order " << p1 << ", " << p2 << "\n";
  EXPECT_GT(p1, 1.7) << label;
  EXPECT_GT(p2, 1.7) << label;
}

TEST(BioheatAnalytic, SteadyPerfusedPointSourceIsSecondOrder) {
  const Errors e2 = steady(2.0);
  const Errors e1 = steady(1.0);
  const Errors e05 = steady(0.5);
  expectTwoPercentAndSecondOrder("steady", e2, e1, e05);
}

// The time stepper reaches the same steady state (1 mm, 40 time constants of perfusion).
TEST(BioheatAnalytic, TimeSteppingReachesTheSteadyState) {
  const double h = 1.0;
  const MaterialTable t = liverOnly(true);
  const std::size_t n = 41;
  const HeatProblem p =
      makeHeatProblem({n, n, n}, Vec3(h, h, h), std::vector<std::uint8_t>(n * n * n, 0), t, {}, 0);
  auto b = makeCpuBackend(p);
  std::vector<float> q(n * n * n, 0.0F);
  q[n * n * n / 2] = static_cast<float>(kPower / 1e-9);
  b->setSource(q);
  const MaterialProperties& l = t[Material::kLiver];
  const double perf = l.perfusion_per_s * t.blood_density_kg_m3 * t.blood_heat_capacity_j_kgk;
  const double tau = l.density_kg_m3 * l.heat_capacity_j_kgk / perf;
  b->advance(static_cast<int>(std::ceil(12 * tau / p.dt_s)));
  std::vector<float> temp;
  b->readTemperature(temp);
  for (float& v : temp) v -= 37.0F;
  const Errors e = compare(temp, n, h, 18.0, [&](double r) {
    return kPower / (4 * std::numbers::pi * l.conductivity_w_mk * r) *
           std::exp(-r / std::sqrt(l.conductivity_w_mk / perf));
  });
  std::cout << "time-stepped steady state h 1 mm: max error " << e.max_abs << " K of peak "
            << e.peak_rise << " K\n";
  EXPECT_LE(e.max_abs, 0.02 * e.peak_rise);
}

Errors transient(double h, double t_s) {
  const MaterialTable t = liverOnly(false);
  const MaterialProperties& l = t[Material::kLiver];
  const double k = l.conductivity_w_mk;
  const double alpha = k / (l.density_kg_m3 * l.heat_capacity_j_kgk);
  const auto n = static_cast<std::size_t>(2 * std::lround(22.0 / h) + 1);  // +-22 mm
  const double limit = stableTimeStep(t, Vec3(h, h, h));
  const int steps = static_cast<int>(std::ceil(t_s / (0.9 * limit)));
  const HeatProblem p = makeHeatProblem(
      {n, n, n}, Vec3(h, h, h), std::vector<std::uint8_t>(n * n * n, 0), t, {}, t_s / steps);
  auto b = makeCpuBackend(p);
  std::vector<float> q(n * n * n, 0.0F);
  q[n * n * n / 2] = static_cast<float>(kPower / std::pow(h * 1e-3, 3));
  b->setSource(q);
  b->advance(steps);
  std::vector<float> temp;
  b->readTemperature(temp);
  for (float& v : temp) v -= 37.0F;
  return compare(temp, n, h, 16.0, [&](double r) {
    return kPower / (4 * std::numbers::pi * k * r) * std::erfc(r / (2 * std::sqrt(alpha * t_s)));
  });
}

TEST(BioheatAnalytic, TransientPointSourceWithoutPerfusionIsSecondOrder) {
  const double t_s = 60.0;
  const Errors e2 = transient(2.0, t_s);
  const Errors e1 = transient(1.0, t_s);
  const Errors e05 = transient(0.5, t_s);
  expectTwoPercentAndSecondOrder("transient 60 s", e2, e1, e05);
}

// Without perfusion and with insulated faces, the energy put in equals sum rho c (T - T0) dV.
TEST(BioheatAnalytic, EnergyIsConservedWithoutPerfusion) {
  MaterialTable t = liverOnly(false);
  t[Material::kTumour].perfusion_per_s = 0;
  const std::size_t n = 32;
  std::vector<std::uint8_t> mat(n * n * n, 0);
  for (std::size_t v = 0; v < mat.size(); ++v) {
    if ((v / n) % n > 20) mat[v] = static_cast<std::uint8_t>(Material::kTumour);
  }
  HeatProblem p = makeHeatProblem({n, n, n}, Vec3(1, 1, 1), mat, t, {}, 0);
  p.insulated_boundary = true;
  auto b = makeCpuBackend(p);
  std::vector<float> q(n * n * n, 0.0F);
  for (std::size_t v = 0; v < q.size(); ++v) {
    const std::size_t i = v % n;
    const std::size_t j = (v / n) % n;
    const std::size_t k = v / (n * n);
    if (i > 12 && i < 18 && j > 12 && j < 24 && k > 10 && k < 14) q[v] = 2e6F;
  }
  b->setSource(q);
  const int steps = 300;
  b->advance(steps);
  std::vector<float> temp;
  b->readTemperature(temp);
  const double dv = 1e-9;
  double deposited = 0;
  double stored = 0;
  for (std::size_t v = 0; v < q.size(); ++v) {
    deposited += static_cast<double>(q[v]) * dv * p.dt_s * steps;
    const MaterialProperties& m = t.m[mat[v]];
    stored += m.density_kg_m3 * m.heat_capacity_j_kgk * (temp[v] - 37.0) * dv;
  }
  std::cout << "energy: deposited " << deposited << " J, stored " << stored << " J ("
            << 100 * (stored - deposited) / deposited << " %)\n";
  EXPECT_NEAR(stored, deposited, 0.01 * deposited);
}

}  // namespace
}  // namespace rfa::thermal
