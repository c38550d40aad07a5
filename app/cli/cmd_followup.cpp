// rfaplan register FIXED MOVING -o OUTDIR [--rigid] [--force]
// rfaplan confirm PLAN FOLLOWUP [--session N] [--threshold MM] [--force] -o OUTDIR
// rfaplan followup PLAN TIMEPOINT[@N]... [--next-plan FILE [--no-confirm]] -o timeline.json
// Thin shells over rfa::followup (registration, ablation-zone segmentation, minimal ablative
// margin). RESEARCH USE ONLY.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/followup/confirm.h"
#include "rfa/followup/registration.h"
#include "rfa/followup/timeline.h"
#include "rfa/io/input.h"
#include "rfa/planning/plan_case.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/followup_jobs.h"
#include "rfa/workflow/replan.h"

namespace rfa::cli {
namespace {

// The plan, its planning series and segmentation (as recorded in the plan unless given), with
// the loader's notes printed as warnings.
planning::PlanCaseOptions where(const std::string& series, const std::string& segmentation_dir) {
  planning::PlanCaseOptions o;
  o.series = series;
  o.segmentation = segmentation_dir;
  return o;
}

planning::PlanCase loadPlanned(const std::string& plan_file, const std::string& series,
                               const std::string& segmentation_dir) {
  planning::PlanCase pc = planning::loadPlanCase(plan_file, where(series, segmentation_dir));
  for (const std::string& n : pc.notes) std::cerr << "warning: " << n << "\n";
  return pc;
}

// A TIMEPOINT argument: PATH or PATH@N (N = sessions done before it, default 1).
// \throws UsageError for an N that is not a whole number >= 0.
struct Timepoint {
  std::string path;
  int sessions_done = 1;
};
Timepoint parseTimepoint(const std::string& spec) {
  Timepoint t{spec, 1};
  const auto at = spec.rfind('@');
  if (at == std::string::npos || at + 1 >= spec.size()) return t;
  t.path = spec.substr(0, at);
  try {
    std::size_t used = 0;
    t.sessions_done = std::stoi(spec.substr(at + 1), &used);
    if (used != spec.size() - at - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw UsageError("TIMEPOINT '" + spec + "': expected PATH@N with N the sessions done");
  }
  if (t.sessions_done < 0) throw UsageError("TIMEPOINT '" + spec + "': N must be >= 0");
  return t;
}

void printQuality(const followup::RegistrationQuality& q) {
  std::cout << "registration: rigid " << fixed(q.rotation_deg, 1) << " deg, "
            << fixed(q.translation_mm, 1) << " mm; deformable up to "
            << fixed(q.max_deformable_displacement_mm, 1) << " mm (min Jacobian "
            << fixed(q.min_jacobian, 2) << "); mean |difference| in the liver "
            << fixed(q.mean_abs_difference_initial, 1) << " -> "
            << fixed(q.mean_abs_difference_rigid, 1) << " -> "
            << fixed(q.mean_abs_difference_final, 1);
  if (q.liver_surface_mean_mm) {
    std::cout << "; liver surface distance mean " << fixed(*q.liver_surface_mean_mm, 2)
              << " mm, p95 " << fixed(q.liver_surface_p95_mm.value_or(0.0), 2) << " mm";
  }
  std::cout << " (" << fixed(q.seconds, 1) << " s)\n";
  for (const std::string& w : q.warnings) std::cerr << "warning: registration: " << w << "\n";
}

}  // namespace

void addRegisterCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "register",
      "Register a follow-up CT (MOVING) to the planning CT (FIXED): rigid, then B-spline "
      "restricted "
      "to the liver (both livers segmented automatically). Writes OUTDIR/registration/ "
      "(registration.json with the quality figures, displacement_x|y|z.nrrd) and "
      "OUTDIR/moving_registered.nrrd (MOVING on FIXED's grid). RESEARCH USE ONLY");
  static std::string fixed_in, moving_in, out, fixed_series, moving_series;
  static bool rigid_only = false, force = false;
  cmd->add_option("FIXED", fixed_in, "Planning image: DICOM folder/file, phantom folder or volume")
      ->required();
  cmd->add_option("MOVING", moving_in, "Follow-up image (same kinds)")->required();
  cmd->add_option("-o,--output", out, "Output folder")->required();
  cmd->add_option("--fixed-series", fixed_series, "Series UID in FIXED when it holds several");
  cmd->add_option("--moving-series", moving_series, "Series UID in MOVING when it holds several");
  cmd->add_flag("--rigid", rigid_only, "Rigid only (no deformable stage)");
  cmd->add_flag("--force", force, "Register even when the images look like different patients");
  cmd->footer(
      "Exit codes: 0 written (the quality may still be flagged poor: see the warnings), 2 bad "
      "option, 3 input not found, 4 no image or no liver found, 5 corrupt file, 8 cannot write "
      "(also: OUTDIR is an existing file), 9 different patients (PatientID differs, or no "
      "PatientID, frame of reference or overlap ties them) and no --force.");
  cmd->callback([&exit_code] {
    workflow::requireOutputFolder(out);
    const auto t0 = std::chrono::steady_clock::now();
    const workflow::FollowupRegistration r =
        workflow::registerFollowup(io::loadImage(fixed_in, fixed_series),
                                   io::loadImage(moving_in, moving_series), rigid_only, force);
    if (!r.identity.same_patient_id) std::cerr << "warning: " << r.identity.summary << "\n";
    workflow::writeFollowupRegistration(r, out);
    printQuality(r.registration.quality);
    std::cout << "wrote " << out << " in " << fixed(secondsSince(t0), 1) << " s\n"
              << kResearchBanner << "\n";
    exit_code = 0;
  });
}

void addConfirmCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "confirm",
      "Confirm an RFA session on its follow-up CT: registration to the planning series, "
      "ablation-zone segmentation around each treated lesion (from the plan's expected zones), 3D "
      "minimal ablative margin (MAM) with the subcapsular correction, technical success per "
      "lesion. "
      "Writes OUTDIR/margins.json, zones.nrrd, margin_map.nrrd, margin_L<id>.png (colour map "
      "of each lesion's margin on the slice of its minimal margin), followup_registered.nrrd, "
      "registration/. RESEARCH USE ONLY");
  static std::string plan_file, followup_in, out, series, segmentation_dir, followup_series;
  static int session = 1;
  static double threshold = -1;
  static bool force = false;
  cmd->add_option("PLAN", plan_file, "Plan JSON written by 'rfaplan plan'")->required();
  cmd->add_option("FOLLOWUP", followup_in,
                  "Follow-up image: DICOM folder/file, phantom folder "
                  "or volume")
      ->required();
  cmd->add_option("-o,--output", out, "Output folder")->required();
  cmd->add_option("--session", session, "The session whose ablations are confirmed (1..)")
      ->capture_default_str();
  cmd->add_option("--threshold", threshold,
                  "Margin (mm) needed for technical success (default: the plan's minimum margin)");
  cmd->add_option("--series", series, "The planning series (default: as recorded in the plan)");
  cmd->add_option("--segmentation", segmentation_dir,
                  "The planning segmentation folder (default: as recorded in the plan)");
  cmd->add_option("--followup-series", followup_series,
                  "Series UID in FOLLOWUP when it holds several");
  cmd->add_flag("--force", force, "Confirm even when the follow-up looks like another patient");
  cmd->footer(
      "Exit codes: 0 written (technical success or not: see margins.json), 2 bad option (e.g. a "
      "session the plan does not have), 3 plan, series or follow-up not found, 4 no liver found in "
      "the follow-up or no treated lesion in the session, 5 malformed plan, 8 cannot write (also: "
      "OUTDIR is an existing file), 9 follow-up of another patient (without --force) or the "
      "planning series found is not the one planned.");
  cmd->callback([&exit_code] {
    if (session < 1) throw UsageError("--session must be >= 1");
    workflow::requireOutputFolder(out);
    const auto t0 = std::chrono::steady_clock::now();
    const io::LoadedImage fu = io::loadImage(followup_in, followup_series);
    followup::ConfirmOptions o;
    o.session = session;
    o.force = force;
    if (threshold >= 0) o.threshold_mm = threshold;
    const workflow::SessionConfirmation c =
        workflow::confirmPlannedSession(plan_file, where(series, segmentation_dir), fu, o);
    for (const std::string& n : c.planned.notes) std::cerr << "warning: " << n << "\n";
    workflow::writeSessionConfirmation(c, out);
    const followup::ConfirmResult& r = c.result;
    printQuality(r.registration.quality);
    std::cout << "session " << session << ": MAM threshold " << fixed(r.threshold_mm, 1) << " mm\n";
    for (const followup::LesionConfirmation& l : r.lesions) {
      std::cout << "  lesion " << l.lesion_id << ": MAM " << fixed(l.margin.minimal_margin_mm, 1)
                << " mm (uncorrected " << fixed(l.margin.minimal_margin_uncorrected_mm, 1)
                << "), zone " << fixed(l.zone.volume_ml, 1) << " mL, residual "
                << fixed(l.margin.residual_volume_ml, 2) << " mL -> " << l.margin.verdict << "\n";
      for (const std::string& w : l.warnings)
        std::cerr << "warning: lesion " << l.lesion_id << ": " << w << "\n";
    }
    std::cout << "wrote " << out << "/margins.json in " << fixed(secondsSince(t0), 1) << " s\n"
              << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli

namespace rfa::cli {

void addFollowupCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "followup",
      "Assess follow-up time points of a plan: each TIMEPOINT is registered to the planning "
      "series, the zones and margins of the lesions treated so far are measured, the lesions seen "
      "at follow-up are detected and matched to the plan's (vanished, shrunk, grown, new, local "
      "tumour progression), RECIST 1.1 and mRECIST are categorised, and the next session's targets "
      "and remaining ablated-volume budget are listed. Writes the timeline JSON. RESEARCH USE "
      "ONLY");
  static std::string plan_file, out, series, segmentation_dir;
  static std::vector<std::string> timepoints;
  static std::string next_plan;
  static bool force = false;
  static bool no_confirm = false;
  static bool no_ultrasound = false;
  cmd->add_option("PLAN", plan_file, "Plan JSON written by 'rfaplan plan'")->required();
  cmd->add_option("TIMEPOINT", timepoints,
                  "Follow-up image (DICOM folder/file, phantom folder or volume), in time order; "
                  "PATH@N says N sessions were done before it (default: 1)")
      ->required();
  cmd->add_option("-o,--output", out, "Timeline JSON file")->required();
  cmd->add_option("--series", series, "The planning series (default: as recorded in the plan)");
  cmd->add_option("--segmentation", segmentation_dir,
                  "The planning segmentation folder (default: as recorded in the plan)");
  cmd->add_flag("--force", force, "Go on when a time point looks like another patient");
  cmd->add_option("--next-plan", next_plan,
                  "Also plan the next session on the last time point's images: its lesions still "
                  "to treat (plan ids kept, new lesions numbered after them), the earlier sessions "
                  "counted in the session limit and the ablated-volume budget; written like "
                  "'rfaplan plan' writes (segmentation beside it)");
  cmd->add_flag("--no-confirm", no_confirm, "Next plan: skip the bioheat confirmation");
  cmd->add_flag("--no-ultrasound", no_ultrasound,
                "Next plan: no preference for needles in a visible ultrasound probe plane");
  cmd->footer(
      "Exit codes: 0 written, 2 bad option (e.g. PATH@N with N beyond the plan's sessions), 3 "
      "plan, series or time point not found, 4 no liver found in a time point, 5 malformed plan, "
      "8 cannot write (an existing file that is not a timeline is not overwritten), 9 a time point "
      "of another patient (without --force).");
  cmd->callback([&exit_code] {
    const std::filesystem::path out_path(out);
    std::error_code ec;
    if (std::filesystem::is_directory(out_path, ec)) {
      throw WriteError(out + " is a folder: give the timeline file name");
    }
    const auto t0 = std::chrono::steady_clock::now();
    const planning::PlanCase pc = loadPlanned(plan_file, series, segmentation_dir);
    std::vector<workflow::TimepointInput> inputs;
    for (const std::string& spec : timepoints) {
      const auto [path, done] = parseTimepoint(spec);
      inputs.push_back({path, done, {}});
    }
    const workflow::FollowupTimeline timeline = workflow::assessTimeline(pc, inputs, force);
    for (const followup::TimepointResult& tp : timeline.timepoints) {
      const auto& r = tp.response;
      std::cout << tp.input << " (after " << tp.sessions_done << " session(s)): RECIST 1.1 "
                << r.recist.category << ", mRECIST " << r.mrecist.category << "; " << r.new_lesions
                << " new, " << r.local_progressions << " local progression(s)\n";
      for (const followup::LesionMatch& m : r.lesions) {
        std::cout << "  "
                  << (m.baseline_id != 0 ? "lesion " + std::to_string(m.baseline_id)
                                         : "follow-up lesion " + std::to_string(m.followup_id))
                  << ": " << m.status << " - " << m.reason << "\n";
      }
      for (const std::string& w : tp.warnings)
        std::cerr << "warning: " << tp.input << ": " << w << "\n";
    }
    if (timeline.profile_note) std::cerr << "warning: " << *timeline.profile_note << "\n";
    const std::vector<followup::TimepointResult>& results = timeline.timepoints;
    const followup::NextSession& next = timeline.next;
    followup::writeTimeline(pc.plan, results, next, out_path);
    if (!next_plan.empty()) {
      const std::string last_path = parseTimepoint(timepoints.back()).path;
      workflow::CaseState next_case = workflow::replanNextSession(
          pc.plan, std::filesystem::path(plan_file).filename().string(), results.back(), next,
          io::loadImage(last_path), last_path,
          workflow::nextSessionRequest(!no_confirm, !no_ultrasound), RFAPLAN_VERSION);
      const planning::PlanWriteResult w = workflow::savePlan(next_case, next_plan);
      const planning::TreatmentPlan& np = *next_case.plan;
      std::cout << "next plan " << next_plan << " (revision " << np.revision
                << "): " << np.lesions.size() << " lesion(s), sessions";
      for (const planning::PlanSession& s : np.sessions) std::cout << " " << s.index;
      std::cout << "; cumulative ablated volume " << fixed(np.cumulative_volume_ml, 0) << " mL ("
                << fixed(100 * np.cumulative_liver_fraction, 1) << " % of the liver)\n";
      for (const planning::PlanUnplaced& u : np.unplaced) {
        std::cout << "  lesion " << u.id << " not scheduled: " << u.reason << "\n";
      }
      (void)w;
    }
    std::cout << "next session: " << next.targets.size() << " target(s), "
              << fixed(next.remaining_volume_ml, 0) << " mL of the ablated-volume budget left\n";
    std::cout << "wrote " << out << " in " << fixed(secondsSince(t0), 1) << " s\n"
              << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
