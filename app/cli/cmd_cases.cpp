// rfaplan cases add PLAN... | list | due | show ID | followup ID FILE --session N |
// outcome PATIENT_KEY [--arm NAME] [--event KIND --date D ...] [--db FILE]
// The case worklist: a thin shell over rfa::cases::CaseDatabase. RESEARCH USE ONLY.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"

namespace rfa::cli {
namespace {

using nlohmann::json;

struct DbOption {
  std::string file;  // --db; empty: cases::defaultDatabasePath()
  [[nodiscard]] cases::CaseDatabase open() const {
    return cases::CaseDatabase(file.empty() ? cases::defaultDatabasePath()
                                            : std::filesystem::path(file));
  }
};

void addDbOption(CLI::App* cmd, DbOption& db) {
  cmd->add_option("--db", db.file,
                  "Case database (default: $RFA_CASES_DB, else "
                  "$XDG_DATA_HOME/rfaplan/cases.sqlite, else ~/.local/share/rfaplan/cases.sqlite)");
}

json eventJson(const cases::CaseEvent& e) {
  return {{"case", e.case_id},    {"patient", e.patient}, {"plan", e.plan_file},
          {"day", e.day},         {"date", e.date},       {"kind", e.kind},
          {"session", e.session}, {"cycle", e.cycle},     {"text", e.text}};
}

json caseJson(const cases::CaseSummary& c) {
  return {{"id", c.id},
          {"patient", c.patient},
          {"patient_id", c.patient_id},
          {"plan", c.plan_file},
          {"revision", c.revision},
          {"profile", c.profile},
          {"start_date", c.start_date},
          {"prior_sessions", c.prior_sessions},
          {"sessions", c.sessions},
          {"sessions_done", c.sessions_done},
          {"lesions", c.lesions},
          {"followups", c.followups},
          {"next", c.next ? eventJson(*c.next) : json(nullptr)},
          {"added_at", c.added_at},
          {"updated_at", c.updated_at}};
}

// "2027-03-01 rfa: RFA session 1 of 2" or "day 51 rfa: ..." for an undated plan.
std::string eventText(const cases::CaseEvent& e) {
  return (e.date.empty() ? "day " + std::to_string(e.day) : e.date) + " " + e.kind + ": " + e.text;
}

// "2027-09-01 ltp lesion 2", "2027-03-05 adverse-event Pain grade 3 (probable, session 1)".
std::string outcomeText(const cases::OutcomeRecord& r) {
  std::string t = r.date + " " + r.kind;
  if (r.kind == "ltp") t += " lesion " + std::to_string(r.lesion);
  if (r.kind == "response") t += " " + r.response + " (mRECIST)";
  if (r.kind == "adverse-event") {
    t += " " + r.term + " grade " + std::to_string(r.grade) + " (" + r.relation +
         (r.session > 0 ? ", session " + std::to_string(r.session) : std::string()) + ")";
  }
  if (r.kind == "qlq-c30") {
    const json q = json::parse(r.qlq, nullptr, false);
    t += " " + (q.is_discarded() ? r.qlq : q.dump());
  }
  return t;
}

void addAdd(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand("add", "Add plan files (a changed file updates its case)");
  static std::vector<std::string> plans;
  static DbOption db;
  cmd->add_option("PLAN", plans, "Plan files (plan.json)")->required();
  addDbOption(cmd, db);
  cmd->callback([&exit_code] {
    cases::CaseDatabase d = db.open();
    std::cout << "case database " << d.file().string() << "\n";
    for (const std::string& p : plans) {
      const cases::AddResult r = d.addPlan(p);
      const char* what = r.outcome == cases::AddOutcome::kAdded     ? "added"
                         : r.outcome == cases::AddOutcome::kUpdated ? "updated"
                                                                    : "unchanged";
      std::cout << what << " case " << r.case_id << ": " << p << " (revision " << r.revision
                << ")\n";
    }
    exit_code = 0;
  });
}

void addList(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand("list", "List the cases with their next event");
  static cases::CaseFilter filter;
  static bool as_json = false;
  static DbOption db;
  cmd->add_option("--patient", filter.patient, "Only patients whose key contains TEXT");
  cmd->add_option("--profile", filter.profile, "Only plans of this protocol profile");
  cmd->add_flag("--due", filter.due_only, "Only cases with an event due in the next --days days");
  cmd->add_option("--days", filter.due_days, "Days ahead for --due (default 30)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--today", filter.today, "Today as YYYY-MM-DD (default: the local date)");
  cmd->add_flag("--json", as_json, "Print JSON instead of text");
  addDbOption(cmd, db);
  cmd->callback([&exit_code] {
    const cases::CaseDatabase d = db.open();
    const std::vector<cases::CaseSummary> rows = d.listCases(filter);
    if (as_json) {
      json j = {
          {"database", d.file().string()}, {"research_use_only", true}, {"cases", json::array()}};
      for (const cases::CaseSummary& c : rows) j["cases"].push_back(caseJson(c));
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << kResearchBanner << "\n"
                << rows.size() << " case(s) in " << d.file().string() << "\n";
      for (const cases::CaseSummary& c : rows) {
        std::cout << "#" << c.id << "  " << c.patient << "  " << c.plan_file << " (revision "
                  << c.revision << ", " << c.profile << ", start "
                  << (c.start_date.empty() ? "not set" : c.start_date) << ")  sessions done "
                  << c.prior_sessions + c.sessions_done << " of " << c.prior_sessions + c.sessions
                  << ", " << c.followups << " follow-up(s); next: "
                  << (c.next ? eventText(*c.next) : std::string("nothing")) << "\n";
      }
    }
    exit_code = 0;
  });
}

void addDue(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand(
      "due", "Events due (labs, RFA, imaging, systemic cycles) from the plans' timelines");
  static std::string from;
  static int days = 30;
  static bool as_json = false;
  static DbOption db;
  cmd->add_option("--from", from, "First day YYYY-MM-DD (default: today)");
  cmd->add_option("--days", days, "Days ahead (default 30)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", as_json, "Print JSON instead of text");
  addDbOption(cmd, db);
  cmd->callback([&exit_code] {
    const cases::CaseDatabase d = db.open();
    const cases::DueList due = d.due(from, days);
    if (as_json) {
      json j = {{"database", d.file().string()},
                {"research_use_only", true},
                {"from", due.from},
                {"to", due.to},
                {"dated", json::array()},
                {"undated", json::array()}};
      for (const cases::CaseEvent& e : due.dated) j["dated"].push_back(eventJson(e));
      for (const cases::CaseEvent& e : due.undated) j["undated"].push_back(eventJson(e));
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << kResearchBanner << "\n"
                << due.dated.size() << " event(s) due " << due.from << " to " << due.to << "\n";
      for (const cases::CaseEvent& e : due.dated) {
        std::cout << e.date << "  #" << e.case_id << " " << e.patient << "  " << e.kind
                  << " (session " << e.session << "): " << e.text << "\n";
      }
      if (!due.undated.empty()) {
        std::cout << "\nplans without a start date (days from the first RFA):\n";
        for (const cases::CaseEvent& e : due.undated) {
          std::cout << "day " << e.day << "  #" << e.case_id << " " << e.patient << "  " << e.kind
                    << " (session " << e.session << "): " << e.text << "\n";
        }
      }
    }
    exit_code = 0;
  });
}

void addShow(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand(
      "show", "One case: plan, series, segmentation, sessions, follow-ups, next events");
  static std::int64_t id = 0;
  static DbOption db;
  cmd->add_option("ID", id, "Case id (as `cases list` shows it)")->required();
  addDbOption(cmd, db);
  cmd->callback([&exit_code] {
    const cases::CaseDatabase d = db.open();
    const cases::CaseDetail c = d.openCase(id);
    const cases::CaseSummary& s = c.summary;
    std::cout << kResearchBanner << "\n"
              << "case " << s.id << ", patient " << s.patient << "\n"
              << "plan:          " << s.plan_file << " (revision " << s.revision << ", sha256 "
              << c.sha256 << ")\n"
              << "profile:       " << s.profile << ", start "
              << (s.start_date.empty() ? "not set" : s.start_date) << ", " << s.lesions
              << " lesion(s)\n"
              << "series:        " << c.series_path.string() << " (recorded: " << c.series << ")\n"
              << "segmentation:  " << c.segmentation_folder.string()
              << " (recorded: " << c.segmentation << ")\n";
    if (s.prior_sessions > 0) {
      std::cout << "sessions 1.." << s.prior_sessions << " done before this plan\n";
    }
    for (const cases::SessionRecord& r : c.sessions) {
      std::string ids;
      for (const int l : r.lesion_ids) ids += (ids.empty() ? "L" : ", L") + std::to_string(l);
      std::cout << "session " << r.index << ": " << ids << "; labs: " << r.decision
                << (r.lab_date.empty() ? "" : " (" + r.lab_date + ")")
                << "; review: " << (r.review_status.empty() ? "not reviewed" : r.review_status)
                << (r.done ? "; done" : "") << "\n";
    }
    for (const cases::FollowupRecord& f : c.followups) {
      std::cout << "follow-up of session " << f.session << " "
                << (f.date.empty() ? "(undated)" : f.date) << ": " << f.file << "\n";
    }
    const cases::DueList due = d.due("", 365);
    std::cout << "next events:\n";
    int shown = 0;
    for (const auto* list : {&due.dated, &due.undated}) {
      for (const cases::CaseEvent& e : *list) {
        if (e.case_id != s.id || shown >= 5) continue;
        std::cout << "  " << eventText(e) << "\n";
        ++shown;
      }
    }
    if (shown == 0) std::cout << "  none in the next 365 days\n";
    const cases::PatientOutcomes o = d.outcomesOf(s.patient);
    std::cout << "trial arm:     " << (o.arm.empty() ? "not set" : o.arm) << "\n"
              << "outcomes of patient " << s.patient << ":"
              << (o.events.empty() ? " none recorded" : "") << "\n";
    for (const cases::OutcomeRecord& r : o.events) {
      std::cout << "  " << outcomeText(r) << "\n";
    }
    exit_code = 0;
  });
}

void addFollowupRecord(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand(
      "followup", "Record a follow-up result (e.g. confirm's margins.json): its session is done");
  static std::int64_t id = 0;
  static std::string file;
  static int session = 0;
  static std::string date;
  static DbOption db;
  cmd->add_option("ID", id, "Case id")->required();
  cmd->add_option("FILE", file, "The result file (e.g. OUTDIR/margins.json of rfaplan confirm)")
      ->required();
  cmd->add_option("--session", session, "The session it follows up")->required();
  cmd->add_option("--date", date, "Date of the follow-up imaging YYYY-MM-DD");
  addDbOption(cmd, db);
  cmd->callback([&exit_code] {
    cases::CaseDatabase d = db.open();
    const std::int64_t f = d.addFollowup(id, session, date, file);
    std::cout << "follow-up " << f << " of case " << id << " session " << session
              << " recorded: " << file << "\n";
    exit_code = 0;
  });
}

void addOutcome(CLI::App* parent, int& exit_code) {
  auto* cmd = parent->add_subcommand(
      "outcome", "Record a patient's trial arm (--arm) or an outcome event (--event, --date)");
  static std::string patient;
  static std::string arm;
  static cases::OutcomeRecord rec;
  static std::string qlq_file;
  static DbOption db;
  cmd->add_option("PATIENT_KEY", patient, "The patient key (as `cases list` shows it)")->required();
  cmd->add_option("--arm", arm, "Set the patient's trial arm (a name)");
  cmd->add_option("--event", rec.kind,
                  "Outcome event: death, last-contact, ltp, new-intrahepatic, new-extrahepatic, "
                  "response, adverse-event, qlq-c30");
  cmd->add_option("--date", rec.date, "Date of the event YYYY-MM-DD");
  cmd->add_option("--lesion", rec.lesion, "ltp: the lesion id");
  cmd->add_option("--response", rec.response, "response: mRECIST CR, PR, SD or PD");
  cmd->add_option("--term", rec.term, "adverse-event: CTCAE term");
  cmd->add_option("--grade", rec.grade, "adverse-event: CTCAE grade 1-5");
  cmd->add_option("--relation", rec.relation,
                  "adverse-event: relation to the procedure: unrelated, unlikely, possible, "
                  "probable, definite");
  cmd->add_option("--session", rec.session, "adverse-event: the session it followed");
  cmd->add_option("--qlq", qlq_file,
                  "qlq-c30: JSON file of scale scores 0-100 (QL2 global health status required)");
  addDbOption(cmd, db);
  cmd->callback([&exit_code] {
    if (arm.empty() && rec.kind.empty()) {
      throw UsageError("cases outcome: give --arm NAME and/or --event KIND --date YYYY-MM-DD");
    }
    if (!qlq_file.empty()) {
      std::ifstream in(qlq_file, std::ios::binary);
      if (!in) throw NotFoundError("cannot open QLQ-C30 scores file " + qlq_file);
      std::ostringstream text;
      text << in.rdbuf();
      rec.qlq = text.str();
    }
    if (!rec.kind.empty()) cases::validateOutcome(rec);
    cases::CaseDatabase d = db.open();
    if (!arm.empty()) {
      d.setArm(patient, arm);
      std::cout << "patient " << patient << ": trial arm " << arm << "\n";
    }
    if (!rec.kind.empty()) {
      const std::int64_t id = d.addOutcome(patient, rec);
      std::cout << "outcome " << id << " of patient " << patient
                << " recorded: " << outcomeText(rec) << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace

void addCasesCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "cases",
      "Case worklist (local database): add plans, list cases, events due, show a case, trial "
      "outcomes");
  cmd->require_subcommand(1);
  cmd->footer(
      "The database holds what the plan files hold (patient id, never names) and the outcomes "
      "recorded (trial arm, dated events), in the user's data folder (mode 0600). Exit codes: 2 "
      "bad option or outcome value, 3 plan, case or patient not found, 5 corrupt plan or "
      "database, 7 newer plan or database version, 8 database not writable.");
  addAdd(cmd, exit_code);
  addList(cmd, exit_code);
  addDue(cmd, exit_code);
  addShow(cmd, exit_code);
  addFollowupRecord(cmd, exit_code);
  addOutcome(cmd, exit_code);
}

}  // namespace rfa::cli
