// Acoustic windows of a plan's needles (acoustic_windows.h).
#include "rfa/workflow/acoustic_windows.h"

#include "rfa/core/error.h"

namespace rfa::workflow {

std::vector<LesionWindow> acousticWindows(const CaseState& state,
                                          const ultrasound::ProbeModel& probe) {
  if (!state.plan) throw NoDataError("acoustic windows: the case has no plan");
  if (!state.segmentation.lesions) {
    throw NoDataError("acoustic windows: the case has no lesion map");
  }
  ultrasound::AcousticMedium medium;
  medium.ct = &state.image.image;
  medium.bone = state.segmentation.bone ? &*state.segmentation.bone : nullptr;
  medium.gas = state.segmentation.lung ? &*state.segmentation.lung : nullptr;
  std::vector<LesionWindow> out;
  for (const planning::PlanLesion& l : state.plan->lesions) {
    if (l.placements.empty()) continue;
    LesionWindow w;
    w.lesion_id = l.id;
    const planning::PlanPlacement& p = l.placements.front();
    w.window = ultrasound::bestNeedleWindow(medium, probe, *state.segmentation.lesions, l.id,
                                            p.entry_lps, p.tip_lps);
    if (!w.window || w.window->view.lesion_visible < 0.5)
      w.flags.emplace_back("no acoustic window");
    if (!w.window || w.window->view.needle_visible < 0.5)
      w.flags.emplace_back("needle not visible");
    if (w.window && w.window->view.lesion_depth_mm > 120) w.flags.emplace_back("deep (> 12 cm)");
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace rfa::workflow
