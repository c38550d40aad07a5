#pragma once
/// \file case_db.h
/// \brief The case worklist: a local SQLite database of the patients, their plan files
/// (docs/plan-format.md), the sessions done, the follow-ups recorded and the timeline events due.
/// Research use only: a planning aid for a tumour board, not an appointment system or a patient
/// record.
///
/// What is stored (never more patient data than the plan files already hold): per plan file its
/// absolute path, revision, format version, SHA-256, profile, start date, counts, series input,
/// segmentation record and DICOM study/series UIDs; the patient as the plan records it
/// (source.patient_id, never a name; when the plan has none, keyed by its study or series UID);
/// the sessions (index, lesion ids, lab decision and date, review status, done); the plan's
/// timeline as written (day, date, kind, session, cycle, text); follow-ups (result file path,
/// date, session); since schema version 3, per patient key the trial arm and dated outcome events
/// (death, last contact, local tumour progression, new lesions, mRECIST response, adverse events,
/// EORTC QLQ-C30 scores: OutcomeRecord). Times the database itself records (added/updated) are
/// UTC.
///
/// Units and formats: dates are "yyyy-mm-dd" (proleptic Gregorian) or "" where the plan has none;
/// days are counted from the plan's first RFA (day 0); timestamps are ISO 8601 UTC
/// ("2027-01-05T10:20:30Z").
///
/// Crash safety: WAL journal, synchronous=FULL, every write one transaction: a process killed
/// during a write leaves the database with every committed write and none of the interrupted one.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rfa::cases {

/// The schema version this program writes (PRAGMA user_version); older files are migrated.
inline constexpr int kSchemaVersion = 3;

/// \brief Where the worklist lives by default: $RFA_CASES_DB when set and not empty, else
/// $XDG_DATA_HOME/rfaplan/cases.sqlite (XDG_DATA_HOME absolute), else
/// $HOME/.local/share/rfaplan/cases.sqlite. Creates nothing.
/// \throws UsageError when none of RFA_CASES_DB, XDG_DATA_HOME and HOME is usable.
std::filesystem::path defaultDatabasePath();

/// What addPlan() did.
enum class AddOutcome {
  kAdded,      ///< a plan file not in the database before
  kUpdated,    ///< the file changed since it was added (e.g. a new revision): its record replaced
  kUnchanged,  ///< the same bytes (SHA-256) as recorded: nothing written
};

/// The result of addPlan().
struct AddResult {
  std::int64_t case_id = 0;  ///< the case (one plan file) id
  AddOutcome outcome = AddOutcome::kAdded;
  int revision = 0;  ///< the plan's "revision"
};

/// One event of a case: a timeline event of its plan, or a "labs" reminder derived from it.
struct CaseEvent {
  std::int64_t case_id = 0;
  std::string patient;  ///< the case's patient key (CaseSummary::patient)
  std::string plan_file;
  int day = 0;       ///< days from the plan's first RFA (day 0)
  std::string date;  ///< yyyy-mm-dd, "" when the plan has no start date
  /// The plan's kind ("rfa", "systemic-cycle", "imaging-technical-success", "imaging-followup"),
  /// or "labs": the pre-session labs of an RFA whose session has no passed lab check in the plan
  /// (decision not "proceed"), due by that RFA's day (same day and date as the RFA).
  std::string kind;
  int session = 0;  ///< the session number it belongs to (PlanSession::index)
  int cycle = 0;    ///< systemic-cycle: 1-based cycle after its session, else 0
  std::string text;
};

/// One case of the worklist: one plan file and its patient.
struct CaseSummary {
  std::int64_t id = 0;
  /// The patient key: source.patient_id, or "study:<uid>" / "series:<uid>" when the plan has no
  /// patient id, or "file:<plan path>" when it has none of them.
  std::string patient;
  std::string patient_id;  ///< source.patient_id as the plan records it ("" when none)
  std::string plan_file;   ///< absolute path
  int revision = 0;
  std::string profile;
  std::string start_date;         ///< settings.start_date ("" : timeline in days only)
  int prior_sessions = 0;         ///< sessions done before this plan (settings.prior_sessions)
  int sessions = 0;               ///< sessions of this plan
  int sessions_done = 0;          ///< of those, with a follow-up recorded
  int lesions = 0;                ///< lesions of the plan
  int followups = 0;              ///< follow-up results recorded
  std::optional<CaseEvent> next;  ///< the first open event on or after the filter's day
  std::string added_at;           ///< UTC
  std::string updated_at;         ///< UTC: when the record last changed
};

/// Which cases listCases() returns.
struct CaseFilter {
  std::string patient;  ///< a substring of the patient key, ASCII case-insensitive; "" = all
  std::string profile;  ///< exact profile name; "" = all
  /// "Today" for the next event and the due window: yyyy-mm-dd; "" = the local date.
  std::string today;
  bool due_only = false;  ///< only cases with an open dated event in [today, today + due_days]
  int due_days = 30;      ///< >= 0
};

/// Events due, from due().
struct DueList {
  std::string from;  ///< the window [from, to], both included
  std::string to;
  /// Open events dated in the window, by date, then patient, case and timeline order.
  std::vector<CaseEvent> dated;
  /// Open events of plans without a start date (no dates: "day N from the first RFA"), by patient,
  /// case and day.
  std::vector<CaseEvent> undated;
};

/// One session of a case.
struct SessionRecord {
  int index = 0;  ///< PlanSession::index
  std::vector<int> lesion_ids;
  std::string decision;       ///< the plan's lab decision ("proceed", "labs not given", ...)
  std::string lab_date;       ///< "" when none
  std::string review_status;  ///< "", "approved", "rejected"
  bool done = false;          ///< a follow-up result was recorded for it
};

/// One follow-up result recorded with addFollowup().
struct FollowupRecord {
  std::int64_t id = 0;
  int session = 0;
  std::string date;  ///< yyyy-mm-dd or ""
  std::string file;  ///< absolute path of the result (e.g. a confirm margins.json)
  std::string added_at;
};

/// Everything recorded about one case, from openCase().
struct CaseDetail {
  CaseSummary summary;
  int format_version = 0;
  std::string sha256;  ///< of the plan file as added
  std::string series;  ///< source.input as recorded (the series the plan was made on)
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string segmentation;  ///< source.segmentation as recorded
  /// Where the series is, as planning::loadPlanCase() looks for it: `series` as recorded when it
  /// exists, else relative to the plan file's folder when that exists, else as recorded.
  std::filesystem::path series_path;
  /// The segmentation folder as planning::loadPlanCase() looks for it: <plan folder>/<name> when
  /// the plan records "automatic (written to <name>/)"; a recorded path as recorded when it
  /// exists, else beside the plan file when that exists, else as recorded; empty when the plan
  /// records no folder ("", "automatic", "edited").
  std::filesystem::path segmentation_folder;
  std::vector<SessionRecord> sessions;
  std::vector<FollowupRecord> followups;
  std::vector<CaseEvent> events;  ///< the whole timeline (with labs reminders), open or not
};

/// One outcome event of a patient (trial endpoints), recorded with addOutcome().
struct OutcomeRecord {
  std::int64_t id = 0;  ///< assigned by addOutcome()
  /// "death", "last-contact", "ltp" (local tumour progression of `lesion`), "new-intrahepatic",
  /// "new-extrahepatic", "response" (mRECIST `response`), "adverse-event" (`term`, `grade`,
  /// `relation`, `session`) or "qlq-c30" (`qlq`).
  std::string kind;
  std::string date;      ///< yyyy-mm-dd (required)
  int lesion = 0;        ///< ltp: the plan's lesion id (>= 1); 0 for other kinds
  std::string response;  ///< response: "CR", "PR", "SD" or "PD"; "" for other kinds
  std::string term;      ///< adverse-event: the CTCAE term (not empty); "" for other kinds
  int grade = 0;         ///< adverse-event: CTCAE grade 1-5; 0 for other kinds
  /// adverse-event: relation to the procedure: "unrelated", "unlikely", "possible", "probable" or
  /// "definite"; "" for other kinds.
  std::string relation;
  int session = 0;  ///< adverse-event: the session (>= 1) it followed; 0 = not stated
  /// qlq-c30: a JSON object of EORTC QLQ-C30 scale scores 0-100 (keys among kQlqC30Scales, "QL2"
  /// the global health status, required), stored compact (nlohmann dump()); "" for other kinds.
  std::string qlq;
  std::string added_at;  ///< UTC, set by the database
};

/// The 15 EORTC QLQ-C30 scale keys (scoring manual abbreviations): QL2 global health status;
/// PF2, RF2, EF, CF, SF functional scales; FA, NV, PA, DY, SL, AP, CO, DI, FI symptom scales.
inline constexpr const char* kQlqC30Scales[] = {"QL2", "PF2", "RF2", "EF", "CF", "SF", "FA", "NV",
                                                "PA",  "DY",  "SL",  "AP", "CO", "DI", "FI"};

/// The outcome record of one patient, from outcomesOf() / listOutcomes().
struct PatientOutcomes {
  std::string patient;  ///< the patient key (CaseSummary::patient)
  std::string arm;      ///< the trial arm ("" when none set)
  /// Dates (yyyy-mm-dd, ascending, distinct) of the RFA events of the patient's plans' timelines;
  /// the first one is the first ablation. Plans without a start date contribute none.
  std::vector<std::string> rfa_dates;
  /// Dates (ascending, distinct) of the follow-ups recorded for the patient's plans.
  std::vector<std::string> followup_dates;
  std::vector<OutcomeRecord> events;  ///< by date, then id
};

/// \brief Checks an outcome record before it is written: kind known, date yyyy-mm-dd, and the
/// fields of its kind (and only those) set as OutcomeRecord documents.
/// \throws UsageError naming the field and the value at fault.
void validateOutcome(const OutcomeRecord& record);

/// \brief The case database. One object holds one SQLite connection (not thread-safe: one thread at
/// a time); several processes may use the same file (a busy timeout waits for the other writer).
class CaseDatabase {
 public:
  /// \brief Opens `file`, creating it (and the folders up to it) when missing: folders created
  /// with mode 0700 and the file 0600 whatever the umask (the -wal and -shm files take the file's
  /// mode). Sets WAL journal, synchronous=FULL, foreign keys and a 5 s busy timeout, checks
  /// `PRAGMA integrity_check`, and migrates an older schema to kSchemaVersion (one transaction per
  /// migration step).
  /// \throws CorruptDataError naming the file when it is not an SQLite database or fails the
  /// integrity check; UnsupportedError naming the file and both versions when its schema is newer
  /// than kSchemaVersion; WriteError naming the file or folder when it cannot be created, opened or
  /// migrated.
  explicit CaseDatabase(const std::filesystem::path& file);
  ~CaseDatabase();
  CaseDatabase(CaseDatabase&&) noexcept;
  CaseDatabase& operator=(CaseDatabase&&) noexcept;
  CaseDatabase(const CaseDatabase&) = delete;
  CaseDatabase& operator=(const CaseDatabase&) = delete;

  [[nodiscard]] const std::filesystem::path& file() const;
  /// PRAGMA user_version of the open file (kSchemaVersion once opened).
  [[nodiscard]] int schemaVersion() const;
  /// `PRAGMA integrity_check` of the file: "ok" when sound.
  [[nodiscard]] std::string integrityCheck() const;

  /// \brief Adds the plan file (planning::readPlanFile() rules), keyed by its absolute path. The
  /// same bytes as recorded: nothing is written. Other bytes (a new revision): the case's record,
  /// sessions and events are replaced; its follow-ups are kept (a session stays done while a
  /// follow-up names it). One transaction.
  /// \throws NotFoundError when the file cannot be read; CorruptDataError / UnsupportedError as
  /// planning::parsePlan(); WriteError when the database cannot be written.
  AddResult addPlan(const std::filesystem::path& plan_file);

  /// \brief Records a follow-up result (e.g. the margins.json of `rfaplan confirm`) of session
  /// `session` of case `case_id`, dated `date` ("yyyy-mm-dd" or ""), and marks the session done.
  /// The same file again replaces its session and date. One transaction. \returns its id.
  /// \throws NotFoundError for an unknown case or a missing file; UsageError for a malformed date
  /// or a session that is not in the plan; WriteError when the database cannot be written.
  std::int64_t addFollowup(std::int64_t case_id, int session, const std::string& date,
                           const std::filesystem::path& result_file);

  /// \brief The cases matching `filter`, sorted by patient key, then plan file path.
  /// \throws UsageError for a malformed filter.today or due_days < 0.
  [[nodiscard]] std::vector<CaseSummary> listCases(const CaseFilter& filter = {}) const;

  /// \brief The open events (not of a session done) dated from `from` (yyyy-mm-dd; "" = the local
  /// date) to `days` days later, and the open events of undated plans.
  /// \throws UsageError for a malformed date or days < 0.
  [[nodiscard]] DueList due(const std::string& from, int days) const;

  /// \brief Everything recorded for case `id`. \throws NotFoundError for an unknown id.
  [[nodiscard]] CaseDetail openCase(std::int64_t id) const;

  /// \brief Sets the trial arm of `patient` (a patient key, CaseSummary::patient), replacing the
  /// one set before. One transaction.
  /// \throws NotFoundError for a patient key with no plan; UsageError for an empty arm or one
  /// with control characters; WriteError when the database cannot be written.
  void setArm(const std::string& patient, const std::string& arm);

  /// \brief Records an outcome event of `patient` (validateOutcome() first; the qlq JSON stored
  /// compact). One transaction. \returns its id.
  /// \throws NotFoundError for a patient key with no plan; UsageError as validateOutcome();
  /// WriteError when the database cannot be written.
  std::int64_t addOutcome(const std::string& patient, const OutcomeRecord& record);

  /// \brief The arm, RFA dates, follow-up dates and outcome events of `patient`.
  /// \throws NotFoundError for a patient key with no plan and no outcome record.
  [[nodiscard]] PatientOutcomes outcomesOf(const std::string& patient) const;

  /// \brief outcomesOf() of every patient with a plan, an arm or an outcome event, by patient key.
  [[nodiscard]] std::vector<PatientOutcomes> listOutcomes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// \brief The local date as yyyy-mm-dd.
std::string todayLocal();

/// \brief `date` (yyyy-mm-dd) plus `days`. \throws UsageError naming `what` for a malformed date.
std::string addDays(const std::string& date, int days, const std::string& what = "date");

}  // namespace rfa::cases
