// rfaplan deidentify INPUT -o OUTDIR [--mapping FILE] [--retain-dates]
// INPUT: a DICOM series folder (or file), or a plan JSON (then OUTDIR/ct, OUTDIR/segmentation and
// OUTDIR/plan.json). A thin shell over rfa::workflow (deidentified_export.h).
#include <iostream>

#include "cli_audit.h"
#include "cli_common.h"
#include "cli_deid.h"
#include "rfa/workflow/audit_events.h"

namespace rfa::cli {

void addDeidentifyCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "deidentify",
      "De-identify for research (DICOM PS3.15 E.1 Basic Application Level Confidentiality "
      "Profile): a DICOM series folder, or a plan with its series and segmentation. UIDs and the "
      "patient ID are replaced from a local key, so de-identified RT Structure Sets and SEGs "
      "(export-rtstruct/export-seg --deidentify) reference the de-identified CT. RESEARCH USE "
      "ONLY");
  static std::string input;
  static std::string out;
  static DeidArgs a;
  static std::string series;
  cmd->add_option("INPUT", input, "DICOM folder or file, or a plan JSON written by 'rfaplan plan'")
      ->required();
  cmd->add_option("-o,--output", out,
                  "Output folder: the de-identified files (<new SOP Instance UID>.dcm); for a plan "
                  "a research package: OUT/ct/, OUT/segmentation/, OUT/plan.json, OUT/rtss.dcm, "
                  "OUT/seg.dcm and OUT/report.pdf")
      ->required();
  cmd->add_option("--series", series, "Plans: the series planned on (default: as recorded)");
  static bool no_exports = false;
  cmd->add_flag("--no-exports", no_exports,
                "Plans: the CT, segmentation and plan only (no RTSTRUCT, SEG or report)");
  addDeidOptions(cmd, a, false);
  cmd->footer(
      "Exit codes: 0 written, 2 bad option (e.g. the mapping file inside OUTDIR), 3 input not "
      "found, 4 no DICOM file, 5 not DICOM / malformed plan or mapping, 7 burned-in annotation, 8 "
      "cannot write, 9 the series found is not the one planned.");
  cmd->callback([&exit_code] {
    const workflow::DeidSettings s = *deidSettingsOf(a, true);
    const bool plan = std::filesystem::is_regular_file(input) &&
                      std::filesystem::path(input).extension() == ".json";
    workflow::DeidBundleSummary r;
    if (plan) {
      planning::PlanCaseOptions po;
      po.series = series;
      r = workflow::deidentifyPlanBundle(input, out, s, po, !no_exports);
    } else {
      r = workflow::deidentifySeries(input, out, s);
    }
    for (const auto& k : r.skipped) std::cerr << "note: skipped " << k << "\n";
    audit::Event e = plan ? workflow::planFileEvent("export", kProgram, input) : audit::Event{};
    e.action = "export";
    e.program = kProgram;
    e.details["kind"] = plan ? "deidentified plan" : "deidentified series";
    e.details["images"] = r.images;
    if (!r.series_instance_uid.empty()) e.details["deidentified_series"] = r.series_instance_uid;
    auditRecord(e);
    std::cout << "de-identified " << r.images << " DICOM file(s) into "
              << (plan ? (r.out / "ct").string() : r.out.string()) << "\n";
    if (plan) {
      std::cout << "  plan " << r.plan.string() << " (patient " << r.pseudonym << ", series "
                << r.series_instance_uid << ")\n";
      for (const auto& f : r.exports) std::cout << "  " << f.string() << "\n";
    }
    std::cout << "  profile: DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile"
              << (s.retain_dates ? " + Retain Longitudinal Full Dates" : "") << "\n"
              << "  mapping (keep it here, never send it): " << r.mapping_file.string() << "\n"
              << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
