// The best acoustic window for a planned needle (window_search.h).
#include "rfa/ultrasound/window_search.h"

#include <cmath>
#include <numbers>

#include "medium_sample.h"
#include "rfa/core/slice_plane.h"

namespace rfa::ultrasound {
namespace {

bool tissueAt(const AcousticMedium& m, const Vec3& p) {
  const std::optional<detail::Sample> s = detail::sampleAt(m, p);
  return s && !s->isGas(m);
}

bool boneAt(const AcousticMedium& m, const Vec3& p) {
  const std::optional<detail::Sample> s = detail::sampleAt(m, p);
  return s && s->isBone(m);
}

// The skin along -outward from `p + 60 outward`: the first tissue sample (0.5 mm steps), moved
// 0.5 mm back out. nullopt when none within 120 mm.
std::optional<Vec3> skinAlong(const AcousticMedium& m, const Vec3& p, const Vec3& outward) {
  const Vec3 start = p + 60.0 * outward;
  for (int n = 0; n <= 240; ++n) {
    const Vec3 q = start - 0.5 * static_cast<double>(n) * outward;
    if (tissueAt(m, q)) return q + 0.5 * outward;
  }
  return std::nullopt;
}

std::string accessOf(const AcousticMedium& m, const ProbeModel& probe, const ProbePose& pose,
                     double midline_x) {
  const double half =
      probe.kind == ProbeKind::kLinear
          ? 0.5 * probe.width_mm
          : probe.radius_mm * std::sin(0.5 * probe.aperture_deg * std::numbers::pi / 180.0);
  for (double s = -half; s <= half; s += 1.0) {
    for (double d = 0; d <= 25.0; d += 1.0) {
      if (boneAt(m, pose.contact_lps + s * pose.lateral + d * pose.axial)) return "intercostal";
    }
  }
  const bool anterior = pose.axial.y() > 0.5;
  if (anterior && std::abs(pose.contact_lps.x() - midline_x) <= 40.0) return "epigastric";
  return "subcostal";
}

}  // namespace

std::optional<ProbeWindow> bestNeedleWindow(const AcousticMedium& medium, const ProbeModel& probe,
                                            const LabelMap& lesions, int label,
                                            const Vec3& entry_lps, const Vec3& tip_lps,
                                            const WindowSearchOptions& options) {
  const double midline = std::isnan(options.midline_x_mm) ? medium.ct->geometry().centerLps().x()
                                                          : options.midline_x_mm;
  const std::vector<Vec3> lesion = lesionPoints(lesions, label);
  std::optional<ProbeWindow> best;
  for (const double rotation : options.rotations_deg) {
    const SlicePlane plane = needlePlane(entry_lps, tip_lps, rotation);
    for (const double offset : options.offsets_mm) {
      const std::optional<Vec3> contact =
          skinAlong(medium, entry_lps + offset * plane.right(), plane.up());
      if (!contact) continue;
      const Vec3 to_tip = tip_lps - *contact;
      if (to_tip.norm() < 1.0) continue;
      ProbePose pose;
      pose.contact_lps = *contact;
      pose.axial = to_tip.normalized();
      pose.lateral = plane.normal().cross(pose.axial).normalized();
      const Fan fan(medium, probe, pose);
      ProbeWindow w;
      w.pose = pose;
      w.rotation_deg = rotation;
      w.offset_mm = offset;
      w.view = viewOf(fan, lesion, std::array<Vec3, 2>{entry_lps, tip_lps});
      w.score =
          w.view.lesion_visible + 0.5 * w.view.needle_visible - 0.001 * w.view.lesion_depth_mm;
      if (!best || w.score > best->score) {
        w.access = accessOf(medium, probe, pose, midline);
        best = std::move(w);
      }
    }
  }
  return best;
}

}  // namespace rfa::ultrasound
