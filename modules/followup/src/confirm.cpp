#include "rfa/followup/confirm.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include "rfa/core/error.h"
#include "rfa/core/grid_bounds.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/liver.h"

namespace rfa::followup {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

ImageGeometry planningGrid(const planning::PlanSource& s) {
  return ImageGeometry(s.size, s.spacing_mm, s.origin_lps_mm, s.direction);
}

}  // namespace

IdentityCheck checkIdentity(const planning::PlanSource& planning, const io::LoadedImage& followup) {
  IdentityCheck c;
  c.planning_patient_id = planning.patient_id;
  if (followup.series) c.followup_patient_id = followup.series->study.patient_id;
  c.same_patient_id =
      !c.planning_patient_id.empty() && c.planning_patient_id == c.followup_patient_id;
  const std::string for_uid = followup.series ? followup.series->frame_of_reference_uid : "";
  const bool for_generated = followup.series ? followup.series->frame_of_reference_generated : true;
  c.same_frame_of_reference = !planning.frame_of_reference_uid.empty() &&
                              !planning.frame_of_reference_generated && !for_generated &&
                              planning.frame_of_reference_uid == for_uid;
  const auto a = voxelCentreBoundsLps(planningGrid(planning));
  const auto b = voxelCentreBoundsLps(followup.image.geometry());
  c.grids_overlap = (a[0].array() <= b[1].array()).all() && (b[0].array() <= a[1].array()).all();
  c.summary =
      "PatientID " +
      (c.planning_patient_id.empty() ? std::string("(none)") : "'" + c.planning_patient_id + "'") +
      " in the plan, " +
      (c.followup_patient_id.empty() ? std::string("(none)") : "'" + c.followup_patient_id + "'") +
      " in the follow-up; frame of reference " +
      (c.same_frame_of_reference ? "the same" : "different or absent") + "; grids " +
      (c.grids_overlap ? "overlap" : "do not overlap");
  return c;
}

void requireSamePatient(const IdentityCheck& c, bool force) {
  const bool ids_differ = !c.planning_patient_id.empty() && !c.followup_patient_id.empty() &&
                          c.planning_patient_id != c.followup_patient_id;
  const bool untied = !c.same_patient_id && !c.same_frame_of_reference && !c.grids_overlap;
  if ((ids_differ || untied) && !force) {
    throw SelectionError("the follow-up does not look like the plan's patient (" + c.summary +
                         "): refused; give --force to register it anyway");
  }
}

ConfirmResult confirmSession(const planning::TreatmentPlan& plan, const ImageVolume& planning_ct,
                             const Mask& planning_liver, const LabelMap& planning_lesions,
                             const io::LoadedImage& followup, const ConfirmOptions& options,
                             const Mask* followup_liver) {
  const ImageGeometry& g = planning_ct.geometry();
  if (!g.sameGrid(planning_liver.geometry()) || !g.sameGrid(planning_lesions.geometry())) {
    throw GeometryError("confirm: the planning CT, liver and lesion maps must share one grid");
  }
  const auto session_it =
      std::find_if(plan.sessions.begin(), plan.sessions.end(),
                   [&](const planning::PlanSession& s) { return s.index == options.session; });
  if (session_it == plan.sessions.end()) {
    std::string have;
    for (const auto& s : plan.sessions)
      have += (have.empty() ? "" : ", ") + std::to_string(s.index);
    throw UsageError("confirm: the plan has no session " + std::to_string(options.session) +
                     " (sessions: " + (have.empty() ? std::string("none") : have) + ")");
  }

  ConfirmResult result;
  result.identity = checkIdentity(plan.source, followup);
  requireSamePatient(result.identity, options.force);
  if (!result.identity.same_patient_id) {
    result.warnings.push_back("patient identity not confirmed by PatientID: " +
                              result.identity.summary);
  }
  result.threshold_mm = options.threshold_mm.value_or(plan.settings.minimum_margin_mm);

  // The session's treated lesions and their expected zones.
  std::vector<const planning::PlanLesion*> treated;
  Mask expected_all(g, 0);
  std::vector<Mask> expected;
  for (const planning::PlanLesion& l : plan.lesions) {
    const bool in_scope = options.include_earlier_sessions
                              ? (l.session >= 1 && l.session <= options.session)
                              : l.session == options.session;
    if (!in_scope || l.placements.empty()) continue;
    Mask e(g, 0);
    for (const planning::PlanPlacement& p : l.placements) {
      const Mask z = p.zone.rasterize(g);
      auto ev = e.data();
      const auto zv = z.data();
      for (std::size_t n = 0; n < ev.size(); ++n) ev[n] = (ev[n] != 0 || zv[n] != 0) ? 1 : 0;
    }
    auto av = expected_all.data();
    const auto ev = e.data();
    for (std::size_t n = 0; n < av.size(); ++n) av[n] = (av[n] != 0 || ev[n] != 0) ? 1 : 0;
    treated.push_back(&l);
    expected.push_back(std::move(e));
  }
  if (treated.empty()) {
    throw NoDataError("confirm: session " + std::to_string(options.session) +
                      " has no lesion with an ablation placement");
  }

  // Registration (planning = fixed, follow-up = moving).
  const auto t0 = Clock::now();
  Mask moving_liver;
  const auto report = [&options](const char* stage, double fraction) {
    if (options.progress) options.progress(stage, fraction);
  };
  if (followup_liver == nullptr) {
    report("follow-up liver", 0.0);
    moving_liver = segmentation::segmentLiver(followup.image).mask;
    followup_liver = &moving_liver;
  }
  const Mask exclude = segmentation::dilate(expected_all, 5.0);
  result.registration =
      registerImages(planning_ct, followup.image, planning_liver, options.registration,
                     &planning_liver, followup_liver, &exclude, options.progress);
  for (const std::string& w : result.registration.quality.warnings) result.warnings.push_back(w);
  result.followup_on_planning = resampleToFixed(followup.image, result.registration, g, -1024.0F);
  result.registration_seconds = since(t0);

  // Zones, then margins against their union (a neighbour's zone protects a lesion as well).
  const auto t1 = Clock::now();
  result.zones = LabelMap(g, 0);
  Mask zone_union(g, 0);
  Volume<float> occupancy_union(g, 0.0F);  // sub-voxel zone surfaces (zone.h)
  for (std::size_t n = 0; n < treated.size(); ++n) {
    report("zones and margins", static_cast<double>(n) / static_cast<double>(treated.size()));
    LesionConfirmation lc;
    lc.lesion_id = treated[n]->id;
    lc.session = treated[n]->session;
    lc.zone =
        segmentAblationZone(result.followup_on_planning, expected[n], planning_liver, options.zone);
    auto zl = result.zones.data();
    auto zu = zone_union.data();
    const auto zv = lc.zone.zone.data();
    for (std::size_t q = 0; q < zl.size(); ++q) {
      if (zv[q] == 0) continue;
      zu[q] = 1;
      if (zl[q] == 0) zl[q] = static_cast<std::uint16_t>(lc.lesion_id);
    }
    if (!lc.zone.occupancy.empty()) {
      auto ou = occupancy_union.data();
      const auto ov = lc.zone.occupancy.data();
      for (std::size_t q = 0; q < ou.size(); ++q) ou[q] = std::max(ou[q], ov[q]);
    }
    lc.zone.zone = Mask();
    lc.zone.occupancy = Volume<float>();
    for (const std::string& w : lc.zone.warnings) lc.warnings.push_back(w);
    result.lesions.push_back(std::move(lc));
  }
  // The liver whose zone-facing surface limits the corrected margin: the planning liver where the
  // follow-up shows liver too (its own liver mask, or a zone, mapped onto the planning grid). At
  // the capsule the registration is off by a voxel or two; planning-liver voxels that show rib,
  // muscle or fat on the follow-up are not non-ablated liver.
  Mask margin_liver = resampleMaskToFixed(*followup_liver, result.registration, g);
  {
    auto ml = margin_liver.data();
    const auto pl = planning_liver.data();
    const auto zu = zone_union.data();
    for (std::size_t q = 0; q < ml.size(); ++q) {
      ml[q] = (pl[q] != 0 && (ml[q] != 0 || zu[q] != 0)) ? 1 : 0;
    }
  }
  MarginOptions mo = options.margin;
  mo.threshold_mm = result.threshold_mm;
  result.margin_map = Volume<float>(g, std::numeric_limits<float>::quiet_NaN());
  for (LesionConfirmation& lc : result.lesions) {
    Mask lesion(g, 0);
    auto lv = lesion.data();
    const auto pl = planning_lesions.data();
    for (std::size_t q = 0; q < lv.size(); ++q) lv[q] = pl[q] == lc.lesion_id ? 1 : 0;
    Volume<float> map;
    try {
      lc.margin = measureMargin(lesion, zone_union, occupancy_union, margin_liver, mo, &map);
    } catch (const NoDataError&) {
      lc.warnings.push_back("lesion " + std::to_string(lc.lesion_id) +
                            " is not in the planning segmentation: no margin");
      lc.margin.verdict = "not assessable";
      continue;
    }
    auto mm = result.margin_map.data();
    const auto mv = map.data();
    for (std::size_t q = 0; q < mm.size(); ++q) {
      if (std::isfinite(mv[q])) mm[q] = mv[q];
    }
  }
  result.margin_seconds = since(t1);
  return result;
}

}  // namespace rfa::followup
