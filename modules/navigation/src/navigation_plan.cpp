// A saved plan as a navigation system needs it (navigation_plan.h).
#include "rfa/navigation/navigation_plan.h"

#include <algorithm>
#include <cctype>

#include "rfa/core/error.h"
#include "rfa/core/points.h"
#include "rfa/dicomexport/plan_rois.h"
#include "rfa/planning/plan_case.h"

namespace rfa::navigation {

const char* frameName(Frame frame) {
  return frame == Frame::kRas ? "RAS" : "LPS";
}

Frame parseFrame(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "lps") return Frame::kLps;
  if (t == "ras") return Frame::kRas;
  throw UsageError("frame '" + std::string(text) + "' is not lps or ras");
}

Vec3 toFrame(const Vec3& lps, Frame frame) {
  return frame == Frame::kRas ? lpsToRas(lps) : lps;
}

NavigationPlan navigationPlanOf(const planning::TreatmentPlan& plan,
                                const std::vector<dicomexport::Roi>& rois) {
  NavigationPlan out;
  out.revision = plan.revision;
  out.series_instance_uid = plan.source.series_instance_uid;
  out.frame_of_reference_uid = plan.source.frame_of_reference_uid;
  auto lesionOf = [&plan](int id) -> const planning::PlanLesion& {
    for (const planning::PlanLesion& l : plan.lesions) {
      if (l.id == id) return l;
    }
    throw NoDataError("lesion " + std::to_string(id) + " of the structures is not in the plan");
  };
  for (const dicomexport::Roi& r : rois) {
    if (r.role == dicomexport::RoiRole::kNeedle) {
      if (r.line_lps.size() != 2) {
        throw NoDataError("needle '" + r.name + "' has " + std::to_string(r.line_lps.size()) +
                          " points (a skin entry and a tip expected)");
      }
      const planning::PlanLesion& l = lesionOf(r.lesion_id);
      NavigationNeedle n;
      n.name = r.name;
      n.lesion_id = r.lesion_id;
      n.session = r.session;
      n.placement = r.placement;
      if (r.placement >= 1 && static_cast<std::size_t>(r.placement) <= l.placements.size()) {
        const planning::PlanPlacement& p = l.placements[static_cast<std::size_t>(r.placement) - 1];
        n.electrode = p.electrode;
        n.protocol = p.protocol;
      }
      n.entry_lps = r.line_lps[0];
      n.tip_lps = r.line_lps[1];
      n.colour = r.colour;
      out.needles.push_back(std::move(n));
      continue;
    }
    if (r.role == dicomexport::RoiRole::kLesion) {
      const planning::PlanLesion& l = lesionOf(r.lesion_id);
      NavigationTarget t;
      t.name = "Target L" + std::to_string(l.id) + " " +
               (l.session > 0 ? "S" + std::to_string(l.session) : std::string("S-"));
      t.lesion_id = l.id;
      t.session = l.session;
      t.centre_lps = l.centroid_lps;
      t.diameter_mm = l.diameter_mm;
      t.colour = dicomexport::kLesionColour;
      out.targets.push_back(std::move(t));
    }
    if (r.mask) {
      NavigationStructure s;
      s.name = r.name;
      s.role = r.role;
      s.colour = r.colour;
      for (const auto v : r.mask->data()) s.voxels += v != 0 ? 1 : 0;
      s.mesh = maskSurface(*r.mask);
      out.structures.push_back(std::move(s));
    }
  }
  return out;
}

NavigationPlan loadNavigationPlan(const std::filesystem::path& plan_file,
                                  const NavigationOptions& options) {
  planning::PlanCaseOptions po;
  po.series = options.series;
  po.segmentation = options.segmentation;
  const planning::PlanCase c = planning::loadPlanCase(plan_file, po);
  if (options.on_loader_note) {
    for (const std::string& n : c.notes) options.on_loader_note(n);
  }
  dicomexport::PlanRoiOptions ro;
  ro.session = options.session;
  const std::vector<dicomexport::Roi> rois =
      dicomexport::planRois(c.plan, *c.segmentation.liver, *c.segmentation.lesions, ro);
  NavigationPlan out = navigationPlanOf(c.plan, rois);
  out.plan_file = plan_file;
  out.notes = c.notes;
  return out;
}

}  // namespace rfa::navigation
