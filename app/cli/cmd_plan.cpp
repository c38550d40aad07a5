// rfaplan plan INPUT [--segmentation DIR] [--profile NAME|FILE] [--labs FILE] [--electrode NAME]...
//   [--start YYYY-MM-DD] [--cycles N] [--no-confirm] ... -o plan.json
// A thin shell over workflow::planCase() (case_state.h), the pipeline every front end runs.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli_audit.h"
#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/plan_io.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/zone_calibration.h"
#include "rfa/ultrasound/probe.h"
#include "rfa/workflow/audit_events.h"
#include "rfa/workflow/case_state.h"
#include "tissue_options.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::chrono::year_month_day parseDate(const std::string& text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char dash1 = 0;
  char dash2 = 0;
  std::istringstream in(text);
  in >> y >> dash1 >> m >> dash2 >> d;
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m},
                                         std::chrono::day{d}};
  if (in.fail() || !in.eof() || dash1 != '-' || dash2 != '-' || text.size() != 10 || !date.ok()) {
    throw UsageError("--start: '" + text + "' is not a date yyyy-mm-dd");
  }
  return date;
}

thermal::BackendChoice parseBackend(const std::string& s) {
  if (s == "cpu") return thermal::BackendChoice::kCpu;
  if (s == "gl") return thermal::BackendChoice::kGl;
  if (s == "auto") return thermal::BackendChoice::kAuto;
  throw UsageError("--backend: unknown backend '" + s + "' (cpu, gl, auto)");
}

void printSummary(const planning::TreatmentPlan& plan, const fs::path& out) {
  std::cout << "plan " << out.string() << " (revision " << plan.revision
            << "): " << plan.lesions.size() << " lesion(s), " << plan.sessions.size()
            << " session(s), " << fixed(plan.cumulative_volume_ml, 1) << " mL ablated ("
            << fixed(100 * plan.cumulative_liver_fraction, 1) << " % of the liver)"
            << (plan.fits_profile ? "" : "; DOES NOT FIT the profile: best partial plan") << "\n";
  for (const planning::PlanSession& s : plan.sessions) {
    std::cout << "  session " << s.index << ": lesions";
    for (int id : s.lesion_ids) std::cout << " " << id;
    std::cout << "; " << fixed(s.ablated_volume_ml, 1)
              << " mL; labs: " << planning::toString(s.decision) << "\n";
  }
  for (const planning::PlanLesion& l : plan.lesions) {
    const double margin =
        l.confirmation ? l.confirmation->margins.minimal_margin_mm : l.preview.minimal_margin_mm;
    std::cout << "  lesion " << l.id << ": " << fixed(l.diameter_mm, 1) << " mm, "
              << l.placements.size() << " ablation(s)"
              << (l.placements.empty() ? "" : " with " + l.placements.front().electrode)
              << ", minimal margin " << fixed(margin, 1) << " mm"
              << (l.confirmation ? " (bioheat)" : " (preview)");
    if (l.uncertainty) {
      std::cout << ", P(margin >= " << fixed(plan.settings.minimum_margin_mm, 0)
                << " mm) = " << fixed(l.uncertainty->probability_margin_ok, 2);
    }
    std::cout << (l.session > 0 ? ", session " + std::to_string(l.session) : ", not scheduled")
              << (l.flag == planning::LesionFlag::kNone ? "" : "; " + l.reason) << "\n";
  }
  for (const planning::PlanUnplaced& u : plan.unplaced) {
    std::cout << "  not scheduled: lesion " << u.id << ": " << u.reason << "\n";
  }
  for (const std::string& n : plan.notes) std::cout << "  note: " << n << "\n";
}

}  // namespace

void addPlanCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "plan",
      "Plan the treatment: needle paths, overlapping ablations with margins (preview model, then "
      "bioheat confirmation), sessions of 2-6 lesions, lab checks and the timeline; writes a "
      "versioned plan JSON (DICOM patient LPS mm)");
  static std::string input;
  static std::string series;
  static std::string segmentation_dir;
  static std::string profile_text = "batch-rfa";
  static std::string labs_file;
  static std::vector<std::string> electrodes;
  static std::string start_text;
  static int cycles = 1;
  static bool no_confirm = false;
  static double confirm_spacing = 1.5;
  static std::string backend_text = "auto";
  static int max_ablations = 5;
  static int samples = 100;
  static double targeting_error = 0;
  static std::string guidance;
  static std::string probe = ultrasound::kDefaultProbe;
  static bool no_ultrasound = false;
  static std::string out;
  static TissueOptions tissue;
  cmd->add_option("INPUT", input, "CT/MR: DICOM folder/file, phantom folder or volume file")
      ->required();
  cmd->add_option("--series", series, "SeriesInstanceUID (or id from 'rfaplan series')");
  cmd->add_option("--segmentation", segmentation_dir,
                  "Output folder of 'rfaplan segment' on the same series (body, liver, lesions "
                  "required). Without it INPUT is segmented first with automatic lesion detection "
                  "and the segmentation is written beside the plan (<plan>-segmentation/)");
  cmd->add_option("--profile", profile_text,
                  "Protocol profile: a name from resources/profiles or a JSON file")
      ->capture_default_str();
  cmd->add_option("--labs", labs_file,
                  "Pre-session labs JSON (one object or {\"sessions\": [...]}, one per session)");
  cmd->add_option("--electrode", electrodes,
                  "Electrode(s) the planner may use (repeatable; default: cooltip-2cm, "
                  "cooltip-3cm, cooltip-cluster-2.5cm)");
  cmd->add_option("--start", start_text, "Date of the first RFA, yyyy-mm-dd (default: days only)");
  cmd->add_option("--cycles", cycles, "Systemic therapy cycles between sessions (profile range)")
      ->capture_default_str();
  cmd->add_flag("--no-confirm", no_confirm, "Skip the bioheat confirmation (preview model only)");
  cmd->add_option("--confirm-spacing", confirm_spacing,
                  "Voxel of the bioheat confirmation in mm (0.5-5)")
      ->capture_default_str();
  cmd->add_option("--backend", backend_text, "Bioheat solver: cpu, gl or auto")
      ->capture_default_str();
  cmd->add_option("--max-ablations", max_ablations, "Overlapping ablations per lesion, 1-8")
      ->capture_default_str();
  cmd->add_option("--uncertainty-samples", samples,
                  "Monte Carlo samples of the targeting uncertainty (0: off)")
      ->capture_default_str();
  cmd->add_option("--guidance", guidance,
                  "Image guidance of the needles, whose cited targeting error the margin Monte "
                  "Carlo uses: ultrasound-freehand, ultrasound-ct-fusion, ct-guided "
                  "(resources/guidance/modalities.json; default: the profile's)");
  cmd->add_option("--probe", probe,
                  "Ultrasound probe (resources/probes) with which the planner prefers needles in a "
                  "visible probe plane and records each lesion's acoustic window")
      ->capture_default_str();
  cmd->add_flag("--no-ultrasound", no_ultrasound,
                "No ultrasound assessment (needles chosen without regard to the probe window)");
  CLI::Option* error_option = cmd->add_option(
      "--targeting-error", targeting_error,
      "Mean 3D needle placement error in mm (isotropic Gaussian), replacing the guidance's "
      "cited figure");
  tissue.add(cmd);
  cmd->add_option("-o,--output", out, "Plan file (JSON); an existing plan is kept as a revision")
      ->required();
  cmd->footer(
      "Exit codes as for every command; the plan is written atomically, an earlier plan at -o is "
      "kept as <name>.r<revision>.json and a file at -o that is not a plan is never overwritten "
      "(exit 5). RESEARCH USE ONLY.");
  cmd->callback([&exit_code, error_option] {
    // Options and small inputs first, so that a mistake fails before minutes of work.
    planning::PlanBuildOptions options;
    if (!electrodes.empty()) options.electrodes = electrodes;
    if (max_ablations < 1 || max_ablations > 8) {
      throw UsageError("--max-ablations: " + std::to_string(max_ablations) + " is not in 1..8");
    }
    options.coverage.max_ablations = max_ablations;
    if (samples < 0) throw UsageError("--uncertainty-samples must be >= 0");
    options.uncertainty_samples = samples;
    if (error_option->count() > 0) {
      if (!(targeting_error >= 0) || !std::isfinite(targeting_error)) {
        throw UsageError("--targeting-error must be >= 0 mm");
      }
      options.targeting_error_mm = targeting_error;
    }
    if (!guidance.empty()) options.guidance = planning::loadGuidance(guidance);
    if (!(confirm_spacing >= 0.5 && confirm_spacing <= 5)) {
      throw UsageError("--confirm-spacing: " + fixed(confirm_spacing, 2) + " mm is not in 0.5-5");
    }
    options.confirmation.spacing_mm = confirm_spacing;
    options.confirmation.backend = parseBackend(backend_text);
    const thermal::TissueState tissue_state = tissue.state();
    options.confirmation.materials =
        thermal::materialsFor(options.confirmation.materials, tissue_state);
    workflow::PlanRequest request;
    request.confirm = !no_confirm;
    request.cycles_between_sessions = cycles;
    if (!start_text.empty()) request.start_date = parseDate(start_text);
    request.base = options;
    request.condition = tissue_state.condition;
    request.log = [](const std::string& line) { std::cerr << line << "\n"; };
    if (!no_ultrasound) request.ultrasound_probe = probe;
    try {
      (void)workflow::checkPlanRequest(request, profile_text);
    } catch (const UsageError& e) {
      throw UsageError(std::string("--cycles: ") + e.what());
    }
    if (!labs_file.empty()) request.labs = planning::readLabsFile(labs_file);
    const fs::path out_path(out);
    planning::requirePlanTarget(out_path);

    auto t0 = Clock::now();
    workflow::CaseState state = workflow::openImageCase(input, series);
    for (const auto& w : state.image.warnings) std::cerr << "warning: " << w << "\n";
    std::cerr << "loaded " << state.image.source << " in " << fixed(secondsSince(t0), 1) << " s\n";
    state.profile_name = profile_text;
    if (!segmentation_dir.empty()) workflow::useSegmentationFolder(state, segmentation_dir);

    const workflow::PlanTimings t =
        workflow::planCase(state, request, RFAPLAN_VERSION, [](const std::string& stage, double f) {
          std::cerr << "\r" << stage << " " << static_cast<int>(std::round(100 * f)) << " %   "
                    << (f >= 1.0 ? "\n" : "") << std::flush;
        });
    if (t.segmented) std::cerr << "segmented in " << fixed(t.segmentation_s, 1) << " s\n";
    if (request.condition != thermal::TissueCondition::kInVivo) {
      std::cerr << "preview zones in " << tissue.condition << " tissue in "
                << fixed(t.previews_s, 1) << " s\n";
    }
    std::cerr << "planned in " << fixed(t.lesions_s, 1) << " s (preview), confirmation "
              << (no_confirm ? std::string("skipped") : fixed(t.confirmation_s, 1) + " s") << "\n";
    if (!request.ultrasound_probe.empty()) {
      std::cerr << "acoustic windows (" << request.ultrasound_probe << ") in "
                << fixed(t.ultrasound_s, 1) << " s\n";
    }

    const planning::PlanWriteResult w = workflow::savePlan(state, out_path);
    const planning::TreatmentPlan& plan = *state.plan;
    if (!w.unchanged) {
      auditRecord(workflow::imageEvent("open", kProgram, state.image));
      auditRecord(workflow::planEvent("save", kProgram, plan, out_path));
    }
    printSummary(plan, out_path);
    if (w.unchanged) std::cout << "  (same content as the plan already there: not rewritten)\n";
    if (w.previous_kept) {
      std::cout << "  previous revision kept as " << w.previous_kept->string() << "\n";
    }
    std::cout << kResearchBanner << "\n";
    exit_code = 0;
  });
}

void addPlanCheckCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "plan-check",
      "Re-validate a plan file (also one edited by hand): format, consistency, the rules of its "
      "protocol profile and the preview zones of its placements");
  static std::string file;
  static std::string profile_text;
  cmd->add_option("PLAN", file, "Plan JSON written by 'rfaplan plan'")->required();
  cmd->add_option("--profile", profile_text,
                  "Check against this profile (name or JSON file) instead of the plan's own");
  cmd->footer(
      "Exit codes: 0 valid (warnings allowed), 3 not found, 5 malformed, 7 newer format, "
      "10 a rule is broken (every problem is listed).");
  cmd->callback([&exit_code] {
    const planning::TreatmentPlan plan = planning::readPlanFile(file);
    const planning::ProtocolProfile profile =
        planning::resolveProfile(profile_text.empty() ? plan.settings.profile : profile_text);
    const std::vector<thermal::PreviewCalibration> calibrations =
        thermal::readPreviewCalibrations(thermal::defaultPreviewCalibrationFile());
    const std::vector<planning::PlanProblem> problems =
        planning::validatePlan(plan, profile, &calibrations);
    std::size_t warnings = 0;
    for (const planning::PlanProblem& p : problems) {
      if (!p.error) {
        ++warnings;
        std::cout << "warning: " << p.where << ": " << p.text << "\n";
      }
    }
    planning::throwIfInvalid(problems, file);
    std::cout << file << ": valid plan (revision " << plan.revision << ", profile " << profile.name
              << ", " << plan.lesions.size() << " lesions, " << plan.sessions.size()
              << " sessions, " << warnings << " warning(s))\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
