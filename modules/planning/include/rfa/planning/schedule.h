#pragma once
/// \file schedule.h
/// \brief The treatment timeline of a batch RFA plan: RFA sessions, technical-success imaging,
/// systemic therapy cycles between sessions and follow-up imaging, from a protocol profile's
/// intervals. Research use only: a planning aid, not an appointment system.
///
/// Units: dates are proleptic Gregorian calendar days (std::chrono::year_month_day); intervals
/// are in days or months as named in Intervals. Adding months keeps the day of month, clamped to
/// the month's last day (31 Jan + 1 month = 28/29 Feb).

#include <chrono>
#include <string>
#include <vector>

#include "rfa/planning/plan_enums.h"
#include "rfa/planning/profile.h"

namespace rfa::planning {

/// yyyy-mm-dd.
std::string formatDate(const std::chrono::year_month_day& date);

struct TimelineEvent {
  std::chrono::year_month_day date;  ///< the day of the event (a cycle: its first day)
  EventKind kind = EventKind::kRfa;
  /// RFA session (1-based number in the whole treatment: first_session, first_session + 1, ...)
  /// the event belongs to: the session itself, its imaging, the cycles after it; follow-ups carry
  /// the last session.
  int session = 1;
  int cycle = 0;  ///< 1-based cycle number after its session (systemic-cycle only, else 0)
  /// Systemic cycle: the day after its last day (= the next cycle's first day); else == date.
  std::chrono::year_month_day end;
  /// e.g. "RFA session 2 of 3": its number of the treatment's first_session - 1 + sessions.
  std::string text;
};

struct Timeline {
  std::vector<TimelineEvent> events;  ///< sorted by date (stable: the order they were planned)
  std::vector<std::string> notes;     ///< assumptions and what is not scheduled
};

/// \brief Plans `sessions` RFA sessions from `first_rfa`, numbered `first_session`,
/// `first_session` + 1, ... (re-planning after first_session - 1 earlier sessions of the same
/// treatment; 1 for a first plan). `first_rfa` is the first of these sessions; the earlier
/// sessions and the systemic cycles since the last of them are not scheduled (a note says so).
///
/// For each session k: RFA on day R_k; technical-success imaging on R_k + imaging_after_rfa_days;
/// between sessions, `cycles_between` systemic cycles of cycle_length_days each start on the later
/// of that imaging day and R_k + min_days_systemic_to_rfa, back to back; the next RFA is
/// min_days_systemic_to_rfa days after the end of the last cycle (the day after its last day).
/// After the last session: follow-up imaging every followup_interval_months, counted from the
/// last RFA, for followup_years. The later follow-up (late_followup_interval_months after
/// followup_years) is not scheduled; a note says so. Response evaluation before the next batch
/// and pre-session labs are not separate events (labs: checkLabs()).
///
/// \throws UsageError naming the rule when `first_session` < 1, when `sessions` < 1 or
/// first_session - 1 + `sessions` (the treatment's sessions) > max_sessions, when
/// `cycles_between` is outside systemic_cycles_between_sessions_min..max (only checked when
/// sessions > 1), or when `first_rfa` is not a valid date.
Timeline scheduleSessions(const ProtocolProfile& profile,
                          const std::chrono::year_month_day& first_rfa, int sessions,
                          int cycles_between, int first_session = 1);

}  // namespace rfa::planning
