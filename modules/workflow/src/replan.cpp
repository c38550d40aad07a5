#include "rfa/workflow/replan.h"

#include <utility>

#include "rfa/core/error.h"
#include "rfa/ultrasound/probe.h"

namespace rfa::workflow {

PlanRequest nextSessionRequest(bool confirm, bool ultrasound) {
  PlanRequest r;
  r.confirm = confirm;
  if (ultrasound) r.ultrasound_probe = ultrasound::kDefaultProbe;
  return r;
}

CaseState replanNextSession(const planning::TreatmentPlan& previous,
                            const std::string& previous_name,
                            const followup::TimepointResult& timepoint,
                            const followup::NextSession& next, io::LoadedImage followup,
                            const std::string& followup_input, PlanRequest request,
                            const std::string& version, const Progress& progress) {
  const ImageGeometry& g = followup.image.geometry();
  if (!g.sameGrid(timepoint.followup_lesions.geometry()) ||
      !g.sameGrid(timepoint.followup_liver.geometry())) {
    throw NoDataError(
        "re-planning: the time point's follow-up lesions and liver are not on the "
        "grid of " +
        followup_input);
  }
  LabelMap lesions(g, 0);
  std::size_t painted = 0;
  {
    auto out = lesions.data();
    const auto in = timepoint.followup_lesions.data();
    for (const followup::NextTarget& t : next.targets) {
      if (t.followup_id == 0) continue;
      for (std::size_t q = 0; q < out.size(); ++q) {
        if (in[q] == t.followup_id) {
          out[q] = static_cast<std::uint16_t>(t.id);
          ++painted;
        }
      }
    }
  }
  if (painted == 0) {
    throw NoDataError("re-planning: no lesion is left to treat at " + followup_input +
                      " (every plan lesion ablated or vanished, no new lesion)");
  }
  CaseState s;
  s.input = followup_input;
  s.image_input = followup_input;
  s.image = std::move(followup);
  s.profile_name = previous.settings.profile.empty() ? s.profile_name : previous.settings.profile;
  s.segmentation.liver = timepoint.followup_liver;
  s.segmentation.lesions = std::move(lesions);
  s.segmentation_record = "edited";
  ensureAnatomy(s, false, progress);
  s.segmentation_record = "edited";
  request.base.batching.prior_sessions = next.sessions_done;
  request.base.batching.prior_ablated_volume_ml = next.ablated_volume_ml;
  request.base.prior_plan = previous_name;
  planCase(s, request, version, progress);
  s.plan->notes.push_back("re-planned on the follow-up " + followup_input + " after " +
                          std::to_string(next.sessions_done) + " session(s) of " + previous_name +
                          ": lesion ids kept from that plan, new lesions numbered after them");
  return s;
}

}  // namespace rfa::workflow
