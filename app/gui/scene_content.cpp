// The render layers of a case (case_controller.h sceneContentOf()).
#include <utility>

#include "case_controller.h"
#include "gui_convert.h"
#include "rfa/workflow/case_scene.h"

namespace rfa::gui {

void sceneContentOf(const workflow::CaseState& state, std::vector<render::LabelLayer>& layers,
                    std::vector<render::NeedleLine>& needles) {
  sceneContentOf(workflow::caseScene(state), layers, needles);
}

void sceneContentOf(const workflow::CaseScene& scene, std::vector<render::LabelLayer>& layers,
                    std::vector<render::NeedleLine>& needles) {
  for (const workflow::SceneRegion& r : scene.regions) {
    render::LabelLayer l;
    l.name = r.name;
    l.mask = r.mask;
    l.labels = r.labels;
    l.colour = rgbOf(r.colour);
    for (const auto& [label, colour] : r.label_colours) l.label_colours[label] = rgbOf(colour);
    l.opacity = r.opacity;
    l.surface = r.surface;
    l.surface_opacity = r.surface_opacity;
    layers.push_back(std::move(l));
  }
  for (const workflow::SceneNeedle& n : scene.needles) {
    render::NeedleLine line;
    line.name = n.name;
    line.entry_lps = n.entry_lps;
    line.tip_lps = n.tip_lps;
    line.colour = rgbOf(n.colour);
    needles.push_back(std::move(line));
  }
  // The 3D surfaces are extracted here (worker thread), not when the 3D view first draws them.
  for (render::LabelLayer& l : layers) {
    if (l.surface) l.prepared_surface = render::prepareLayerSurface(l);
  }
}

}  // namespace rfa::gui
