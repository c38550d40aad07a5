// The whole treatment plan (issue 5) on the 1 mm phantom: stage 1 (planLesions, preview model) +
// stage 3 (planSessions) timed from one call over all lesions, the bioheat confirmation
// (confirmLesions) timed separately, and, measured in the same run as the baseline, one bioheat
// simulation and one preview margin evaluation of the largest lesion, so that the table says how
// many solver runs the preview search replaces.
//
//   bench_plan [--quick]
// Full: 300x260x200 phantom at 1 mm, 9 lesions 8-35 mm (seed 5), the truth masks as the
// segmentation, default PlanBuildOptions (profile batch-rfa, 3 electrodes, up to 5 ablations,
// 100 uncertainty samples), confirmation at 1.5 mm on the CPU backend. Takes a few minutes.
// --quick: 160x160x70 at 2.4x2.4x2.8 mm, 3 lesions 8-20 mm, 10 uncertainty samples, confirmation
// at 3 mm, no refinement round (CI smoke: proves the benchmark runs and that the plan has
// sessions; measures nothing).
// Exit status 1 when the plan has no session, misses lesions or confirmed nothing.
//
// The number of margin evaluations of the placement search is recorded in the plan per lesion
// (PlanLesion::search_evaluations).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/phantom/phantom.h"
#include "rfa/planning/coverage.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/profile.h"
#include "rfa/planning/trajectory.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/preview.h"
#include "rfa/thermal/simulation.h"

namespace {

using namespace rfa;            // NOLINT(google-build-using-namespace): benchmark file
using namespace rfa::planning;  // NOLINT(google-build-using-namespace)
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds (user + system) of the whole process so far, all threads: on a shared machine the
// wall time depends on the load, this does not (much).
double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

Mask labelMask(const LabelMap& labels, int label) {
  Mask out(labels.geometry(), 0);
  const auto l = labels.data();
  auto o = out.data();
  for (std::size_t i = 0; i < l.size(); ++i) o[i] = l[i] == label ? 1 : 0;
  return out;
}

// Records when each lesion of a stage starts (progress fractions i / n, then 1.0 at the end).
struct StageClock {
  std::vector<Clock::time_point> marks;
  void operator()(const std::string& /*stage*/, double /*fraction*/) {
    marks.push_back(Clock::now());
  }
  // Seconds of item i (between the i-th and (i+1)-th callbacks); -1 when not recorded.
  [[nodiscard]] double item(std::size_t i) const {
    if (i + 1 >= marks.size()) return -1;
    return std::chrono::duration<double>(marks[i + 1] - marks[i]).count();
  }
};

struct SearchCount {
  std::size_t evaluations = 0;
  std::string electrode;
  int ablations = 0;
};

void row(const std::string& a, const std::string& b, const std::string& c) {
  std::printf("| %s | %s | %s |\n", a.c_str(), b.c_str(), c.c_str());
}

int run(bool quick) {
  std::printf("bench_plan%s: %u worker threads (RFA_THREADS=%s)\n", quick ? " --quick" : "",
              workerCount(),
              std::getenv("RFA_THREADS") != nullptr ? std::getenv("RFA_THREADS") : "unset");

  // --- phantom: truth masks as the segmentation
  phantom::PhantomOptions po;
  po.min_lesion_diameter_mm = 8;
  po.max_lesion_diameter_mm = quick ? 20 : 35;  // quick: single ablations, a few seconds
  if (quick) {
    po.lesions = 3;
    po.seed = 5;
    po.size = {160, 160, 70};
    po.spacing_mm = Vec3(2.4, 2.4, 2.8);
  } else {
    po.lesions = 9;
    po.seed = 5;
    po.size = {300, 260, 200};
    po.spacing_mm = Vec3(1, 1, 1);
  }
  auto t0 = Clock::now();
  const phantom::Phantom ph = phantom::generatePhantom(po);
  const double phantom_s = since(t0);
  std::printf("phantom %zux%zux%zu at %.1fx%.1fx%.1f mm, %d lesions: generated in %.2f s\n",
              po.size[0], po.size[1], po.size[2], po.spacing_mm.x(), po.spacing_mm.y(),
              po.spacing_mm.z(), po.lesions, phantom_s);

  PlanAnatomy anatomy;
  anatomy.body = &ph.body;
  anatomy.liver = &ph.liver;
  anatomy.lesions = &ph.lesions;
  anatomy.bone = &ph.bone;
  anatomy.lung = &ph.lung;
  anatomy.gallbladder = &ph.gallbladder;
  anatomy.vessel_radius_mm = &ph.vessel_radius;

  const thermal::ElectrodeCatalog catalog =
      thermal::loadElectrodeCatalog(thermal::defaultElectrodeDir());
  const std::vector<thermal::PreviewCalibration> calibrations =
      thermal::readPreviewCalibrations(thermal::defaultPreviewCalibrationFile());
  const std::vector<ProtocolProfile> profiles = loadProfiles(defaultProfileDir());
  const ProtocolProfile& profile = findProfile(profiles, "batch-rfa");
  const PlanEquipment equipment{&catalog, &calibrations};

  PlanBuildOptions options;  // the defaults of `rfaplan plan`
  options.confirmation.backend = thermal::BackendChoice::kCpu;
  if (quick) {
    options.uncertainty_samples = 10;
    options.confirmation.spacing_mm = 3.0;
    options.refinement_rounds = 0;
  }

  // --- 1. the whole preview plan: planLesions + planSessions, one call over all lesions
  StageClock lesion_clock;
  options.progress = [&lesion_clock](const std::string& s, double f) { lesion_clock(s, f); };
  double cpu0 = cpuSeconds();
  t0 = Clock::now();
  TreatmentPlan plan = planLesions(anatomy, profile, equipment, options);
  const double lesions_s = since(t0);
  t0 = Clock::now();
  planSessions(plan, profile, options);
  const double sessions_s = since(t0);
  const double preview_cpu_s = cpuSeconds() - cpu0;
  const double preview_plan_s = lesions_s + sessions_s;
  const TreatmentPlan preview_plan = plan;

  std::size_t placements = 0;
  int with_placements = 0;
  for (const PlanLesion& l : plan.lesions) {
    placements += l.placements.size();
    with_placements += l.placements.empty() ? 0 : 1;
  }

  // --- 2. bioheat confirmation, then the sessions again on the confirmed volumes
  StageClock confirm_clock;
  options.progress = [&confirm_clock](const std::string& s, double f) { confirm_clock(s, f); };
  cpu0 = cpuSeconds();
  t0 = Clock::now();
  confirmLesions(plan, anatomy, profile, equipment, options);
  const double confirm_s = since(t0);
  const double confirm_cpu_s = cpuSeconds() - cpu0;
  options.progress = nullptr;
  t0 = Clock::now();
  planSessions(plan, profile, options);
  const double sessions2_s = since(t0);
  std::size_t confirmed_placements = 0;
  int refinements = 0;
  int confirmed_lesions = 0;
  for (const PlanLesion& l : plan.lesions) {
    if (l.confirmation) {
      confirmed_placements += l.placements.size();
      ++confirmed_lesions;
    }
    refinements += l.refinements;
  }

  // --- evaluation count: recorded per lesion in the plan (PlanLesion::search_evaluations)
  std::vector<SearchCount> counts(preview_plan.lesions.size());
  std::size_t search_evaluations = 0;
  for (std::size_t li = 0; li < preview_plan.lesions.size(); ++li) {
    const PlanLesion& l = preview_plan.lesions[li];
    counts[li].evaluations = static_cast<std::size_t>(l.search_evaluations);
    search_evaluations += counts[li].evaluations;
  }

  const std::size_t uncertainty_evaluations =
      static_cast<std::size_t>(options.uncertainty_samples) *
      static_cast<std::size_t>(with_placements);

  // --- 3. baselines on the largest lesion: one preview evaluation, one bioheat simulation
  std::size_t largest = 0;
  for (std::size_t i = 1; i < preview_plan.lesions.size(); ++i) {
    if (preview_plan.lesions[i].volume_ml > preview_plan.lesions[largest].volume_ml) largest = i;
  }
  const PlanLesion& big = preview_plan.lesions[largest];
  const thermal::Electrode& e3 = catalog.find("cooltip-3cm");
  const thermal::PreviewCalibration& c3 =
      thermal::findCalibration(calibrations, e3.name, e3.protocols.front().name);
  Vec3 w = Vec3(0, 1, 0);  // posterior; replaced by the lesion's best trajectory when it has one
  if (!big.trajectories.empty()) {
    w = (big.trajectories.front().target_lps - big.trajectories.front().entry_lps).normalized();
  }
  const thermal::NeedlePose pose{big.centroid_lps - c3.centre_offset_mm * w, w};
  const thermal::EllipsoidZone zone = thermal::previewZone(c3, pose);

  const Mask big_mask = labelMask(ph.lesions, big.id);
  t0 = Clock::now();
  MarginOptions margins = options.coverage.margins;
  margins.minimum_margin_mm = profile.margins.minimum_mm;
  margins.target_margin_mm = std::max(profile.margins.target_mm, profile.margins.minimum_mm);
  const MarginEvaluator evaluator(big_mask, margins);
  const double evaluator_setup_s = since(t0);
  const int min_reps = 20;
  int reps = 0;
  double checksum = 0;
  t0 = Clock::now();
  while (reps < min_reps || since(t0) < (quick ? 0.2 : 1.0)) {
    checksum += evaluator.evaluate({zone}).minimal_margin_mm;
    ++reps;
  }
  const double evaluation_s = since(t0) / reps;
  const MarginMetrics preview_metrics = evaluator.evaluate({zone});

  thermal::SimulationSettings sim = options.confirmation;
  sim.protocol = c3.protocol;
  thermal::SegmentationLabels labels;
  labels.body = anatomy.body;
  labels.lung = anatomy.lung;
  labels.bone = anatomy.bone;
  labels.liver = anatomy.liver;
  labels.lesions = anatomy.lesions;
  labels.vessel_radius_mm = anatomy.vessel_radius_mm;
  t0 = Clock::now();
  const ImageGeometry grid = thermal::simulationGrid(e3, pose, sim);
  const thermal::TissueModel tissue =
      thermal::tissueFromLabels(grid, labels, options.trajectory.large_vessel_radius_mm);
  const double tissue_s = since(t0);
  t0 = Clock::now();
  const thermal::SimulationResult sr = thermal::simulateAblation(e3, pose, sim, &tissue);
  const double simulation_s = since(t0);
  const double sim_with_tissue_s = simulation_s + tissue_s;

  // --- report
  std::printf(
      "\nper lesion (stage 1 time from the progress callback of the one planLesions call; "
      "evaluations recorded in the plan):\n\n");
  std::printf(
      "| lesion | diameter | electrode x ablations | preview margin | flag | stage 1 | "
      "search evaluations | confirmation | confirmed margin |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (std::size_t i = 0; i < plan.lesions.size(); ++i) {
    const PlanLesion& p = preview_plan.lesions[i];
    const PlanLesion& c = plan.lesions[i];
    const std::string elec = p.placements.empty() ? "-"
                                                  : p.placements.front().electrode + " x " +
                                                        std::to_string(p.placements.size());
    std::string confirmed = "-";
    if (c.confirmation) {
      confirmed = fmt("%.1f mm (%s x %zu%s)", c.confirmation->margins.minimal_margin_mm,
                      c.placements.empty() ? "-" : c.placements.front().electrode.c_str(),
                      c.placements.size(),
                      c.refinements > 0 ? fmt(", refined %d", c.refinements).c_str() : "");
    }
    std::printf("| %d | %.1f mm | %s | %.1f mm | %s | %.2f s | %zu | %.1f s | %s, %s |\n", p.id,
                p.diameter_mm, elec.c_str(), p.preview.minimal_margin_mm,
                planning::toString(p.flag).c_str(), lesion_clock.item(i), counts[i].evaluations,
                confirm_clock.item(i), confirmed.c_str(), planning::toString(c.flag).c_str());
  }

  const std::size_t all_evaluations = search_evaluations + uncertainty_evaluations;
  const double eval_rate =
      all_evaluations > 0 ? static_cast<double>(all_evaluations) / lesions_s : 0.0;
  std::printf("\nsummary:\n\n| step | result | baseline / note |\n|---|---|---|\n");
  row("threads",
      fmt("%u (workerCount(); RFA_THREADS %s)", workerCount(),
          std::getenv("RFA_THREADS") != nullptr ? std::getenv("RFA_THREADS") : "unset"),
      "");
  row("phantom generation", fmt("%.2f s", phantom_s), "not part of the plan");
  row("**whole preview plan** (planLesions + planSessions, one call)",
      fmt("**%.2f s** (lesions %.2f s + sessions %.3f s); CPU time %.1f s", preview_plan_s,
          lesions_s, sessions_s, preview_cpu_s),
      quick ? "smoke run"
            : "target < 10 s: " + std::string(preview_plan_s < 10 ? "met" : "NOT met"));
  row("lesions / placements / sessions",
      fmt("%zu lesions, %zu placements, %zu sessions (%zu unplaced)", preview_plan.lesions.size(),
          placements, preview_plan.sessions.size(), preview_plan.unplaced.size()),
      fmt("%.2f s per lesion on average", lesions_s / static_cast<double>(plan.lesions.size())));
  row("preview margin evaluations in stage 1",
      fmt("%zu search + %zu uncertainty (%d x %d) = %zu", search_evaluations,
          uncertainty_evaluations, options.uncertainty_samples, with_placements, all_evaluations),
      fmt("%.0f evaluations/s of stage 1 wall time (trajectories included; the search runs on "
          "the lesion resampled to %.1f mm)",
          eval_rate, options.search_spacing_mm));
  row("baseline: one preview evaluation, largest lesion",
      fmt("%.3f ms (lesion %d, %.1f mm, 1 cooltip-3cm zone, margin %.1f mm)", 1e3 * evaluation_s,
          big.id, big.diameter_mm, preview_metrics.minimal_margin_mm),
      fmt("mean of %d; evaluator set-up %.3f ms", reps, 1e3 * evaluator_setup_s));
  row("baseline: one bioheat simulation, cooltip-3cm, largest lesion",
      fmt("%.2f s (+ %.2f s tissue from labels; %s, %.1f mm, %zux%zux%zu, %d steps, zone %.1f mL)",
          simulation_s, tissue_s, sr.backend.c_str(), sim.spacing_mm, grid.size()[0],
          grid.size()[1], grid.size()[2], sr.steps, sr.zone_volume_ml),
      fmt("%.0fx one preview evaluation", simulation_s / evaluation_s));
  row("preview search vs the solver",
      fmt("%zu evaluations x %.2f s = %.0f s (%.1f h) of bioheat simulations", all_evaluations,
          sim_with_tissue_s, static_cast<double>(all_evaluations) * sim_with_tissue_s,
          static_cast<double>(all_evaluations) * sim_with_tissue_s / 3600.0),
      fmt("measured stage 1: %.2f s (%.0fx less)", lesions_s,
          static_cast<double>(all_evaluations) * sim_with_tissue_s / lesions_s));
  row("bioheat confirmation (confirmLesions)",
      fmt("%.1f s (CPU time %.1f s): >= %zu simulations (the final placements of %d lesions; %d "
          "refinement(s) kept; "
          "refinement rounds also re-run the preview search and simulate placements the plan "
          "does not keep)",
          confirm_s, confirm_cpu_s, confirmed_placements, confirmed_lesions, refinements),
      fmt("%s backend, %.1f mm; = %.1f x the one-simulation baseline; sessions again %.3f s",
          plan.lesions.empty() || !plan.lesions.front().confirmation
              ? "cpu"
              : plan.lesions.front().confirmation->backend.c_str(),
          options.confirmation.spacing_mm, confirm_s / sim_with_tissue_s, sessions2_s));
  row("confirmed plan",
      fmt("%zu sessions, %zu unplaced, fits profile: %s", plan.sessions.size(),
          plan.unplaced.size(), plan.fits_profile ? "yes" : "no"),
      "");
  if (checksum == std::numeric_limits<double>::infinity()) std::printf("(checksum)\n");

  // --- no vacuous pass
  int failures = 0;
  if (plan.lesions.size() != static_cast<std::size_t>(po.lesions)) {
    std::fprintf(stderr, "FAIL: %zu lesions planned, %d generated\n", plan.lesions.size(),
                 po.lesions);
    ++failures;
  }
  if (preview_plan.sessions.empty() || plan.sessions.empty()) {
    std::fprintf(stderr, "FAIL: the plan has no session\n");
    ++failures;
  }
  if (placements == 0 || confirmed_placements == 0) {
    std::fprintf(stderr, "FAIL: no placement planned or confirmed\n");
    ++failures;
  }
  if (sr.steps <= 0 || search_evaluations == 0) {
    std::fprintf(stderr, "FAIL: the baselines measured nothing\n");
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: bench_plan [--quick]\n");
      return 2;
    }
  }
  try {
    return run(quick);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_plan: %s\n", e.what());
    return 1;
  }
}
