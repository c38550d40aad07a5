// The case database's reads: the worklist, the events due, one case; and the date helpers.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "case_db_impl.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"

namespace rfa::cases {

namespace fs = std::filesystem;
using detail::Statement;

namespace {

std::optional<std::chrono::year_month_day> parseDate(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    const int digit = text[i] - '0';
    if (i < 4) {
      y = y * 10 + digit;
    } else if (i < 7) {
      m = m * 10 + static_cast<unsigned>(digit);
    } else {
      d = d * 10 + static_cast<unsigned>(digit);
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string format(const std::chrono::year_month_day& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::vector<int> splitIds(const std::string& text) {
  std::vector<int> ids;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    ids.push_back(std::stoi(text.substr(start, end - start)));
    start = end + 1;
  }
  return ids;
}

// Columns plan, ord, day, date, kind, session, cycle, text of open_ev/all_ev from column `first`
// on, with the case's patient key and plan path in `patient` and `plan_file`.
CaseEvent eventAt(const Statement& s, int first, const std::string& patient,
                  const std::string& plan_file) {
  CaseEvent e;
  e.case_id = s.int64(first);
  e.patient = patient;
  e.plan_file = plan_file;
  e.day = s.integer(first + 2);
  e.date = s.text(first + 3);
  e.kind = s.text(first + 4);
  e.session = s.integer(first + 5);
  e.cycle = s.integer(first + 6);
  e.text = s.text(first + 7);
  return e;
}

std::string checkedDay(const std::string& date, const std::string& what) {
  if (date.empty()) return todayLocal();
  if (!parseDate(date)) {
    throw UsageError(what + " must be a date yyyy-mm-dd (got \"" + date + "\")");
  }
  return date;
}

constexpr const char* kSummaryColumns =
    "p.id, pt.key, pt.patient_id, p.path, p.revision, p.profile, p.start_date, p.prior_sessions, "
    "p.sessions_count, p.lesion_count, p.added_at, p.updated_at, "
    "(SELECT count(*) FROM sessions s WHERE s.plan = p.id AND s.done), "
    "(SELECT count(*) FROM followups f WHERE f.plan = p.id)";

CaseSummary summaryAt(const Statement& s) {
  CaseSummary c;
  c.id = s.int64(0);
  c.patient = s.text(1);
  c.patient_id = s.text(2);
  c.plan_file = s.text(3);
  c.revision = s.integer(4);
  c.profile = s.text(5);
  c.start_date = s.text(6);
  c.prior_sessions = s.integer(7);
  c.sessions = s.integer(8);
  c.lesions = s.integer(9);
  c.added_at = s.text(10);
  c.updated_at = s.text(11);
  c.sessions_done = s.integer(12);
  c.followups = s.integer(13);
  return c;
}

// A path recorded in a plan: as recorded when it exists, else relative to the plan's folder when
// that exists, else as recorded (planning::loadPlanCase() looks in the same places).
fs::path recordedPath(const std::string& recorded, const fs::path& plan_dir) {
  if (recorded.empty()) return {};
  std::error_code ec;
  fs::path p(recorded);
  if (fs::exists(p, ec)) return p;
  if (p.is_relative() && fs::exists(plan_dir / p, ec)) return plan_dir / p;
  return p;
}

}  // namespace

namespace detail {

bool isDate(const std::string& date) {
  return parseDate(date).has_value();
}

// Timeline events, with a "labs" reminder before each RFA whose session's lab check in the plan
// did not pass (ordered just before that RFA); open_ev leaves out the RFA, technical-success
// imaging and labs of a session done.
const char* const kEventsCte = R"sql(
WITH all_ev AS (
  SELECT e.plan AS plan, e.seq * 2 + 1 AS ord, e.day AS day, e.date AS date, e.kind AS kind,
         e.session AS session, e.cycle AS cycle, e.text AS text, COALESCE(s.done, 0) AS done
  FROM events e LEFT JOIN sessions s ON s.plan = e.plan AND s.idx = e.session
  UNION ALL
  SELECT e.plan, e.seq * 2, e.day, e.date, 'labs', e.session, 0,
         'labs before RFA session ' || e.session || ' (the plan''s lab check: ' || s.decision || ')',
         s.done
  FROM events e JOIN sessions s ON s.plan = e.plan AND s.idx = e.session
  WHERE e.kind = 'rfa' AND s.decision <> 'proceed'
),
open_ev AS (
  SELECT * FROM all_ev
  WHERE NOT (done AND kind IN ('rfa', 'imaging-technical-success', 'labs'))
)
)sql";

}  // namespace detail

std::string todayLocal() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string addDays(const std::string& date, int days, const std::string& what) {
  const auto d = parseDate(date);
  if (!d) throw UsageError(what + " must be a date yyyy-mm-dd (got \"" + date + "\")");
  return format(std::chrono::year_month_day{std::chrono::sys_days(*d) + std::chrono::days{days}});
}

std::vector<CaseSummary> CaseDatabase::listCases(const CaseFilter& filter) const {
  const std::string today = checkedDay(filter.today, "today");
  if (filter.due_days < 0) throw UsageError("due days must be >= 0");
  const std::string until = addDays(today, filter.due_days);
  const detail::Connection& c = impl_->conn;

  std::vector<CaseSummary> cases;
  std::map<std::int64_t, std::size_t> row_of;
  {
    Statement q(c, std::string("SELECT ") + kSummaryColumns +
                       " FROM plans p JOIN patients pt ON pt.id = p.patient "
                       "WHERE (?1 = '' OR instr(lower(pt.key), lower(?1)) > 0) "
                       "AND (?2 = '' OR p.profile = ?2) ORDER BY pt.key, p.path");
    q.bind(1, filter.patient).bind(2, filter.profile);
    while (q.step()) {
      row_of[q.int64(0)] = cases.size();
      cases.push_back(summaryAt(q));
    }
  }
  if (cases.empty()) return cases;
  // The next open event of every case: the first dated on or after today, or (undated plans)
  // the first of the timeline.
  Statement n(c, std::string(detail::kEventsCte) +
                     "SELECT * FROM (SELECT open_ev.*, row_number() OVER (PARTITION BY plan "
                     "ORDER BY date, ord) AS rn FROM open_ev WHERE date >= ?1 OR date = '') "
                     "WHERE rn = 1");
  n.bind(1, today);
  while (n.step()) {
    const auto it = row_of.find(n.int64(0));
    if (it == row_of.end()) continue;
    CaseSummary& row = cases[it->second];
    row.next = eventAt(n, 0, row.patient, row.plan_file);
  }
  if (!filter.due_only) return cases;
  std::vector<CaseSummary> due;
  for (CaseSummary& row : cases) {
    if (row.next && !row.next->date.empty() && row.next->date <= until) {
      due.push_back(std::move(row));
    }
  }
  return due;
}

DueList CaseDatabase::due(const std::string& from, int days) const {
  DueList out;
  out.from = checkedDay(from, "from");
  if (days < 0) throw UsageError("days must be >= 0 (got " + std::to_string(days) + ")");
  out.to = addDays(out.from, days);
  const detail::Connection& c = impl_->conn;
  const std::string select = std::string(detail::kEventsCte) +
                             "SELECT pt.key, p.path, open_ev.* FROM open_ev "
                             "JOIN plans p ON p.id = open_ev.plan "
                             "JOIN patients pt ON pt.id = p.patient ";
  {
    Statement q(c, select +
                       "WHERE open_ev.date BETWEEN ?1 AND ?2 "
                       "ORDER BY open_ev.date, pt.key, p.path, open_ev.ord");
    q.bind(1, out.from).bind(2, out.to);
    while (q.step()) out.dated.push_back(eventAt(q, 2, q.text(0), q.text(1)));
  }
  {
    Statement q(c, select + "WHERE open_ev.date = '' ORDER BY pt.key, p.path, open_ev.ord");
    while (q.step()) out.undated.push_back(eventAt(q, 2, q.text(0), q.text(1)));
  }
  return out;
}

CaseDetail CaseDatabase::openCase(std::int64_t id) const {
  const detail::Connection& c = impl_->conn;
  CaseDetail d;
  {
    Statement q(c, std::string("SELECT ") + kSummaryColumns +
                       ", p.format_version, p.sha256, p.series, p.study_uid, p.series_uid, "
                       "p.segmentation FROM plans p JOIN patients pt ON pt.id = p.patient "
                       "WHERE p.id = ?1");
    q.bind(1, id);
    if (!q.step()) {
      throw NotFoundError("no case " + std::to_string(id) + " in " + c.file().string());
    }
    d.summary = summaryAt(q);
    d.format_version = q.integer(14);
    d.sha256 = q.text(15);
    d.series = q.text(16);
    d.study_instance_uid = q.text(17);
    d.series_instance_uid = q.text(18);
    d.segmentation = q.text(19);
  }
  const fs::path plan_dir = fs::path(d.summary.plan_file).parent_path();
  d.series_path = recordedPath(d.series, plan_dir);
  constexpr std::string_view kWritten = "automatic (written to ";
  if (d.segmentation.rfind(kWritten, 0) == 0) {
    std::string name = d.segmentation.substr(kWritten.size());
    while (!name.empty() && (name.back() == ')' || name.back() == '/')) name.pop_back();
    d.segmentation_folder = plan_dir / name;
  } else if (d.segmentation != "automatic" && d.segmentation != "edited") {
    d.segmentation_folder = recordedPath(d.segmentation, plan_dir);
  }
  {
    Statement q(c,
                "SELECT idx, lesion_ids, decision, lab_date, review_status, done FROM sessions "
                "WHERE plan = ?1 ORDER BY idx");
    q.bind(1, id);
    while (q.step()) {
      SessionRecord s;
      s.index = q.integer(0);
      s.lesion_ids = splitIds(q.text(1));
      s.decision = q.text(2);
      s.lab_date = q.text(3);
      s.review_status = q.text(4);
      s.done = q.integer(5) != 0;
      d.sessions.push_back(std::move(s));
    }
  }
  {
    Statement q(c,
                "SELECT id, session, date, path, added_at FROM followups WHERE plan = ?1 "
                "ORDER BY session, date, id");
    q.bind(1, id);
    while (q.step()) {
      d.followups.push_back({q.int64(0), q.integer(1), q.text(2), q.text(3), q.text(4)});
    }
  }
  {
    Statement q(
        c, std::string(detail::kEventsCte) + "SELECT * FROM all_ev WHERE plan = ?1 ORDER BY ord");
    q.bind(1, id);
    while (q.step()) d.events.push_back(eventAt(q, 0, d.summary.patient, d.summary.plan_file));
  }
  return d;
}

}  // namespace rfa::cases
