#include "rfa/followup/timeline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "rfa/core/atomic_file.h"

namespace rfa::followup {
namespace {

using ojson = nlohmann::ordered_json;

double r2(double v) {
  return std::isfinite(v) ? std::round(v * 100.0) / 100.0 : 0.0;
}

ojson categoryJson(const ResponseCategory& c) {
  return {{"category", c.category},
          {"target_sum_mm", r2(c.sum_mm)},
          {"baseline_sum_mm", r2(c.baseline_sum_mm)},
          {"nadir_sum_mm", r2(c.nadir_sum_mm)},
          {"change_from_baseline_pct", r2(c.change_from_baseline_pct)},
          {"reason", c.reason}};
}

ojson matchJson(const LesionMatch& m) {
  ojson j;
  j["baseline_id"] = m.baseline_id == 0 ? ojson(nullptr) : ojson(m.baseline_id);
  j["followup_id"] = m.followup_id == 0 ? ojson(nullptr) : ojson(m.followup_id);
  j["status"] = m.status;
  j["baseline_diameter_mm"] = r2(m.baseline_diameter_mm);
  j["diameter_mm"] = r2(m.diameter_mm);
  j["viable_diameter_mm"] = r2(m.viable_diameter_mm);
  j["change_pct"] = r2(m.change_pct);
  if (m.related_lesion != 0) j["ablation_site_of_lesion"] = m.related_lesion;
  j["reason"] = m.reason;
  return j;
}

ojson timepointJson(const TimepointResult& tp) {
  ojson j;
  j["input"] = tp.input;
  j["study_date"] = tp.study_date;
  j["sessions_done"] = tp.sessions_done;
  j["identity"] = tp.identity.summary;
  const RegistrationQuality& q = tp.confirmation.registration.quality;
  j["registration"] = {
      {"liver_surface_mean_mm",
       q.liver_surface_mean_mm ? ojson(r2(*q.liver_surface_mean_mm)) : ojson(nullptr)},
      {"liver_surface_p95_mm",
       q.liver_surface_p95_mm ? ojson(r2(*q.liver_surface_p95_mm)) : ojson(nullptr)},
      {"mean_abs_difference_final", r2(q.mean_abs_difference_final)},
      {"poor", q.poor},
      {"warnings", q.warnings}};
  ojson margins = ojson::array();
  for (const LesionConfirmation& l : tp.confirmation.lesions) {
    margins.push_back(
        {{"lesion", l.lesion_id},
         {"session", l.session},
         {"minimal_margin_mm", r2(l.margin.minimal_margin_mm)},
         {"minimal_margin_uncorrected_mm", r2(l.margin.minimal_margin_uncorrected_mm)},
         {"residual_volume_ml", r2(l.margin.residual_volume_ml)},
         {"zone_volume_ml", r2(l.zone.volume_ml)},
         {"verdict", l.margin.verdict}});
  }
  j["margins"] = margins;
  ojson lesions = ojson::array();
  for (const LesionMatch& m : tp.response.lesions) lesions.push_back(matchJson(m));
  j["lesions"] = lesions;
  j["targets"] = tp.response.target_ids;
  j["recist_1_1"] = categoryJson(tp.response.recist);
  j["mrecist"] = categoryJson(tp.response.mrecist);
  j["new_lesions"] = tp.response.new_lesions;
  j["local_tumour_progressions"] = tp.response.local_progressions;
  j["warnings"] = tp.warnings;
  return j;
}

}  // namespace

NextSession nextSession(const planning::TreatmentPlan& plan, const TimepointResult& last,
                        int max_sessions) {
  NextSession n;
  n.sessions_done = last.sessions_done;
  n.sessions_left = std::max(0, max_sessions - last.sessions_done);
  // Ablated so far: measured zones (each voxel once: the zones are disjoint in the label map);
  // a done session without any zone segmented counts with its planned volume.
  std::set<int> measured_sessions;
  for (const LesionConfirmation& l : last.confirmation.lesions) {
    if (l.zone.volume_ml > 0) measured_sessions.insert(l.session);
  }
  double measured = 0;
  if (!last.confirmation.zones.empty()) {
    std::size_t voxels = 0;
    for (const auto v : last.confirmation.zones.data()) voxels += v != 0 ? 1 : 0;
    measured =
        static_cast<double>(voxels) * last.confirmation.zones.geometry().voxelVolumeMm3() / 1000.0;
  }
  n.ablated_volume_ml = measured;
  for (const planning::PlanSession& s : plan.sessions) {
    if (s.index > last.sessions_done) continue;
    if (measured_sessions.count(s.index) == 0) {
      n.ablated_volume_ml += s.ablated_volume_ml;
      n.notes.push_back("session " + std::to_string(s.index) +
                        ": no ablation zone segmented, its planned volume counted");
    }
  }
  n.budget_volume_ml = plan.settings.max_ablated_liver_fraction * plan.liver_volume_ml;
  n.remaining_volume_ml = std::max(0.0, n.budget_volume_ml - n.ablated_volume_ml);
  int next_id = 0;
  for (const planning::PlanLesion& l : plan.lesions) next_id = std::max(next_id, l.id);
  for (const LesionMatch& m : last.response.lesions) {
    NextTarget t;
    t.status = m.status;
    t.followup_id = m.followup_id;
    t.diameter_mm = m.diameter_mm;
    if (m.baseline_id != 0 &&
        (m.status == "stable" || m.status == "shrunk" || m.status == "grown")) {
      t.id = m.baseline_id;
      t.reason = "not treated yet (" + m.status + ")";
    } else if (m.baseline_id == 0) {
      t.id = ++next_id;
      t.reason = m.status == "new"
                     ? "new lesion"
                     : "local tumour progression at lesion " + std::to_string(m.related_lesion);
    } else {
      continue;  // vanished, ablated; residual tumour without its own follow-up lesion: see notes
    }
    n.targets.push_back(t);
  }
  for (const LesionMatch& m : last.response.lesions) {
    if (m.status == "residual") {
      n.notes.push_back(
          "lesion " + std::to_string(m.baseline_id) + ": " + m.reason +
          " - re-treat it (it appears as a target when a follow-up lesion was found)");
    }
  }
  if (n.sessions_left == 0) n.notes.push_back("the profile's sessions are used up");
  return n;
}

std::string timelineJson(const planning::TreatmentPlan& plan,
                         const std::vector<TimepointResult>& timepoints, const NextSession& next) {
  ojson j;
  j["format"] = "rfaplan-timeline";
  j["version"] = 1;
  j["research_use_only"] = "Research use only: not for clinical decisions.";
  j["patient_id"] = plan.source.patient_id;
  j["plan"] = {{"series_instance_uid", plan.source.series_instance_uid},
               {"revision", plan.revision},
               {"sessions", static_cast<int>(plan.sessions.size())},
               {"lesions", static_cast<int>(plan.lesions.size())}};
  ojson events = ojson::array();
  for (const planning::PlanEvent& e : plan.timeline) {
    events.push_back({{"source", "plan"},
                      {"day", e.day},
                      {"date", e.date},
                      {"kind", e.kind},
                      {"session", e.session},
                      {"text", e.text}});
  }
  for (const TimepointResult& tp : timepoints) {
    events.push_back(
        {{"source", "follow-up"},
         {"date", tp.study_date},
         {"kind", "imaging-assessed"},
         {"session", tp.sessions_done},
         {"text", "follow-up after " + std::to_string(tp.sessions_done) + " session(s): RECIST " +
                      tp.response.recist.category + ", mRECIST " + tp.response.mrecist.category}});
  }
  j["events"] = events;
  ojson tps = ojson::array();
  for (const TimepointResult& tp : timepoints) tps.push_back(timepointJson(tp));
  j["timepoints"] = tps;
  // Per-lesion history (plan lesions by id).
  ojson hist = ojson::object();
  for (const planning::PlanLesion& l : plan.lesions) {
    ojson rows = ojson::array();
    for (std::size_t t = 0; t < timepoints.size(); ++t) {
      for (const LesionMatch& m : timepoints[t].response.lesions) {
        if (m.baseline_id != l.id) continue;
        rows.push_back({{"timepoint", static_cast<int>(t) + 1},
                        {"status", m.status},
                        {"diameter_mm", r2(m.diameter_mm)},
                        {"viable_diameter_mm", r2(m.viable_diameter_mm)}});
      }
    }
    hist[std::to_string(l.id)] = {
        {"baseline_diameter_mm", r2(l.diameter_mm)}, {"session", l.session}, {"history", rows}};
  }
  j["lesion_histories"] = hist;
  ojson targets = ojson::array();
  for (const NextTarget& t : next.targets) {
    targets.push_back({{"id", t.id},
                       {"followup_id", t.followup_id},
                       {"status", t.status},
                       {"diameter_mm", r2(t.diameter_mm)},
                       {"reason", t.reason}});
  }
  j["next_session"] = {{"sessions_done", next.sessions_done},
                       {"sessions_left", next.sessions_left},
                       {"ablated_volume_ml", r2(next.ablated_volume_ml)},
                       {"budget_volume_ml", r2(next.budget_volume_ml)},
                       {"remaining_volume_ml", r2(next.remaining_volume_ml)},
                       {"targets", targets},
                       {"notes", next.notes}};
  return j.dump(2) + "\n";
}

void writeTimeline(const planning::TreatmentPlan& plan,
                   const std::vector<TimepointResult>& timepoints, const NextSession& next,
                   const std::filesystem::path& file) {
  writeFileAtomically(file, timelineJson(plan, timepoints, next));
}

}  // namespace rfa::followup
