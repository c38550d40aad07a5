// rfaplan simulate INPUT [--labels DIR] --electrode NAME --tip x,y,z --direction dx,dy,dz
//   [--protocol NAME] [--power W] [--duration s] [--backend cpu|gl|auto] [--spacing mm]
//   [--zone arrhenius|t50|t60|cem43] -o OUTDIR
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli_common.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/io/volume_file.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/materials.h"
#include "rfa/thermal/simulation.h"
#include "rfa/thermal/tissue_condition.h"
#include "tissue_options.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json v3(const Vec3& v) {
  return nlohmann::json::array({v.x(), v.y(), v.z()});
}

// A user-given number as typed ("0", "-5", "2.5").
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string pointText(const Vec3& p) {
  return "(" + fixed(p.x()) + ", " + fixed(p.y()) + ", " + fixed(p.z()) + ") mm";
}

thermal::BackendChoice parseBackend(const std::string& s) {
  if (s == "cpu") return thermal::BackendChoice::kCpu;
  if (s == "gl") return thermal::BackendChoice::kGl;
  if (s == "auto") return thermal::BackendChoice::kAuto;
  throw UsageError("--backend: unknown backend '" + s + "' (cpu, gl, auto)");
}

// LPS bounding box of the image's voxels (voxel boxes included), as "x [a, b], y [..], z [..]".
std::string extentText(const ImageGeometry& g) {
  Vec3 lo = Vec3::Constant(1e300);
  Vec3 hi = Vec3::Constant(-1e300);
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 idx;
    for (int a = 0; a < 3; ++a) {
      const auto n = static_cast<double>(g.size()[static_cast<std::size_t>(a)]);
      idx[a] = ((corner >> a) & 1) != 0 ? n - 0.5 : -0.5;
    }
    const Vec3 p = g.indexToLps(idx);
    lo = lo.cwiseMin(p);
    hi = hi.cwiseMax(p);
  }
  const char* axis[3] = {"x", "y", "z"};
  std::string s;
  for (int a = 0; a < 3; ++a) {
    if (a > 0) s += ", ";
    s += std::string(axis[a]) + " [" + fixed(lo[a]) + ", " + fixed(hi[a]) + "]";
  }
  return s + " mm";
}

// The labels of a segmentation folder as the thermal model takes them (no gallbladder there).
thermal::SegmentationLabels labelsView(const io::SegmentationFolder& f) {
  thermal::SegmentationLabels l;
  l.body = f.body ? &*f.body : nullptr;
  l.lung = f.lung ? &*f.lung : nullptr;
  l.bone = f.bone ? &*f.bone : nullptr;
  l.liver = f.liver ? &*f.liver : nullptr;
  l.lesions = f.lesions ? &*f.lesions : nullptr;
  l.vessel_radius_mm = f.vessel_radius_mm ? &*f.vessel_radius_mm : nullptr;
  return l;
}

// The files of `dir` that the thermal model used (their paths; null where absent).
nlohmann::json usedFiles(const fs::path& dir, const io::SegmentationFolder& f) {
  nlohmann::json used = nlohmann::json::object();
  const auto file = [&](const char* name, bool present) {
    used[name] = present ? nlohmann::json((dir / (std::string(name) + ".nrrd")).string())
                         : nlohmann::json(nullptr);
  };
  file("body", f.body.has_value());
  file("lung", f.lung.has_value());
  file("bone", f.bone.has_value());
  file("liver", f.liver.has_value());
  file("lesions", f.lesions.has_value());
  file("vessels", f.vessel_radius_mm.has_value());
  return used;
}

// readSegmentationFolder(), its missing-folder error naming the option.
io::SegmentationFolder readLabels(const fs::path& dir) {
  try {
    return io::readSegmentationFolder(dir);
  } catch (const NotFoundError& e) {
    throw NotFoundError(std::string("--labels: ") + e.what());
  }
}

nlohmann::json gridJson(const ImageGeometry& g) {
  return {{"frame", "DICOM patient LPS, mm (identity direction)"},
          {"size", {g.size()[0], g.size()[1], g.size()[2]}},
          {"spacing_mm", v3(g.spacing())},
          {"origin_lps_mm", v3(g.origin())}};
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

    const fs::path catalog_dir =
        electrode_dir.empty() ? thermal::defaultElectrodeDir() : fs::path(electrode_dir);
    const thermal::ElectrodeCatalog catalog = thermal::loadElectrodeCatalog(catalog_dir);
    const thermal::Electrode& electrode = catalog.find(electrode_name);
    const thermal::Protocol& prot =
        protocol.empty() ? electrode.protocols.at(0) : electrode.protocol(protocol);
    settings.protocol = prot.name;

    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    const ImageGeometry& ct = img.image.geometry();
    if (img.image.empty() || !ct.containsContinuous(ct.lpsToIndex(pose.tip_lps))) {
      throw GeometryError("--tip: electrode tip " + pointText(pose.tip_lps) +
                          " is outside the image (LPS extent " + extentText(ct) + "; " +
                          ct.describe() + ")");
    }

    const ImageGeometry grid = thermal::simulationGrid(electrode, pose, settings);
    thermal::TissueModel tissue;
    nlohmann::json labels_json = nullptr;
    if (labels_dir.empty()) {
      tissue = thermal::homogeneousLiver(grid);
    } else {
      const io::SegmentationFolder files = readLabels(labels_dir);
      tissue = thermal::tissueFromLabels(grid, labelsView(files));
      labels_json = {{"folder", labels_dir}, {"files", usedFiles(labels_dir, files)}};
    }
    std::array<std::size_t, thermal::kMaterialCount> material_voxels{};
    for (const auto m : tissue.material.data()) {
      if (m < material_voxels.size()) ++material_voxels[m];
    }

    thermal::SimulationResult r;
    try {
      r = thermal::simulateAblation(electrode, pose, settings, &tissue);
    } catch (const UnsupportedError& e) {
      if (settings.backend != thermal::BackendChoice::kGl) throw;
      throw UnsupportedError(std::string("--backend gl: the GL backend cannot run here: ") +
                             e.what() + " (use --backend cpu or auto)");
    }
    if (!r.fallback_reason.empty()) std::cerr << "note: " << r.fallback_reason << "\n";

    const fs::path dir(out);
    io::writeVolumeFile(dir / "zone.nrrd", r.zone);
    io::writeVolumeFile(dir / "temperature_max.nrrd", r.temperature_max_c);
    io::writeVolumeFile(dir / "damage.nrrd", r.damage_omega);

    nlohmann::json j;
    j["research_use_only"] = true;
    j["frame"] = "DICOM patient LPS, mm";
    j["input"] = input;
    j["image"] = {{"source", img.source}, {"geometry", ct.describe()}};
    j["electrode"] = electrode.name;
    j["protocol"] = prot.name;
    j["tip_lps_mm"] = v3(pose.tip_lps);
    j["direction_lps"] = v3(pose.direction_lps.normalized());
    j["power_override_w"] = settings.power_w ? nlohmann::json(*settings.power_w) : nullptr;
    j["duration_s"] = settings.duration_s.value_or(prot.duration_s);
    j["zone_criterion"] = zone_text;
    j["tissue_condition"] = {{"condition", tissue_options.condition},
                             {"tissue_temperature_c", state.tissue_temperature_c},
                             {"flow_ml_min_100g", state.flow_ml_min_100g}};
    j["tissue"] = labels_dir.empty() ? "homogeneous liver" : "segmentation labels";
    j["labels"] = labels_json;
    nlohmann::json mats = nlohmann::json::object();
    for (std::size_t m = 0; m < material_voxels.size(); ++m) {
      if (material_voxels[m] > 0) {
        mats[thermal::materialName(static_cast<thermal::Material>(m))] = material_voxels[m];
      }
    }
    j["tissue_voxels"] = mats;
    j["zone_volume_ml"] = r.zone_volume_ml;
    j["zone_length_along_needle_mm"] = r.length_along_mm;
    j["zone_width_u_mm"] = r.width_u_mm;
    j["zone_width_v_mm"] = r.width_v_mm;
    j["max_temperature_c"] = r.max_temperature_c;
    j["energy_j"] = r.energy_j;
    j["backend"] = r.backend;
    j["backend_requested"] = backend_text;
    j["fallback_reason"] =
        r.fallback_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.fallback_reason);
    j["wall_time_s"] = r.wall_seconds;
    j["simulated_s"] = r.simulated_seconds;
    j["dt_s"] = r.dt_s;
    j["steps"] = r.steps;
    j["potential_solves"] = r.potential_solves;
    j["potential_iterations"] = r.potential_iterations;
    j["grid"] = gridJson(r.grid);
    j["outputs"] = {{"zone", "zone.nrrd (uint8 mask, 1 = ablated)"},
                    {"temperature_max", "temperature_max.nrrd (float, C)"},
                    {"damage", "damage.nrrd (float, Arrhenius Omega)"}};
    nlohmann::json log = nlohmann::json::array();
    for (const auto& s : r.generator) {
      log.push_back({{"time_s", s.time_s},
                     {"power_w", s.power_w},
                     {"impedance_ohm", s.impedance_ohm},
                     {"rolled_off", s.rolled_off}});
    }
    j["generator"] = log;
    writeFileAtomically(dir / "zone.json", j.dump(2) + "\n");
    std::cout << "simulated " << electrode.name << " (" << prot.name << ", "
              << fixed(r.simulated_seconds, 0) << " s, " << r.backend << "): zone "
              << fixed(r.zone_volume_ml, 2) << " mL, " << fixed(r.length_along_mm)
              << " mm along the needle, " << fixed(r.width_u_mm) << " x " << fixed(r.width_v_mm)
              << " mm across, max " << fixed(r.max_temperature_c) << " C, " << fixed(r.energy_j, 0)
              << " J, " << fixed(r.wall_seconds, 2) << " s wall -> " << out << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
