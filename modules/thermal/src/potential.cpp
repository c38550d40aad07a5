// The electrode potential on a sub-box (see potential.h).
#include "potential.h"

#include <algorithm>
#include <cmath>

#include "rfa/core/error.h"

namespace rfa::thermal::detail {

float sigmaAt(const MaterialProperties& m, float t_c) {
  if (m.insulating) return 0.0F;
  const auto s37 = static_cast<float>(m.sigma_s_m);
  const auto c = static_cast<float>(m.sigma_per_k);
  if (t_c < 100.0F) return std::max(0.0F, s37 * (1.0F + c * (t_c - 37.0F)));
  return 0.01F * s37 * (1.0F + c * 63.0F);
}

PotentialSolver::PotentialSolver(const Size3& size, const Vec3& spacing_mm,
                                 const std::vector<std::uint8_t>& material, const Mask& active,
                                 const MaterialTable& table, double pad_mm)
    : full_(size), table_(table) {
  std::array<std::size_t, 3> amin{size[0], size[1], size[2]};
  std::array<std::size_t, 3> amax{0, 0, 0};
  bool any = false;
  for (std::size_t k = 0; k < size[2]; ++k) {
    for (std::size_t j = 0; j < size[1]; ++j) {
      for (std::size_t i = 0; i < size[0]; ++i) {
        if (active(i, j, k) == 0) continue;
        any = true;
        const std::array<std::size_t, 3> p{i, j, k};
        for (std::size_t a = 0; a < 3; ++a) {
          amin[a] = std::min(amin[a], p[a]);
          amax[a] = std::max(amax[a], p[a]);
        }
      }
    }
  }
  if (!any) throw GeometryError("the electrode has no voxel in the simulation grid");
  for (std::size_t a = 0; a < 3; ++a) {
    const auto pad = static_cast<std::size_t>(std::ceil(pad_mm / spacing_mm[static_cast<int>(a)]));
    lo_[a] = amin[a] > pad ? amin[a] - pad : 0;
    const std::size_t hi = std::min(size[a] - 1, amax[a] + pad);
    n_[a] = hi - lo_[a] + 1;
  }
  const std::size_t count = n_[0] * n_[1] * n_[2];
  sys_.size = {n_[0], n_[1], n_[2]};
  sys_.spacing_m = spacing_mm * 1e-3;
  sys_.k.assign(count, 0.0F);
  sys_.fixed.assign(count, 0);
  sys_.outside_value = 0.0;
  material_.resize(count);
  v_.assign(count, 0.0F);
  for (std::size_t k = 0; k < n_[2]; ++k) {
    for (std::size_t j = 0; j < n_[1]; ++j) {
      for (std::size_t i = 0; i < n_[0]; ++i) {
        const std::size_t b = i + n_[0] * (j + n_[1] * k);
        const std::size_t gi = i + lo_[0];
        const std::size_t gj = j + lo_[1];
        const std::size_t gk = k + lo_[2];
        material_[b] = material[gi + size[0] * (gj + size[1] * gk)];
        const bool on = active(gi, gj, gk) != 0;
        sys_.fixed[b] = on ? 1 : 0;
        v_[b] = on ? 1.0F : 0.0F;
      }
    }
  }
}

double PotentialSolver::solve(const std::vector<float>& temperature_c) {
  for (std::size_t k = 0; k < n_[2]; ++k) {
    for (std::size_t j = 0; j < n_[1]; ++j) {
      for (std::size_t i = 0; i < n_[0]; ++i) {
        const std::size_t b = i + n_[0] * (j + n_[1] * k);
        const std::size_t g = (i + lo_[0]) + full_[0] * ((j + lo_[1]) + full_[1] * (k + lo_[2]));
        sys_.k[b] = sigmaAt(table_.m[material_[b]], temperature_c[g]);
      }
    }
  }
  const SolveReport rep = solveStencil(sys_, {}, v_, 1e-4, 4000, &workspace_);
  iterations_ = rep.iterations;
  total_iterations_ += rep.iterations;
  return jouleHeating(sys_, v_, qbox_);
}

void PotentialSolver::scaledSource(float scale, std::vector<float>& q) const {
  const std::size_t full = full_[0] * full_[1] * full_[2];
  if (q.size() != full) q.assign(full, 0.0F);
  for (std::size_t k = 0; k < n_[2]; ++k) {
    for (std::size_t j = 0; j < n_[1]; ++j) {
      const float* b = qbox_.data() + n_[0] * (j + n_[1] * k);
      float* g = q.data() + lo_[0] + full_[0] * ((j + lo_[1]) + full_[1] * (k + lo_[2]));
      for (std::size_t i = 0; i < n_[0]; ++i) g[i] = b[i] * scale;
    }
  }
}

}  // namespace rfa::thermal::detail
