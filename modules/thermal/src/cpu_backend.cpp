// CPU reference backend: the update of heat_problem.h, single precision, one thread per z-slab
// (rfa::parallelFor), double-buffered temperature. Memory per voxel update: T read (plus the
// neighbours, from cache), T' written, q, material, Omega, T_max, CEM43 read and written.
#include <algorithm>
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
    const auto nx = static_cast<std::ptrdiff_t>(p_.size[0]);
    const auto ny = static_cast<std::ptrdiff_t>(p_.size[1]);
    const auto nz = static_cast<std::ptrdiff_t>(p_.size[2]);
    const std::ptrdiff_t sy = nx;
    const std::ptrdiff_t sz = nx * ny;
    parallelFor(p_.size[2], [&](std::size_t kk) {
      const auto k = static_cast<std::ptrdiff_t>(kk);
      for (std::ptrdiff_t j = 0; j < ny; ++j) {
        for (std::ptrdiff_t i = 0; i < nx; ++i) {
          const std::ptrdiff_t n = i + sy * j + sz * k;
          update(n, i, j, k, nx, ny, nz, sy, sz);
        }
      }
    });
  }

  // One voxel; the sum is taken in the order x-, x+, y-, y+, z-, z+ (as in the GLSL kernel).
  void update(std::ptrdiff_t n, std::ptrdiff_t i, std::ptrdiff_t j, std::ptrdiff_t k,
              std::ptrdiff_t nx, std::ptrdiff_t ny, std::ptrdiff_t nz, std::ptrdiff_t sy,
              std::ptrdiff_t sz) {
    const auto un = static_cast<std::size_t>(n);
    const std::uint8_t m = p_.material[un];
    const float ti = t_[un];
    float tn = 0;
    const float held = p_.held[m];
    if (!std::isnan(held)) {
      tn = held;
    } else {
      float sum = 0.0F;
      const auto face = [&](int axis, bool inside, std::ptrdiff_t off) {
        if (inside) {
          const auto o = static_cast<std::size_t>(n + off);
          sum += p_.g[static_cast<std::size_t>(axis)][m][p_.material[o]] * (t_[o] - ti);
        } else if (!p_.insulated_boundary) {
          sum += p_.g[static_cast<std::size_t>(axis)][m][m] * (p_.boundary_temperature_c - ti);
        }
      };
      face(0, i > 0, -1);
      face(0, i + 1 < nx, 1);
      face(1, j > 0, -sy);
      face(1, j + 1 < ny, sy);
      face(2, k > 0, -sz);
      face(2, k + 1 < nz, sz);
      const float w = omega_[un];
      const float s = (p_.perfusion_stops_with_damage && w > 0.0F) ? std::exp(-w) : 1.0F;
      tn = ti + p_.dt_over_rhoc[m] * (sum + q_[un] - p_.perf[m] * s * (ti - p_.arterial_c));
      tn = std::min(tn, p_.vaporisation_c);
    }
    next_[un] = tn;
    if (tn > tmax_[un]) tmax_[un] = tn;
    if (tn >= p_.damage_floor_c) {
      omega_[un] += p_.dt_s * std::exp(p_.ln_a - p_.ea_over_r_k / (tn + 273.15F));
    }
    if (tn >= 39.0F) {
      const float r = tn >= 43.0F ? 0.5F : 0.25F;
      cem_[un] += p_.dt_s / 60.0F * std::pow(r, 43.0F - tn);
    }
  }

  HeatProblem p_;
  std::vector<float> t_, next_, tmax_, q_, omega_, cem_;
};

}  // namespace

std::unique_ptr<HeatBackend> makeCpuBackend(const HeatProblem& problem) {
  return std::make_unique<CpuBackend>(problem);
}

}  // namespace rfa::thermal
