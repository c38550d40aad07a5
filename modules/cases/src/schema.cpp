// Schema versions of the case database (PRAGMA user_version) and their migrations.
#include "schema.h"

#include <string>
#include <vector>

#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"

namespace rfa::cases::detail {

namespace {

struct Migration {
  int version;      // user_version after this step
  const char* sql;  // the step's statements
};

// Version 1: patients, plan files, sessions and timeline events. Dates are "yyyy-mm-dd" or "",
// times ISO 8601 UTC; lesion_ids is "1,3,4".
constexpr const char* kVersion1 = R"sql(
CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  patient_id TEXT NOT NULL
);
CREATE TABLE plans (
  id INTEGER PRIMARY KEY,
  patient INTEGER NOT NULL REFERENCES patients(id),
  path TEXT NOT NULL UNIQUE,
  revision INTEGER NOT NULL,
  format_version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  profile TEXT NOT NULL,
  start_date TEXT NOT NULL,
  prior_sessions INTEGER NOT NULL,
  sessions_count INTEGER NOT NULL,
  lesion_count INTEGER NOT NULL,
  series TEXT NOT NULL,
  segmentation TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  added_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX plans_patient ON plans(patient);
CREATE TABLE sessions (
  plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  lesion_ids TEXT NOT NULL,
  decision TEXT NOT NULL,
  lab_date TEXT NOT NULL,
  review_status TEXT NOT NULL,
  PRIMARY KEY (plan, idx)
);
CREATE TABLE events (
  plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  day INTEGER NOT NULL,
  date TEXT NOT NULL,
  kind TEXT NOT NULL,
  session INTEGER NOT NULL,
  cycle INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (plan, seq)
);
)sql";

// Version 2: follow-up results, a session's done flag, events by date.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE sessions ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
CREATE TABLE followups (
  id INTEGER PRIMARY KEY,
  plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  session INTEGER NOT NULL,
  date TEXT NOT NULL,
  path TEXT NOT NULL,
  added_at TEXT NOT NULL,
  UNIQUE (plan, path)
);
CREATE INDEX events_date ON events(date);
)sql";

// Version 3: trial outcomes per patient (keyed by the patient key, so that they outlive a plan
// re-added under another file): the patient's trial arm and dated outcome events. Unused columns
// of an event kind hold 0 or ""; qlq is a JSON object of scale -> score (0-100).
constexpr const char* kVersion3 = R"sql(
CREATE TABLE patient_arms (
  patient TEXT PRIMARY KEY,
  arm TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE outcomes (
  id INTEGER PRIMARY KEY,
  patient TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('death', 'last-contact', 'ltp', 'new-intrahepatic',
    'new-extrahepatic', 'response', 'adverse-event', 'qlq-c30')),
  date TEXT NOT NULL,
  lesion INTEGER NOT NULL DEFAULT 0,
  response TEXT NOT NULL DEFAULT '',
  term TEXT NOT NULL DEFAULT '',
  grade INTEGER NOT NULL DEFAULT 0,
  relation TEXT NOT NULL DEFAULT '',
  session INTEGER NOT NULL DEFAULT 0,
  qlq TEXT NOT NULL DEFAULT '',
  added_at TEXT NOT NULL
);
CREATE INDEX outcomes_patient ON outcomes(patient, date);
)sql";

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {{1, kVersion1}, {2, kVersion2}, {3, kVersion3}};
  return all;
}

}  // namespace

int userVersion(const Connection& c) {
  return static_cast<int>(c.queryInt("PRAGMA user_version", "reading the schema version"));
}

namespace {

[[noreturn]] void refuseNewer(const Connection& c, int found) {
  throw UnsupportedError(c.file().string() + ": case database schema version " +
                         std::to_string(found) + " is newer than this rfaplan knows (" +
                         std::to_string(kSchemaVersion) + "): use a newer rfaplan");
}

}  // namespace

void requireKnownVersion(const Connection& c) {
  if (const int v = userVersion(c); v > kSchemaVersion) refuseNewer(c, v);
}

void migrate(const Connection& c) {
  static_assert(kSchemaVersion == 3, "add the migration step of the new schema version");
  int version = userVersion(c);
  if (version > kSchemaVersion) refuseNewer(c, version);
  if (version == 0 && c.queryInt("SELECT count(*) FROM sqlite_master", "reading the schema") > 0) {
    throw CorruptDataError(c.file().string() +
                           ": an SQLite database with tables but no schema version: not an rfaplan "
                           "case database");
  }
  for (const Migration& m : migrations()) {
    if (version >= m.version) continue;
    Transaction t(c);
    version = userVersion(c);
    if (version > kSchemaVersion) refuseNewer(c, version);
    if (version >= m.version) continue;
    c.exec(m.sql, "migrating the schema to version " + std::to_string(m.version));
    c.exec("PRAGMA user_version = " + std::to_string(m.version), "setting the schema version");
    t.commit();
    version = m.version;
  }
}

}  // namespace rfa::cases::detail
