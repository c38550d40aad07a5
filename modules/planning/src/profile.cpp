// Protocol profiles: strict reading of resources/profiles/*.json (every error names the file and
// the JSON path of the field at fault), lookup by name and the default resource folder.
#include "rfa/planning/profile.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"

namespace rfa::planning {

namespace {

using json_io::FieldReader;
using json_io::json;

constexpr int kMaxDays = 3650;

bool validName(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

LabCondition readCondition(const FieldReader& r, const json& j, const std::string& path) {
  LabCondition c;
  c.name = r.string(j, path, "name");
  if (!validName(c.name)) {
    r.fail(FieldReader::member(path, "name"),
           "must use only letters, digits, '-', '_' and '.' (got '" + c.name + "')");
  }
  // May be empty for a dimensionless value (INR).
  const json& unit = *r.find(j, path, "unit", true);
  if (!unit.is_string()) r.fail(FieldReader::member(path, "unit"), "must be a string");
  c.unit = unit.get<std::string>();
  const std::string kind = r.string(j, path, "kind");
  if (kind == "min") {
    c.kind = LimitKind::kMin;
  } else if (kind == "max") {
    c.kind = LimitKind::kMax;
  } else {
    r.fail(FieldReader::member(path, "kind"), "must be \"min\" or \"max\" (got \"" + kind + "\")");
  }
  c.value = r.number(j, path, "value");
  c.relative_to_uln = r.boolean(j, path, "relative_to_uln");
  // A relative limit is a positive multiple of ULN; an absolute one a non-negative value.
  r.range(c.value, FieldReader::member(path, "value"), 0, !c.relative_to_uln, 1e12);
  return c;
}

LabRule readLabRule(const FieldReader& r, const json& j, const std::string& path) {
  r.object(j, path,
           {"name", "unit", "kind", "value", "relative_to_uln", "or", "advisory", "source"});
  LabRule rule;
  static_cast<LabCondition&>(rule) = readCondition(r, j, path);
  if (const json* alt = r.find(j, path, "or", false); alt != nullptr) {
    const std::string ap = FieldReader::member(path, "or");
    r.object(*alt, ap, {"name", "unit", "kind", "value", "relative_to_uln"});
    rule.alternative = readCondition(r, *alt, ap);
    if (rule.alternative->name == rule.name) {
      r.fail(FieldReader::member(ap, "name"),
             "must differ from the rule's name '" + rule.name + "'");
    }
  }
  if (r.find(j, path, "advisory", false) != nullptr) rule.advisory = r.boolean(j, path, "advisory");
  rule.source = r.string(j, path, "source");
  return rule;
}

void readSessions(const FieldReader& r, const json& root, ProtocolProfile& p) {
  const json& j = *r.find(root, "", "sessions", true);
  r.object(j, "sessions", {"max_sessions", "min_targets", "max_targets"});
  p.sessions.max_sessions = r.integer(j, "sessions", "max_sessions", 1, 20);
  p.sessions.min_targets = r.integer(j, "sessions", "min_targets", 1, 100);
  p.sessions.max_targets = r.integer(j, "sessions", "max_targets", 1, 100);
  if (p.sessions.max_targets < p.sessions.min_targets) {
    r.fail("sessions.max_targets", "must be >= sessions.min_targets (got " +
                                       std::to_string(p.sessions.max_targets) + " < " +
                                       std::to_string(p.sessions.min_targets) + ")");
  }
}

void readLesions(const FieldReader& r, const json& root, ProtocolProfile& p) {
  const json* j = r.find(root, "", "lesions", false);
  if (j == nullptr) return;
  r.object(*j, "lesions", {"max_count", "max_diameter_mm"});
  p.lesions.max_count = r.optionalInteger(*j, "lesions", "max_count", 1, 1000);
  p.lesions.max_diameter_mm = r.optionalNumber(*j, "lesions", "max_diameter_mm");
  if (p.lesions.max_diameter_mm) {
    r.range(*p.lesions.max_diameter_mm, "lesions.max_diameter_mm", 0, false, 500);
  }
}

void readMarginsAndSafety(const FieldReader& r, const json& root, ProtocolProfile& p) {
  const json& m = *r.find(root, "", "margins", true);
  r.object(m, "margins", {"minimum_mm", "target_mm"});
  p.margins.minimum_mm = r.number(m, "margins", "minimum_mm");
  r.range(p.margins.minimum_mm, "margins.minimum_mm", 0, true, 50);
  p.margins.target_mm = r.number(m, "margins", "target_mm");
  r.range(p.margins.target_mm, "margins.target_mm", p.margins.minimum_mm, true, 50);
  const json& s = *r.find(root, "", "safety", true);
  r.object(s, "safety", {"max_ablated_liver_fraction"});
  p.safety.max_ablated_liver_fraction = r.number(s, "safety", "max_ablated_liver_fraction");
  r.range(p.safety.max_ablated_liver_fraction, "safety.max_ablated_liver_fraction", 0, false, 1);
}

void readAccess(const FieldReader& r, const json& root, ProtocolProfile& p) {
  const json* j = r.find(root, "", "access", false);
  if (j == nullptr) return;  // all defaults
  const std::string path = "access";
  r.object(*j, path,
           {"max_posterior_normal", "below_liver_mm", "above_liver_mm", "max_skin_angle_deg",
            "vessel_safety_mm", "large_vessel_diameter_mm"});
  Access& a = p.access;
  const auto get = [&](const char* key, double lo, double hi, double fallback) {
    const std::optional<double> v = r.optionalNumber(*j, path, key);
    if (!v) return fallback;
    r.range(*v, FieldReader::member(path, key), lo, true, hi);
    return *v;
  };
  a.max_posterior_normal = get("max_posterior_normal", -1, 1, a.max_posterior_normal);
  a.below_liver_mm = get("below_liver_mm", 0, 500, a.below_liver_mm);
  a.above_liver_mm = get("above_liver_mm", 0, 500, a.above_liver_mm);
  a.max_skin_angle_deg = get("max_skin_angle_deg", 0, 90, a.max_skin_angle_deg);
  a.vessel_safety_mm = get("vessel_safety_mm", 0, 50, a.vessel_safety_mm);
  a.large_vessel_diameter_mm = get("large_vessel_diameter_mm", 0.1, 50, a.large_vessel_diameter_mm);
}

void readIntervals(const FieldReader& r, const json& root, ProtocolProfile& p) {
  const json* j = r.find(root, "", "intervals", false);
  if (j == nullptr) return;  // all defaults
  const std::string path = "intervals";
  r.object(*j, path,
           {"systemic_cycles_between_sessions_min", "systemic_cycles_between_sessions_max",
            "cycle_length_days", "min_days_systemic_to_rfa", "imaging_after_rfa_days",
            "followup_interval_months", "followup_years", "late_followup_interval_months"});
  Intervals& iv = p.intervals;
  const auto get = [&](const char* key, int lo, int hi, int fallback) {
    return r.optionalInteger(*j, path, key, lo, hi).value_or(fallback);
  };
  iv.systemic_cycles_between_sessions_min =
      get("systemic_cycles_between_sessions_min", 0, 24, iv.systemic_cycles_between_sessions_min);
  iv.systemic_cycles_between_sessions_max =
      get("systemic_cycles_between_sessions_max", 0, 24, iv.systemic_cycles_between_sessions_max);
  if (iv.systemic_cycles_between_sessions_max < iv.systemic_cycles_between_sessions_min) {
    r.fail("intervals.systemic_cycles_between_sessions_max",
           "must be >= intervals.systemic_cycles_between_sessions_min (got " +
               std::to_string(iv.systemic_cycles_between_sessions_max) + " < " +
               std::to_string(iv.systemic_cycles_between_sessions_min) + ")");
  }
  iv.cycle_length_days = get("cycle_length_days", 1, 365, iv.cycle_length_days);
  iv.min_days_systemic_to_rfa =
      get("min_days_systemic_to_rfa", 0, kMaxDays, iv.min_days_systemic_to_rfa);
  iv.imaging_after_rfa_days = get("imaging_after_rfa_days", 0, kMaxDays, iv.imaging_after_rfa_days);
  iv.followup_interval_months =
      get("followup_interval_months", 1, 120, iv.followup_interval_months);
  iv.followup_years = get("followup_years", 0, 50, iv.followup_years);
  iv.late_followup_interval_months =
      get("late_followup_interval_months", 1, 120, iv.late_followup_interval_months);
}

void readPatient(const FieldReader& r, const json& root, ProtocolProfile& p) {
  const json* j = r.find(root, "", "patient", false);
  if (j == nullptr) return;
  const std::string path = "patient";
  r.object(*j, path,
           {"age_min", "age_max", "child_pugh_max", "ecog_max", "min_days_since_last_treatment"});
  PatientCriteria& c = p.patient;
  c.age_min = r.optionalInteger(*j, path, "age_min", 0, 150);
  c.age_max = r.optionalInteger(*j, path, "age_max", 0, 150);
  if (c.age_min && c.age_max && *c.age_max < *c.age_min) {
    r.fail("patient.age_max", "must be >= patient.age_min (got " + std::to_string(*c.age_max) +
                                  " < " + std::to_string(*c.age_min) + ")");
  }
  c.child_pugh_max = r.optionalInteger(*j, path, "child_pugh_max", 5, 15);
  c.ecog_max = r.optionalInteger(*j, path, "ecog_max", 0, 5);
  c.min_days_since_last_treatment =
      r.optionalInteger(*j, path, "min_days_since_last_treatment", 0, kMaxDays);
}

ProtocolProfile parseProfile(const FieldReader& r, const json& root) {
  r.object(root, "",
           {"name", "description", "sources", "sessions", "lesions", "margins", "safety",
            "intervals", "access", "guidance", "patient", "labs"});
  ProtocolProfile p;
  p.name = r.string(root, "", "name");
  if (!validName(p.name)) {
    r.fail("name", "must use only letters, digits, '-', '_' and '.' (got '" + p.name + "')");
  }
  p.description = r.string(root, "", "description");
  const json& sources = r.array(root, "", "sources");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i].is_string() || sources[i].get<std::string>().empty()) {
      r.fail(FieldReader::element("sources", i), "must be a non-empty string");
    }
    p.sources.push_back(sources[i].get<std::string>());
  }
  readSessions(r, root, p);
  readLesions(r, root, p);
  readMarginsAndSafety(r, root, p);
  readIntervals(r, root, p);
  readAccess(r, root, p);
  if (const json* g = r.find(root, "", "guidance", false); g != nullptr) {
    p.guidance = r.string(root, "", "guidance");
    if (!validName(p.guidance)) {
      r.fail("guidance", "must be a modality id (letters, digits, '-', '_', '.')");
    }
  }
  readPatient(r, root, p);
  const json& labs = r.array(root, "", "labs");
  for (std::size_t i = 0; i < labs.size(); ++i) {
    const std::string lp = FieldReader::element("labs", i);
    LabRule rule = readLabRule(r, labs[i], lp);
    for (std::size_t k = 0; k < p.labs.size(); ++k) {
      if (p.labs[k].name == rule.name) {
        r.fail(FieldReader::member(lp, "name"),
               "'" + rule.name + "' repeats " + FieldReader::element("labs", k) + ".name");
      }
    }
    p.labs.push_back(std::move(rule));
  }
  return p;
}

}  // namespace

std::string toString(LimitKind kind) {
  return kind == LimitKind::kMin ? "min" : "max";
}

ProtocolProfile readProfileFile(const std::filesystem::path& file) {
  json root;
  try {
    root = json_io::parseJsonFile(file, "protocol profile");
  } catch (const json::exception& e) {
    // parseJsonFile turns json::parse_error into CorruptDataError, not the out_of_range of a
    // number beyond double (found by fuzz_profile).
    throw CorruptDataError(file.filename().string() + ": not valid JSON: " + e.what());
  }
  return parseProfile(FieldReader(file.filename().string()), root);
}

std::vector<ProtocolProfile> loadProfiles(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw NotFoundError("protocol profile folder " + dir.string() + " does not exist");
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json" && entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  if (files.empty()) throw NotFoundError("no protocol profile (*.json) in " + dir.string());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  std::vector<ProtocolProfile> profiles;
  for (std::size_t i = 0; i < files.size(); ++i) {
    ProtocolProfile p = readProfileFile(files[i]);
    for (std::size_t k = 0; k < profiles.size(); ++k) {
      if (profiles[k].name == p.name) {
        throw CorruptDataError(files[i].filename().string() + ": name '" + p.name +
                               "' is already used by " + files[k].filename().string());
      }
    }
    profiles.push_back(std::move(p));
  }
  return profiles;
}

const ProtocolProfile& findProfile(const std::vector<ProtocolProfile>& profiles,
                                   const std::string& name) {
  std::vector<std::string> names;
  for (const ProtocolProfile& p : profiles) {
    if (p.name == name) return p;
    names.push_back(p.name);
  }
  throw NotFoundError("unknown protocol profile '" + name +
                      "' (available: " + json_io::joinNames(names) + ")");
}

std::filesystem::path defaultProfileDir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("RFA_RESOURCES"); env != nullptr && *env != '\0') {
    return fs::path(env) / "profiles";
  }
  const fs::path source = fs::path(RFA_SOURCE_RESOURCE_DIR) / "profiles";
  std::error_code ec;
  if (fs::is_directory(source, ec)) return source;
  return fs::path(RFA_INSTALLED_RESOURCE_DIR) / "profiles";
}

}  // namespace rfa::planning

namespace rfa::planning {

ProtocolProfile resolveProfile(const std::string& name_or_file) {
  namespace fs = std::filesystem;
  const fs::path p(name_or_file);
  std::error_code ec;
  const bool looks_like_file = p.extension() == ".json" || p.has_parent_path();
  if (looks_like_file || fs::is_regular_file(p, ec)) return readProfileFile(p);
  const std::vector<ProtocolProfile> all = loadProfiles(defaultProfileDir());
  return findProfile(all, name_or_file);
}

}  // namespace rfa::planning
