#include "cli_common.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "rfa/core/error.h"

namespace rfa::cli {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s.precision(decimals);
  s << std::fixed << v;
  return s.str();
}

Vec3 parseVec3(const std::string& option, const std::string& text, bool allow_scalar) {
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const double d = std::stod(item, &used);
      if (used != item.size() || !std::isfinite(d)) throw std::invalid_argument(item);
      v.push_back(d);
    } catch (const std::exception&) {
      throw Error(ExitCode::kUsage, std::string(option).append(": '").append(text).append(
                                        "' is not a number list (expected x,y,z)"));
    }
  }
  if (v.size() == 1 && allow_scalar) return {v[0], v[0], v[0]};
  if (v.size() != 3) {
    throw Error(ExitCode::kUsage, option + ": '" + text + "' must have 3 comma-separated values");
  }
  return {v[0], v[1], v[2]};
}

nlohmann::json seriesToJson(const io::DicomSeries& s) {
  using nlohmann::json;
  auto v3 = [](const Vec3& v) { return json::array({v.x(), v.y(), v.z()}); };
  json j;
  j["id"] = s.id;
  j["series_instance_uid"] = s.series_instance_uid;
  j["series_uid_generated"] = s.series_uid_generated;
  j["study_instance_uid"] = s.study.study_instance_uid;
  j["patient"] = {{"name", s.study.patient_name},
                  {"id", s.study.patient_id},
                  {"birth_date", s.study.patient_birth_date},
                  {"sex", s.study.patient_sex}};
  j["study"] = {{"date", s.study.study_date},
                {"time", s.study.study_time},
                {"description", s.study.study_description},
                {"accession_number", s.study.accession_number},
                {"id", s.study.study_id}};
  j["modality"] = s.modality;
  j["description"] = s.description;
  j["series_number"] = s.series_number ? json(*s.series_number) : json(nullptr);
  j["frame_of_reference_uid"] = s.frame_of_reference_uid;
  j["frame_of_reference_generated"] = s.frame_of_reference_generated;
  j["slice_count"] = s.slices.size();
  j["loadable"] = s.loadable;
  if (!s.loadable) j["error"] = s.error;
  if (s.loadable) {
    const auto& g = s.geometry;
    j["size"] = {g.size()[0], g.size()[1], g.size()[2]};
    j["spacing_mm"] = v3(g.spacing());
    j["origin_lps_mm"] = v3(g.origin());
    j["direction_lps"] = {v3(g.direction().col(0)), v3(g.direction().col(1)),
                          v3(g.direction().col(2))};
    j["resampled"] = s.resampled;
    j["gantry_tilt_deg"] = s.gantry_tilt_deg;
  }
  if (!s.slices.empty()) {
    const auto& f = s.slices.front();
    if (f.row_direction && f.column_direction) {
      j["orientation"] = {f.row_direction->x(),    f.row_direction->y(),
                          f.row_direction->z(),    f.column_direction->x(),
                          f.column_direction->y(), f.column_direction->z()};
    }
    j["transfer_syntax_uid"] = f.transfer_syntax_uid;
  }
  j["warnings"] = s.warnings;
  return j;
}

std::string seriesToText(const io::DicomSeries& s) {
  std::ostringstream o;
  o << "series " << s.id << (s.series_uid_generated ? " (UID generated)" : "") << "\n";
  o << "  modality     " << (s.modality.empty() ? "?" : s.modality) << "   description '"
    << s.description << "'   number " << (s.series_number ? std::to_string(*s.series_number) : "-")
    << "\n";
  o << "  patient      '" << s.study.patient_name << "' id '" << s.study.patient_id << "'\n";
  o << "  study        "
    << (s.study.study_instance_uid.empty() ? "(none)" : s.study.study_instance_uid) << "  "
    << s.study.study_date << "\n";
  o << "  frame of ref " << s.frame_of_reference_uid
    << (s.frame_of_reference_generated ? " (generated)" : "") << "\n";
  o << "  slices       " << s.slices.size() << "\n";
  if (s.loadable) {
    const auto& g = s.geometry;
    char b[256];
    std::snprintf(b, sizeof b,
                  "  size         %zu x %zu x %zu voxels\n  spacing      %.4g x %.4g x %.4g mm\n",
                  g.size()[0], g.size()[1], g.size()[2], g.spacing()[0], g.spacing()[1],
                  g.spacing()[2]);
    o << b;
    const Mat3& d = g.direction();
    std::snprintf(
        b, sizeof b,
        "  orientation  [%.4g %.4g %.4g | %.4g %.4g %.4g]  origin LPS (%.2f, %.2f, %.2f) mm\n",
        d(0, 0), d(1, 0), d(2, 0), d(0, 1), d(1, 1), d(2, 1), g.origin().x(), g.origin().y(),
        g.origin().z());
    o << b;
  } else {
    o << "  NOT LOADABLE: " << s.error << "\n";
  }
  for (const auto& w : s.warnings) o << "  warning: " << w << "\n";
  return o.str();
}

}  // namespace rfa::cli
