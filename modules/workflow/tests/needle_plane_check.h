#pragma once
// Every planned needle of a plan lies in its probe plane (core/slice_plane.h needlePlane()) at
// every rotation about the shaft, 0-180 degrees by 15: within 0.5 mm and 1 degree.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "rfa/core/slice_plane.h"
#include "rfa/planning/plan.h"

namespace rfa::workflow {

inline void expectNeedlesInTheirProbePlanes(const planning::TreatmentPlan& plan) {
  for (const planning::PlanLesion& l : plan.lesions) {
    for (const planning::PlanPlacement& pl : l.placements) {
      const Vec3 u = (pl.tip_lps - pl.entry_lps).normalized();
      for (int deg = 0; deg <= 180; deg += 15) {
        const SlicePlane plane = needlePlane(pl.entry_lps, pl.tip_lps, deg);
        EXPECT_LT(std::abs(plane.distanceMm(pl.entry_lps)), 0.5) << l.id << " " << deg;
        EXPECT_LT(std::abs(plane.distanceMm(pl.tip_lps)), 0.5) << l.id << " " << deg;
        const double angle_deg =
            std::asin(std::min(1.0, std::abs(u.dot(plane.normal())))) * 180.0 / std::numbers::pi;
        EXPECT_LT(angle_deg, 1.0) << l.id << " " << deg;
      }
    }
  }
}

}  // namespace rfa::workflow
