// Stage 3 of the plan builder: sessions (batching), lab checks, timeline, totals and notes.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan_util.h"
#include "rfa/core/error.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/schedule.h"
#include "session_common.h"

namespace rfa::planning {

namespace detail {

double lesionAblatedVolume(const PlanLesion& l) {
  return l.confirmation ? l.confirmation->margins.ablated_volume_ml : l.preview.ablated_volume_ml;
}

std::string sessionLabNote(const PlanSession& s) {
  if (!s.labs || s.labs->decision == LabDecision::kProceed) return {};
  std::string why;
  for (const std::string& r : s.labs->reasons) why += (why.empty() ? "" : "; ") + r;
  return "session " + std::to_string(s.index) + ": " + toString(s.decision) + " (labs of " +
         s.lab_date + "): " + why;
}

bool lesionLimitNotes(const TreatmentPlan& plan, const ProtocolProfile& profile,
                      std::vector<std::string>& notes) {
  bool limits_ok = true;
  if (profile.lesions.max_count &&
      static_cast<int>(plan.lesions.size()) > *profile.lesions.max_count) {
    limits_ok = false;
    notes.push_back("profile " + profile.name + " allows at most " +
                    std::to_string(*profile.lesions.max_count) + " lesions; the plan has " +
                    std::to_string(plan.lesions.size()));
  }
  for (const PlanLesion& l : plan.lesions) {
    if (profile.lesions.max_diameter_mm && l.diameter_mm > *profile.lesions.max_diameter_mm) {
      limits_ok = false;
      notes.push_back("lesion " + std::to_string(l.id) + ": diameter " + fixed(l.diameter_mm, 1) +
                      " mm exceeds the profile's " + fixed(*profile.lesions.max_diameter_mm, 1) +
                      " mm");
    }
    if (l.flag != LesionFlag::kNone && l.session > 0) {
      const double margin =
          l.confirmation ? l.confirmation->margins.minimal_margin_mm : l.preview.minimal_margin_mm;
      notes.push_back("lesion " + std::to_string(l.id) + " is scheduled in session " +
                      std::to_string(l.session) + " without the full margin (" + toString(l.flag) +
                      ", minimal margin " + fixed(margin, 1) + " mm): " + l.reason);
    }
  }
  return limits_ok;
}

std::vector<std::string> rebuildTimeline(
    TreatmentPlan& plan, const ProtocolProfile& profile,
    const std::optional<std::chrono::year_month_day>& start_date, int cycles_between_sessions) {
  // Day 0 = the first RFA.
  std::vector<std::string> notes;
  plan.timeline.clear();
  const int n = static_cast<int>(plan.sessions.size());
  plan.settings.start_date = start_date ? formatDate(*start_date) : std::string();
  if (n == 0) return notes;
  using namespace std::chrono;
  const year_month_day start = start_date.value_or(year_month_day{year{2000}, January, day{1}});
  const Timeline t = scheduleSessions(profile, start, n, cycles_between_sessions,
                                      plan.settings.prior_sessions + 1);
  for (const TimelineEvent& e : t.events) {
    PlanEvent pe;
    pe.day = static_cast<int>((sys_days(e.date) - sys_days(start)).count());
    pe.date = start_date ? formatDate(e.date) : std::string();
    pe.kind = e.kind;
    pe.session = e.session;
    pe.cycle = e.cycle;
    pe.text = e.text;
    plan.timeline.push_back(pe);
  }
  notes = t.notes;
  if (!start_date) {
    notes.push_back("no start date given: the timeline is in days from the first RFA");
  }
  return notes;
}

}  // namespace detail

void planSessions(TreatmentPlan& plan, const ProtocolProfile& profile,
                  const PlanBuildOptions& options) {
  plan.sessions.clear();
  plan.unplaced.clear();
  plan.timeline.clear();
  plan.notes.clear();
  plan.settings.prior_sessions = options.batching.prior_sessions;
  plan.settings.prior_ablated_volume_ml = options.batching.prior_ablated_volume_ml;
  plan.settings.prior_plan = options.prior_plan;
  std::vector<BatchLesion> batch;
  for (PlanLesion& l : plan.lesions) {
    l.session = 0;
    BatchLesion b;
    b.id = l.id;
    b.centroid_lps = l.centroid_lps;
    b.diameter_mm = l.diameter_mm;
    b.ablated_volume_ml = detail::lesionAblatedVolume(l);
    b.ablations = std::max<int>(1, static_cast<int>(l.placements.size()));
    if (!l.placements.empty()) {
      b.entry_direction_lps = l.placements.front().direction_lps;
    } else if (!l.trajectories.empty()) {
      b.entry_direction_lps =
          (l.trajectories.front().target_lps - l.trajectories.front().entry_lps).normalized();
    }
    b.near_major_vessel = l.near_major_vessel;
    b.feasible = l.flag != LesionFlag::kNoSafePath && l.detection != Detection::kToReview;
    b.infeasible_reason = l.detection == Detection::kToReview
                              ? "automatic candidate to review (" + l.detection_reason +
                                    "): not scheduled until accepted"
                              : l.reason;
    batch.push_back(b);
  }
  const BatchPlan bp = planBatches(batch, profile, plan.liver_volume_ml, options.batching);

  for (std::size_t k = 0; k < bp.sessions.size(); ++k) {
    const BatchSession& s = bp.sessions[k];
    PlanSession ps;
    ps.index = s.index;
    ps.lesion_ids = s.lesion_ids;
    ps.ablated_volume_ml = s.ablated_volume_ml;
    ps.liver_fraction = s.liver_fraction;
    ps.reasons = s.reasons;
    const std::size_t li = k;  // labs[0]: the plan's first session (prior_sessions + 1)
    if (li < options.labs.size()) {
      const LabReport report = checkLabs(profile, options.labs[li]);
      ps.decision = sessionDecisionOf(report.decision);
      ps.lab_date = options.labs[li].date;
      ps.labs = report;
      const std::string note = detail::sessionLabNote(ps);
      if (!note.empty()) plan.notes.push_back(note);
    }
    for (const int id : s.lesion_ids) {
      for (PlanLesion& l : plan.lesions) {
        if (l.id == id) l.session = s.index;
      }
    }
    plan.sessions.push_back(ps);
  }
  if (options.labs.size() > bp.sessions.size()) {
    plan.notes.push_back(std::to_string(options.labs.size()) + " lab sets given for " +
                         std::to_string(bp.sessions.size()) +
                         " session(s): the extra ones are not used");
  }
  for (const UnplacedLesion& u : bp.unplaced) plan.unplaced.push_back({u.id, u.reason});
  plan.cumulative_volume_ml = bp.cumulative_volume_ml;
  plan.cumulative_liver_fraction = bp.cumulative_liver_fraction;
  for (const std::string& n : bp.notes) plan.notes.push_back(n);

  const bool limits_ok = detail::lesionLimitNotes(plan, profile, plan.notes);
  plan.fits_profile = bp.fits_profile && bp.unplaced.empty() && limits_ok;

  for (std::string& note : detail::rebuildTimeline(plan, profile, options.start_date,
                                                   options.cycles_between_sessions)) {
    plan.notes.push_back(std::move(note));
  }
}

}  // namespace rfa::planning
