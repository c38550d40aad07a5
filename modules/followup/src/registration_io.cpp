// registration.json + displacement_x|y|z.nrrd (registration.h).
#include <cmath>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "registration_internal.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"
#include "rfa/followup/registration.h"
#include "rfa/io/volume_file.h"

namespace rfa::followup {

namespace {

namespace fs = std::filesystem;
using json_io::FieldReader;
using json_io::json;
using ojson = nlohmann::ordered_json;

constexpr const char* kFormat = "rfaplan-registration";
constexpr int kVersion = 1;
constexpr const char* kFrame = "fixed (planning) LPS mm -> moving (follow-up) LPS mm";
constexpr const char* kModel =
    "y = rotation (x - centre) + centre + translation + d(x); d trilinear on the displacement "
    "grid (fixed frame), 0 outside it";
constexpr const char* kJsonName = "registration.json";
const char* const kFieldNames[3] = {"displacement_x.nrrd", "displacement_y.nrrd",
                                    "displacement_z.nrrd"};

ojson vec(const Vec3& v) {
  return ojson::array({v[0], v[1], v[2]});
}

// Non-finite numbers cannot be written as JSON numbers; they never occur in a result, but a
// hand-made Registration could hold one.
ojson num(double v) {
  return std::isfinite(v) ? ojson(v) : ojson(nullptr);
}

Vec3 readVec(const FieldReader& fr, const json& obj, const std::string& path, const char* key) {
  const json& a = fr.array(obj, path, key);
  const std::string p = FieldReader::member(path, key);
  if (a.size() != 3) fr.fail(p, "must have 3 elements");
  Vec3 v;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!a[i].is_number()) fr.fail(FieldReader::element(p, i), "must be a number");
    v[static_cast<Eigen::Index>(i)] = a[i].get<double>();
    if (!std::isfinite(v[static_cast<Eigen::Index>(i)])) {
      fr.fail(FieldReader::element(p, i), "must be finite");
    }
  }
  return v;
}

}  // namespace

void writeRegistration(const Registration& r, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WriteError("cannot create folder " + dir.string() + ": " + ec.message());
  const bool deformable = !r.displacement_x.empty();
  if (deformable) {
    const ImageGeometry& g = r.displacement_x.geometry();
    if (!r.displacement_y.geometry().sameGrid(g) || !r.displacement_z.geometry().sameGrid(g)) {
      throw WriteError("cannot write " + dir.string() +
                       ": the three displacement volumes are not on one grid");
    }
  }

  ojson j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["frame"] = kFrame;
  j["model"] = kModel;
  ojson rot = ojson::array();
  for (int row = 0; row < 3; ++row) {
    rot.push_back(ojson::array({r.rotation(row, 0), r.rotation(row, 1), r.rotation(row, 2)}));
  }
  j["rotation"] = rot;
  j["centre_lps"] = vec(r.centre_lps);
  j["translation_mm"] = vec(r.translation_mm);
  j["deformable"] = deformable;
  if (deformable) {
    j["displacement_files"] = ojson::array({kFieldNames[0], kFieldNames[1], kFieldNames[2]});
  }
  const RegistrationQuality& q = r.quality;
  ojson qj;
  qj["mean_abs_difference_initial"] = num(q.mean_abs_difference_initial);
  qj["mean_abs_difference_rigid"] = num(q.mean_abs_difference_rigid);
  qj["mean_abs_difference_final"] = num(q.mean_abs_difference_final);
  if (q.liver_surface_mean_mm && std::isfinite(*q.liver_surface_mean_mm)) {
    qj["liver_surface_mean_mm"] = *q.liver_surface_mean_mm;
  }
  if (q.liver_surface_p95_mm && std::isfinite(*q.liver_surface_p95_mm)) {
    qj["liver_surface_p95_mm"] = *q.liver_surface_p95_mm;
  }
  qj["max_deformable_displacement_mm"] = num(q.max_deformable_displacement_mm);
  qj["min_jacobian"] = num(q.min_jacobian);
  qj["rotation_deg"] = num(q.rotation_deg);
  qj["translation_mm"] = num(q.translation_mm);
  qj["seconds"] = num(q.seconds);
  qj["poor"] = q.poor;
  qj["warnings"] = q.warnings;
  j["quality"] = qj;

  // Fields first, then the JSON that names them (a reader never sees a JSON without its fields).
  if (deformable) {
    io::writeVolumeFile(dir / kFieldNames[0], r.displacement_x);
    io::writeVolumeFile(dir / kFieldNames[1], r.displacement_y);
    io::writeVolumeFile(dir / kFieldNames[2], r.displacement_z);
  }
  writeFileAtomically(dir / kJsonName, j.dump(2) + "\n");
  if (!deformable) {  // stale fields of an earlier deformable result
    for (const char* name : kFieldNames) fs::remove(dir / name, ec);
  }
}

Registration readRegistration(const fs::path& dir) {
  const fs::path file = dir / kJsonName;
  const json j = json_io::parseJsonFile(file, "registration");
  const FieldReader fr(file.string());
  fr.object(j, "",
            {"format", "version", "frame", "model", "rotation", "centre_lps", "translation_mm",
             "deformable", "displacement_files", "quality"});
  if (fr.string(j, "", "format") != kFormat) {
    fr.fail("format", std::string("must be \"") + kFormat + "\"");
  }
  fr.integer(j, "", "version", kVersion, kVersion);

  Registration r;
  const json& rot = fr.array(j, "", "rotation");
  if (rot.size() != 3) fr.fail("rotation", "must have 3 rows");
  for (std::size_t row = 0; row < 3; ++row) {
    const std::string p = FieldReader::element("rotation", row);
    if (!rot[row].is_array() || rot[row].size() != 3) fr.fail(p, "must have 3 numbers");
    for (std::size_t col = 0; col < 3; ++col) {
      const json& v = rot[row][col];
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        fr.fail(FieldReader::element(p, col), "must be a finite number");
      }
      r.rotation(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(col)) = v.get<double>();
    }
  }
  if ((r.rotation.transpose() * r.rotation - Mat3::Identity()).cwiseAbs().maxCoeff() > 1e-4 ||
      r.rotation.determinant() < 0) {
    fr.fail("rotation", "is not a rotation matrix");
  }
  r.centre_lps = readVec(fr, j, "", "centre_lps");
  r.translation_mm = readVec(fr, j, "", "translation_mm");

  const json& qj = *fr.find(j, "", "quality", true);
  fr.object(
      qj, "quality",
      {"mean_abs_difference_initial", "mean_abs_difference_rigid", "mean_abs_difference_final",
       "liver_surface_mean_mm", "liver_surface_p95_mm", "max_deformable_displacement_mm",
       "min_jacobian", "rotation_deg", "translation_mm", "seconds", "poor", "warnings"});
  RegistrationQuality& q = r.quality;
  auto number = [&](const char* key, double& out) {
    const json* v = fr.find(qj, "quality", key, true);
    if (v->is_null()) {
      out = std::nan("");
      return;
    }
    out = fr.number(qj, "quality", key);
  };
  number("mean_abs_difference_initial", q.mean_abs_difference_initial);
  number("mean_abs_difference_rigid", q.mean_abs_difference_rigid);
  number("mean_abs_difference_final", q.mean_abs_difference_final);
  q.liver_surface_mean_mm = fr.optionalNumber(qj, "quality", "liver_surface_mean_mm");
  q.liver_surface_p95_mm = fr.optionalNumber(qj, "quality", "liver_surface_p95_mm");
  number("max_deformable_displacement_mm", q.max_deformable_displacement_mm);
  number("min_jacobian", q.min_jacobian);
  number("rotation_deg", q.rotation_deg);
  number("translation_mm", q.translation_mm);
  number("seconds", q.seconds);
  q.poor = fr.boolean(qj, "quality", "poor");
  const json* warnings = fr.find(qj, "quality", "warnings", true);
  if (!warnings->is_array()) fr.fail("quality.warnings", "must be an array");
  for (std::size_t i = 0; i < warnings->size(); ++i) {
    if (!(*warnings)[i].is_string()) {
      fr.fail(FieldReader::element("quality.warnings", i), "must be a string");
    }
    q.warnings.push_back((*warnings)[i].get<std::string>());
  }

  if (fr.boolean(j, "", "deformable")) {
    const json& files = fr.array(j, "", "displacement_files");
    if (files.size() != 3) fr.fail("displacement_files", "must name 3 files");
    std::array<ImageVolume*, 3> out{&r.displacement_x, &r.displacement_y, &r.displacement_z};
    for (std::size_t c = 0; c < 3; ++c) {
      if (!files[c].is_string()) {
        fr.fail(FieldReader::element("displacement_files", c), "must be a file name");
      }
      const fs::path name = files[c].get<std::string>();
      if (name.empty() || name.has_parent_path() || name.is_absolute()) {
        fr.fail(FieldReader::element("displacement_files", c),
                "must be a file name in the registration folder");
      }
      *out[c] = io::readVolumeFile(dir / name);
    }
    const ImageGeometry& g = r.displacement_x.geometry();
    if (!r.displacement_y.geometry().sameGrid(g) || !r.displacement_z.geometry().sameGrid(g)) {
      throw CorruptDataError((dir / kFieldNames[1]).string() +
                             ": the displacement volumes are not on one grid");
    }
  }
  return r;
}

}  // namespace rfa::followup
