#pragma once
// The synthetic acoustic case of the ultrasound tests: a 40 x 100 x 120 mm CT (1 mm voxels) with
// air in front of a skin plane (y < 20), a rib (a bone cylinder across the patient, along x) 10 mm
// under the skin and a lesion (label 1) behind it. LPS mm.
#include <cmath>

#include "rfa/core/volume.h"

namespace rfa::ultrasound::test {

constexpr double kSkinY = 20;  // air for y < 20 (anterior), tissue behind
const Vec3 kRib(0, 30, 60);    // cylinder along x: (y, z) centre, radius 5
constexpr double kRibRadius = 5;
const Vec3 kLesion(60, 70, 60);  // sphere, radius 8
constexpr double kLesionRadius = 8;

struct Case {
  ImageGeometry g{{40, 100, 120}, Vec3(1, 1, 1), Vec3(40, 0, 0)};
  ImageVolume ct{g, 40.0F};
  LabelMap lesions{g, 0};
  Case() {
    for (std::size_t k = 0; k < 120; ++k) {
      for (std::size_t j = 0; j < 100; ++j) {
        for (std::size_t i = 0; i < 40; ++i) {
          const Vec3 p = g.indexToLps(
              Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
          if (p.y() < kSkinY) ct(i, j, k) = -1000.0F;
          if (std::hypot(p.y() - kRib.y(), p.z() - kRib.z()) <= kRibRadius) ct(i, j, k) = 1000;
          if ((p - kLesion).norm() <= kLesionRadius) lesions(i, j, k) = 1;
        }
      }
    }
  }
};

}  // namespace rfa::ultrasound::test
