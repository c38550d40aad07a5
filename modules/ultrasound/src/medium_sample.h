#pragma once
// Sampling the acoustic medium at a point (nearest voxel), shared by the fan and the window
// search. Internal to rfa::ultrasound.
#include <array>
#include <cmath>
#include <optional>

#include "rfa/ultrasound/fan.h"

namespace rfa::ultrasound::detail {

/// The CT value at the nearest voxel and whether a mask marks it bone or gas.
struct Sample {
  float hu = 0;
  bool bone = false;
  bool gas = false;
  [[nodiscard]] bool isBone(const AcousticMedium& m) const { return bone || hu >= m.bone_hu; }
  [[nodiscard]] bool isGas(const AcousticMedium& m) const { return gas || hu <= m.gas_hu; }
};

/// nullopt outside the CT's grid.
inline std::optional<Sample> sampleAt(const AcousticMedium& m, const Vec3& p) {
  const ImageGeometry& g = m.ct->geometry();
  const Vec3 idx = g.lpsToIndex(p);
  std::array<std::size_t, 3> ijk{};
  for (int a = 0; a < 3; ++a) {
    const double r = std::round(idx(a));
    if (!(r >= 0) || r > static_cast<double>(g.size()[static_cast<std::size_t>(a)]) - 1) {
      return std::nullopt;
    }
    ijk[static_cast<std::size_t>(a)] = static_cast<std::size_t>(r);
  }
  Sample s;
  s.hu = (*m.ct)(ijk[0], ijk[1], ijk[2]);
  s.bone = m.bone != nullptr && (*m.bone)(ijk[0], ijk[1], ijk[2]) != 0;
  s.gas = m.gas != nullptr && (*m.gas)(ijk[0], ijk[1], ijk[2]) != 0;
  return s;
}

}  // namespace rfa::ultrasound::detail
