#pragma once
// Shared by the heat-backend tests: a material grid and a Gaussian heat source on it.
#include <cmath>
#include <cstdint>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/thermal/materials.h"

namespace rfa::thermal::test {

constexpr std::uint8_t u8(Material m) {
  return static_cast<std::uint8_t>(m);
}

/// A material index per voxel, x fastest.
struct MaterialGrid {
  Size3 size{0, 0, 0};
  std::vector<std::uint8_t> material;
  [[nodiscard]] std::size_t index(std::size_t i, std::size_t j, std::size_t k) const {
    return i + size[0] * (j + size[1] * k);
  }
};

/// Gaussian blob of `peak` W/m3 and sigma `sigma_vox` voxels around voxel (ci, cj, ck).
inline std::vector<float> blob(const Size3& size, double ci, double cj, double ck, double sigma_vox,
                               double peak) {
  std::vector<float> q(size[0] * size[1] * size[2]);
  for (std::size_t k = 0; k < size[2]; ++k) {
    for (std::size_t j = 0; j < size[1]; ++j) {
      for (std::size_t i = 0; i < size[0]; ++i) {
        const double d2 = std::pow(static_cast<double>(i) - ci, 2) +
                          std::pow(static_cast<double>(j) - cj, 2) +
                          std::pow(static_cast<double>(k) - ck, 2);
        q[i + size[0] * (j + size[1] * k)] =
            static_cast<float>(peak * std::exp(-d2 / (2 * sigma_vox * sigma_vox)));
      }
    }
  }
  return q;
}

}  // namespace rfa::thermal::test
