#include "rfa/workflow/needle_edit.h"

#include "rfa/core/error.h"
#include "rfa/planning/profile.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/preview.h"
#include "rfa/workflow/acoustic_windows.h"

namespace rfa::workflow {

namespace {

/// The installed electrodes and preview calibrations, read once per process (thread-safe).
const planning::PlanEquipment& equipment() {
  static const thermal::ElectrodeCatalog catalog =
      thermal::loadElectrodeCatalog(thermal::defaultElectrodeDir());
  static const std::vector<thermal::PreviewCalibration> calibrations =
      thermal::readPreviewCalibrations(thermal::defaultPreviewCalibrationFile());
  static const planning::PlanEquipment e{&catalog, &calibrations};
  return e;
}

const planning::TreatmentPlan& planOf(const CaseState& state) {
  if (!state.plan) throw NoDataError("there is no plan: plan the case before moving a needle");
  return *state.plan;
}

}  // namespace

planning::PlacementEditResult previewNeedleEdit(const CaseState& state,
                                                const planning::PlacementEdit& edit) {
  const planning::TreatmentPlan& plan = planOf(state);
  const planning::ProtocolProfile profile = planning::resolveProfile(state.profile_name);
  return planning::previewPlacementEdit(plan, anatomyOf(state.segmentation), profile, equipment(),
                                        edit);
}

std::vector<planning::PlanProblem> applyNeedleEdit(CaseState& state,
                                                   const planning::PlacementEdit& edit) {
  (void)planOf(state);
  const planning::ProtocolProfile profile = planning::resolveProfile(state.profile_name);
  std::vector<planning::PlanProblem> problems = planning::applyPlacementEdit(
      *state.plan, anatomyOf(state.segmentation), profile, equipment(), edit);
  // The lesion's acoustic window follows its first needle: assessed again with the same probe.
  for (planning::PlanLesion& l : state.plan->lesions) {
    if (l.id != edit.lesion_id || !l.ultrasound || l.ultrasound->probe.empty() ||
        edit.placement != 0) {
      continue;
    }
    const ultrasound::ProbeModel probe = ultrasound::loadProbe(l.ultrasound->probe);
    planning::TreatmentPlan one;
    one.lesions.push_back(l);
    recordAcousticWindows(*state.plan,
                          acousticWindows(one, state.image.image, state.segmentation, probe),
                          probe.name);
  }
  return problems;
}

}  // namespace rfa::workflow
