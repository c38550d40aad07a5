// Guidance modalities and their targeting errors (guidance.h).
#include "rfa/planning/guidance.h"

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <set>
#include <system_error>

#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"

namespace rfa::planning {
namespace fs = std::filesystem;
using json_io::FieldReader;
using json_io::json;

double meanError3dMm(double reported_mean_mm, ErrorMeasure measure) {
  if (!(reported_mean_mm >= 0) || !std::isfinite(reported_mean_mm)) {
    throw UsageError("targeting error must be finite and >= 0 mm");
  }
  if (measure == ErrorMeasure::kEuclidean3d) return reported_mean_mm;
  // Rayleigh mean sigma sqrt(pi/2) -> sigma; Maxwell mean 2 sigma sqrt(2/pi).
  const double sigma = reported_mean_mm / std::sqrt(std::numbers::pi / 2.0);
  return 2.0 * sigma * std::sqrt(2.0 / std::numbers::pi);
}

bool outOfPlane(const GuidanceModality& modality, const Vec3& direction_lps) {
  if (!modality.out_of_plane || !modality.out_of_plane_above_deg) return false;
  const double n = direction_lps.norm();
  if (!(n > 0)) return false;
  // Angle to the axial plane: asin of the superior component.
  const double s = std::min(1.0, std::abs(direction_lps.z()) / n);
  const double angle_deg = std::asin(s) * 180.0 / std::numbers::pi;
  return angle_deg > *modality.out_of_plane_above_deg;
}

const ReportedError& errorFor(const GuidanceModality& modality, const Vec3& direction_lps) {
  return outOfPlane(modality, direction_lps) ? *modality.out_of_plane : modality.in_plane;
}

std::string toString(ErrorMeasure measure) {
  return measure == ErrorMeasure::kLateral2d ? "lateral-2d" : "euclidean-3d";
}

fs::path defaultGuidanceFile() {
  if (const char* env = std::getenv("RFA_RESOURCES"); env != nullptr && *env != '\0') {
    return fs::path(env) / "guidance" / "modalities.json";
  }
  const fs::path source = fs::path(RFA_SOURCE_RESOURCE_DIR) / "guidance";
  std::error_code ec;
  if (fs::is_directory(source, ec)) return source / "modalities.json";
  return fs::path(RFA_INSTALLED_RESOURCE_DIR) / "guidance" / "modalities.json";
}

namespace {

ReportedError readError(const FieldReader& r, const json& obj, const std::string& path) {
  r.object(obj, path, {"mean_mm", "sd_mm"});
  ReportedError e;
  e.mean_mm = r.number(obj, path, "mean_mm", 0, true, 1000);
  e.sd_mm = r.number(obj, path, "sd_mm", 0, true, 1000);
  return e;
}

GuidanceModality readModality(const FieldReader& r, const json& j, const std::string& path) {
  r.object(j, path,
           {"id", "name", "measure", "condition", "in_plane", "out_of_plane",
            "out_of_plane_above_deg", "source", "note"});
  GuidanceModality m;
  m.id = r.string(j, path, "id");
  if (m.id.empty()) r.fail(FieldReader::member(path, "id"), "must not be empty");
  m.name = r.string(j, path, "name");
  const std::string measure = r.string(j, path, "measure");
  if (measure == "euclidean-3d") {
    m.measure = ErrorMeasure::kEuclidean3d;
  } else if (measure == "lateral-2d") {
    m.measure = ErrorMeasure::kLateral2d;
  } else {
    r.fail(FieldReader::member(path, "measure"),
           "must be \"euclidean-3d\" or \"lateral-2d\" (got \"" + measure + "\")");
  }
  m.condition = r.string(j, path, "condition");
  if (m.condition != "in vivo" && m.condition != "phantom") {
    r.fail(FieldReader::member(path, "condition"), "must be \"in vivo\" or \"phantom\"");
  }
  m.in_plane =
      readError(r, *r.find(j, path, "in_plane", true), FieldReader::member(path, "in_plane"));
  if (const json* o = r.find(j, path, "out_of_plane", false); o != nullptr) {
    m.out_of_plane = readError(r, *o, FieldReader::member(path, "out_of_plane"));
  }
  m.out_of_plane_above_deg = r.optionalNumber(j, path, "out_of_plane_above_deg");
  if (m.out_of_plane_above_deg) {
    r.range(*m.out_of_plane_above_deg, FieldReader::member(path, "out_of_plane_above_deg"), 0, true,
            90);
    if (!m.out_of_plane) {
      r.fail(FieldReader::member(path, "out_of_plane_above_deg"),
             "needs an \"out_of_plane\" error");
    }
  }
  m.source = r.string(j, path, "source");
  if (m.source.empty()) r.fail(FieldReader::member(path, "source"), "must cite the figure");
  if (const json* n = r.find(j, path, "note", false); n != nullptr) {
    m.note = r.string(j, path, "note");
  }
  return m;
}

}  // namespace

std::vector<GuidanceModality> readGuidanceFile(const fs::path& file) {
  const json root = json_io::parseJsonFile(file, "guidance modality file");
  const FieldReader r(file.string());
  r.object(root, "", {"modalities"});
  const json& list = r.array(root, "", "modalities");
  std::vector<GuidanceModality> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = FieldReader::element("modalities", i);
    GuidanceModality m = readModality(r, list[i], path);
    if (!ids.insert(m.id).second) {
      r.fail(FieldReader::member(path, "id"), "repeats \"" + m.id + "\"");
    }
    out.push_back(std::move(m));
  }
  return out;
}

const GuidanceModality& findGuidance(const std::vector<GuidanceModality>& catalogue,
                                     const std::string& id) {
  std::vector<std::string> names;
  for (const GuidanceModality& m : catalogue) {
    if (m.id == id) return m;
    names.push_back(m.id);
  }
  throw NotFoundError("unknown guidance modality '" + id +
                      "' (available: " + json_io::joinNames(names) + ")");
}

GuidanceModality loadGuidance(const std::string& id) {
  return findGuidance(readGuidanceFile(defaultGuidanceFile()), id);
}

}  // namespace rfa::planning
