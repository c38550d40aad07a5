// The ultrasound key image of a lesion (probe_image.h).
#include "rfa/report/probe_image.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

#include "rfa/core/error.h"
#include "rfa/ultrasound/probe.h"

namespace rfa::report {
namespace {

constexpr Rgb kNoData{28, 36, 64};

// Pixels where `in(x, y)` holds and a 4-neighbour does not (inside the fan only).
void drawOutline(RgbImage& out, const ultrasound::BModeImage& b, const Rgb& colour,
                 const std::function<bool(int, int)>& in) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(b.width) *
                                 static_cast<std::size_t>(b.height));
  for (int y = 0; y < b.height; ++y) {
    for (int x = 0; x < b.width; ++x) {
      const std::size_t o = static_cast<std::size_t>(y) * static_cast<std::size_t>(b.width) +
                            static_cast<std::size_t>(x);
      mask[o] = b.inside[o] != 0 && in(x, y) ? 1 : 0;
    }
  }
  const auto at = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= b.width || y >= b.height) return false;
    return mask[static_cast<std::size_t>(y) * static_cast<std::size_t>(b.width) +
                static_cast<std::size_t>(x)] != 0;
  };
  for (int y = 0; y < b.height; ++y) {
    for (int x = 0; x < b.width; ++x) {
      if (at(x, y) && (!at(x - 1, y) || !at(x + 1, y) || !at(x, y - 1) || !at(x, y + 1))) {
        out.set(x, y, colour);
      }
    }
  }
}

void drawDot(RgbImage& out, double cx, double cy, double r, const Rgb& c) {
  for (int y = static_cast<int>(std::floor(cy - r)); y <= static_cast<int>(std::ceil(cy + r));
       ++y) {
    for (int x = static_cast<int>(std::floor(cx - r)); x <= static_cast<int>(std::ceil(cx + r));
         ++x) {
      if (out.contains(x, y) && std::hypot(x - cx, y - cy) <= r) out.set(x, y, c);
    }
  }
}

// A 2-pixel line from a to b (pixel coordinates), only inside the fan.
void drawLine(RgbImage& out, const ultrasound::BModeImage& b, std::array<double, 2> a,
              std::array<double, 2> e, const Rgb& c) {
  const double len = std::hypot(e[0] - a[0], e[1] - a[1]);
  const int steps = std::max(1, static_cast<int>(std::ceil(len * 2)));
  for (int s = 0; s <= steps; ++s) {
    const double t = static_cast<double>(s) / steps;
    const double x = a[0] + t * (e[0] - a[0]);
    const double y = a[1] + t * (e[1] - a[1]);
    for (int dy = 0; dy <= 1; ++dy) {
      for (int dx = 0; dx <= 1; ++dx) {
        const int px = static_cast<int>(std::floor(x)) + dx;
        const int py = static_cast<int>(std::floor(y)) + dy;
        if (!out.contains(px, py)) continue;
        if (b.inside[static_cast<std::size_t>(py) * static_cast<std::size_t>(b.width) +
                     static_cast<std::size_t>(px)] == 0) {
          continue;
        }
        out.set(px, py, c);
      }
    }
  }
}

int labelAt(const LabelMap& labels, const Vec3& p) {
  const ImageGeometry& g = labels.geometry();
  const Vec3 idx = g.lpsToIndex(p);
  std::array<std::size_t, 3> ijk{};
  for (int a = 0; a < 3; ++a) {
    const double r = std::round(idx(a));
    if (!(r >= 0) || r > static_cast<double>(g.size()[static_cast<std::size_t>(a)]) - 1) return 0;
    ijk[static_cast<std::size_t>(a)] = static_cast<std::size_t>(r);
  }
  return labels(ijk[0], ijk[1], ijk[2]);
}

std::string percent(double f) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f %%", 100.0 * f);
  return buf;
}

const planning::PlanLesion& findLesion(const planning::TreatmentPlan& plan, int lesion_id,
                                       int size_px) {
  if (size_px < 64 || size_px > 2048) {
    throw UsageError("probe image: the size must be 64..2048 pixels");
  }
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.id == lesion_id) return l;
  }
  throw UsageError("probe image: the plan has no lesion " + std::to_string(lesion_id));
}

}  // namespace

ProbeImage renderProbeImage(const ImageVolume& ct, const LabelMap& lesions, const Mask* bone,
                            const Mask* lung, const Mask* vessels,
                            const planning::TreatmentPlan& plan, int lesion_id, int size_px) {
  const planning::PlanLesion& lesion = findLesion(plan, lesion_id, size_px);
  if (!lesion.ultrasound || lesion.ultrasound->access.empty()) {
    throw NoDataError("probe image: lesion " + std::to_string(lesion_id) +
                      " has no recorded probe window (plan it with the ultrasound assessment)");
  }
  const planning::PlanUltrasound& u = *lesion.ultrasound;
  ultrasound::ProbePose pose;
  pose.contact_lps = u.contact_lps;
  pose.axial = u.axial_lps.normalized();
  pose.lateral = (u.lateral_lps - u.lateral_lps.dot(pose.axial) * pose.axial).normalized();
  return renderProbeImage(ct, lesions, bone, lung, vessels, plan, lesion_id,
                          ultrasound::loadProbe(u.probe), pose, size_px);
}

ProbeImage renderProbeImage(const ImageVolume& ct, const LabelMap& lesions, const Mask* bone,
                            const Mask* lung, const Mask* vessels,
                            const planning::TreatmentPlan& plan, int lesion_id,
                            const ultrasound::ProbeModel& probe, const ultrasound::ProbePose& pose,
                            int size_px) {
  const planning::PlanLesion* lesion = &findLesion(plan, lesion_id, size_px);
  ultrasound::AcousticMedium medium;
  medium.ct = &ct;
  medium.bone = bone;
  medium.gas = lung;
  ultrasound::BModeOptions options;
  options.width = size_px;
  options.height = size_px;
  options.fluid = vessels;
  ProbeImage out;
  out.lesion_id = lesion_id;
  const auto t0 = std::chrono::steady_clock::now();
  out.bmode = ultrasound::simulateBMode(medium, probe, pose, options);
  out.frame_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const ultrasound::BModeImage& b = out.bmode;
  out.pixels = RgbImage(b.width, b.height);
  for (int y = 0; y < b.height; ++y) {
    for (int x = 0; x < b.width; ++x) {
      const std::uint8_t g = b.at(x, y);
      const std::size_t o = static_cast<std::size_t>(y) * static_cast<std::size_t>(b.width) +
                            static_cast<std::size_t>(x);
      // Fan pixels beyond the CT's edge: a dim blue, so that they are not read as a shadow.
      out.pixels.set(x, y, b.inside[o] != 0 && b.covered[o] == 0 ? kNoData : Rgb{g, g, g});
    }
  }
  const Vec3 normal = pose.elevation().normalized();
  const double half = 0.5 * probe.slice_thickness_mm;
  // Preview zones cut by the plane.
  const Rgb session = sessionColour(lesion->session);
  for (const planning::PlanPlacement& p : lesion->placements) {
    bool cut = false;
    drawOutline(out.pixels, b, session, [&](int x, int y) {
      const bool in = p.zone.contains(b.lpsOf(x, y));
      cut = cut || in;
      return in;
    });
    if (cut) ++out.zones_cut;
  }
  // The lesion within the beam's slice.
  drawOutline(out.pixels, b, kLesionColour, [&](int x, int y) {
    const Vec3 c = b.lpsOf(x, y);
    return labelAt(lesions, c) == lesion_id || labelAt(lesions, c + half * normal) == lesion_id ||
           labelAt(lesions, c - half * normal) == lesion_id;
  });
  // Needles within half the slice thickness of the plane.
  for (const planning::PlanPlacement& p : lesion->placements) {
    const double d_entry = std::abs((p.entry_lps - b.origin_lps).dot(normal));
    const double d_tip = std::abs((p.tip_lps - b.origin_lps).dot(normal));
    if (d_entry > half + 0.5 || d_tip > half + 0.5) continue;
    const Rgb needle = blend(session, Rgb{255, 255, 255}, 0.35);
    drawLine(out.pixels, b, b.pixelOf(p.entry_lps), b.pixelOf(p.tip_lps), needle);
    const auto tip = b.pixelOf(p.tip_lps);
    drawDot(out.pixels, tip[0], tip[1], 3.0, needle);
    ++out.needles_shown;
  }
  return out;
}

std::string windowSummary(const planning::PlanLesion& lesion) {
  if (!lesion.ultrasound) return {};
  const planning::PlanUltrasound& u = *lesion.ultrasound;
  if (u.access.empty()) return "no probe window";
  char depth[32];
  std::snprintf(depth, sizeof depth, "%.0f mm deep", u.depth_mm);
  return u.access + " window, lesion " + percent(u.lesion_visible) + " / needle " +
         percent(u.needle_visible) + " visible, " + depth;
}

}  // namespace rfa::report
