// rfaplan cohort [--db FILE] -o OUTDIR [--arm NAME]... [--today YYYY-MM-DD]
// The trial endpoints of the patients with an arm in the case database (rfa::outcomes cohort
// analysis), written as JSON, two CSV tables and Kaplan-Meier figures. RESEARCH USE ONLY.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_common.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/outcomes/cohort.h"
#include "rfa/report/km_plot.h"

namespace rfa::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
namespace oc = rfa::outcomes;

json num(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string csvNum(double v, int decimals = 6) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// The database's records as the cohort library's plain structs.
std::vector<oc::CohortPatient> cohortFrom(const std::vector<cases::PatientOutcomes>& all) {
  std::vector<oc::CohortPatient> out;
  for (const cases::PatientOutcomes& p : all) {
    if (p.arm.empty()) continue;
    oc::CohortPatient c;
    c.key = p.patient;
    c.arm = p.arm;
    c.ablation_dates = p.rfa_dates;
    c.contact_dates = p.followup_dates;
    for (const cases::OutcomeRecord& r : p.events) {
      oc::CohortEvent e;
      e.kind = r.kind;
      e.date = r.date;
      e.lesion = r.lesion;
      e.response = r.response;
      e.grade = r.grade;
      e.relation = r.relation;
      if (r.kind == "qlq-c30" && !r.qlq.empty()) {
        const json q = json::parse(r.qlq, nullptr, false);
        if (q.is_object() && q.contains("QL2") && q["QL2"].is_number()) {
          e.global_health = q["QL2"].get<double>();
        }
      }
      c.events.push_back(std::move(e));
    }
    out.push_back(std::move(c));
  }
  return out;
}

json estimateJson(const std::optional<oc::SurvivalEstimate>& e) {
  if (!e) return nullptr;
  return {{"days", e->time},
          {"n_risk", e->n_risk},
          {"survival", num(e->survival)},
          {"std_err", num(e->std_err)},
          {"lower", num(e->lower)},
          {"upper", num(e->upper)}};
}

json survivalJson(const oc::ArmSurvival& s) {
  json rows = json::array();
  for (const oc::KaplanMeierRow& r : s.km.rows) {
    rows.push_back({{"days", r.time},
                    {"n_risk", r.n_risk},
                    {"n_event", r.n_event},
                    {"n_censor", r.n_censor},
                    {"survival", num(r.survival)},
                    {"lower", num(r.lower)},
                    {"upper", num(r.upper)}});
  }
  return {{"n", s.km.n},
          {"events", s.km.events},
          {"median_days", opt(s.km.median)},
          {"median_lower_days", opt(s.km.median_lower)},
          {"median_upper_days", opt(s.km.median_upper)},
          {"year1", estimateJson(s.year1)},
          {"year2", estimateJson(s.year2)},
          {"year3", estimateJson(s.year3)},
          {"rows", rows}};
}

json proportionJson(const oc::Proportion& p) {
  return {{"successes", p.successes},
          {"n", p.n},
          {"rate", num(p.rate)},
          {"lower", num(p.lower)},
          {"upper", num(p.upper)}};
}

json meanJson(const oc::ArmEndpoints::Mean& m) {
  return {{"n", m.n}, {"mean", num(m.mean)}};
}

json comparisonJson(const oc::Comparison& c, const std::vector<std::string>& arms) {
  json j = {{"log_rank", nullptr}, {"hazard_ratio", nullptr}, {"note", c.note}};
  if (c.log_rank) {
    j["log_rank"] = {{"chi_square", c.log_rank->chi_square},
                     {"df", c.log_rank->df},
                     {"p_value", c.log_rank->p_value},
                     {"observed", c.log_rank->observed},
                     {"expected", c.log_rank->expected}};
  }
  if (c.hazard_ratio && arms.size() >= 2) {
    j["hazard_ratio"] = {{"arm", arms[1]},
                         {"reference", arms[0]},
                         {"ties", "efron"},
                         {"hazard_ratio", num(c.hazard_ratio->hazard_ratio)},
                         {"lower", num(c.hazard_ratio->lower)},
                         {"upper", num(c.hazard_ratio->upper)},
                         {"coef", num(c.hazard_ratio->coef)},
                         {"se", num(c.hazard_ratio->se)},
                         {"p_value", num(c.hazard_ratio->p_value)}};
  }
  return j;
}

std::string fmt(double v, int decimals) {
  return std::isfinite(v) ? fixed(v, decimals) : std::string("NA");
}

// "log-rank p = 0.041 (chi2 4.17, 1 df); HR B vs A 0.52 (95% CI 0.28-0.97)".
std::string comparisonText(const oc::Comparison& c, const std::vector<std::string>& arms) {
  std::string t;
  if (c.log_rank) {
    t = "log-rank p = " + fmt(c.log_rank->p_value, 3) + " (chi2 " + fmt(c.log_rank->chi_square, 2) +
        ", " + std::to_string(c.log_rank->df) + " df)";
  }
  if (c.hazard_ratio && arms.size() >= 2) {
    t += std::string(t.empty() ? "" : "; ") + "HR " + arms[1] + " vs " + arms[0] + " " +
         fmt(c.hazard_ratio->hazard_ratio, 2) + " (95% CI " + fmt(c.hazard_ratio->lower, 2) + "-" +
         fmt(c.hazard_ratio->upper, 2) + ")";
  }
  if (c.log_rank && !c.hazard_ratio && arms.size() >= 2) t += "; HR not estimable";
  if (t.empty()) t = c.note;
  return t;
}

std::string monthsText(const std::optional<double>& days) {
  return days ? fixed(*days / oc::kDaysPerMonth, 1) : std::string("NR");
}

void writeEndpointsCsv(const fs::path& file, const oc::CohortResult& r) {
  std::ostringstream s;
  s << "endpoint,arm,n,events,estimate,lower,upper,p_value,unit\n";
  const auto row = [&](const std::string& ep, const std::string& arm, int n, int events, double e,
                       double lo, double hi, double p, const std::string& unit) {
    s << ep << "," << csvField(arm) << "," << n << "," << (events < 0 ? "" : std::to_string(events))
      << "," << csvNum(e) << "," << csvNum(lo) << "," << csvNum(hi) << "," << csvNum(p) << ","
      << unit << "\n";
  };
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const auto val = [](const std::optional<double>& v) { return v ? *v : kNaN; };
  for (const oc::ArmEndpoints& a : r.per_arm) {
    for (const auto& [name, sv] :
         {std::pair<std::string, const oc::ArmSurvival*>{"os", &a.os}, {"pfs", &a.pfs}}) {
      const oc::KaplanMeier& km = sv->km;
      row(name + "_median", a.arm, km.n, km.events, val(km.median), val(km.median_lower),
          val(km.median_upper), kNaN, "days");
      const std::optional<oc::SurvivalEstimate>* years[] = {&sv->year1, &sv->year2, &sv->year3};
      for (int y = 0; y < 3; ++y) {
        const auto& e = *years[y];
        const std::string ep = name == "pfs" && y == 0 ? std::string("pfs_12m")
                                                       : name + "_" + std::to_string(y + 1) + "y";
        row(ep, a.arm, km.n, km.events, e ? e->survival : kNaN, e ? e->lower : kNaN,
            e ? e->upper : kNaN, kNaN, "proportion");
      }
    }
    const auto prop = [&](const std::string& ep, const oc::Proportion& p) {
      row(ep, a.arm, p.n, p.successes, p.rate, p.lower, p.upper, kNaN, "proportion");
    };
    prop("orr_6m", a.orr_6m);
    prop("lcr_6m", a.lcr_6m);
    prop("ae_any_90d", a.ae_any);
    prop("ae_grade3_90d", a.ae_grade3);
    prop("ae_related_90d", a.ae_related);
    row("ghs_baseline", a.arm, a.ghs_baseline.n, -1, a.ghs_baseline.mean, kNaN, kNaN, kNaN,
        "score");
    row("ghs_3m", a.arm, a.ghs_3m.n, -1, a.ghs_3m.mean, kNaN, kNaN, kNaN, "score");
    row("ghs_6m", a.arm, a.ghs_6m.n, -1, a.ghs_6m.mean, kNaN, kNaN, kNaN, "score");
  }
  const int n = static_cast<int>(r.patients.size());
  for (const auto& [name, c] :
       {std::pair<std::string, const oc::Comparison*>{"os", &r.os}, {"pfs", &r.pfs}}) {
    if (c->log_rank) {
      row(name + "_logrank_chisq", "all", n, -1, c->log_rank->chi_square, kNaN, kNaN,
          c->log_rank->p_value, "chi_square");
    }
    if (c->hazard_ratio && r.arms.size() >= 2) {
      row(name + "_hazard_ratio", r.arms[1] + " vs " + r.arms[0], n, -1,
          c->hazard_ratio->hazard_ratio, c->hazard_ratio->lower, c->hazard_ratio->upper,
          c->hazard_ratio->p_value, "ratio");
    }
  }
  writeFileAtomically(file, s.str());
}

void writePatientsCsv(const fs::path& file, const oc::CohortResult& r) {
  std::ostringstream s;
  s << "patient,arm,first_ablation,ablations,last_date,os_days,os_event,os_date,pfs_days,"
       "pfs_event,pfs_date,best_response_6m,orr_6m,lcr_6m,ae_90d,ae_any,ae_grade3,ae_related,"
       "ae_max_grade,ghs_baseline,ghs_3m,ghs_6m\n";
  const auto flag = [](const std::optional<bool>& b) {
    return b ? std::string(*b ? "1" : "0") : std::string();
  };
  const auto score = [](const std::optional<double>& v) {
    return v ? csvNum(*v, 2) : std::string();
  };
  for (const oc::PatientEndpoints& p : r.patients) {
    s << csvField(p.key) << "," << csvField(p.arm) << "," << p.first_ablation << "," << p.ablations
      << "," << p.last_date << "," << csvNum(p.os.days, 0) << "," << (p.os.event ? 1 : 0) << ","
      << p.os.date << "," << csvNum(p.pfs.days, 0) << "," << (p.pfs.event ? 1 : 0) << ","
      << p.pfs.date << "," << p.best_response_6m << "," << flag(p.objective_response_6m) << ","
      << flag(p.local_control_6m) << "," << p.adverse_events_90d << "," << (p.ae_any ? 1 : 0) << ","
      << (p.ae_grade3 ? 1 : 0) << "," << (p.ae_related ? 1 : 0) << "," << p.ae_max_grade << ","
      << score(p.ghs_baseline) << "," << score(p.ghs_3m) << "," << score(p.ghs_6m) << "\n";
  }
  writeFileAtomically(file, s.str());
}

json resultJson(const oc::CohortResult& r, const std::string& db, const std::string& today) {
  json j = {{"research_use_only", true},
            {"database", db},
            {"today", today},
            {"arms", r.arms},
            {"definitions", oc::endpointDefinitions()},
            {"units",
             {{"time", "days from the first ablation"},
              {"days_per_month", oc::kDaysPerMonth},
              {"ci", "two-sided 95%; Wilson score for proportions"}}},
            {"excluded", json::array()},
            {"patients", json::array()},
            {"per_arm", json::array()}};
  for (const oc::ExcludedPatient& e : r.excluded) {
    j["excluded"].push_back({{"patient", e.key}, {"arm", e.arm}, {"reason", e.reason}});
  }
  for (const oc::PatientEndpoints& p : r.patients) {
    j["patients"].push_back(
        {{"patient", p.key},
         {"arm", p.arm},
         {"first_ablation", p.first_ablation},
         {"ablations", p.ablations},
         {"last_date", p.last_date},
         {"os", {{"days", p.os.days}, {"event", p.os.event}, {"date", p.os.date}}},
         {"pfs", {{"days", p.pfs.days}, {"event", p.pfs.event}, {"date", p.pfs.date}}},
         {"best_response_6m", p.best_response_6m},
         {"objective_response_6m", opt(p.objective_response_6m)},
         {"local_control_6m", opt(p.local_control_6m)},
         {"adverse_events_90d", p.adverse_events_90d},
         {"ae_any", p.ae_any},
         {"ae_grade3", p.ae_grade3},
         {"ae_related", p.ae_related},
         {"ae_max_grade", p.ae_max_grade},
         {"ghs_baseline", opt(p.ghs_baseline)},
         {"ghs_3m", opt(p.ghs_3m)},
         {"ghs_6m", opt(p.ghs_6m)},
         {"notes", p.notes}});
  }
  for (const oc::ArmEndpoints& a : r.per_arm) {
    json arm = {{"arm", a.arm},
                {"n", a.n},
                {"os", a.n > 0 ? survivalJson(a.os) : json(nullptr)},
                {"pfs", a.n > 0 ? survivalJson(a.pfs) : json(nullptr)},
                {"orr_6m", proportionJson(a.orr_6m)},
                {"lcr_6m", proportionJson(a.lcr_6m)},
                {"ae_any_90d", proportionJson(a.ae_any)},
                {"ae_grade3_90d", proportionJson(a.ae_grade3)},
                {"ae_related_90d", proportionJson(a.ae_related)},
                {"ghs_baseline", meanJson(a.ghs_baseline)},
                {"ghs_3m", meanJson(a.ghs_3m)},
                {"ghs_6m", meanJson(a.ghs_6m)}};
    j["per_arm"].push_back(arm);
  }
  j["comparisons"] = {{"os", comparisonJson(r.os, r.arms)}, {"pfs", comparisonJson(r.pfs, r.arms)}};
  return j;
}

void writePlots(const fs::path& dir, const oc::CohortResult& r) {
  for (const bool os : {true, false}) {
    std::vector<report::KmSeries> series;
    for (const oc::ArmEndpoints& a : r.per_arm) {
      if (a.n == 0) continue;
      series.push_back({a.arm, os ? a.os.km : a.pfs.km});
    }
    if (series.empty()) continue;
    report::KmPlotOptions o;
    o.title = os ? "Overall survival" : "Liver progression-free survival";
    o.subtitle = comparisonText(os ? r.os : r.pfs, r.arms);
    o.y_label = os ? "Overall survival" : "Liver PFS";
    const std::string stem = os ? "km_os" : "km_pfs";
    report::writeKmPlotPng(dir / (stem + ".png"), series, o);
    report::writeKmPlotPdf(dir / (stem + ".pdf"), series, o);
  }
}

}  // namespace

void addCohortCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "cohort",
      "Trial endpoints of the patients with an arm (OS, liver PFS, ORR/LCR at 6 months, AEs, "
      "QLQ-C30): JSON, CSV and Kaplan-Meier figures");
  static std::string db_file;
  static std::string out_dir;
  static std::vector<std::string> arms;
  static std::string today;
  cmd->add_option("--db", db_file,
                  "Case database (default: $RFA_CASES_DB, else "
                  "$XDG_DATA_HOME/rfaplan/cases.sqlite, else ~/.local/share/rfaplan/cases.sqlite)");
  cmd->add_option("-o,--out", out_dir, "Output folder")->required();
  cmd->add_option("--arm", arms,
                  "Arms to analyse, in order (the first is the reference of the hazard ratio); "
                  "default: every arm, by name");
  cmd->add_option("--today", today,
                  "Analysis date YYYY-MM-DD: records dated later are ignored (default: the local "
                  "date)");
  cmd->footer(
      "Writes OUTDIR/cohort.json, patients.csv, endpoints.csv, km_os.png/.pdf and "
      "km_pfs.png/.pdf. Exit codes: 2 bad option or unknown arm, 3 database folder not found, 4 "
      "no patient with an arm and a dated first ablation, 5 corrupt database, 8 output not "
      "writable.");
  cmd->callback([&exit_code] {
    const std::string as_of = today.empty() ? cases::todayLocal() : today;
    const cases::CaseDatabase d(db_file.empty() ? cases::defaultDatabasePath() : fs::path(db_file));
    const std::vector<oc::CohortPatient> cohort = cohortFrom(d.listOutcomes());
    if (cohort.empty()) {
      throw NoDataError("no patient in " + d.file().string() +
                        " has a trial arm (rfaplan cases outcome PATIENT_KEY --arm NAME)");
    }
    const oc::CohortResult r = oc::analyzeCohort(cohort, {arms, as_of});
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) throw WriteError("cannot create output folder " + out_dir + ": " + ec.message());
    const fs::path dir(out_dir);
    writeFileAtomically(dir / "cohort.json",
                        resultJson(r, d.file().string(), as_of).dump(2) + "\n");
    writePatientsCsv(dir / "patients.csv", r);
    writeEndpointsCsv(dir / "endpoints.csv", r);
    writePlots(dir, r);

    std::cout << kResearchBanner << "\n"
              << "cohort of " << d.file().string() << " as of " << as_of << ": "
              << r.patients.size() << " patient(s) analysed, " << r.excluded.size()
              << " excluded\n";
    for (const oc::ExcludedPatient& e : r.excluded) {
      std::cout << "  excluded " << e.key << " (" << e.arm << "): " << e.reason << "\n";
    }
    for (const oc::ArmEndpoints& a : r.per_arm) {
      std::cout << "arm " << a.arm << ": n=" << a.n;
      if (a.n > 0) {
        std::cout << "; OS median " << monthsText(a.os.km.median) << " months (" << a.os.km.events
                  << " deaths); liver PFS median " << monthsText(a.pfs.km.median)
                  << " months, PFS at 12 months "
                  << (a.pfs.year1 ? fmt(100 * a.pfs.year1->survival, 1) + "%" : std::string("NA"));
      }
      std::cout << "; ORR 6m " << a.orr_6m.successes << "/" << a.orr_6m.n << "; LCR 6m "
                << a.lcr_6m.successes << "/" << a.lcr_6m.n << "; AE grade>=3 90d "
                << a.ae_grade3.successes << "/" << a.ae_grade3.n << "\n";
    }
    for (const auto& [name, c] :
         {std::pair<const char*, const oc::Comparison*>{"OS", &r.os}, {"liver PFS", &r.pfs}}) {
      std::cout << name << ": " << comparisonText(*c, r.arms) << "\n";
      if ((c->log_rank || c->hazard_ratio) && !c->note.empty()) {
        std::cout << "  note: " << c->note << "\n";
      }
    }
    std::cout << "written to " << dir.string() << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
