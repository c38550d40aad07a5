// Probe models (probe.h).
#include "rfa/ultrasound/probe.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "rfa/core/error.h"

namespace rfa::ultrasound {
namespace fs = std::filesystem;

namespace {

double positive(const nlohmann::json& j, const char* key, const std::string& file, double max) {
  if (!j.contains(key) || !j[key].is_number()) {
    throw CorruptDataError(file + ": \"" + key + "\" must be a number");
  }
  const double v = j[key].get<double>();
  if (!(v > 0) || !(v < max) || !std::isfinite(v)) {
    throw CorruptDataError(file + ": \"" + key + "\" must be in (0, " + std::to_string(max) +
                           ") (got " + std::to_string(v) + ")");
  }
  return v;
}

}  // namespace

ProbeModel readProbeFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw NotFoundError("cannot open probe file " + file.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw CorruptDataError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
  const std::string f = file.string();
  if (!j.is_object()) throw CorruptDataError(f + ": a probe file holds one JSON object");
  ProbeModel p;
  try {
    p.name = j.at("name").get<std::string>();
    const std::string kind = j.at("kind").get<std::string>();
    if (kind == "curvilinear") {
      p.kind = ProbeKind::kCurvilinear;
      p.radius_mm = positive(j, "radius_mm", f, 1000);
      p.aperture_deg = positive(j, "aperture_deg", f, 180);
    } else if (kind == "linear") {
      p.kind = ProbeKind::kLinear;
      p.width_mm = positive(j, "width_mm", f, 1000);
    } else {
      throw CorruptDataError(f + ": \"kind\" must be curvilinear or linear (got \"" + kind + "\")");
    }
    p.depth_mm = positive(j, "depth_mm", f, 1000);
    p.slice_thickness_mm = positive(j, "slice_thickness_mm", f, 100);
    p.frequency_mhz = positive(j, "frequency_mhz", f, 100);
    p.source = j.at("source").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw CorruptDataError(f + ": " + e.what());
  }
  return p;
}

fs::path defaultProbeDir() {
  if (const char* env = std::getenv("RFA_RESOURCES"); env != nullptr && *env != '\0') {
    return fs::path(env) / "probes";
  }
  fs::path source = fs::path(RFA_SOURCE_RESOURCE_DIR) / "probes";
  std::error_code ec;
  if (fs::is_directory(source, ec)) return source;
  return fs::path(RFA_INSTALLED_RESOURCE_DIR) / "probes";
}

ProbeModel loadProbe(const std::string& name) {
  const fs::path file = defaultProbeDir() / (name + ".json");
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    std::string have;
    for (const auto& e : fs::directory_iterator(defaultProbeDir(), ec)) {
      if (e.path().extension() == ".json") {
        have += (have.empty() ? "" : ", ") + e.path().stem().string();
      }
    }
    throw NotFoundError("unknown probe '" + name + "' (probes: " + (have.empty() ? "none" : have) +
                        ")");
  }
  return readProbeFile(file);
}

}  // namespace rfa::ultrasound
