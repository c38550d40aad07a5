// Acoustic windows of a plan's needles (acoustic_windows.h).
#include "rfa/workflow/acoustic_windows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rfa/core/error.h"
#include "rfa/segmentation/distance.h"

namespace rfa::workflow {
namespace {

constexpr double kSubcapsularMm = 10;
constexpr double kDeepMm = 120;

// Whether lesion `id` lies within kSubcapsularMm of the liver capsule, and whether it lies in the
// cranial quarter of the liver (the dome). `capsule_d2` is the squared distance (mm2) of each
// voxel to the nearest voxel outside the liver.
struct Position {
  bool subcapsular = false;
  bool dome = false;
};

Position positionOf(const LabelMap& lesions, int id, const Mask& liver,
                    const Volume<float>& capsule_d2) {
  const ImageGeometry& g = liver.geometry();
  double top = -std::numeric_limits<double>::infinity();
  double bottom = std::numeric_limits<double>::infinity();
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (liver(i, j, k) == 0) continue;
        const double z = g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j),
                                           static_cast<double>(k)))
                             .z();
        top = std::max(top, z);
        bottom = std::min(bottom, z);
      }
    }
  }
  Position p;
  double min_d2 = std::numeric_limits<double>::infinity();
  double lesion_top = -std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (lesions(i, j, k) != id) continue;
        min_d2 = std::min(min_d2, static_cast<double>(capsule_d2(i, j, k)));
        lesion_top =
            std::max(lesion_top, g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j),
                                                   static_cast<double>(k)))
                                     .z());
      }
    }
  }
  p.subcapsular = std::sqrt(min_d2) <= kSubcapsularMm;
  p.dome = std::isfinite(top) && lesion_top >= top - 0.25 * (top - bottom);
  return p;
}

}  // namespace

ultrasound::AcousticMedium acousticMedium(const ImageVolume& ct,
                                          const io::SegmentationFolder& seg) {
  ultrasound::AcousticMedium medium;
  medium.ct = &ct;
  medium.bone = seg.bone ? &*seg.bone : nullptr;
  medium.gas = seg.lung ? &*seg.lung : nullptr;
  return medium;
}

std::vector<LesionWindow> acousticWindows(const planning::TreatmentPlan& plan,
                                          const ImageVolume& ct, const io::SegmentationFolder& seg,
                                          const ultrasound::ProbeModel& probe) {
  if (!seg.lesions) throw NoDataError("acoustic windows: the case has no lesion map");
  const ultrasound::AcousticMedium medium = acousticMedium(ct, seg);
  std::optional<Volume<float>> capsule_d2;
  if (seg.liver) {
    Mask outside(seg.liver->geometry(), 0);
    for (std::size_t i = 0; i < outside.voxelCount(); ++i) {
      outside.data()[i] = seg.liver->data()[i] == 0 ? 1 : 0;
    }
    capsule_d2 = segmentation::squaredDistanceMm2(outside);
  }
  std::vector<LesionWindow> out;
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.placements.empty()) continue;
    LesionWindow w;
    w.lesion_id = l.id;
    const planning::PlanPlacement& p = l.placements.front();
    w.window =
        ultrasound::bestNeedleWindow(medium, probe, *seg.lesions, l.id, p.entry_lps, p.tip_lps);
    const bool no_window = !w.window || w.window->view.lesion_visible < 0.5;
    if (no_window) w.flags.emplace_back(kNoWindowFlag);
    if (!w.window || w.window->view.needle_visible < 0.5)
      w.flags.emplace_back(kNeedleNotVisibleFlag);
    if (w.window && w.window->view.lesion_depth_mm > kDeepMm) w.flags.emplace_back(kDeepFlag);
    if (capsule_d2) {
      const Position pos = positionOf(*seg.lesions, l.id, *seg.liver, *capsule_d2);
      if (pos.subcapsular && (pos.dome || no_window)) w.flags.emplace_back(kAscitesFlag);
    }
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<LesionWindow> acousticWindows(const CaseState& state,
                                          const ultrasound::ProbeModel& probe) {
  if (!state.plan) throw NoDataError("acoustic windows: the case has no plan");
  return acousticWindows(*state.plan, state.image.image, state.segmentation, probe);
}

void recordAcousticWindows(planning::TreatmentPlan& plan, const std::vector<LesionWindow>& windows,
                           const std::string& probe_name) {
  for (const LesionWindow& w : windows) {
    for (planning::PlanLesion& l : plan.lesions) {
      if (l.id != w.lesion_id || l.placements.empty()) continue;
      planning::PlanUltrasound u = l.ultrasound.value_or(planning::PlanUltrasound{});
      u.probe = probe_name;
      u.flags = w.flags;
      if (w.window) {
        const ultrasound::ProbeWindow& pw = *w.window;
        u.access = pw.access;
        u.rotation_deg = pw.rotation_deg;
        u.offset_mm = pw.offset_mm;
        u.contact_lps = pw.pose.contact_lps;
        u.axial_lps = pw.pose.axial;
        u.lateral_lps = pw.pose.lateral;
        u.lesion_visible = pw.view.lesion_visible;
        u.needle_visible = pw.view.needle_visible;
        u.depth_mm = pw.view.lesion_depth_mm;
      } else {
        u.access.clear();
        u.lesion_visible = 0;
        u.needle_visible = 0;
        u.depth_mm = 0;
      }
      l.ultrasound = u;
    }
  }
}

std::function<double(int, const Vec3&, const Vec3&)> needleVisibility(
    const ImageVolume& ct, const io::SegmentationFolder& seg, const ultrasound::ProbeModel& probe) {
  if (!seg.lesions) throw NoDataError("needle visibility: the case has no lesion map");
  const ultrasound::AcousticMedium medium = acousticMedium(ct, seg);
  const LabelMap* lesions = &*seg.lesions;
  return [medium, lesions, probe](int id, const Vec3& entry, const Vec3& target) {
    if ((target - entry).norm() < 1e-6) return 0.0;
    const std::optional<ultrasound::ProbeWindow> w =
        ultrasound::bestNeedleWindow(medium, probe, *lesions, id, entry, target);
    if (!w) return 0.0;
    return std::min(w->view.lesion_visible, w->view.needle_visible);
  };
}

std::optional<NeedleProbeView> needleProbeView(const planning::TreatmentPlan& plan, int lesion_id,
                                               std::size_t placement, const ImageVolume& ct,
                                               const io::SegmentationFolder& seg,
                                               const Mask* vessels,
                                               const ultrasound::ProbeModel& probe,
                                               std::optional<double> rotation_deg, int size_px) {
  if (!seg.lesions) throw NoDataError("ultrasound view: the case has no lesion map");
  const planning::PlanLesion* lesion = nullptr;
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.id == lesion_id) lesion = &l;
  }
  if (lesion == nullptr || placement >= lesion->placements.size()) {
    throw UsageError("ultrasound view: the plan has no needle " + std::to_string(placement + 1) +
                     " of lesion " + std::to_string(lesion_id));
  }
  const planning::PlanPlacement& p = lesion->placements[placement];
  ultrasound::WindowSearchOptions search;
  if (rotation_deg) search.rotations_deg = {*rotation_deg};
  const std::optional<ultrasound::ProbeWindow> w = ultrasound::bestNeedleWindow(
      acousticMedium(ct, seg), probe, *seg.lesions, lesion_id, p.entry_lps, p.tip_lps, search);
  if (!w) return std::nullopt;
  NeedleProbeView v;
  v.window = *w;
  v.image = report::renderProbeImage(ct, *seg.lesions, seg.bone ? &*seg.bone : nullptr,
                                     seg.lung ? &*seg.lung : nullptr, vessels, plan, lesion_id,
                                     probe, w->pose, size_px);
  return v;
}

}  // namespace rfa::workflow
