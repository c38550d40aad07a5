// Treatment timeline of a batch RFA plan (schedule.h).
#include "rfa/planning/schedule.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "rfa/core/error.h"

namespace rfa::planning {

namespace {

using std::chrono::days;
using std::chrono::months;
using std::chrono::sys_days;
using std::chrono::year_month_day;
using std::chrono::year_month_day_last;

year_month_day addDays(const year_month_day& d, int n) {
  return sys_days{d} + days{n};
}

// Same day of month n months later, clamped to the last day of that month.
year_month_day addMonths(const year_month_day& d, int n) {
  const year_month_day shifted = d + months{n};
  if (shifted.ok()) return shifted;
  return year_month_day_last{shifted.year(), std::chrono::month_day_last{shifted.month()}};
}

TimelineEvent event(const year_month_day& date, EventKind kind, int session, std::string text) {
  TimelineEvent e;
  e.date = date;
  e.end = date;
  e.kind = kind;
  e.session = session;
  e.text = std::move(text);
  return e;
}

}  // namespace

std::string formatDate(const year_month_day& date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

Timeline scheduleSessions(const ProtocolProfile& profile, const year_month_day& first_rfa,
                          int sessions, int cycles_between, int first_session) {
  const Intervals& iv = profile.intervals;
  const std::string who = "protocol profile '" + profile.name + "'";
  if (!first_rfa.ok()) throw UsageError("first RFA date is not a valid calendar date");
  if (first_session < 1) {
    throw UsageError("first RFA session number must be >= 1 (got " + std::to_string(first_session) +
                     ")");
  }
  const int earlier = first_session - 1;
  if (earlier == 0 && (sessions < 1 || sessions > profile.sessions.max_sessions)) {
    throw UsageError(std::to_string(sessions) + " RFA sessions requested: " + who + " allows 1.." +
                     std::to_string(profile.sessions.max_sessions) + " (sessions.max_sessions)");
  }
  if (earlier > 0 && (sessions < 1 || earlier + sessions > profile.sessions.max_sessions)) {
    throw UsageError(
        std::to_string(sessions) + " RFA sessions requested after " + std::to_string(earlier) +
        " earlier session(s): " + who + " allows " + std::to_string(profile.sessions.max_sessions) +
        " in total (sessions.max_sessions), " +
        std::to_string(std::max(0, profile.sessions.max_sessions - earlier)) + " left");
  }
  const int total = earlier + sessions;
  if (sessions > 1 && (cycles_between < iv.systemic_cycles_between_sessions_min ||
                       cycles_between > iv.systemic_cycles_between_sessions_max)) {
    throw UsageError(std::to_string(cycles_between) + " systemic cycles between sessions: " + who +
                     " requires " + std::to_string(iv.systemic_cycles_between_sessions_min) + ".." +
                     std::to_string(iv.systemic_cycles_between_sessions_max) +
                     " (intervals.systemic_cycles_between_sessions_min/max)");
  }
  Timeline t;
  year_month_day rfa = first_rfa;
  for (int k = first_session; k <= total; ++k) {
    const std::string of = std::to_string(k) + " of " + std::to_string(total);
    t.events.push_back(event(rfa, EventKind::kRfa, k, "RFA session " + of));
    const year_month_day imaging = addDays(rfa, iv.imaging_after_rfa_days);
    t.events.push_back(event(imaging, EventKind::kImagingTechnicalSuccess, k,
                             "enhanced CT/MRI for technical success of RFA session " + of + " (" +
                                 std::to_string(iv.imaging_after_rfa_days) + " days after)"));
    if (k == total) break;
    year_month_day start =
        std::max(sys_days{imaging}, sys_days{addDays(rfa, iv.min_days_systemic_to_rfa)});
    for (int c = 1; c <= cycles_between; ++c) {
      TimelineEvent e =
          event(start, EventKind::kSystemicCycle, k,
                "systemic therapy cycle " + std::to_string(c) + " of " +
                    std::to_string(cycles_between) + " after RFA session " + std::to_string(k) +
                    " (" + std::to_string(iv.cycle_length_days) + " days)");
      e.cycle = c;
      e.end = addDays(start, iv.cycle_length_days);
      start = e.end;
      t.events.push_back(std::move(e));
    }
    // `start` is now the end of the last cycle (or the earliest cycle start when there is none).
    rfa = addDays(start, iv.min_days_systemic_to_rfa);
  }
  const year_month_day last_rfa = rfa;
  const int followups = iv.followup_years * 12 / iv.followup_interval_months;
  for (int f = 1; f <= followups; ++f) {
    const int m = f * iv.followup_interval_months;
    t.events.push_back(
        event(addMonths(last_rfa, m), EventKind::kImagingFollowup, total,
              "follow-up imaging and labs, month " + std::to_string(m) + " after the last RFA"));
  }
  std::stable_sort(t.events.begin(), t.events.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) {
                     return sys_days{a.date} < sys_days{b.date};
                   });
  if (earlier > 0) {
    t.notes.push_back("continues after " + std::to_string(earlier) +
                      " earlier RFA session(s): day 0 is RFA session " +
                      std::to_string(first_session) +
                      "; the earlier sessions and the systemic cycles since are not scheduled");
  }
  t.notes.push_back(
      "systemic cycle length " + std::to_string(iv.cycle_length_days) +
      " days is a user-set default (intervals.cycle_length_days), not a trial number");
  t.notes.push_back(
      "response evaluation after the cycles and labs before each session (checkLabs) "
      "are required before every RFA but are not scheduled as separate events");
  t.notes.push_back("after " + std::to_string(iv.followup_years) + " years: CT/MRI every " +
                    std::to_string(iv.late_followup_interval_months) +
                    " months (ultrasound and labs every " +
                    std::to_string(iv.followup_interval_months) + " months), not scheduled");
  return t;
}

}  // namespace rfa::planning
