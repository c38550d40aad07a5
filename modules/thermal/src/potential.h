#pragma once
// Private to rfa::thermal: the electric potential of the electrode and its Joule heating, solved
// on a sub-box of the simulation grid around the active part (heating falls off as 1/r^4 away
// from the electrode: beyond `pad_mm` it is negligible), whose faces stand for the ground.
#include <array>
#include <cstdint>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/thermal/materials.h"
#include "stencil_solver.h"

namespace rfa::thermal::detail {

/// sigma(T) of a material: sigma_37 (1 + c (T - 37)) below 100 C, x 0.01 above (S/m).
float sigmaAt(const MaterialProperties& m, float t_c);

class PotentialSolver {
 public:
  /// `material`/`active` on a grid of `size` and `spacing_mm`; the box is the bounding box of the
  /// active voxels grown by `pad_mm` (clipped to the grid).
  PotentialSolver(const Size3& size, const Vec3& spacing_mm,
                  const std::vector<std::uint8_t>& material, const Mask& active,
                  const MaterialTable& table, double pad_mm);

  /// Solves with sigma(T) for `temperature_c` (full grid) and keeps the Joule heating at 1 V
  /// (W/m3) on the box. Returns the total power at 1 V (W), i.e. the conductance 1/Z.
  double solve(const std::vector<float>& temperature_c);

  /// Writes the last solve's Joule heating at 1 V times `scale` into the box of `q` (full grid;
  /// sized and zeroed when its size differs, else left untouched outside the box).
  void scaledSource(float scale, std::vector<float>& q) const;

  [[nodiscard]] int lastIterations() const { return iterations_; }
  [[nodiscard]] int totalIterations() const { return total_iterations_; }
  [[nodiscard]] Size3 boxSize() const { return sys_.size; }

 private:
  std::array<std::size_t, 3> lo_{}, n_{};
  Size3 full_{};
  std::vector<std::uint8_t> material_;  // on the box
  const MaterialTable& table_;
  StencilSystem sys_;
  StencilWorkspace workspace_;
  std::vector<float> v_;  // potential on the box, warm start
  std::vector<float> qbox_;
  int iterations_ = 0;
  int total_iterations_ = 0;
};

}  // namespace rfa::thermal::detail
