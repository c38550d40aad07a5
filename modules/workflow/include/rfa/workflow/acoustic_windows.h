#pragma once
/// \file acoustic_windows.h
/// \brief Whether each planned needle can be guided under ultrasound: for every lesion of a plan
/// with a placement, the best probe window of its first needle (ultrasound::bestNeedleWindow():
/// the probe in the needle's plane, rotated about the shaft and slid across it on the skin) on the
/// CT, with the bone and lung masks of the segmentation as obstacles and the vessels as fluid,
/// and the flags an operator would want before the procedure; and the score with which the
/// planner prefers needles that lie in a visible probe plane. Research use only.
///
/// Frames and units: DICOM patient LPS, mm.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rfa/io/segmentation_folder.h"
#include "rfa/planning/plan.h"
#include "rfa/report/probe_image.h"
#include "rfa/ultrasound/probe.h"
#include "rfa/ultrasound/window_search.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// Flags of a lesion's window (PlanUltrasound::flags).
inline constexpr const char* kNoWindowFlag = "no acoustic window";
inline constexpr const char* kNeedleNotVisibleFlag = "needle not visible";
inline constexpr const char* kDeepFlag = "deep (> 12 cm)";
inline constexpr const char* kAscitesFlag = "dome/subcapsular: consider artificial ascites";

/// \brief The window of one lesion's first needle.
struct LesionWindow {
  int lesion_id = 0;
  std::optional<ultrasound::ProbeWindow> window;  ///< none: no probe pose touches the skin
  /// kNoWindowFlag (less than half the lesion visible from the best pose), kNeedleNotVisibleFlag
  /// (less than half of its path), kDeepFlag (the lesion's visible part deeper than 12 cm),
  /// kAscitesFlag (within 10 mm of the liver capsule and at the dome - the cranial quarter of the
  /// liver - or without a window: artificial ascites, Eur Radiol 2009, doi
  /// 10.1007/s00330-009-1463-x).
  std::vector<std::string> flags;
};

/// \brief The acoustic medium of a case: the CT, the bone and lung masks (obstacles).
ultrasound::AcousticMedium acousticMedium(const ImageVolume& ct, const io::SegmentationFolder& seg);

/// \brief The windows of `plan`'s lesions with placements, in plan order, on `ct` (HU) with the
/// segmentation `seg` on its grid. \throws NoDataError when `seg` has no lesion map; what
/// bestNeedleWindow() throws.
std::vector<LesionWindow> acousticWindows(const planning::TreatmentPlan& plan,
                                          const ImageVolume& ct, const io::SegmentationFolder& seg,
                                          const ultrasound::ProbeModel& probe);

/// \brief The same for the case's plan. \throws NoDataError when the case has no plan.
std::vector<LesionWindow> acousticWindows(const CaseState& state,
                                          const ultrasound::ProbeModel& probe);

/// \brief Stores each window in its lesion's PlanUltrasound (created when absent; the planner's
/// path counts kept) with the probe's name; a lesion without placements keeps no window.
void recordAcousticWindows(planning::TreatmentPlan& plan, const std::vector<LesionWindow>& windows,
                           const std::string& probe_name);

/// \brief planning::PlanBuildOptions::needle_visibility for this case: min(lesion visible, needle
/// visible) of the best window of a needle entry -> target (0 when no pose touches the skin).
/// Keeps pointers to `ct` and `seg`: they must outlive the planning. Thread-safe.
std::function<double(int, const Vec3&, const Vec3&)> needleVisibility(
    const ImageVolume& ct, const io::SegmentationFolder& seg, const ultrasound::ProbeModel& probe);

/// \brief What the workstation's ultrasound view shows of one needle: the best probe window in
/// the needle's plane at `rotation_deg` about the shaft (all rotations of bestNeedleWindow() when
/// none) and the simulated image of it with `plan`'s lesion, zones and needles drawn.
struct NeedleProbeView {
  ultrasound::ProbeWindow window;
  report::ProbeImage image;
};

/// \brief The view of placement `placement` of lesion `lesion_id` of `plan` (the plan may be a copy
/// with a needle being dragged) on `ct` with the segmentation `seg` and the optional fluid mask
/// (`vessels`, on the CT's grid), at `size_px` square. Nullopt when no probe pose touches the skin.
/// \throws UsageError when the plan has no such lesion or placement; NoDataError without a lesion
/// map; what bestNeedleWindow() and report::renderProbeImage() throw.
std::optional<NeedleProbeView> needleProbeView(const planning::TreatmentPlan& plan, int lesion_id,
                                               std::size_t placement, const ImageVolume& ct,
                                               const io::SegmentationFolder& seg,
                                               const Mask* vessels,
                                               const ultrasound::ProbeModel& probe,
                                               std::optional<double> rotation_deg, int size_px);

}  // namespace rfa::workflow
