// Electrode catalogue: strict reading of resources/electrodes/*.json (every error names the file
// and the JSON path of the field at fault), protocol power curves, the default resource folder and
// the needle frame. Rasterization of the active part: electrode_raster.cpp.
#include "rfa/thermal/electrode.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"

namespace rfa::thermal {

namespace {

using nlohmann::json;

using json_io::FieldReader;
using json_io::formatNumber;
using json_io::joinNames;

Shaft readShaft(const FieldReader& r, const json& j, const std::string& path, bool has_tines,
                double shaft_length_mm) {
  r.object(j, path, {"offset_u_mm", "offset_v_mm", "active_length_mm", "diameter_mm"});
  Shaft s;
  s.offset_u_mm = r.optionalNumber(j, path, "offset_u_mm").value_or(0.0);
  s.offset_v_mm = r.optionalNumber(j, path, "offset_v_mm").value_or(0.0);
  s.active_length_mm = r.number(j, path, "active_length_mm");
  // An insulated cannula whose tines carry the current has no active shaft length.
  r.range(s.active_length_mm, FieldReader::member(path, "active_length_mm"), 0, has_tines,
          shaft_length_mm);
  s.diameter_mm = r.number(j, path, "diameter_mm");
  r.range(s.diameter_mm, FieldReader::member(path, "diameter_mm"), 0, false, 20);
  return s;
}

Tines readTines(const FieldReader& r, const json& j, const std::string& path) {
  r.object(j, path, {"count", "deployed_diameter_mm", "diameter_mm", "recurved"});
  Tines t;
  const json& count = *r.find(j, path, "count", true);
  if (!count.is_number_integer()) r.fail(FieldReader::member(path, "count"), "must be an integer");
  const auto n = count.get<std::int64_t>();
  if (n < 1 || n > 64) {
    r.fail(FieldReader::member(path, "count"), "must be in 1..64 (got " + std::to_string(n) + ")");
  }
  t.count = static_cast<int>(n);
  t.deployed_diameter_mm = r.number(j, path, "deployed_diameter_mm");
  r.range(t.deployed_diameter_mm, FieldReader::member(path, "deployed_diameter_mm"), 0, false, 200);
  t.diameter_mm = r.number(j, path, "diameter_mm");
  r.range(t.diameter_mm, FieldReader::member(path, "diameter_mm"), 0, false, 5);
  t.recurved = r.boolean(j, path, "recurved");
  return t;
}

Protocol readProtocol(const FieldReader& r, const json& j, const std::string& path) {
  r.object(j, path, {"name", "duration_s", "power", "rolloff", "source"});
  Protocol p;
  p.name = r.string(j, path, "name");
  p.duration_s = r.number(j, path, "duration_s");
  r.range(p.duration_s, FieldReader::member(path, "duration_s"), 0, false, 24 * 3600);
  const std::string power_path = FieldReader::member(path, "power");
  const json& power = r.array(j, path, "power");
  bool any_positive = false;
  for (std::size_t i = 0; i < power.size(); ++i) {
    const std::string pp = FieldReader::element(power_path, i);
    r.object(power[i], pp, {"time_s", "power_w"});
    PowerPoint pt;
    pt.time_s = r.number(power[i], pp, "time_s");
    r.range(pt.time_s, FieldReader::member(pp, "time_s"), 0, true);
    if (!p.power.empty() && pt.time_s < p.power.back().time_s) {
      r.fail(FieldReader::member(pp, "time_s"), "must be >= the previous time (got " +
                                                    formatNumber(pt.time_s) + " after " +
                                                    formatNumber(p.power.back().time_s) + ")");
    }
    pt.power_w = r.number(power[i], pp, "power_w");
    r.range(pt.power_w, FieldReader::member(pp, "power_w"), 0, true, 1000);
    any_positive = any_positive || pt.power_w > 0;
    p.power.push_back(pt);
  }
  if (!any_positive) r.fail(power_path, "must have a point with power_w > 0");
  if (const json* ro = r.find(j, path, "rolloff", false); ro != nullptr) {
    const std::string rp = FieldReader::member(path, "rolloff");
    r.object(*ro, rp, {"impedance_rise_ohm", "pause_s", "resume_fraction"});
    RollOff roll;
    roll.impedance_rise_ohm = r.number(*ro, rp, "impedance_rise_ohm");
    r.range(roll.impedance_rise_ohm, FieldReader::member(rp, "impedance_rise_ohm"), 0, false);
    roll.pause_s = r.number(*ro, rp, "pause_s");
    r.range(roll.pause_s, FieldReader::member(rp, "pause_s"), 0, true);
    roll.resume_fraction = r.number(*ro, rp, "resume_fraction");
    r.range(roll.resume_fraction, FieldReader::member(rp, "resume_fraction"), 0, false, 1);
    p.rolloff = roll;
  }
  p.source = r.string(j, path, "source");
  return p;
}

Electrode parseElectrode(const FieldReader& r, const json& root) {
  r.object(root, "",
           {"name", "description", "sources", "shafts", "tines", "cooled", "coolant_temperature_c",
            "shaft_length_mm", "protocols"});
  Electrode e;
  e.name = r.string(root, "", "name");
  const bool name_ok = std::all_of(e.name.begin(), e.name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
  if (!name_ok)
    r.fail("name", "must use only letters, digits, '-', '_' and '.' (got '" + e.name + "')");
  e.description = r.string(root, "", "description");
  const json& sources = r.array(root, "", "sources");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i].is_string() || sources[i].get<std::string>().empty()) {
      r.fail(FieldReader::element("sources", i), "must be a non-empty string");
    }
    e.sources.push_back(sources[i].get<std::string>());
  }
  e.shaft_length_mm = r.number(root, "", "shaft_length_mm");
  r.range(e.shaft_length_mm, "shaft_length_mm", 0, false, 1000);
  if (const json* t = r.find(root, "", "tines", false); t != nullptr) {
    e.tines = readTines(r, *t, "tines");
  }
  const json& shafts = r.array(root, "", "shafts");
  for (std::size_t i = 0; i < shafts.size(); ++i) {
    e.shafts.push_back(readShaft(r, shafts[i], FieldReader::element("shafts", i),
                                 e.tines.has_value(), e.shaft_length_mm));
  }
  e.cooled = r.boolean(root, "", "cooled");
  e.coolant_temperature_c =
      r.optionalNumber(root, "", "coolant_temperature_c").value_or(e.coolant_temperature_c);
  r.range(e.coolant_temperature_c, "coolant_temperature_c", -50, true, 100);
  const json& protocols = r.array(root, "", "protocols");
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    const std::string pp = FieldReader::element("protocols", i);
    Protocol p = readProtocol(r, protocols[i], pp);
    for (std::size_t k = 0; k < e.protocols.size(); ++k) {
      if (e.protocols[k].name == p.name) {
        r.fail(FieldReader::member(pp, "name"),
               "'" + p.name + "' repeats " + FieldReader::element("protocols", k) + ".name");
      }
    }
    e.protocols.push_back(std::move(p));
  }
  return e;
}

}  // namespace

double Protocol::powerAt(double t_s) const {
  if (power.empty()) return 0.0;
  if (t_s <= power.front().time_s) return power.front().power_w;
  if (t_s >= power.back().time_s) return power.back().power_w;
  // First point later than t: its predecessor is at or before t (steps: equal times allowed).
  const auto after = std::upper_bound(power.begin(), power.end(), t_s,
                                      [](double t, const PowerPoint& p) { return t < p.time_s; });
  const PowerPoint& a = *std::prev(after);
  const PowerPoint& b = *after;
  return a.power_w + (b.power_w - a.power_w) * (t_s - a.time_s) / (b.time_s - a.time_s);
}

const Protocol& Electrode::protocol(const std::string& protocol_name) const {
  std::vector<std::string> names;
  for (const Protocol& p : protocols) {
    if (p.name == protocol_name) return p;
    names.push_back(p.name);
  }
  throw NotFoundError("electrode '" + name + "' has no protocol '" + protocol_name +
                      "' (available: " + joinNames(names) + ")");
}

const Electrode& ElectrodeCatalog::find(const std::string& name) const {
  std::vector<std::string> names;
  for (const Electrode& e : electrodes) {
    if (e.name == name) return e;
    names.push_back(e.name);
  }
  throw NotFoundError("unknown electrode '" + name + "' (available: " + joinNames(names) + ")");
}

Electrode readElectrodeFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw NotFoundError("cannot open electrode file " + file.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const FieldReader reader(file.filename().string());
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // parse_error; out_of_range for a number beyond double
    reader.fail("", std::string("not valid JSON: ") + e.what());
  }
  return parseElectrode(reader, root);
}

ElectrodeCatalog loadElectrodeCatalog(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw NotFoundError("electrode folder " + dir.string() + " does not exist");
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json" && entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  if (files.empty()) throw NotFoundError("no electrode file (*.json) in " + dir.string());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  ElectrodeCatalog catalog;
  for (std::size_t i = 0; i < files.size(); ++i) {
    Electrode e = readElectrodeFile(files[i]);
    for (std::size_t k = 0; k < catalog.electrodes.size(); ++k) {
      if (catalog.electrodes[k].name == e.name) {
        throw CorruptDataError(files[i].filename().string() + ": name '" + e.name +
                               "' is already used by " + files[k].filename().string());
      }
    }
    catalog.electrodes.push_back(std::move(e));
  }
  return catalog;
}

std::filesystem::path defaultElectrodeDir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("RFA_RESOURCES"); env != nullptr && *env != '\0') {
    return fs::path(env) / "electrodes";
  }
  const fs::path source = fs::path(RFA_SOURCE_RESOURCE_DIR) / "electrodes";
  std::error_code ec;
  if (fs::is_directory(source, ec)) return source;
  return fs::path(RFA_INSTALLED_RESOURCE_DIR) / "electrodes";
}

Mat3 needleFrame(const NeedlePose& pose) {
  const double length = pose.direction_lps.norm();
  if (!std::isfinite(length) || length < 1e-9) {
    throw GeometryError("needle direction must be a finite non-zero vector (got length " +
                        formatNumber(length) + ")");
  }
  const Vec3 w = pose.direction_lps / length;
  Eigen::Index least = 0;
  w.cwiseAbs().minCoeff(&least);
  const Vec3 e = Vec3::Unit(least);
  const Vec3 u = w.cross(e).normalized();
  const Vec3 v = w.cross(u);
  Mat3 frame;
  frame << u, v, w;
  return frame;
}

}  // namespace rfa::thermal
