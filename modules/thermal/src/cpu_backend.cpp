// CPU reference backend: the update of heat_problem.h, single precision, one thread per z-slab
// (rfa::parallelFor), double-buffered temperature. Memory per voxel update: T read (plus the
// neighbours, from cache), T' written, q, material, Omega, T_max, CEM43 read and written.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rfa/core/parallel.h"
#include "rfa/thermal/heat_backend.h"

namespace rfa::thermal {

namespace {

class CpuBackend final : public HeatBackend {
 public:
  explicit CpuBackend(const HeatProblem& p) : p_(p) {
    for (std::size_t m = 0; m < kMaterialCount; ++m) held_[m] = !std::isnan(p_.held[m]);
    const std::size_t n = p_.voxelCount();
    t_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const float h = p_.held[p_.material[i]];
      t_[i] = std::isnan(h) ? p_.initial_temperature_c : h;
    }
    next_ = t_;
    tmax_ = t_;
    q_.assign(n, 0.0F);
    omega_.assign(n, 0.0F);
    cem_.assign(n, 0.0F);
    classifyRows();
  }

  [[nodiscard]] std::string name() const override { return "cpu"; }

  void setSource(const std::vector<float>& q) override {
    if (q.size() == q_.size()) q_ = q;
  }

  void advance(int steps) override {
    for (int s = 0; s < steps; ++s) {
      step();
      t_.swap(next_);
    }
  }

  void readTemperature(std::vector<float>& out) override { out = t_; }

  HeatFields readFields() override { return {t_, tmax_, omega_, cem_}; }

 private:
  void step() {
    const std::size_t nx = p_.size[0];
    const std::size_t ny = p_.size[1];
    const std::size_t nz = p_.size[2];
    parallelFor(nz, [&](std::size_t k) {
      for (std::size_t j = 0; j < ny; ++j) {
        const std::size_t row = nx * (j + ny * k);
        const bool edge = j == 0 || k == 0 || j + 1 == ny || k + 1 == nz || nx < 3;
        if (edge) {
          for (std::size_t i = 0; i < nx; ++i) update(row + i, i, j, k);
          continue;
        }
        update(row, 0, j, k);
        const std::size_t r = j + ny * k;
        if (uniform_row_[r] != 0) {
          uniformRow(row + 1, nx - 2);
        } else {
          interiorRow(row + 1, nx - 2);
        }
        update(row + nx - 1, nx - 1, j, k);
      }
    });
  }

  // Voxels n .. n + count - 1 of a row with all six neighbours inside the grid: no bound tests,
  // same arithmetic in the same order as update().
  void interiorRow(std::size_t n0, std::size_t count) {
    const std::size_t sy = p_.size[0];
    const std::size_t sz = p_.size[0] * p_.size[1];
    const std::uint8_t* mat = p_.material.data();
    const float* t = t_.data();
    for (std::size_t n = n0; n < n0 + count; ++n) {
      const std::uint8_t m = mat[n];
      if (held_[m]) {
        finish(n, p_.held[m]);
        continue;
      }
      const float ti = t[n];
      const auto& g0 = p_.g[0][m];
      const auto& g1 = p_.g[1][m];
      const auto& g2 = p_.g[2][m];
      float sum = g0[mat[n - 1]] * (t[n - 1] - ti);
      sum += g0[mat[n + 1]] * (t[n + 1] - ti);
      sum += g1[mat[n - sy]] * (t[n - sy] - ti);
      sum += g1[mat[n + sy]] * (t[n + sy] - ti);
      sum += g2[mat[n - sz]] * (t[n - sz] - ti);
      sum += g2[mat[n + sz]] * (t[n + sz] - ti);
      finish(n, freeUpdate(n, m, ti, sum));
    }
  }

  // An interior row whose voxels and neighbours share one free material (most of the grid): the
  // face conductances are constants. Same operations in the same order as interiorRow(), so the
  // results are bitwise identical.
  void uniformRow(std::size_t n0, std::size_t count) {
    const std::size_t sy = p_.size[0];
    const std::size_t sz = p_.size[0] * p_.size[1];
    const std::uint8_t m = p_.material[n0];
    const float gx = p_.g[0][m][m];
    const float gy = p_.g[1][m][m];
    const float gz = p_.g[2][m][m];
    const float k = p_.dt_over_rhoc[m];
    const float perf = p_.perf[m];
    const float* t = t_.data();
    for (std::size_t n = n0; n < n0 + count; ++n) {
      const float ti = t[n];
      float sum = gx * (t[n - 1] - ti);
      sum += gx * (t[n + 1] - ti);
      sum += gy * (t[n - sy] - ti);
      sum += gy * (t[n + sy] - ti);
      sum += gz * (t[n - sz] - ti);
      sum += gz * (t[n + sz] - ti);
      const float w = omega_[n];
      const float sw = (p_.perfusion_stops_with_damage && w > 0.0F) ? std::exp(-w) : 1.0F;
      const float tn = ti + k * (sum + q_[n] - perf * sw * (ti - p_.arterial_c));
      finish(n, std::min(tn, p_.vaporisation_c));
    }
  }

  // Marks the interior rows of one free material (neighbours included), once.
  void classifyRows() {
    const std::size_t nx = p_.size[0];
    const std::size_t ny = p_.size[1];
    const std::size_t nz = p_.size[2];
    uniform_row_.assign(ny * nz, 0);
    if (nx < 3 || ny < 3 || nz < 3) return;
    const std::uint8_t* mat = p_.material.data();
    for (std::size_t k = 1; k + 1 < nz; ++k) {
      for (std::size_t j = 1; j + 1 < ny; ++j) {
        const std::size_t row = nx * (j + ny * k);
        const std::uint8_t m = mat[row];
        bool ok = !held_[m];
        for (const std::size_t base : {row, row - nx, row + nx, row - nx * ny, row + nx * ny}) {
          for (std::size_t n = base; n < base + nx && ok; ++n) ok = mat[n] == m;
        }
        uniform_row_[j + ny * k] = ok ? 1 : 0;
      }
    }
  }

  // T' of a free voxel from its face sum.
  [[nodiscard]] float freeUpdate(std::size_t n, std::uint8_t m, float ti, float sum) const {
    const float w = omega_[n];
    const float s = (p_.perfusion_stops_with_damage && w > 0.0F) ? std::exp(-w) : 1.0F;
    const float tn =
        ti + p_.dt_over_rhoc[m] * (sum + q_[n] - p_.perf[m] * s * (ti - p_.arterial_c));
    return std::min(tn, p_.vaporisation_c);
  }

  // Stores T' and accumulates T_max, Omega and CEM43.
  void finish(std::size_t n, float tn) {
    next_[n] = tn;
    if (tn > tmax_[n]) tmax_[n] = tn;
    if (tn >= p_.damage_floor_c) {
      omega_[n] += p_.dt_s * std::exp(p_.ln_a - p_.ea_over_r_k / (tn + 273.15F));
    }
    if (tn >= 39.0F) {
      const float r = tn >= 43.0F ? 0.5F : 0.25F;
      cem_[n] += p_.dt_s / 60.0F * std::pow(r, 43.0F - tn);
    }
  }

  // Any voxel (bounds tested); the sum is taken in the order x-, x+, y-, y+, z-, z+ (as in the
  // GLSL kernel).
  void update(std::size_t n, std::size_t i, std::size_t j, std::size_t k) {
    const std::uint8_t m = p_.material[n];
    if (held_[m]) {
      finish(n, p_.held[m]);
      return;
    }
    const float ti = t_[n];
    const std::size_t sy = p_.size[0];
    const std::size_t sz = p_.size[0] * p_.size[1];
    float sum = 0.0F;
    const auto face = [&](std::size_t axis, bool inside, std::size_t o) {
      if (inside) {
        sum += p_.g[axis][m][p_.material[o]] * (t_[o] - ti);
      } else if (!p_.insulated_boundary) {
        sum += p_.g[axis][m][m] * (p_.boundary_temperature_c - ti);
      }
    };
    face(0, i > 0, n - 1);
    face(0, i + 1 < p_.size[0], n + 1);
    face(1, j > 0, n - sy);
    face(1, j + 1 < p_.size[1], n + sy);
    face(2, k > 0, n - sz);
    face(2, k + 1 < p_.size[2], n + sz);
    finish(n, freeUpdate(n, m, ti, sum));
  }

  HeatProblem p_;
  std::array<bool, kMaterialCount> held_{};
  std::vector<std::uint8_t> uniform_row_;  // per (j, k): interior row of one free material
  std::vector<float> t_, next_, tmax_, q_, omega_, cem_;
};

}  // namespace

std::unique_ptr<HeatBackend> makeCpuBackend(const HeatProblem& problem) {
  return std::make_unique<CpuBackend>(problem);
}

}  // namespace rfa::thermal
