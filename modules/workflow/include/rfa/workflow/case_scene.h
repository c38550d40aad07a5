#pragma once
/// \file case_scene.h
/// \brief What the workstation shows of an open case: its regions (liver, vessels, lesions, the
/// plan's margins and ablation zones by session) with their colours and opacities, and the plan's
/// needles. The margins, zones and needles are those the exports write (dicomexport::planRois), in
/// the exports' colours, so that the screen, the RT Structure Set and the report agree. No Qt, no
/// VTK: the GUI turns these into its render layers. Research use only.
///
/// Frames and units: masks and label maps on the image's grid; needle points DICOM patient LPS in
/// millimetres; colours sRGB in [0, 1].

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// sRGB colour, each channel in [0, 1].
using SceneColour = std::array<double, 3>;

/// \brief One region of the scene: a mask or a label map (exactly one is set).
struct SceneRegion {
  std::string name;  ///< "liver", "vessels", "lesions", "margins", "zones"
  std::shared_ptr<const Mask> mask;
  std::shared_ptr<const LabelMap> labels;
  SceneColour colour{1, 0, 0};               ///< mask colour / default label colour
  std::map<int, SceneColour> label_colours;  ///< per label value ("zones": by session)
  double opacity = 0.4;                      ///< in the slice views
  bool surface = true;                       ///< shown as a surface in 3D
  double surface_opacity = 1;                ///< of that surface
};

/// \brief A needle of the plan: skin entry to tip, LPS mm, in its session's colour.
struct SceneNeedle {
  std::string name;  ///< as the RT Structure Set names it
  Vec3 entry_lps{0, 0, 0};
  Vec3 tip_lps{0, 0, 0};
  SceneColour colour{1, 1, 1};
};

/// \brief The regions and needles of a case.
struct CaseScene {
  std::vector<SceneRegion> regions;
  std::vector<SceneNeedle> needles;
};

/// The lesions' colour (the exports' GTV colour), for a region drawn by hand.
SceneColour lesionColour();

/// \brief The scene of `state`: the liver (25 % opacity), vessels (radius > 0), lesion labels,
/// and with a plan that has lesions the union of the margin shells, the ablation zones labelled by
/// session (1-3; 4 for an unscheduled lesion's zones; the earlier session wins where they overlap)
/// and the needles, each in the exports' colours. Pure (copies the masks it shows); any thread.
/// \throws what dicomexport::planRois() throws.
CaseScene caseScene(const CaseState& state);

}  // namespace rfa::workflow
