// rfaplan report PLAN -o report.pdf [--series DIR] [--segmentation DIR] [--session N]
// A thin shell over rfa::workflow::exportReport, as the GUI runs it: the plan with its series and
// segmentation (planning::loadPlanCase), then the tumour-board report (rfa::report), written
// atomically.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli_audit.h"
#include "cli_common.h"
#include "cli_deid.h"
#include "rfa/core/error.h"
#include "rfa/workflow/audit_events.h"
#include "rfa/workflow/exports.h"

namespace rfa::cli {

void addReportCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "report",
      "Write the tumour-board report of a plan as a PDF (A4): summary, one section per session "
      "(lesion table, lab checks, axial key images with the zones and needles, a 3D overview), "
      "lesions not scheduled, methods. RESEARCH USE ONLY");
  static std::string plan_file;
  static std::string series;
  static std::string segmentation;
  static int session = 0;
  static std::string out;
  static DeidArgs deid;
  cmd->add_option("PLAN", plan_file, "Plan JSON written by 'rfaplan plan'")->required();
  cmd->add_option("-o,--output", out, "Report file (PDF)")->required();
  cmd->add_option("--series", series,
                  "The image series planned on (default: the plan's input, as recorded or beside "
                  "the plan)");
  cmd->add_option("--segmentation", segmentation,
                  "Its segmentation folder (default: the one recorded in the plan)");
  cmd->add_option("--session", session, "Only this session (1..); default: every session")
      ->capture_default_str();
  addDeidOptions(cmd, deid, true);
  cmd->footer(
      "Exit codes: 0 written, 2 bad option (e.g. a session the plan does not have), 3 plan, "
      "series or segmentation not found, 5 malformed plan, 6 segmentation on another grid, "
      "8 cannot write, 9 the series found is not the one planned.");
  cmd->callback([&exit_code] {
    if (session < 0) throw UsageError("--session must be >= 1 (0: every session)");
    const auto t0 = std::chrono::steady_clock::now();
    workflow::ExportOptions o;
    o.session = session;
    o.series = series;
    o.segmentation = segmentation;
    o.software = std::string("rfaplan ") + RFAPLAN_VERSION;
    o.on_loader_note = [](const std::string& n) { std::cerr << "warning: " << n << "\n"; };
    o.deidentify = deidSettingsOf(deid, false);
    const workflow::ExportSummary r = workflow::exportReport(plan_file, out, o);
    audit::Event e = workflow::planFileEvent("export", kProgram, plan_file);
    e.details["kind"] = "report";
    if (deid.on) e.details["deidentified"] = true;
    workflow::addOutput(e, r.file);
    auditRecord(e);
    std::cout << "report " << r.file.string() << ": " << r.pages << " pages (" << r.session_sections
              << " session section(s), " << (r.bytes + 512) / 1024 << " KiB) in "
              << fixed(secondsSince(t0), 1) << " s\n";
    if (!r.pseudonym.empty()) {
      std::cout << "de-identified: patient " << r.pseudonym << "; mapping kept locally in "
                << r.mapping_file.string() << "\n";
    }
    std::cout << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
