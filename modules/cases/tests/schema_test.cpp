// The case database file: private modes whatever the umask, a version-1 file made by hand with
// the old schema migrated, a newer schema refused, and files that are not case databases.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <random>
#include <string>

#include "case_test_support.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"
#include "test_support.h"

namespace rfa::cases {
namespace {

namespace fs = std::filesystem;
using rfa::test::TempDir;

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777U;
}

// Sets the umask for its lifetime.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t m) : old_(::umask(m)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

// Runs SQL on a file with the plain SQLite API (the old schema "by hand").
void execRaw(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

class CaseDbModes : public ::testing::TestWithParam<mode_t> {};

TEST_P(CaseDbModes, FoldersAre0700AndFilesAre0600) {
  TempDir tmp;
  const ScopedUmask umask(GetParam());
  const fs::path file = tmp / "data" / "rfaplan" / "cases.sqlite";
  {
    CaseDatabase db(file);
    test::writePlan(tmp / "plan.json", test::syntheticPlan("PAT-M", "2027-01-04"));
    db.addPlan(tmp / "plan.json");
    EXPECT_EQ(modeOf(tmp / "data"), 0700U);
    EXPECT_EQ(modeOf(tmp / "data" / "rfaplan"), 0700U);
    EXPECT_EQ(modeOf(file), 0600U);
    // The write-ahead log and its index exist while the database is open: same mode.
    ASSERT_TRUE(fs::exists(file.string() + "-wal"));
    EXPECT_EQ(modeOf(file.string() + "-wal"), 0600U);
    ASSERT_TRUE(fs::exists(file.string() + "-shm"));
    EXPECT_EQ(modeOf(file.string() + "-shm"), 0600U);
    EXPECT_EQ(db.listCases().size(), 1U);
  }
  EXPECT_EQ(modeOf(file), 0600U);
}

INSTANTIATE_TEST_SUITE_P(Umask, CaseDbModes, ::testing::Values(mode_t{022}, mode_t{000}),
                         [](const auto& p) { return p.param == 0 ? "umask000" : "umask022"; });

TEST(CaseDbSchema, NewFileIsAtTheCurrentVersionInWalMode) {
  TempDir tmp;
  CaseDatabase db(tmp / "cases.sqlite");
  EXPECT_EQ(db.schemaVersion(), kSchemaVersion);
  EXPECT_EQ(db.integrityCheck(), "ok");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((tmp / "cases.sqlite").c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(raw);
}

// The schema of version 1 as it shipped (no follow-ups, no done flag), written by hand.
constexpr const char* kVersion1Schema = R"sql(
CREATE TABLE patients (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, patient_id TEXT NOT NULL);
CREATE TABLE plans (id INTEGER PRIMARY KEY, patient INTEGER NOT NULL REFERENCES patients(id),
  path TEXT NOT NULL UNIQUE, revision INTEGER NOT NULL, format_version INTEGER NOT NULL,
  sha256 TEXT NOT NULL, profile TEXT NOT NULL, start_date TEXT NOT NULL,
  prior_sessions INTEGER NOT NULL, sessions_count INTEGER NOT NULL, lesion_count INTEGER NOT NULL,
  series TEXT NOT NULL, segmentation TEXT NOT NULL, study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL, added_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX plans_patient ON plans(patient);
CREATE TABLE sessions (plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL, lesion_ids TEXT NOT NULL, decision TEXT NOT NULL, lab_date TEXT NOT NULL,
  review_status TEXT NOT NULL, PRIMARY KEY (plan, idx));
CREATE TABLE events (plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, day INTEGER NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL,
  session INTEGER NOT NULL, cycle INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (plan, seq));
INSERT INTO patients VALUES (1, 'OLD-1', 'OLD-1');
INSERT INTO plans VALUES (7, 1, '/old/plan.json', 4, 1, 'ab', 'batch-rfa', '2026-11-02', 0, 2, 3,
  '/old/ct', 'segmentation/', '1.2.3', '1.2.3.4', '2026-10-01T08:00:00Z', '2026-10-02T08:00:00Z');
INSERT INTO sessions VALUES (7, 1, '1,2', 'proceed', '2026-10-30', 'approved');
INSERT INTO sessions VALUES (7, 2, '3', 'labs not given', '', '');
INSERT INTO events VALUES (7, 0, 0, '2026-11-02', 'rfa', 1, 0, 'RFA session 1 of 2');
INSERT INTO events VALUES (7, 1, 30, '2026-12-02', 'imaging-technical-success', 1, 0, 'CT');
INSERT INTO events VALUES (7, 2, 51, '2026-12-23', 'rfa', 2, 0, 'RFA session 2 of 2');
PRAGMA user_version = 1;
)sql";

TEST(CaseDbSchema, VersionOneFileIsMigratedWithItsCases) {
  TempDir tmp;
  const fs::path file = tmp / "old.sqlite";
  ASSERT_NO_FATAL_FAILURE(execRaw(file, kVersion1Schema));
  CaseDatabase db(file);
  EXPECT_EQ(db.schemaVersion(), kSchemaVersion);
  EXPECT_EQ(db.integrityCheck(), "ok");
  const std::vector<CaseSummary> cases = db.listCases();
  ASSERT_EQ(cases.size(), 1U);
  EXPECT_EQ(cases[0].id, 7);
  EXPECT_EQ(cases[0].patient, "OLD-1");
  EXPECT_EQ(cases[0].revision, 4);
  EXPECT_EQ(cases[0].sessions_done, 0);
  // Version 2's follow-ups work on the migrated case.
  std::ofstream(tmp / "margins.json") << "{}\n";
  EXPECT_GT(db.addFollowup(7, 1, "2026-12-02", tmp / "margins.json"), 0);
  const CaseDetail d = db.openCase(7);
  ASSERT_EQ(d.sessions.size(), 2U);
  EXPECT_TRUE(d.sessions[0].done);
  EXPECT_EQ(d.sessions[0].review_status, "approved");
  const DueList due = db.due("2026-11-01", 90);
  ASSERT_EQ(due.dated.size(), 2U);  // session 2's labs and RFA; session 1 is done
  EXPECT_EQ(due.dated[0].kind, "labs");
  EXPECT_EQ(due.dated[1].kind, "rfa");
  EXPECT_EQ(due.dated[1].date, "2026-12-23");
}

// Version 2 as it shipped: version 1 plus follow-ups and the done flag, with one follow-up.
constexpr const char* kVersion2Additions = R"sql(
ALTER TABLE sessions ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
CREATE TABLE followups (id INTEGER PRIMARY KEY,
  plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE, session INTEGER NOT NULL,
  date TEXT NOT NULL, path TEXT NOT NULL, added_at TEXT NOT NULL, UNIQUE (plan, path));
CREATE INDEX events_date ON events(date);
INSERT INTO followups VALUES (1, 7, 1, '2026-12-02', '/old/margins.json', '2026-12-02T09:00:00Z');
UPDATE sessions SET done = 1 WHERE plan = 7 AND idx = 1;
PRAGMA user_version = 2;
)sql";

TEST(CaseDbSchema, VersionTwoFileIsMigratedToOutcomeRecords) {
  TempDir tmp;
  const fs::path file = tmp / "v2.sqlite";
  ASSERT_NO_FATAL_FAILURE(execRaw(file, std::string(kVersion1Schema) + kVersion2Additions));
  CaseDatabase db(file);
  EXPECT_EQ(db.schemaVersion(), 3);
  EXPECT_EQ(db.integrityCheck(), "ok");
  // Version 2's records are kept.
  const CaseDetail d = db.openCase(7);
  ASSERT_EQ(d.followups.size(), 1U);
  EXPECT_EQ(d.followups[0].date, "2026-12-02");
  ASSERT_EQ(d.sessions.size(), 2U);
  EXPECT_TRUE(d.sessions[0].done);
  // Version 3's outcome records work on the migrated patient.
  db.setArm("OLD-1", "control");
  OutcomeRecord death;
  death.kind = "death";
  death.date = "2028-05-01";
  EXPECT_GT(db.addOutcome("OLD-1", death), 0);
  const PatientOutcomes o = db.outcomesOf("OLD-1");
  EXPECT_EQ(o.arm, "control");
  EXPECT_EQ(o.rfa_dates, (std::vector<std::string>{"2026-11-02", "2026-12-23"}));
  EXPECT_EQ(o.followup_dates, (std::vector<std::string>{"2026-12-02"}));
  ASSERT_EQ(o.events.size(), 1U);
  EXPECT_EQ(o.events[0].kind, "death");
}

TEST(CaseDbSchema, NewerVersionIsRefusedNamingFileAndVersions) {
  TempDir tmp;
  const fs::path file = tmp / "future.sqlite";
  { CaseDatabase db(file); }
  ASSERT_NO_FATAL_FAILURE(execRaw(file, "PRAGMA user_version = 4"));
  try {
    CaseDatabase db(file);
    FAIL() << "a newer schema was opened";
  } catch (const UnsupportedError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(file.string()), std::string::npos) << m;
    EXPECT_NE(m.find("version 4"), std::string::npos) << m;
    EXPECT_NE(m.find("(3)"), std::string::npos) << m;
  }
}

TEST(CaseDbSchema, RandomBytesAreCorruptNamingTheFile) {
  TempDir tmp;
  const fs::path file = tmp / "random.sqlite";
  std::mt19937 rng(7);
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < 8192; ++i) out.put(static_cast<char>(rng() & 0xff));
  }
  try {
    CaseDatabase db(file);
    FAIL() << "random bytes were opened";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  // Another program's SQLite database (tables, no schema version) is not a case database.
  const fs::path other = tmp / "other.sqlite";
  ASSERT_NO_FATAL_FAILURE(execRaw(other, "CREATE TABLE t (x)"));
  EXPECT_THROW(CaseDatabase{other}, CorruptDataError);
  // A folder where the file should be.
  fs::create_directories(tmp / "dir.sqlite");
  EXPECT_THROW(CaseDatabase{tmp / "dir.sqlite"}, NotFoundError);
}

TEST(CaseDbSchema, DamagedPagesFailTheIntegrityCheck) {
  TempDir tmp;
  const fs::path file = tmp / "damaged.sqlite";
  {
    CaseDatabase db(file);
    for (int i = 0; i < 40; ++i) {
      const fs::path plan = tmp / ("p" + std::to_string(i) + ".json");
      test::writePlanFast(plan, test::syntheticPlan("PAT-" + std::to_string(i), "2027-01-04", 3));
      db.addPlan(plan);
    }
  }  // closing checkpoints the WAL into the file
  const auto size = fs::file_size(file);
  ASSERT_GT(size, 4U * 4096U);
  {
    // Zero the pages after the first two (the header page stays): tables and indexes then
    // disagree or point nowhere.
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::streamoff{2} * 4096);
    const std::string zeros(static_cast<std::size_t>(size) - std::size_t{3} * 4096, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  try {
    CaseDatabase db(file);
    FAIL() << "a damaged file was opened";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rfa::cases
