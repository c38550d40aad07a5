// What the workstation shows of a case (case_scene.h).
#include "rfa/workflow/case_scene.h"

#include <cstdint>
#include <utility>

#include "rfa/dicomexport/plan_rois.h"

namespace rfa::workflow {
namespace {

SceneColour colourOf(const dicomexport::RoiColour& c) {
  return {c[0] / 255.0, c[1] / 255.0, c[2] / 255.0};
}

// The margins, zones (by session) and needles of the plan, exactly as exported.
void addPlanRegions(const planning::TreatmentPlan& plan, const Mask& liver, const LabelMap& lesions,
                    CaseScene& scene) {
  const std::vector<dicomexport::Roi> rois = dicomexport::planRois(plan, liver, lesions, {});
  Mask margins(liver.geometry(), 0);
  LabelMap zones(liver.geometry(), 0);
  bool any_margin = false;
  bool any_zone = false;
  for (const dicomexport::Roi& roi : rois) {
    if (roi.role == dicomexport::RoiRole::kLesionMargin && roi.mask) {
      auto m = margins.data();
      const auto& s = roi.mask->data();
      for (std::size_t i = 0; i < s.size(); ++i) m[i] = static_cast<std::uint8_t>(m[i] | s[i]);
      any_margin = true;
    } else if (roi.role == dicomexport::RoiRole::kAblationZone && roi.mask) {
      auto z = zones.data();
      const auto& s = roi.mask->data();
      const auto value = static_cast<std::uint16_t>(roi.session > 0 ? roi.session : 4);
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != 0 && (z[i] == 0 || value < z[i])) z[i] = value;
      }
      any_zone = true;
    } else if (roi.role == dicomexport::RoiRole::kNeedle && roi.line_lps.size() >= 2) {
      scene.needles.push_back({roi.name, roi.line_lps.front(), roi.line_lps.back(),
                               colourOf(dicomexport::sessionColour(roi.session))});
    }
  }
  if (any_margin) {
    SceneRegion r;
    r.name = "margins";
    r.mask = std::make_shared<const Mask>(std::move(margins));
    r.colour = colourOf(dicomexport::kMarginColour);
    r.opacity = 0.25;
    r.surface = false;
    scene.regions.push_back(std::move(r));
  }
  if (any_zone) {
    SceneRegion r;
    r.name = "zones";
    r.labels = std::make_shared<const LabelMap>(std::move(zones));
    for (int s = 1; s <= 4; ++s) r.label_colours[s] = colourOf(dicomexport::sessionColour(s));
    r.opacity = 0.3;
    r.surface_opacity = 0.5;
    scene.regions.push_back(std::move(r));
  }
}

}  // namespace

SceneColour lesionColour() {
  return colourOf(dicomexport::kLesionColour);
}

CaseScene caseScene(const CaseState& state) {
  CaseScene scene;
  const io::SegmentationFolder& seg = state.segmentation;
  if (seg.liver) {
    SceneRegion r;
    r.name = "liver";
    r.mask = std::make_shared<const Mask>(*seg.liver);
    r.colour = colourOf(dicomexport::kLiverColour);
    r.opacity = 0.25;
    r.surface_opacity = 0.25;
    scene.regions.push_back(std::move(r));
  }
  if (seg.vessel_radius_mm) {
    Mask vessels(seg.vessel_radius_mm->geometry(), 0);
    const auto& radius = seg.vessel_radius_mm->data();
    auto v = vessels.data();
    for (std::size_t i = 0; i < radius.size(); ++i) v[i] = radius[i] > 0 ? 1 : 0;
    SceneRegion r;
    r.name = "vessels";
    r.mask = std::make_shared<const Mask>(std::move(vessels));
    r.colour = {0.85, 0.2, 0.25};
    r.opacity = 0.45;
    scene.regions.push_back(std::move(r));
  }
  if (seg.lesions) {
    SceneRegion r;
    r.name = "lesions";
    r.labels = std::make_shared<const LabelMap>(*seg.lesions);
    r.colour = lesionColour();
    r.opacity = 0.6;
    scene.regions.push_back(std::move(r));
  }
  if (state.plan && !state.plan->lesions.empty() && seg.liver && seg.lesions) {
    addPlanRegions(*state.plan, *seg.liver, *seg.lesions, scene);
  }
  return scene;
}

}  // namespace rfa::workflow
