// Manual session edits (session_edit.h).
#include "rfa/planning/session_edit.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "rfa/core/error.h"
#include "session_common.h"

namespace rfa::planning {
namespace {

// yyyy-mm-dd (as validated by the plan reader); none for "" or text that is not a date.
std::optional<std::chrono::year_month_day> parseStartDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  const char* b = s.data();
  if (std::from_chars(b, b + 4, y).ptr != b + 4 || std::from_chars(b + 5, b + 7, m).ptr != b + 7 ||
      std::from_chars(b + 8, b + 10, d).ptr != b + 10) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m},
                                         std::chrono::day{d}};
  if (!date.ok()) return std::nullopt;
  return date;
}

// The notes of `plan` that derive from its sessions (lab decisions, lesion limits, timeline).
std::vector<std::string> derivedNotes(const TreatmentPlan& plan, const ProtocolProfile& profile,
                                      const std::optional<std::chrono::year_month_day>& start,
                                      bool include_timeline) {
  std::vector<std::string> notes;
  for (const PlanSession& s : plan.sessions) {
    std::string note = detail::sessionLabNote(s);
    if (!note.empty()) notes.push_back(std::move(note));
  }
  (void)detail::lesionLimitNotes(plan, profile, notes);
  if (include_timeline) {
    TreatmentPlan copy;
    copy.settings = plan.settings;  // prior_sessions: the timeline's first session number
    copy.sessions.resize(plan.sessions.size());
    try {
      for (std::string& n :
           detail::rebuildTimeline(copy, profile, start, plan.settings.cycles_between_sessions)) {
        notes.push_back(std::move(n));
      }
    } catch (const Error&) {
      // The earlier plan could not be scheduled under this profile: it had no timeline notes.
    }
  }
  return notes;
}

}  // namespace

std::vector<PlanProblem> moveLesionToSession(TreatmentPlan& plan, int lesion_id, int to_session,
                                             const ProtocolProfile& profile) {
  const auto lesion_it = std::find_if(plan.lesions.begin(), plan.lesions.end(),
                                      [&](const PlanLesion& l) { return l.id == lesion_id; });
  if (lesion_it == plan.lesions.end()) {
    throw NotFoundError("lesion " + std::to_string(lesion_id) + " is not in the plan");
  }
  // Sessions of a re-plan are numbered after the earlier ones: prior + 1 .. prior + n.
  const int prior = plan.settings.prior_sessions;
  if (prior < 0) {
    throw UsageError("settings.prior_sessions is " + std::to_string(prior) + " (must be >= 0)");
  }
  const int n = static_cast<int>(plan.sessions.size());
  const int first = prior + 1;
  const int last = std::min(prior + n + 1, profile.sessions.max_sessions);
  if (to_session < first || to_session > last) {
    const std::string earlier =
        prior > 0 ? " after " + std::to_string(prior) + " earlier session(s)" : std::string();
    throw UsageError(
        "session " + std::to_string(to_session) + " does not exist: lesion " +
        std::to_string(lesion_id) +
        (first <= last ? " can go to session " + std::to_string(first) + ".." + std::to_string(last)
                       : std::string(" cannot be scheduled")) +
        " (" + std::to_string(n) + " session(s)" + earlier + ", profile " + profile.name +
        " allows " + std::to_string(profile.sessions.max_sessions) + ")");
  }
  const auto to_pos = static_cast<std::size_t>(to_session - first);
  // The session that lists the lesion (from: its number, 0: none; from_pos: its position).
  int from = 0;
  std::size_t from_pos = 0;
  for (std::size_t i = 0; i < plan.sessions.size(); ++i) {
    const PlanSession& s = plan.sessions[i];
    if (std::find(s.lesion_ids.begin(), s.lesion_ids.end(), lesion_id) != s.lesion_ids.end()) {
      from = s.index;
      from_pos = i;
    }
  }
  if (from == to_session) {
    throw UsageError("lesion " + std::to_string(lesion_id) + " is already in session " +
                     std::to_string(to_session));
  }
  if (from == 0 && lesion_it->placements.empty()) {
    throw UsageError("lesion " + std::to_string(lesion_id) +
                     " has no placements (no safe path): it cannot be scheduled");
  }

  const std::optional<std::chrono::year_month_day> start = parseStartDate(plan.settings.start_date);
  TreatmentPlan p = plan;  // edited copy: `plan` stays as it was if anything throws
  const std::vector<std::string> old_notes = derivedNotes(plan, profile, start, true);

  if (from == 0) {
    std::erase_if(p.unplaced, [&](const PlanUnplaced& u) { return u.id == lesion_id; });
    // Moving an automatic candidate to review into a session is the user's acceptance of it.
    for (PlanLesion& l : p.lesions) {
      if (l.id == lesion_id && l.detection == Detection::kToReview) {
        l.detection = Detection::kAccepted;
      }
    }
  } else {
    std::erase(p.sessions[from_pos].lesion_ids, lesion_id);
  }
  if (to_pos == p.sessions.size()) {
    PlanSession s;
    s.index = to_session;
    p.sessions.push_back(s);
  }
  PlanSession& target = p.sessions[to_pos];
  target.lesion_ids.push_back(lesion_id);
  detail::updateSessionVolume(target, p, profile);
  target.reasons.push_back(
      "L" + std::to_string(lesion_id) + " moved here by hand from " +
      (from == 0 ? std::string("the unscheduled lesions") : "session " + std::to_string(from)));
  if (from > 0) detail::updateSessionVolume(p.sessions[from_pos], p, profile);

  // Drop an emptied session, renumber, and point every lesion at its session.
  std::erase_if(p.sessions, [](const PlanSession& s) { return s.lesion_ids.empty(); });
  for (std::size_t i = 0; i < p.sessions.size(); ++i) {
    p.sessions[i].index = first + static_cast<int>(i);
  }
  for (PlanLesion& l : p.lesions) l.session = 0;
  for (const PlanSession& s : p.sessions) {
    for (const int id : s.lesion_ids) {
      for (PlanLesion& l : p.lesions) {
        if (l.id == id) l.session = s.index;
      }
    }
  }

  // Notes: those derived from the sessions before the move out, the current ones in.
  // (Lab notes name their session: a renumbered session's note gets its new number.)
  std::vector<std::string> limit_notes;
  const bool limits_ok = detail::lesionLimitNotes(p, profile, limit_notes);
  std::vector<std::string> notes = derivedNotes(p, profile, start, false);
  for (std::string& n2 :
       detail::rebuildTimeline(p, profile, start, p.settings.cycles_between_sessions)) {
    notes.push_back(std::move(n2));
  }
  detail::finishManualEdit(p, profile, old_notes, std::move(notes), limits_ok);
  plan = std::move(p);
  return validatePlan(plan, profile);
}

namespace detail {

void updateSessionVolume(PlanSession& s, const TreatmentPlan& plan,
                         const ProtocolProfile& profile) {
  double volume = 0;
  for (const int id : s.lesion_ids) {
    for (const PlanLesion& l : plan.lesions) {
      if (l.id == id) volume += lesionAblatedVolume(l);
    }
  }
  s.ablated_volume_ml = volume;
  s.liver_fraction = plan.liver_volume_ml > 0 ? volume / plan.liver_volume_ml : 0.0;
  const std::string reason =
      sessionVolumeReason(volume, s.liver_fraction, profile.safety.max_ablated_liver_fraction);
  const auto it = std::find_if(s.reasons.begin(), s.reasons.end(), [](const std::string& r) {
    return r.rfind("ablated volume ", 0) == 0;
  });
  if (it != s.reasons.end()) {
    *it = reason;
  } else {
    s.reasons.push_back(reason);
  }
  s.review_status = ReviewStatus::kNotReviewed;
  s.review_by.clear();
  s.review_at.clear();
}

void finishManualEdit(TreatmentPlan& plan, const ProtocolProfile& profile,
                      const std::vector<std::string>& old_notes, std::vector<std::string> new_notes,
                      bool limits_ok) {
  plan.cumulative_volume_ml = plan.settings.prior_ablated_volume_ml;  // earlier sessions
  for (const PlanSession& s : plan.sessions) plan.cumulative_volume_ml += s.ablated_volume_ml;
  plan.cumulative_liver_fraction =
      plan.liver_volume_ml > 0 ? plan.cumulative_volume_ml / plan.liver_volume_ml : 0.0;
  for (const std::string& old : old_notes) {
    const auto it = std::find(plan.notes.begin(), plan.notes.end(), old);
    if (it != plan.notes.end()) plan.notes.erase(it);
  }
  for (std::string& note : new_notes) plan.notes.push_back(std::move(note));
  plan.fits_profile = plan.unplaced.empty() && limits_ok;
  if (plan.fits_profile) {
    for (const PlanProblem& problem : validatePlan(plan, profile)) {
      if (problem.error) plan.fits_profile = false;
    }
  }
}

}  // namespace detail

}  // namespace rfa::planning
