// The case database: opening (file modes, pragmas, integrity, migrations) and the writes (plans,
// follow-ups), each in one transaction.
#include "rfa/cases/case_db.h"

#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "case_db_impl.h"
#include "db_path.h"
#include "rfa/core/error.h"
#include "rfa/core/sha256.h"
#include "rfa/planning/plan.h"
#include "rfa/planning/plan_io.h"
#include "schema.h"

namespace rfa::cases {

namespace fs = std::filesystem;
using detail::Statement;
using detail::Transaction;

namespace detail {

std::string nowUtc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace detail

namespace {

fs::path absolutePath(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? fs::absolute(p).lexically_normal() : abs;
}

// source.patient_id, else the study or series UID, else the plan file: never a name.
std::string patientKey(const planning::PlanSource& s, const fs::path& plan_file) {
  if (!s.patient_id.empty()) return s.patient_id;
  if (!s.study_instance_uid.empty()) return "study:" + s.study_instance_uid;
  if (!s.series_instance_uid.empty()) return "series:" + s.series_instance_uid;
  return "file:" + plan_file.string();
}

std::string joinIds(const std::vector<int>& ids) {
  std::string out;
  for (const int id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

std::string readAll(const fs::path& file, const fs::path& as_given) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw NotFoundError("cannot open plan file " + as_given.string());
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw NotFoundError("cannot read plan file " + as_given.string());
  return s.str();
}

}  // namespace

CaseDatabase::CaseDatabase(const fs::path& file) {
  const fs::path abs = fs::absolute(file);
  detail::prepareDatabaseFile(abs);
  impl_ = std::make_unique<Impl>(abs);
  const detail::Connection& c = impl_->conn;
  sqlite3_busy_timeout(c.get(), 5000);
  // The first read: a file that is not a database fails here (CorruptDataError), and a newer
  // schema is refused before anything (journal mode included) is changed.
  detail::requireKnownVersion(c);
  c.exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
  c.exec("PRAGMA synchronous = FULL", "setting synchronous=FULL");
  // WAL where the file system allows it (not on some network file systems: the rollback journal
  // then stays, which is crash-safe too).
  (void)c.queryText("PRAGMA journal_mode = WAL", "setting the WAL journal");
  const std::string check = c.queryText("PRAGMA integrity_check(1)", "checking integrity");
  if (check != "ok") {
    throw CorruptDataError(abs.string() + ": fails PRAGMA integrity_check: " + check);
  }
  detail::migrate(c);
}

CaseDatabase::~CaseDatabase() = default;
CaseDatabase::CaseDatabase(CaseDatabase&&) noexcept = default;
CaseDatabase& CaseDatabase::operator=(CaseDatabase&&) noexcept = default;

const fs::path& CaseDatabase::file() const {
  return impl_->file;
}

int CaseDatabase::schemaVersion() const {
  return detail::userVersion(impl_->conn);
}

std::string CaseDatabase::integrityCheck() const {
  return impl_->conn.queryText("PRAGMA integrity_check", "checking integrity");
}

AddResult CaseDatabase::addPlan(const fs::path& plan_file) {
  const fs::path path = absolutePath(plan_file);
  const std::string text = readAll(path, plan_file);
  const std::string sha = sha256Hex(text.data(), text.size());
  const planning::TreatmentPlan plan = planning::parsePlan(text, plan_file.string());
  const std::string now = detail::nowUtc();
  const detail::Connection& c = impl_->conn;

  Transaction t(c);
  AddResult result;
  result.revision = plan.revision;
  std::int64_t existing = 0;
  {
    Statement q(c, "SELECT id, sha256 FROM plans WHERE path = ?1");
    q.bind(1, path.string());
    if (q.step()) {
      existing = q.int64(0);
      if (q.text(1) == sha) {
        t.commit();
        result.case_id = existing;
        result.outcome = AddOutcome::kUnchanged;
        return result;
      }
    }
  }
  const std::string key = patientKey(plan.source, path);
  Statement(c, "INSERT INTO patients (key, patient_id) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING")
      .bind(1, key)
      .bind(2, plan.source.patient_id)
      .run();
  std::int64_t patient = 0;
  {
    Statement q(c, "SELECT id FROM patients WHERE key = ?1");
    q.bind(1, key);
    if (!q.step()) throw WriteError(c.file().string() + ": patient record missing after insert");
    patient = q.int64(0);
  }
  const auto bindPlan = [&](Statement& s) {
    s.bind(1, patient)
        .bind(2, plan.revision)
        .bind(3, plan.format_version)
        .bind(4, sha)
        .bind(5, plan.settings.profile)
        .bind(6, plan.settings.start_date)
        .bind(7, plan.settings.prior_sessions)
        .bind(8, static_cast<int>(plan.sessions.size()))
        .bind(9, static_cast<int>(plan.lesions.size()))
        .bind(10, plan.source.input)
        .bind(11, plan.source.segmentation)
        .bind(12, plan.source.study_instance_uid)
        .bind(13, plan.source.series_instance_uid)
        .bind(14, now)
        .bind(15, path.string());
  };
  if (existing != 0) {
    Statement u(c,
                "UPDATE plans SET patient = ?1, revision = ?2, format_version = ?3, sha256 = ?4, "
                "profile = ?5, start_date = ?6, prior_sessions = ?7, sessions_count = ?8, "
                "lesion_count = ?9, series = ?10, segmentation = ?11, study_uid = ?12, "
                "series_uid = ?13, updated_at = ?14 WHERE path = ?15");
    bindPlan(u);
    u.run();
    Statement(c, "DELETE FROM sessions WHERE plan = ?1").bind(1, existing).run();
    Statement(c, "DELETE FROM events WHERE plan = ?1").bind(1, existing).run();
    result.case_id = existing;
    result.outcome = AddOutcome::kUpdated;
  } else {
    Statement ins(c,
                  "INSERT INTO plans (patient, revision, format_version, sha256, profile, "
                  "start_date, prior_sessions, sessions_count, lesion_count, series, segmentation, "
                  "study_uid, series_uid, updated_at, path, added_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                  "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?14)");
    bindPlan(ins);
    ins.run();
    result.case_id = sqlite3_last_insert_rowid(c.get());
    result.outcome = AddOutcome::kAdded;
  }
  Statement ses(c,
                "INSERT INTO sessions (plan, idx, lesion_ids, decision, lab_date, review_status, "
                "done) VALUES (?1, ?2, ?3, ?4, ?5, ?6, EXISTS (SELECT 1 FROM followups WHERE "
                "plan = ?1 AND session = ?2))");
  for (const planning::PlanSession& s : plan.sessions) {
    ses.reset();
    ses.bind(1, result.case_id)
        .bind(2, s.index)
        .bind(3, joinIds(s.lesion_ids))
        .bind(4, planning::toString(s.decision))
        .bind(5, s.lab_date)
        .bind(6, planning::toString(s.review_status))
        .run();
  }
  Statement ev(c,
               "INSERT INTO events (plan, seq, day, date, kind, session, cycle, text) VALUES (?1, "
               "?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  int seq = 0;
  for (const planning::PlanEvent& e : plan.timeline) {
    ev.reset();
    ev.bind(1, result.case_id)
        .bind(2, seq++)
        .bind(3, e.day)
        .bind(4, e.date)
        .bind(5, planning::toString(e.kind))
        .bind(6, e.session)
        .bind(7, e.cycle)
        .bind(8, e.text)
        .run();
  }
  c.exec("DELETE FROM patients WHERE id NOT IN (SELECT patient FROM plans)",
         "removing patients without plans");
  t.commit();
  return result;
}

std::int64_t CaseDatabase::addFollowup(std::int64_t case_id, int session, const std::string& date,
                                       const fs::path& result_file) {
  if (!date.empty() && !detail::isDate(date)) {
    throw UsageError("follow-up date must be yyyy-mm-dd (got \"" + date + "\")");
  }
  std::error_code ec;
  if (!fs::is_regular_file(result_file, ec)) {
    throw NotFoundError("follow-up result file not found: " + result_file.string());
  }
  const fs::path path = absolutePath(result_file);
  const detail::Connection& c = impl_->conn;
  Transaction t(c);
  {
    Statement q(c, "SELECT prior_sessions, sessions_count FROM plans WHERE id = ?1");
    q.bind(1, case_id);
    if (!q.step()) {
      throw NotFoundError("no case " + std::to_string(case_id) + " in " + c.file().string());
    }
    Statement s(c, "SELECT 1 FROM sessions WHERE plan = ?1 AND idx = ?2");
    s.bind(1, case_id).bind(2, session);
    if (!s.step()) {
      const int first = q.integer(0) + 1;
      const int last = q.integer(0) + q.integer(1);
      throw UsageError("case " + std::to_string(case_id) + " has no session " +
                       std::to_string(session) + " (its plan's sessions: " +
                       (last >= first ? std::to_string(first) + ".." + std::to_string(last)
                                      : std::string("none")) +
                       ")");
    }
  }
  Statement(c,
            "INSERT INTO followups (plan, session, date, path, added_at) VALUES (?1, ?2, ?3, ?4, "
            "?5) ON CONFLICT(plan, path) DO UPDATE SET session = excluded.session, date = "
            "excluded.date")
      .bind(1, case_id)
      .bind(2, session)
      .bind(3, date)
      .bind(4, path.string())
      .bind(5, detail::nowUtc())
      .run();
  Statement(c,
            "UPDATE sessions SET done = EXISTS (SELECT 1 FROM followups f WHERE f.plan = "
            "sessions.plan AND f.session = sessions.idx) WHERE plan = ?1")
      .bind(1, case_id)
      .run();
  Statement(c, "UPDATE plans SET updated_at = ?2 WHERE id = ?1")
      .bind(1, case_id)
      .bind(2, detail::nowUtc())
      .run();
  std::int64_t id = 0;
  {
    Statement q(c, "SELECT id FROM followups WHERE plan = ?1 AND path = ?2");
    q.bind(1, case_id).bind(2, path.string());
    if (q.step()) id = q.int64(0);
  }
  t.commit();
  return id;
}

}  // namespace rfa::cases
