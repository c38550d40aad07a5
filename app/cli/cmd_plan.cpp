// rfaplan plan INPUT [--segmentation DIR] [--profile NAME|FILE] [--labs FILE] [--electrode NAME]...
//   [--start YYYY-MM-DD] [--cycles N] [--no-confirm] ... -o plan.json
// A thin shell: options, loading, the planning library's three stages, the plan file.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/plan_io.h"
#include "rfa/segmentation/case.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/zone_calibration.h"
#include "rfa/thermal/zone_reference.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/image_modality.h"
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

// Refuses early (before minutes of work) to overwrite a file that is not a plan.
void requireWritableTarget(const fs::path& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  try {
    (void)planning::readPlanFile(out);
  } catch (const Error& e) {
    throw CorruptDataError("refusing to overwrite " + out.string() + ": it is not a valid plan (" +
                           e.what() + "); move it away or choose another -o");
  }
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
  static double targeting_error = 3.7;
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
  cmd->add_option("--targeting-error", targeting_error,
                  "Mean 3D needle placement error in mm (isotropic Gaussian)")
      ->capture_default_str();
  tissue.add(cmd);
  cmd->add_option("-o,--output", out, "Plan file (JSON); an existing plan is kept as a revision")
      ->required();
  cmd->footer(
      "Exit codes as for every command; the plan is written atomically, an earlier plan at -o is "
      "kept as <name>.r<revision>.json and a file at -o that is not a plan is never overwritten "
      "(exit 5). RESEARCH USE ONLY.");
  cmd->callback([&exit_code] {
    // Options and small inputs first, so that a mistake fails before minutes of work.
    planning::PlanBuildOptions options;
    if (!electrodes.empty()) options.electrodes = electrodes;
    if (max_ablations < 1 || max_ablations > 8) {
      throw UsageError("--max-ablations: " + std::to_string(max_ablations) + " is not in 1..8");
    }
    options.coverage.max_ablations = max_ablations;
    if (samples < 0) throw UsageError("--uncertainty-samples must be >= 0");
    options.uncertainty_samples = samples;
    if (!(targeting_error >= 0) || !std::isfinite(targeting_error)) {
      throw UsageError("--targeting-error must be >= 0 mm");
    }
    options.uncertainty.mean_error_mm = targeting_error;
    if (!(confirm_spacing >= 0.5 && confirm_spacing <= 5)) {
      throw UsageError("--confirm-spacing: " + fixed(confirm_spacing, 2) + " mm is not in 0.5-5");
    }
    options.confirmation.spacing_mm = confirm_spacing;
    options.confirmation.backend = parseBackend(backend_text);
    options.cycles_between_sessions = cycles;
    if (!start_text.empty()) options.start_date = parseDate(start_text);
    const planning::ProtocolProfile profile = planning::resolveProfile(profile_text);
    if (cycles < profile.intervals.systemic_cycles_between_sessions_min ||
        cycles > profile.intervals.systemic_cycles_between_sessions_max) {
      throw UsageError("--cycles: " + std::to_string(cycles) + " is outside the profile's " +
                       std::to_string(profile.intervals.systemic_cycles_between_sessions_min) +
                       ".." +
                       std::to_string(profile.intervals.systemic_cycles_between_sessions_max));
    }
    if (!labs_file.empty()) options.labs = planning::readLabsFile(labs_file);
    const thermal::ElectrodeCatalog catalog =
        thermal::loadElectrodeCatalog(thermal::defaultElectrodeDir());
    const thermal::TissueState tissue_state = tissue.state();
    options.confirmation.materials =
        thermal::materialsFor(options.confirmation.materials, tissue_state);
    for (const std::string& e : options.electrodes) (void)catalog.find(e);
    const fs::path out_path(out);
    requireWritableTarget(out_path);
    options.progress = [](const std::string& stage, double f) {
      std::cerr << "\r" << stage << " " << static_cast<int>(std::round(100 * f)) << " %   "
                << (f >= 1.0 ? "\n" : "") << std::flush;
    };

    auto t0 = Clock::now();
    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    std::cerr << "loaded " << img.source << " in " << fixed(secondsSince(t0), 1) << " s\n";

    {
      std::vector<std::string> modality_notes;
      if (workflow::imageModality(img, "", modality_notes) == segmentation::Modality::kMR) {
        throw UnsupportedError(
            "planning on MR is not supported yet: the needle paths need the bone, lung and vessel "
            "masks, which the MR segmentation does not provide (plan on the CT)");
      }
    }
    io::SegmentationFolder seg;
    std::string seg_record;
    workflow::CandidateTriages triages;  // automatic candidates (no --segmentation)
    t0 = Clock::now();
    if (!segmentation_dir.empty()) {
      seg = io::readSegmentationFolder(segmentation_dir);
      const auto need = [&](bool present, const char* name) {
        if (!present) {
          throw NoDataError("--segmentation " + segmentation_dir + ": " + name +
                            ".nrrd is missing (needed to plan)");
        }
      };
      need(seg.body.has_value(), "body");
      need(seg.liver.has_value(), "liver");
      need(seg.lesions.has_value(), "lesions");
      if (!seg.body->geometry().sameGrid(img.image.geometry())) {
        throw GeometryError("--segmentation " + segmentation_dir + " is on another grid (" +
                            seg.body->geometry().describe() + ") than INPUT (" +
                            img.image.geometry().describe() + "): segment this series");
      }
      seg_record = segmentation_dir;
    } else {
      segmentation::CaseSegmentationOptions so;
      so.auto_lesions = true;
      segmentation::CaseSegmentation c = segmentation::segmentCase(img.image, so);
      triages = workflow::candidateTriages(c);
      seg = workflow::toSegmentationFolder(std::move(c));
      const fs::path seg_dir =
          fs::path(out_path).replace_filename(out_path.stem().string() + "-segmentation");
      io::writeSegmentationFolder(seg_dir, seg);
      seg_record = "automatic (written to " + seg_dir.filename().string() + "/)";
      std::cerr << "segmented in " << fixed(secondsSince(t0), 1) << " s -> " << seg_dir.string()
                << "\n";
    }

    // The preview zones: the shipped living-liver calibration, or for a research condition the
    // solver's zone in that tissue (one simulation per protocol, 1 mm), recorded in the plan's
    // zone model.
    t0 = Clock::now();
    const std::vector<thermal::PreviewCalibration> calibrations =
        tissue_state.condition == thermal::TissueCondition::kInVivo
            ? thermal::readPreviewCalibrations(thermal::defaultPreviewCalibrationFile())
            : thermal::conditionPreviews(
                  catalog, options.electrodes, options.confirmation.materials,
                  tissue_state.condition,
                  thermal::readZoneReferenceTable(thermal::defaultZoneReferenceFile()),
                  [](const std::string& line) { std::cerr << line << "\n"; });
    if (tissue_state.condition != thermal::TissueCondition::kInVivo) {
      std::cerr << "preview zones in " << tissue.condition << " tissue in "
                << fixed(secondsSince(t0), 1) << " s\n";
    }
    const planning::PlanAnatomy anatomy = workflow::anatomyOf(seg);
    const planning::PlanEquipment equipment{&catalog, &calibrations};

    t0 = Clock::now();
    planning::TreatmentPlan plan = planning::planLesions(anatomy, profile, equipment, options);
    const double t_lesions = secondsSince(t0);
    double t_confirm = 0;
    if (!no_confirm) {
      t0 = Clock::now();
      planning::confirmLesions(plan, anatomy, profile, equipment, options);
      t_confirm = secondsSince(t0);
    }
    workflow::applyCandidateTriage(plan, triages);
    planning::planSessions(plan, profile, options);
    plan.source = workflow::planSourceOf(img, input);
    plan.source.segmentation = seg_record;
    plan.software = std::string("rfaplan ") + RFAPLAN_VERSION;
    std::cerr << "planned in " << fixed(t_lesions, 1) << " s (preview), confirmation "
              << (no_confirm ? std::string("skipped") : fixed(t_confirm, 1) + " s") << "\n";

    const planning::PlanWriteResult w = planning::writePlanFile(out_path, plan);
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
