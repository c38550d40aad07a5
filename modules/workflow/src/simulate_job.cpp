// The `rfaplan simulate` job (simulate_job.h).
#include "rfa/workflow/simulate_job.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/io/volume_file.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/materials.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

std::string fixed(double v, int decimals = 1) {
  char s[64];
  std::snprintf(s, sizeof s, "%.*f", decimals, v);
  return s;
}

nlohmann::json v3(const Vec3& v) {
  return nlohmann::json::array({v.x(), v.y(), v.z()});
}

std::string pointText(const Vec3& p) {
  return "(" + fixed(p.x()) + ", " + fixed(p.y()) + ", " + fixed(p.z()) + ") mm";
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

nlohmann::json gridJson(const ImageGeometry& g) {
  return {{"frame", "DICOM patient LPS, mm (identity direction)"},
          {"size", {g.size()[0], g.size()[1], g.size()[2]}},
          {"spacing_mm", v3(g.spacing())},
          {"origin_lps_mm", v3(g.origin())}};
}

thermal::ElectrodeCatalog catalogOf(const SimulateRequest& request) {
  return thermal::loadElectrodeCatalog(
      request.electrode_dir.empty() ? thermal::defaultElectrodeDir() : request.electrode_dir);
}

}  // namespace

void checkSimulateRequest(const SimulateRequest& request) {
  const thermal::ElectrodeCatalog catalog = catalogOf(request);
  const thermal::Electrode& electrode = catalog.find(request.electrode);
  if (!request.protocol.empty()) (void)electrode.protocol(request.protocol);
}

SimulateResult simulateOnImage(const io::LoadedImage& img, const std::string& input,
                               const SimulateRequest& request) {
  const thermal::ElectrodeCatalog catalog = catalogOf(request);
  const thermal::Electrode& electrode = catalog.find(request.electrode);
  const thermal::Protocol& prot =
      request.protocol.empty() ? electrode.protocols.at(0) : electrode.protocol(request.protocol);
  thermal::SimulationSettings settings = request.settings;
  settings.protocol = prot.name;
  const thermal::NeedlePose& pose = request.pose;

  const ImageGeometry& ct = img.image.geometry();
  if (img.image.empty() || !ct.containsContinuous(ct.lpsToIndex(pose.tip_lps))) {
    throw GeometryError("electrode tip " + pointText(pose.tip_lps) +
                        " is outside the image (LPS extent " + extentText(ct) + "; " +
                        ct.describe() + ")");
  }

  const ImageGeometry grid = thermal::simulationGrid(electrode, pose, settings);
  thermal::TissueModel tissue;
  nlohmann::json labels_json = nullptr;
  if (request.labels.empty()) {
    tissue = thermal::homogeneousLiver(grid);
  } else {
    const io::SegmentationFolder files = io::readSegmentationFolder(request.labels);
    tissue = thermal::tissueFromLabels(grid, labelsView(files));
    labels_json = {{"folder", request.labels.string()},
                   {"files", usedFiles(request.labels, files)}};
  }
  std::array<std::size_t, thermal::kMaterialCount> material_voxels{};
  for (const auto m : tissue.material.data()) {
    if (m < material_voxels.size()) ++material_voxels[m];
  }

  SimulateResult out;
  out.electrode = electrode.name;
  out.protocol = prot.name;
  try {
    out.result = thermal::simulateAblation(electrode, pose, settings, &tissue);
  } catch (const UnsupportedError& e) {
    if (settings.backend != thermal::BackendChoice::kGl) throw;
    throw UnsupportedError(std::string("backend gl: the GL backend cannot run here: ") + e.what() +
                           " (use the cpu or auto backend)");
  }
  const thermal::SimulationResult& r = out.result;

  nlohmann::json& j = out.summary;
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
  j["zone_criterion"] = request.zone_criterion;
  j["tissue_condition"] = {{"condition", request.condition_name},
                           {"tissue_temperature_c", request.tissue.tissue_temperature_c},
                           {"flow_ml_min_100g", request.tissue.flow_ml_min_100g}};
  j["tissue"] = request.labels.empty() ? "homogeneous liver" : "segmentation labels";
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
  j["backend_requested"] = request.backend_name;
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
  return out;
}

void writeSimulationFolder(const fs::path& dir, const SimulateResult& r) {
  io::writeVolumeFile(dir / "zone.nrrd", r.result.zone);
  io::writeVolumeFile(dir / "temperature_max.nrrd", r.result.temperature_max_c);
  io::writeVolumeFile(dir / "damage.nrrd", r.result.damage_omega);
  writeFileAtomically(dir / "zone.json", r.summary.dump(2) + "\n");
}

}  // namespace rfa::workflow
