// Helpers of the plan builder (plan_util.h).
#include "plan_util.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include "rfa/core/error.h"

namespace rfa::planning::detail {

std::size_t countSet(const Mask& m) {
  std::size_t n = 0;
  for (const std::uint8_t v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

double fractionInMask(const LabelMap& labels, int label, const Mask& mask) {
  std::size_t all = 0;
  std::size_t in = 0;
  const auto l = labels.data();
  const auto m = mask.data();
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (l[i] != label) continue;
    ++all;
    in += m[i] != 0 ? 1 : 0;
  }
  return all == 0 ? 0.0 : static_cast<double>(in) / static_cast<double>(all);
}

Mask labelMask(const LabelMap& labels, int label) {
  Mask out(labels.geometry(), 0);
  const auto l = labels.data();
  auto o = out.data();
  for (std::size_t i = 0; i < l.size(); ++i) o[i] = l[i] == label ? 1 : 0;
  return out;
}

Mask thresholdAtLeast(const ImageVolume& v, double threshold) {
  Mask out(v.geometry(), 0);
  const auto d = v.data();
  auto o = out.data();
  for (std::size_t i = 0; i < d.size(); ++i) o[i] = d[i] >= threshold ? 1 : 0;
  return out;
}

std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s.precision(decimals);
  s << std::fixed << v;
  return s.str();
}

std::string pointText(const Vec3& p) {
  return "(" + fixed(p.x(), 1) + ", " + fixed(p.y(), 1) + ", " + fixed(p.z(), 1) + ") mm";
}

bool needleAllowed(const TrajectoryPlanner& planner, const thermal::Electrode& electrode,
                   const thermal::NeedlePose& pose) {
  try {
    const Mat3 f = thermal::needleFrame(pose);
    for (const thermal::Shaft& s : electrode.shafts) {
      const Vec3 tip = pose.tip_lps + f.col(0) * s.offset_u_mm + f.col(1) * s.offset_v_mm;
      const auto check = planner.checkNeedle(tip, pose.direction_lps);
      if (!check.ok || check.trajectory.length_mm > electrode.shaft_length_mm) return false;
    }
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool anyVoxelWithin(const Mask& vessels, const Vec3& p_lps, double radius_mm) {
  const ImageGeometry& g = vessels.geometry();
  const Vec3 c = g.lpsToIndex(p_lps);
  const Size3& n = g.size();
  std::array<std::int64_t, 3> lo{};
  std::array<std::int64_t, 3> hi{};
  for (int a = 0; a < 3; ++a) {
    const double r = radius_mm / g.spacing()[a] + 1;
    lo[a] = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(c[a] - r)));
    hi[a] = std::min<std::int64_t>(static_cast<std::int64_t>(n[a]) - 1,
                                   static_cast<std::int64_t>(std::ceil(c[a] + r)));
  }
  for (std::int64_t k = lo[2]; k <= hi[2]; ++k) {
    for (std::int64_t j = lo[1]; j <= hi[1]; ++j) {
      for (std::int64_t i = lo[0]; i <= hi[0]; ++i) {
        const auto ui = static_cast<std::size_t>(i);
        const auto uj = static_cast<std::size_t>(j);
        const auto uk = static_cast<std::size_t>(k);
        if (vessels(ui, uj, uk) == 0) continue;
        const Vec3 q = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        if ((q - p_lps).norm() <= radius_mm) return true;
      }
    }
  }
  return false;
}

}  // namespace rfa::planning::detail
