// rfaplan simulate INPUT [--labels DIR] --electrode NAME --tip x,y,z --direction dx,dy,dz
//   [--protocol NAME] [--power W] [--duration s] [--backend cpu|gl|auto] [--spacing mm]
//   [--zone arrhenius|t50|t60|cem43] -o OUTDIR
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/simulation.h"
#include "rfa/thermal/tissue_condition.h"
#include "rfa/workflow/simulate_job.h"
#include "tissue_options.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;

// A user-given number as typed ("0", "-5", "2.5").
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

thermal::BackendChoice parseBackend(const std::string& s) {
  if (s == "cpu") return thermal::BackendChoice::kCpu;
  if (s == "gl") return thermal::BackendChoice::kGl;
  if (s == "auto") return thermal::BackendChoice::kAuto;
  throw UsageError("--backend: unknown backend '" + s + "' (cpu, gl, auto)");
}

}  // namespace

void addSimulateCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "simulate",
      "Simulate an RF ablation (electrode, protocol, needle pose in LPS mm) and write the ablation "
      "zone, maximum temperature and thermal damage on the simulation grid (LPS)");
  static std::string input;
  static std::string labels_dir;
  static std::string electrode_name;
  static std::string electrode_dir;
  static std::string tip_text;
  static std::string direction_text;
  static std::string protocol;
  static double power_w = 0;
  static double duration_s = 0;
  static std::string backend_text = "auto";
  static double spacing_mm = 1.0;
  static double margin_mm = 30.0;
  static std::string zone_text = "arrhenius";
  static TissueOptions tissue_options;
  static std::string series;
  static std::string out;
  cmd->add_option("INPUT", input,
                  "CT: DICOM folder/file, phantom folder or volume file (the tip must lie in it)")
      ->required();
  cmd->add_option("--series", series, "SeriesInstanceUID (or id from 'rfaplan series')");
  cmd->add_option("--labels", labels_dir,
                  "Output folder of 'rfaplan segment' (body, lung, bone, liver, lesions, vessels "
                  ".nrrd; missing files are ignored): tissue from the labels. Without it: "
                  "homogeneous perfused liver");
  cmd->add_option("--electrode", electrode_name,
                  "Electrode name (resources/electrodes/*.json), e.g. cooltip-3cm")
      ->required();
  cmd->add_option("--electrode-dir", electrode_dir,
                  "Folder of electrode JSON files (default: the installed resources/electrodes)");
  cmd->add_option("--tip", tip_text, "Needle tip x,y,z in DICOM patient LPS mm")->required();
  cmd->add_option("--direction", direction_text,
                  "Insertion direction dx,dy,dz in LPS (skin entry towards the tip; any length)")
      ->required();
  cmd->add_option("--protocol", protocol,
                  "Generator protocol name (default: the electrode's first)");
  auto* power_opt =
      cmd->add_option("--power", power_w, "Constant power in W, overriding the protocol's curve");
  auto* duration_opt = cmd->add_option("--duration", duration_s,
                                       "Ablation time in s (default: the protocol's duration)");
  cmd->add_option("--backend", backend_text, "Heat solver: cpu, gl (GLSL compute) or auto")
      ->capture_default_str();
  cmd->add_option("--spacing", spacing_mm, "Isotropic simulation voxel in mm (0.5-5)")
      ->capture_default_str();
  cmd->add_option("--margin", margin_mm,
                  "Simulation box margin around the electrode's active part in mm (10-100)")
      ->capture_default_str();
  cmd->add_option("--zone", zone_text,
                  "Ablation zone criterion: arrhenius (Omega >= 1), t50, t60 (max temperature "
                  ">= 50/60 C) or cem43 (>= 240 min)")
      ->capture_default_str();
  tissue_options.add(cmd);
  cmd->add_option("-o,--output", out, "Output folder")->required();
  cmd->footer(
      "Writes OUTDIR/zone.nrrd (uint8 mask), temperature_max.nrrd (float, C), damage.nrrd (float, "
      "Arrhenius Omega) on the simulation grid: axis-aligned in DICOM patient LPS mm (identity "
      "direction), centred on the electrode's active part, not the CT grid; and zone.json (zone "
      "volume and extents, energy, backend, generator log, grid). RESEARCH USE ONLY.");
  cmd->callback([&exit_code, power_opt, duration_opt] {
    // Options first (exit 2) so that a bad value fails before any loading.
    thermal::SimulationSettings settings;
    const thermal::NeedlePose pose{parseVec3("--tip", tip_text, false),
                                   parseVec3("--direction", direction_text, false)};
    if (!(pose.direction_lps.norm() > 0)) {
      throw UsageError("--direction " + direction_text + ": the direction must not be zero");
    }
    settings.backend = parseBackend(backend_text);
    settings.zone = thermal::parseZoneCriterion(zone_text);
    if (!(spacing_mm >= 0.5 && spacing_mm <= 5.0)) {
      throw UsageError("--spacing " + num(spacing_mm) + ": must be in 0.5..5 mm");
    }
    if (!(margin_mm >= 10.0 && margin_mm <= 100.0)) {
      throw UsageError("--margin " + num(margin_mm) + ": must be in 10..100 mm");
    }
    settings.spacing_mm = spacing_mm;
    settings.margin_mm = margin_mm;
    const thermal::TissueState state = tissue_options.state();
    settings.materials = thermal::materialsFor(settings.materials, state);
    if (power_opt->count() > 0) {
      if (!(power_w > 0) || !std::isfinite(power_w)) {
        throw UsageError("--power " + num(power_w) + ": power must be > 0 W");
      }
      settings.power_w = power_w;
    }
    if (duration_opt->count() > 0) {
      if (!(duration_s > 0) || !std::isfinite(duration_s)) {
        throw UsageError("--duration " + num(duration_s) + ": duration must be > 0 s");
      }
      settings.duration_s = duration_s;
    }

    workflow::SimulateRequest request;
    request.electrode = electrode_name;
    request.electrode_dir = electrode_dir;
    request.protocol = protocol;
    request.pose = pose;
    request.settings = settings;
    request.tissue = state;
    request.condition_name = tissue_options.condition;
    request.zone_criterion = zone_text;
    request.backend_name = backend_text;
    if (!labels_dir.empty()) {
      std::error_code ec;
      if (!fs::is_directory(labels_dir, ec)) {
        throw NotFoundError("--labels: segmentation folder " + labels_dir + " not found");
      }
      request.labels = labels_dir;
    }
    workflow::checkSimulateRequest(request);
    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    const workflow::SimulateResult sim = workflow::simulateOnImage(img, input, request);
    const thermal::SimulationResult& r = sim.result;
    if (!r.fallback_reason.empty()) std::cerr << "note: " << r.fallback_reason << "\n";
    workflow::writeSimulationFolder(out, sim);
    std::cout << "simulated " << sim.electrode << " (" << sim.protocol << ", "
              << fixed(r.simulated_seconds, 0) << " s, " << r.backend << "): zone "
              << fixed(r.zone_volume_ml, 2) << " mL, " << fixed(r.length_along_mm)
              << " mm along the needle, " << fixed(r.width_u_mm) << " x " << fixed(r.width_v_mm)
              << " mm across, max " << fixed(r.max_temperature_c) << " C, " << fixed(r.energy_j, 0)
              << " J, " << fixed(r.wall_seconds, 2) << " s wall -> " << out << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
