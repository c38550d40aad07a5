// Treatment timeline of batch RFA from the shipped batch-rfa profile.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/planning/profile.h"
#include "rfa/planning/schedule.h"

namespace rfa::planning {
namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

const ProtocolProfile& batch() {
  static const std::vector<ProtocolProfile> profiles = loadProfiles(defaultProfileDir());
  return findProfile(profiles, "batch-rfa");
}

long daysBetween(const year_month_day& a, const year_month_day& b) {
  return static_cast<long>((sys_days{b} - sys_days{a}).count());
}

std::vector<TimelineEvent> ofKind(const Timeline& t, EventKind kind) {
  std::vector<TimelineEvent> out;
  for (const TimelineEvent& e : t.events) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

constexpr year_month_day kFirst{std::chrono::year{2025}, std::chrono::month{3},
                                std::chrono::day{3}};

void checkTimeline(int cycles) {
  SCOPED_TRACE("cycles between sessions: " + std::to_string(cycles));
  const Intervals& iv = batch().intervals;
  const Timeline t = scheduleSessions(batch(), kFirst, 3, cycles);
  for (std::size_t i = 1; i < t.events.size(); ++i) {
    EXPECT_LE(sys_days{t.events[i - 1].date}, sys_days{t.events[i].date});
  }
  const auto rfas = ofKind(t, EventKind::kRfa);
  const auto imaging = ofKind(t, EventKind::kImagingTechnicalSuccess);
  const auto cycle_events = ofKind(t, EventKind::kSystemicCycle);
  ASSERT_EQ(rfas.size(), 3U);
  ASSERT_EQ(imaging.size(), 3U);
  ASSERT_EQ(cycle_events.size(), static_cast<std::size_t>(2 * cycles));
  EXPECT_EQ(rfas[0].date, kFirst);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(rfas[k].session, k + 1);
    EXPECT_EQ(imaging[k].session, k + 1);
    EXPECT_EQ(daysBetween(rfas[k].date, imaging[k].date), 30);
  }
  // Spacing of the sessions: imaging, then the cycles back to back, then 7 days.
  const long spacing = 30 + cycles * iv.cycle_length_days + 7;
  EXPECT_EQ(daysBetween(rfas[0].date, rfas[1].date), spacing);
  EXPECT_EQ(daysBetween(rfas[1].date, rfas[2].date), spacing);
  for (const TimelineEvent& c : cycle_events) {
    EXPECT_EQ(daysBetween(c.date, c.end), 21);
    const TimelineEvent& before = rfas[c.session - 1];
    const TimelineEvent& next = rfas[c.session];
    EXPECT_GE(daysBetween(imaging[c.session - 1].date, c.date), 0);  // after technical success
    EXPECT_GE(daysBetween(before.date, c.date), 7);
    EXPECT_GE(daysBetween(c.end, next.date), 7);
  }
  // Follow-ups: every 3 months after the last RFA for 2 years.
  const auto follow = ofKind(t, EventKind::kImagingFollowup);
  ASSERT_EQ(follow.size(), 8U);
  for (std::size_t i = 0; i < follow.size(); ++i) {
    const year_month_day expected = rfas[2].date + std::chrono::months{3 * static_cast<int>(i + 1)};
    EXPECT_EQ(follow[i].date, expected) << i;
    EXPECT_EQ(follow[i].session, 3);
  }
  EXPECT_EQ(t.events.back().kind, EventKind::kImagingFollowup);
  EXPECT_FALSE(t.notes.empty());
}

TEST(Schedule, ThreeSessionsOneCycle) {
  checkTimeline(1);
}
TEST(Schedule, ThreeSessionsTwoCycles) {
  checkTimeline(2);
}

TEST(Schedule, SingleSessionHasNoCycles) {
  const Timeline t = scheduleSessions(batch(), kFirst, 1, 0);  // cycles ignored
  EXPECT_TRUE(ofKind(t, EventKind::kSystemicCycle).empty());
  EXPECT_EQ(ofKind(t, EventKind::kRfa).size(), 1U);
  EXPECT_EQ(formatDate(t.events.front().date), "2025-03-03");
  EXPECT_EQ(toString(t.events.front().kind), "rfa");
}

TEST(Schedule, MonthEndClampsToLastDay) {
  const year_month_day jan31{std::chrono::year{2025}, std::chrono::January, std::chrono::day{31}};
  ProtocolProfile p = batch();
  p.intervals.followup_interval_months = 1;
  p.intervals.followup_years = 1;
  const auto follow = ofKind(scheduleSessions(p, jan31, 1, 1), EventKind::kImagingFollowup);
  ASSERT_EQ(follow.size(), 12U);
  EXPECT_EQ(formatDate(follow[0].date), "2025-02-28");
  EXPECT_EQ(formatDate(follow[1].date), "2025-03-31");
}

TEST(Schedule, RulesAreEnforced) {
  try {
    scheduleSessions(batch(), kFirst, 4, 1);
    ADD_FAILURE() << "4 sessions accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("sessions.max_sessions"), std::string::npos) << e.what();
  }
  EXPECT_THROW(scheduleSessions(batch(), kFirst, 0, 1), UsageError);
  try {
    scheduleSessions(batch(), kFirst, 2, 3);
    ADD_FAILURE() << "3 cycles accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("systemic_cycles_between_sessions"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(scheduleSessions(batch(), kFirst, 2, 0), UsageError);
  const year_month_day bad{std::chrono::year{2025}, std::chrono::February, std::chrono::day{30}};
  EXPECT_THROW(scheduleSessions(batch(), bad, 1, 1), UsageError);
}

}  // namespace
}  // namespace rfa::planning
