#pragma once
// Private to rfa::thermal: preconditioned conjugate gradients for the 7-point problem
//   sum_f c_f (u_n - u_i) - a_i u_i = -f_i
// on a voxel grid, with c_f = 2 k_i k_n / (k_i + k_n) / dx_f^2 (0 when either k is 0, i.e. across
// an insulator), voxels flagged `fixed` held at their value in `u` (Dirichlet), and outside the
// grid either a Dirichlet value through k_i / dx^2 or no flux. Used for the electric potential
// (k = sigma, a = 0, f = 0, electrode fixed at 1 V, ground outside) and the steady heat equation
// (k = conductivity, a = perfusion coefficient, f = source). SI units: spacing in m.
#include <array>
#include <cstdint>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::thermal::detail {

struct StencilSystem {
  Size3 size{0, 0, 0};
  Vec3 spacing_m{1e-3, 1e-3, 1e-3};
  std::vector<float> k;             ///< per voxel, >= 0
  std::vector<float> a;             ///< per voxel sink, >= 0 (empty = 0)
  std::vector<std::uint8_t> fixed;  ///< per voxel, nonzero = Dirichlet (empty = none)
  bool insulated_outside = false;
  double outside_value = 0.0;  ///< Dirichlet value beyond the grid faces
};

struct SolveReport {
  int iterations = 0;
  double relative_residual = 0;  ///< |r| / |b| at the end
  bool converged = false;
};

/// Scratch arrays of solveStencil, kept by a caller that solves the same grid repeatedly (the
/// potential every few time steps): reusing them saves the allocation and first-touch page faults
/// of ~80 B per voxel per solve.
struct StencilWorkspace {
  std::vector<double> diag, b, r, z, p, ap, xf;
  std::array<std::vector<float>, 3> c;
  std::vector<std::uint8_t> active;
};

/// Solves in place: `u` holds the initial guess and the values of fixed voxels. `f` may be empty
/// (0). Stops at |r| <= tolerance |b| or after max_iterations. `workspace` may be null.
SolveReport solveStencil(const StencilSystem& s, const std::vector<float>& f, std::vector<float>& u,
                         double tolerance, int max_iterations,
                         StencilWorkspace* workspace = nullptr);

/// Per-voxel dissipated power density (W/m3) of the potential `u` (V) with conductivity s.k
/// (S/m): each face's c_f (u_n - u_i)^2 is split equally between its two free voxels, or given
/// whole to the free one when the other is fixed (the electrode metal is not heated); faces to the
/// outside ground count for their voxel. Returns the total power (W) for this potential.
double jouleHeating(const StencilSystem& s, const std::vector<float>& u, std::vector<float>& q);

}  // namespace rfa::thermal::detail
