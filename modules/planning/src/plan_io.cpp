// The plan file: deterministic JSON writing, strict reading, revision-keeping saves (plan_io.h).
#include "rfa/planning/plan_io.h"

#include <unistd.h>
#include <algorithm>
#include <array>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"

namespace rfa::planning {

namespace {

using json_io::FieldReader;
using json_io::formatNumber;
using json_io::json;
using ojson = nlohmann::ordered_json;

constexpr const char* kFrame = "DICOM patient LPS, mm";
constexpr double kUnitTolerance = 1e-3;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxInt = 1000000000;

const std::vector<std::string> kLabDecisions = {"proceed", "postpone", "incomplete"};
const std::vector<std::string> kCheckStatuses = {"passed", "failed", "missing"};

std::string member(const std::string& path, const std::string& key) {
  return FieldReader::member(path, key);
}
std::string element(const std::string& path, std::size_t i) {
  return FieldReader::element(path, i);
}

using json_io::isIsoDate;

bool isSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string quotedChoices(const std::vector<std::string>& choices) {
  std::string out;
  for (const std::string& c : choices) out += (out.empty() ? "\"" : ", \"") + c + "\"";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

// Rounded to 1e-4, half away from zero; idempotent (a rounded value rounds to itself).
double round4(double v) {
  const double r = std::round(v * 1e4) / 1e4;
  return r == 0 ? 0.0 : r;  // no "-0.0"
}

ojson number(double v, const std::string& path) {
  if (!std::isfinite(v)) {
    throw std::invalid_argument("serializePlan: " + path + " is not finite (" + formatNumber(v) +
                                ")");
  }
  return round4(v);
}

ojson nullable(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return round4(*v);
}

ojson vec3(const Vec3& v, const std::string& path) {
  ojson a = ojson::array();
  for (int i = 0; i < 3; ++i) a.push_back(number(v[i], element(path, static_cast<std::size_t>(i))));
  return a;
}

ojson mat3(const Mat3& m, const std::string& path) {
  ojson a = ojson::array();
  for (int c = 0; c < 3; ++c) {
    a.push_back(vec3(m.col(c), element(path, static_cast<std::size_t>(c))));
  }
  return a;
}

ojson strings(const std::vector<std::string>& list) {
  ojson a = ojson::array();
  for (const std::string& s : list) a.push_back(s);
  return a;
}

ojson writeSource(const PlanSource& s) {
  const std::string p = "source";
  ojson j;
  j["input"] = s.input;
  j["patient_id"] = s.patient_id;
  j["study_instance_uid"] = s.study_instance_uid;
  j["series_instance_uid"] = s.series_instance_uid;
  j["frame_of_reference_uid"] = s.frame_of_reference_uid;
  j["frame_of_reference_generated"] = s.frame_of_reference_generated;
  j["modality"] = s.modality;
  j["size"] = ojson::array({s.size[0], s.size[1], s.size[2]});
  j["spacing_mm"] = vec3(s.spacing_mm, member(p, "spacing_mm"));
  j["origin_lps_mm"] = vec3(s.origin_lps_mm, member(p, "origin_lps_mm"));
  j["direction_lps"] = mat3(s.direction, member(p, "direction_lps"));
  j["voxel_sha256"] = s.voxel_sha256;
  j["segmentation"] = s.segmentation;
  return j;
}

ojson writeSettings(const PlanSettings& s) {
  const std::string p = "settings";
  ojson j;
  j["profile"] = s.profile;
  j["electrodes"] = strings(s.electrodes);
  j["minimum_margin_mm"] = number(s.minimum_margin_mm, member(p, "minimum_margin_mm"));
  j["target_margin_mm"] = number(s.target_margin_mm, member(p, "target_margin_mm"));
  j["max_ablated_liver_fraction"] =
      number(s.max_ablated_liver_fraction, member(p, "max_ablated_liver_fraction"));
  j["max_ablations_per_lesion"] = s.max_ablations_per_lesion;
  j["vessel_safety_mm"] = number(s.vessel_safety_mm, member(p, "vessel_safety_mm"));
  j["mean_targeting_error_mm"] =
      number(s.mean_targeting_error_mm, member(p, "mean_targeting_error_mm"));
  j["guidance"] = s.guidance;
  j["targeting_error_source"] = s.targeting_error_source;
  j["uncertainty_samples"] = s.uncertainty_samples;
  j["confirmed"] = s.confirmed;
  j["confirmation_spacing_mm"] =
      number(s.confirmation_spacing_mm, member(p, "confirmation_spacing_mm"));
  j["cycles_between_sessions"] = s.cycles_between_sessions;
  j["start_date"] = s.start_date;
  j["prior_sessions"] = s.prior_sessions;
  j["prior_ablated_volume_ml"] =
      number(s.prior_ablated_volume_ml, member(p, "prior_ablated_volume_ml"));
  j["prior_plan"] = s.prior_plan;
  j["zone_model"] = s.zone_model;
  ojson cv = ojson::object();
  // By electrode name, so that reading and writing again gives the same bytes.
  std::vector<thermal::ZoneSizeSpread> spreads = s.zone_size_cv;
  std::sort(spreads.begin(), spreads.end(),
            [](const auto& a, const auto& b) { return a.electrode < b.electrode; });
  for (const thermal::ZoneSizeSpread& z : spreads) {
    cv[z.electrode] = number(z.cv, member(member(p, "zone_size_cv"), z.electrode));
  }
  j["zone_size_cv"] = std::move(cv);
  return j;
}

ojson writeMargins(const PlanMargins& m, const std::string& p) {
  ojson j;
  j["minimal_margin_mm"] = number(m.minimal_margin_mm, member(p, "minimal_margin_mm"));
  j["coverage_min_pct"] = number(m.coverage_min_pct, member(p, "coverage_min_pct"));
  j["coverage_target_pct"] = number(m.coverage_target_pct, member(p, "coverage_target_pct"));
  j["ablated_volume_ml"] = number(m.ablated_volume_ml, member(p, "ablated_volume_ml"));
  return j;
}

ojson writeZone(const thermal::EllipsoidZone& z, const std::string& p) {
  ojson j;
  j["centre_lps_mm"] = vec3(z.centre_lps, member(p, "centre_lps_mm"));
  j["axes_lps"] = mat3(z.axes, member(p, "axes_lps"));
  j["semi_u_mm"] = number(z.semi_u_mm, member(p, "semi_u_mm"));
  j["semi_v_mm"] = number(z.semi_v_mm, member(p, "semi_v_mm"));
  j["semi_w_mm"] = number(z.semi_w_mm, member(p, "semi_w_mm"));
  return j;
}

ojson writeTrajectory(const PlanTrajectory& t, const std::string& p) {
  ojson j;
  j["entry_lps_mm"] = vec3(t.entry_lps, member(p, "entry_lps_mm"));
  j["target_lps_mm"] = vec3(t.target_lps, member(p, "target_lps_mm"));
  j["length_mm"] = number(t.length_mm, member(p, "length_mm"));
  j["skin_angle_deg"] = number(t.skin_angle_deg, member(p, "skin_angle_deg"));
  j["min_vessel_distance_mm"] = nullable(t.min_vessel_distance_mm);
  j["capsule_crossings"] = t.capsule_crossings;
  j["cost"] = number(t.cost, member(p, "cost"));
  return j;
}

ojson writePlacement(const PlanPlacement& pl, const std::string& p) {
  ojson j;
  j["electrode"] = pl.electrode;
  j["protocol"] = pl.protocol;
  j["tip_lps_mm"] = vec3(pl.tip_lps, member(p, "tip_lps_mm"));
  j["direction_lps"] = vec3(pl.direction_lps, member(p, "direction_lps"));
  j["entry_lps_mm"] = vec3(pl.entry_lps, member(p, "entry_lps_mm"));
  j["path_length_mm"] = number(pl.path_length_mm, member(p, "path_length_mm"));
  j["zone"] = writeZone(pl.zone, member(p, "zone"));
  return j;
}

ojson writeUncertainty(const std::optional<PlanUncertainty>& u, const std::string& p) {
  if (!u) return nullptr;
  ojson j;
  j["mean_error_mm"] = number(u->mean_error_mm, member(p, "mean_error_mm"));
  j["sigma_mm"] = number(u->sigma_mm, member(p, "sigma_mm"));
  j["samples"] = u->samples;
  j["probability_margin_ok"] = number(u->probability_margin_ok, member(p, "probability_margin_ok"));
  j["p10_margin_mm"] = number(u->p10_margin_mm, member(p, "p10_margin_mm"));
  j["mean_margin_mm"] = number(u->mean_margin_mm, member(p, "mean_margin_mm"));
  return j;
}

ojson numbers(const std::vector<double>& list, const std::string& p) {
  ojson a = ojson::array();
  for (std::size_t i = 0; i < list.size(); ++i) a.push_back(number(list[i], element(p, i)));
  return a;
}

ojson writeConfirmation(const std::optional<PlanConfirmation>& c, const std::string& p) {
  if (!c) return nullptr;
  ojson j;
  j["backend"] = c->backend;
  j["spacing_mm"] = number(c->spacing_mm, member(p, "spacing_mm"));
  j["margins"] = writeMargins(c->margins, member(p, "margins"));
  j["zone_volumes_ml"] = numbers(c->zone_volumes_ml, member(p, "zone_volumes_ml"));
  j["max_temperatures_c"] = numbers(c->max_temperatures_c, member(p, "max_temperatures_c"));
  return j;
}

ojson writeUltrasound(const std::optional<PlanUltrasound>& u, const std::string& p) {
  if (!u) return nullptr;
  ojson j;
  j["probe"] = u->probe;
  j["paths_assessed"] = u->paths_assessed;
  j["paths_visible"] = u->paths_visible;
  j["preferred"] = u->preferred;
  j["access"] = u->access;
  j["rotation_deg"] = number(u->rotation_deg, member(p, "rotation_deg"));
  j["offset_mm"] = number(u->offset_mm, member(p, "offset_mm"));
  j["contact_lps_mm"] = vec3(u->contact_lps, member(p, "contact_lps_mm"));
  j["axial_lps"] = vec3(u->axial_lps, member(p, "axial_lps"));
  j["lateral_lps"] = vec3(u->lateral_lps, member(p, "lateral_lps"));
  j["lesion_visible"] = number(u->lesion_visible, member(p, "lesion_visible"));
  j["needle_visible"] = number(u->needle_visible, member(p, "needle_visible"));
  j["depth_mm"] = number(u->depth_mm, member(p, "depth_mm"));
  j["flags"] = strings(u->flags);
  return j;
}

ojson writeLesion(const PlanLesion& l, const std::string& p) {
  ojson j;
  j["id"] = l.id;
  j["centroid_lps_mm"] = vec3(l.centroid_lps, member(p, "centroid_lps_mm"));
  j["diameter_mm"] = number(l.diameter_mm, member(p, "diameter_mm"));
  j["volume_ml"] = number(l.volume_ml, member(p, "volume_ml"));
  j["vessel_gap_mm"] = nullable(l.vessel_gap_mm);
  j["near_major_vessel"] = l.near_major_vessel;
  ojson trajectories = ojson::array();
  for (std::size_t i = 0; i < l.trajectories.size(); ++i) {
    trajectories.push_back(
        writeTrajectory(l.trajectories[i], element(member(p, "trajectories"), i)));
  }
  j["trajectories"] = std::move(trajectories);
  ojson rejected = ojson::object();
  for (const auto& [reason, count] : l.rejected_paths) rejected[reason] = count;  // sorted
  j["rejected_paths"] = std::move(rejected);
  j["path_candidates"] = l.path_candidates;
  ojson placements = ojson::array();
  for (std::size_t i = 0; i < l.placements.size(); ++i) {
    placements.push_back(writePlacement(l.placements[i], element(member(p, "placements"), i)));
  }
  j["placements"] = std::move(placements);
  j["preview"] = writeMargins(l.preview, member(p, "preview"));
  j["uncertainty"] = writeUncertainty(l.uncertainty, member(p, "uncertainty"));
  j["confirmation"] = writeConfirmation(l.confirmation, member(p, "confirmation"));
  j["ultrasound"] = writeUltrasound(l.ultrasound, member(p, "ultrasound"));
  j["flag"] = toString(l.flag);
  j["reason"] = l.reason;
  j["refinements"] = l.refinements;
  j["search_evaluations"] = l.search_evaluations;
  j["session"] = l.session;
  j["detection"] = toString(l.detection);
  j["detection_reason"] = l.detection_reason;
  return j;
}

ojson writeLabs(const std::optional<LabReport>& labs) {
  if (!labs) return nullptr;
  ojson j;
  j["decision"] = toString(labs->decision);
  ojson checks = ojson::array();
  for (const LabCheck& c : labs->checks) {
    ojson cj;
    cj["name"] = c.name;
    cj["quantity"] = c.quantity;
    cj["value"] = nullable(c.value);
    cj["limit"] = nullable(c.limit);
    cj["unit"] = c.unit;
    cj["status"] = toString(c.status);
    cj["text"] = c.text;
    cj["source"] = c.source;
    checks.push_back(std::move(cj));
  }
  j["checks"] = std::move(checks);
  j["reasons"] = strings(labs->reasons);
  return j;
}

ojson writeSession(const PlanSession& s, const std::string& p) {
  ojson j;
  j["index"] = s.index;
  j["lesion_ids"] = s.lesion_ids;
  j["ablated_volume_ml"] = number(s.ablated_volume_ml, member(p, "ablated_volume_ml"));
  j["liver_fraction"] = number(s.liver_fraction, member(p, "liver_fraction"));
  j["reasons"] = strings(s.reasons);
  j["labs"] = writeLabs(s.labs);
  j["lab_date"] = s.lab_date;
  j["decision"] = toString(s.decision);
  j["review_status"] = toString(s.review_status);
  j["review_comment"] = s.review_comment;
  j["review_by"] = s.review_by;
  j["review_at"] = s.review_at;
  return j;
}

// ---------------------------------------------------------------------------------------------
// Reading

// FieldReader plus the shapes of the plan file (empty strings and arrays allowed where a plan
// may have them, null for absent optional values, vectors, unit directions, dates, choices).
class PlanReader {
 public:
  explicit PlanReader(const std::string& file) : r_(file) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    r_.fail(path, what);
  }
  void object(const json& j, const std::string& path,
              std::initializer_list<const char*> allowed) const {
    r_.object(j, path, allowed);
  }
  const json& required(const json& obj, const std::string& path, const char* key) const {
    return *r_.find(obj, path, key, true);
  }
  // An optional member, nullptr when absent.
  const json* optional(const json& obj, const std::string& path, const char* key) const {
    return r_.find(obj, path, key, false);
  }
  // A required member that must be an object with the `allowed` keys.
  const json& sub(const json& obj, const std::string& path, const char* key,
                  std::initializer_list<const char*> allowed) const {
    const json& j = *r_.find(obj, path, key, true);
    r_.object(j, member(path, key), allowed);
    return j;
  }
  // A required member, null or an object with the `allowed` keys; nullptr when null.
  const json* nullableSub(const json& obj, const std::string& path, const char* key,
                          std::initializer_list<const char*> allowed) const {
    const json& j = *r_.find(obj, path, key, true);
    if (j.is_null()) return nullptr;
    r_.object(j, member(path, key), allowed);
    return &j;
  }
  // A required array, possibly empty.
  const json& list(const json& obj, const std::string& path, const char* key) const {
    const json& j = *r_.find(obj, path, key, true);
    if (!j.is_array()) fail(member(path, key), "must be an array");
    return j;
  }
  // An optional integer in lo..hi; `absent` when the member is missing.
  int optionalInteger(const json& obj, const std::string& path, const char* key, int absent, int lo,
                      int hi = kMaxInt) const {
    return r_.optionalInteger(obj, path, key, lo, hi).value_or(absent);
  }
  // An optional finite number checked as number(); `absent` when the member is missing.
  double optionalNumber(const json& obj, const std::string& path, const char* key, double absent,
                        double lo = -kInf, bool inclusive = true, double hi = kInf) const {
    if (r_.find(obj, path, key, false) == nullptr) return absent;
    return number(obj, path, key, lo, inclusive, hi);
  }
  // An optional string, possibly empty; "" when the member is missing.
  std::string optionalText(const json& obj, const std::string& path, const char* key) const {
    if (r_.find(obj, path, key, false) == nullptr) return {};
    return text(obj, path, key);
  }
  // A required string, possibly empty.
  std::string text(const json& obj, const std::string& path, const char* key) const {
    const json& j = *r_.find(obj, path, key, true);
    if (!j.is_string()) fail(member(path, key), "must be a string");
    return j.get<std::string>();
  }
  std::string nonEmpty(const json& obj, const std::string& path, const char* key) const {
    return r_.string(obj, path, key);
  }
  std::string oneOf(const json& obj, const std::string& path, const char* key,
                    const std::vector<std::string>& choices) const {
    std::string s = text(obj, path, key);
    for (const std::string& c : choices) {
      if (s == c) return s;
    }
    fail(member(path, key), "must be one of " + quotedChoices(choices) + " (got \"" + s + "\")");
  }
  // A member that must be one of the words of an enum (plan_enums.h).
  template <class E, std::size_t N>
  E word(const json& obj, const std::string& path, const char* key,
         const std::array<E, N>& all) const {
    std::vector<std::string> words;
    for (const E v : all) words.push_back(toString(v));
    return *fromString(all, oneOf(obj, path, key, words));
  }
  std::string date(const json& obj, const std::string& path, const char* key) const {
    std::string s = text(obj, path, key);
    if (!s.empty() && !isIsoDate(s)) {
      fail(member(path, key), "must be a valid date yyyy-mm-dd or \"\" (got \"" + s + "\")");
    }
    return s;
  }
  std::vector<std::string> strings(const json& obj, const std::string& path,
                                   const char* key) const {
    const json& a = list(obj, path, key);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) fail(element(member(path, key), i), "must be a string");
      out.push_back(a[i].get<std::string>());
    }
    return out;
  }
  bool boolean(const json& obj, const std::string& path, const char* key) const {
    return r_.boolean(obj, path, key);
  }
  int integer(const json& obj, const std::string& path, const char* key, int lo,
              int hi = kMaxInt) const {
    return r_.integer(obj, path, key, lo, hi);
  }
  // A required finite number; lo < v (lo <= v when inclusive) and v <= hi.
  double number(const json& obj, const std::string& path, const char* key, double lo = -kInf,
                bool inclusive = true, double hi = kInf) const {
    const double v = r_.number(obj, path, key);
    r_.range(v, member(path, key), lo, inclusive, hi);
    return v;
  }
  // A required member: null (-> nullopt) or a number checked as number().
  std::optional<double> nullable(const json& obj, const std::string& path, const char* key,
                                 double lo = -kInf, bool inclusive = true, double hi = kInf) const {
    const json& j = *r_.find(obj, path, key, true);
    if (j.is_null()) return std::nullopt;
    if (!j.is_number()) fail(member(path, key), "must be a number or null");
    return number(obj, path, key, lo, inclusive, hi);
  }
  // Array element `i` of `a` (at `path`) as a finite number.
  double numberAt(const json& a, const std::string& path, std::size_t i, double lo = -kInf,
                  bool inclusive = true) const {
    if (!a[i].is_number()) fail(element(path, i), "must be a number");
    const double v = a[i].get<double>();
    r_.range(v, element(path, i), lo, inclusive);
    return v;
  }
  // A required array of 3 numbers.
  Vec3 vec3(const json& obj, const std::string& path, const char* key, double lo = -kInf,
            bool inclusive = true) const {
    return vec3At(*r_.find(obj, path, key, true), member(path, key), lo, inclusive);
  }
  Vec3 vec3At(const json& a, const std::string& path, double lo = -kInf,
              bool inclusive = true) const {
    if (!a.is_array() || a.size() != 3) fail(path, "must be an array of 3 numbers");
    return {numberAt(a, path, 0, lo, inclusive), numberAt(a, path, 1, lo, inclusive),
            numberAt(a, path, 2, lo, inclusive)};
  }
  Vec3 unitAt(const json& a, const std::string& path) const {
    const Vec3 v = vec3At(a, path);
    if (std::abs(v.norm() - 1) > kUnitTolerance) {
      fail(path, "must be a unit vector (length " + formatNumber(v.norm()) + ")");
    }
    return v;
  }
  Vec3 unit(const json& obj, const std::string& path, const char* key) const {
    return unitAt(*r_.find(obj, path, key, true), member(path, key));
  }
  // Three unit columns.
  Mat3 axes(const json& obj, const std::string& path, const char* key) const {
    const json& a = *r_.find(obj, path, key, true);
    const std::string mp = member(path, key);
    if (!a.is_array() || a.size() != 3) fail(mp, "must be an array of 3 columns [x, y, z]");
    Mat3 m;
    for (std::size_t c = 0; c < 3; ++c) m.col(static_cast<int>(c)) = unitAt(a[c], element(mp, c));
    return m;
  }

 private:
  FieldReader r_;
};

PlanSource readSource(const PlanReader& r, const json& root) {
  const std::string p = "source";
  const json& j =
      r.sub(root, "", "source",
            {"input", "patient_id", "study_instance_uid", "series_instance_uid",
             "frame_of_reference_uid", "frame_of_reference_generated", "modality", "size",
             "spacing_mm", "origin_lps_mm", "direction_lps", "voxel_sha256", "segmentation"});
  PlanSource s;
  s.input = r.text(j, p, "input");
  s.patient_id = r.text(j, p, "patient_id");
  s.study_instance_uid = r.text(j, p, "study_instance_uid");
  s.series_instance_uid = r.text(j, p, "series_instance_uid");
  s.frame_of_reference_uid = r.text(j, p, "frame_of_reference_uid");
  s.frame_of_reference_generated = r.boolean(j, p, "frame_of_reference_generated");
  s.modality = r.text(j, p, "modality");
  const json& size = r.list(j, p, "size");
  const std::string sp = member(p, "size");
  if (size.size() != 3) r.fail(sp, "must be an array of 3 integers");
  for (std::size_t i = 0; i < 3; ++i) {
    if (!size[i].is_number_integer() || size[i].get<std::int64_t>() < 0 ||
        size[i].get<std::int64_t>() > kMaxInt) {
      r.fail(element(sp, i), "must be an integer in 0.." + std::to_string(kMaxInt));
    }
    s.size[i] = size[i].get<std::size_t>();
  }
  s.spacing_mm = r.vec3(j, p, "spacing_mm", 0, false);
  s.origin_lps_mm = r.vec3(j, p, "origin_lps_mm");
  s.direction = r.axes(j, p, "direction_lps");
  s.voxel_sha256 = r.text(j, p, "voxel_sha256");
  if (!s.voxel_sha256.empty() && !isSha256Hex(s.voxel_sha256)) {
    r.fail(member(p, "voxel_sha256"), "must be 64 lowercase hexadecimal digits or \"\"");
  }
  s.segmentation = r.text(j, p, "segmentation");
  return s;
}

PlanSettings readSettings(const PlanReader& r, const json& root) {
  const std::string p = "settings";
  const json& j = r.sub(root, "", "settings",
                        {"profile",
                         "electrodes",
                         "minimum_margin_mm",
                         "target_margin_mm",
                         "max_ablated_liver_fraction",
                         "max_ablations_per_lesion",
                         "vessel_safety_mm",
                         "mean_targeting_error_mm",
                         "guidance",
                         "targeting_error_source",
                         "uncertainty_samples",
                         "confirmed",
                         "confirmation_spacing_mm",
                         "cycles_between_sessions",
                         "start_date",
                         "prior_sessions",
                         "prior_ablated_volume_ml",
                         "prior_plan",
                         "zone_model",
                         "zone_size_cv"});
  PlanSettings s;
  s.profile = r.text(j, p, "profile");
  s.electrodes = r.strings(j, p, "electrodes");
  s.minimum_margin_mm = r.number(j, p, "minimum_margin_mm", 0);
  s.target_margin_mm = r.number(j, p, "target_margin_mm", 0);
  s.max_ablated_liver_fraction = r.number(j, p, "max_ablated_liver_fraction", 0, true, 1);
  s.max_ablations_per_lesion = r.integer(j, p, "max_ablations_per_lesion", 1);
  s.vessel_safety_mm = r.number(j, p, "vessel_safety_mm", 0);
  s.mean_targeting_error_mm = r.number(j, p, "mean_targeting_error_mm", 0);
  // The guidance modality: optional (plans written before it have none).
  s.guidance = r.optionalText(j, p, "guidance");
  s.targeting_error_source = r.optionalText(j, p, "targeting_error_source");
  s.uncertainty_samples = r.integer(j, p, "uncertainty_samples", 0);
  s.confirmed = r.boolean(j, p, "confirmed");
  s.confirmation_spacing_mm = r.number(j, p, "confirmation_spacing_mm", 0);
  s.cycles_between_sessions = r.integer(j, p, "cycles_between_sessions", 0);
  s.start_date = r.date(j, p, "start_date");
  // Re-planning after earlier sessions: optional (plans written before them have none).
  s.prior_sessions = r.optionalInteger(j, p, "prior_sessions", 0, 0);
  s.prior_ablated_volume_ml = r.optionalNumber(j, p, "prior_ablated_volume_ml", 0, 0);
  s.prior_plan = r.optionalText(j, p, "prior_plan");
  // The zone model: optional (plans written before it have none).
  s.zone_model = r.optionalText(j, p, "zone_model");
  if (const json* cv = r.optional(j, p, "zone_size_cv"); cv != nullptr) {
    const std::string cp = member(p, "zone_size_cv");
    if (!cv->is_object()) r.fail(cp, "must be an object");
    for (const auto& [electrode, v] : cv->items()) {
      s.zone_size_cv.push_back({electrode, r.number(*cv, cp, electrode.c_str(), 0, true, 1)});
    }
  }
  return s;
}

PlanMargins readMargins(const PlanReader& r, const json& obj, const std::string& path,
                        const char* key) {
  const json& j =
      r.sub(obj, path, key,
            {"minimal_margin_mm", "coverage_min_pct", "coverage_target_pct", "ablated_volume_ml"});
  const std::string p = member(path, key);
  PlanMargins m;
  m.minimal_margin_mm = r.number(j, p, "minimal_margin_mm");
  m.coverage_min_pct = r.number(j, p, "coverage_min_pct", 0, true, 100);
  m.coverage_target_pct = r.number(j, p, "coverage_target_pct", 0, true, 100);
  m.ablated_volume_ml = r.number(j, p, "ablated_volume_ml", 0);
  return m;
}

PlanTrajectory readTrajectory(const PlanReader& r, const json& j, const std::string& p) {
  r.object(j, p,
           {"entry_lps_mm", "target_lps_mm", "length_mm", "skin_angle_deg",
            "min_vessel_distance_mm", "capsule_crossings", "cost"});
  PlanTrajectory t;
  t.entry_lps = r.vec3(j, p, "entry_lps_mm");
  t.target_lps = r.vec3(j, p, "target_lps_mm");
  t.length_mm = r.number(j, p, "length_mm", 0);
  t.skin_angle_deg = r.number(j, p, "skin_angle_deg", 0, true, 180);
  t.min_vessel_distance_mm = r.nullable(j, p, "min_vessel_distance_mm");
  t.capsule_crossings = r.integer(j, p, "capsule_crossings", 0);
  t.cost = r.number(j, p, "cost");
  return t;
}

thermal::EllipsoidZone readZone(const PlanReader& r, const json& obj, const std::string& path) {
  const json& j = r.sub(obj, path, "zone",
                        {"centre_lps_mm", "axes_lps", "semi_u_mm", "semi_v_mm", "semi_w_mm"});
  const std::string p = member(path, "zone");
  thermal::EllipsoidZone z;
  z.centre_lps = r.vec3(j, p, "centre_lps_mm");
  z.axes = r.axes(j, p, "axes_lps");
  z.semi_u_mm = r.number(j, p, "semi_u_mm", 0, false);
  z.semi_v_mm = r.number(j, p, "semi_v_mm", 0, false);
  z.semi_w_mm = r.number(j, p, "semi_w_mm", 0, false);
  return z;
}

PlanPlacement readPlacement(const PlanReader& r, const json& j, const std::string& p) {
  r.object(j, p,
           {"electrode", "protocol", "tip_lps_mm", "direction_lps", "entry_lps_mm",
            "path_length_mm", "zone"});
  PlanPlacement pl;
  pl.electrode = r.nonEmpty(j, p, "electrode");
  pl.protocol = r.nonEmpty(j, p, "protocol");
  pl.tip_lps = r.vec3(j, p, "tip_lps_mm");
  pl.direction_lps = r.unit(j, p, "direction_lps");
  pl.entry_lps = r.vec3(j, p, "entry_lps_mm");
  pl.path_length_mm = r.number(j, p, "path_length_mm", 0);
  pl.zone = readZone(r, j, p);
  return pl;
}

std::optional<PlanUncertainty> readUncertainty(const PlanReader& r, const json& obj,
                                               const std::string& path) {
  const json* j = r.nullableSub(obj, path, "uncertainty",
                                {"mean_error_mm", "sigma_mm", "samples", "probability_margin_ok",
                                 "p10_margin_mm", "mean_margin_mm"});
  if (j == nullptr) return std::nullopt;
  const std::string p = member(path, "uncertainty");
  PlanUncertainty u;
  u.mean_error_mm = r.number(*j, p, "mean_error_mm", 0);
  u.sigma_mm = r.number(*j, p, "sigma_mm", 0);
  u.samples = r.integer(*j, p, "samples", 0);
  u.probability_margin_ok = r.number(*j, p, "probability_margin_ok", 0, true, 1);
  u.p10_margin_mm = r.number(*j, p, "p10_margin_mm");
  u.mean_margin_mm = r.number(*j, p, "mean_margin_mm");
  return u;
}

std::vector<double> readNumbers(const PlanReader& r, const json& obj, const std::string& path,
                                const char* key, double lo) {
  const json& a = r.list(obj, path, key);
  std::vector<double> out;
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(r.numberAt(a, member(path, key), i, lo));
  return out;
}

std::optional<PlanConfirmation> readConfirmation(const PlanReader& r, const json& obj,
                                                 const std::string& path) {
  const json* j =
      r.nullableSub(obj, path, "confirmation",
                    {"backend", "spacing_mm", "margins", "zone_volumes_ml", "max_temperatures_c"});
  if (j == nullptr) return std::nullopt;
  const std::string p = member(path, "confirmation");
  PlanConfirmation c;
  c.backend = r.nonEmpty(*j, p, "backend");
  c.spacing_mm = r.number(*j, p, "spacing_mm", 0, false);
  c.margins = readMargins(r, *j, p, "margins");
  c.zone_volumes_ml = readNumbers(r, *j, p, "zone_volumes_ml", 0);
  c.max_temperatures_c = readNumbers(r, *j, p, "max_temperatures_c", -kInf);
  return c;
}

// Optional: plans written before the ultrasound assessment have no member (null: not assessed).
std::optional<PlanUltrasound> readUltrasound(const PlanReader& r, const json& obj,
                                             const std::string& path) {
  const json* j = r.optional(obj, path, "ultrasound");
  if (j == nullptr || j->is_null()) return std::nullopt;
  j = r.nullableSub(obj, path, "ultrasound",
                    {"probe", "paths_assessed", "paths_visible", "preferred", "access",
                     "rotation_deg", "offset_mm", "contact_lps_mm", "axial_lps", "lateral_lps",
                     "lesion_visible", "needle_visible", "depth_mm", "flags"});
  const std::string p = member(path, "ultrasound");
  PlanUltrasound u;
  u.probe = r.text(*j, p, "probe");
  u.paths_assessed = r.integer(*j, p, "paths_assessed", 0);
  u.paths_visible = r.integer(*j, p, "paths_visible", 0);
  if (u.paths_visible > u.paths_assessed) {
    r.fail(member(p, "paths_visible"), "must not exceed paths_assessed");
  }
  u.preferred = r.boolean(*j, p, "preferred");
  u.access = r.text(*j, p, "access");
  if (!u.access.empty() && u.access != "subcostal" && u.access != "intercostal" &&
      u.access != "epigastric") {
    r.fail(member(p, "access"),
           "must be \"subcostal\", \"intercostal\", \"epigastric\" or \"\" (got \"" + u.access +
               "\")");
  }
  u.rotation_deg = r.number(*j, p, "rotation_deg", -360, true, 360);
  u.offset_mm = r.number(*j, p, "offset_mm");
  u.contact_lps = r.vec3(*j, p, "contact_lps_mm");
  u.axial_lps = r.unit(*j, p, "axial_lps");
  u.lateral_lps = r.unit(*j, p, "lateral_lps");
  u.lesion_visible = r.number(*j, p, "lesion_visible", 0, true, 1);
  u.needle_visible = r.number(*j, p, "needle_visible", 0, true, 1);
  u.depth_mm = r.number(*j, p, "depth_mm", 0);
  u.flags = r.strings(*j, p, "flags");
  return u;
}

PlanLesion readLesion(const PlanReader& r, const json& j, const std::string& p) {
  r.object(j, p, {"id",           "centroid_lps_mm", "diameter_mm",
                  "volume_ml",    "vessel_gap_mm",   "near_major_vessel",
                  "trajectories", "rejected_paths",  "path_candidates",
                  "placements",   "preview",         "uncertainty",
                  "confirmation", "ultrasound",      "flag",
                  "reason",       "refinements",     "search_evaluations",
                  "session",      "detection",       "detection_reason"});
  PlanLesion l;
  l.id = r.integer(j, p, "id", 1);
  l.centroid_lps = r.vec3(j, p, "centroid_lps_mm");
  l.diameter_mm = r.number(j, p, "diameter_mm", 0);
  l.volume_ml = r.number(j, p, "volume_ml", 0);
  l.vessel_gap_mm = r.nullable(j, p, "vessel_gap_mm");
  l.near_major_vessel = r.boolean(j, p, "near_major_vessel");
  const json& trajectories = r.list(j, p, "trajectories");
  for (std::size_t i = 0; i < trajectories.size(); ++i) {
    l.trajectories.push_back(
        readTrajectory(r, trajectories[i], element(member(p, "trajectories"), i)));
  }
  const json& rejected = r.required(j, p, "rejected_paths");
  const std::string rp = member(p, "rejected_paths");
  if (!rejected.is_object()) r.fail(rp, "must be a JSON object (reason -> count)");
  for (const auto& item : rejected.items()) {
    l.rejected_paths[item.key()] = r.integer(rejected, rp, item.key().c_str(), 0);
  }
  l.path_candidates = r.integer(j, p, "path_candidates", 0);
  const json& placements = r.list(j, p, "placements");
  for (std::size_t i = 0; i < placements.size(); ++i) {
    l.placements.push_back(readPlacement(r, placements[i], element(member(p, "placements"), i)));
  }
  l.preview = readMargins(r, j, p, "preview");
  l.uncertainty = readUncertainty(r, j, p);
  l.confirmation = readConfirmation(r, j, p);
  l.ultrasound = readUltrasound(r, j, p);
  l.flag = r.word(j, p, "flag", kLesionFlags);
  l.reason = r.text(j, p, "reason");
  l.refinements = r.integer(j, p, "refinements", 0);
  l.search_evaluations = r.integer(j, p, "search_evaluations", 0);
  l.session = r.integer(j, p, "session", 0);
  // Optional (plans written before automatic candidates were told apart are "given").
  l.detection = r.optionalText(j, p, "detection").empty() ? Detection::kGiven
                                                          : r.word(j, p, "detection", kDetections);
  l.detection_reason = r.optionalText(j, p, "detection_reason");
  return l;
}

std::optional<LabReport> readLabs(const PlanReader& r, const json& obj, const std::string& path) {
  const json* j = r.nullableSub(obj, path, "labs", {"decision", "checks", "reasons"});
  if (j == nullptr) return std::nullopt;
  const std::string p = member(path, "labs");
  LabReport report;
  const std::string decision = r.oneOf(*j, p, "decision", kLabDecisions);
  report.decision = decision == "proceed"    ? LabDecision::kProceed
                    : decision == "postpone" ? LabDecision::kPostpone
                                             : LabDecision::kIncomplete;
  const json& checks = r.list(*j, p, "checks");
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const std::string cp = element(member(p, "checks"), i);
    r.object(checks[i], cp,
             {"name", "quantity", "value", "limit", "unit", "status", "text", "source"});
    LabCheck c;
    c.name = r.nonEmpty(checks[i], cp, "name");
    c.quantity = r.nonEmpty(checks[i], cp, "quantity");
    c.value = r.nullable(checks[i], cp, "value");
    c.limit = r.nullable(checks[i], cp, "limit");
    c.unit = r.text(checks[i], cp, "unit");
    const std::string status = r.oneOf(checks[i], cp, "status", kCheckStatuses);
    c.status = status == "passed"   ? CheckStatus::kPassed
               : status == "failed" ? CheckStatus::kFailed
                                    : CheckStatus::kMissing;
    c.passed = c.status == CheckStatus::kPassed;
    c.text = r.text(checks[i], cp, "text");
    c.source = r.text(checks[i], cp, "source");
    report.checks.push_back(std::move(c));
  }
  report.reasons = r.strings(*j, p, "reasons");
  return report;
}

PlanSession readSession(const PlanReader& r, const json& j, const std::string& p, int version) {
  if (version >= 2) {
    r.object(j, p,
             {"index", "lesion_ids", "ablated_volume_ml", "liver_fraction", "reasons", "labs",
              "lab_date", "decision", "review_status", "review_comment", "review_by", "review_at"});
  } else {  // format_version 1: no reviewer, no review time
    r.object(j, p,
             {"index", "lesion_ids", "ablated_volume_ml", "liver_fraction", "reasons", "labs",
              "lab_date", "decision", "review_status", "review_comment"});
  }
  PlanSession s;
  s.index = r.integer(j, p, "index", 1);
  const json& ids = r.list(j, p, "lesion_ids");
  const std::string ip = member(p, "lesion_ids");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_number_integer() || ids[i].get<std::int64_t>() < 1 ||
        ids[i].get<std::int64_t>() > kMaxInt) {
      r.fail(element(ip, i), "must be a lesion id (an integer >= 1)");
    }
    s.lesion_ids.push_back(ids[i].get<int>());
  }
  s.ablated_volume_ml = r.number(j, p, "ablated_volume_ml", 0);
  s.liver_fraction = r.number(j, p, "liver_fraction", 0, true, 1);
  s.reasons = r.strings(j, p, "reasons");
  s.labs = readLabs(r, j, p);
  s.lab_date = r.date(j, p, "lab_date");
  s.decision = r.word(j, p, "decision", kSessionDecisions);
  s.review_status = r.word(j, p, "review_status", kReviewStatuses);
  s.review_comment = r.text(j, p, "review_comment");
  if (version >= 2) {
    s.review_by = r.text(j, p, "review_by");
    s.review_at = r.text(j, p, "review_at");
  }
  return s;
}

PlanEvent readEvent(const PlanReader& r, const json& j, const std::string& p) {
  r.object(j, p, {"day", "date", "kind", "session", "cycle", "text"});
  PlanEvent e;
  e.day = r.integer(j, p, "day", 0);
  e.date = r.date(j, p, "date");
  e.kind = r.word(j, p, "kind", kEventKinds);
  e.session = r.integer(j, p, "session", 1);
  e.cycle = r.integer(j, p, "cycle", 0);
  e.text = r.text(j, p, "text");
  return e;
}

// The format and version members, before anything else: a newer version may have other keys.
int readVersion(const PlanReader& r, const json& root, const std::string& file_name) {
  if (!root.is_object()) r.fail("the top level", "must be a JSON object");
  const std::string format = r.text(root, "", "format");
  if (format != kPlanFormatName) {
    r.fail("format", std::string("must be \"") + kPlanFormatName + "\" (got \"" + format +
                         "\"): not an rfaplan plan file");
  }
  const auto it = root.find("format_version");
  if (it == root.end()) r.fail("format_version", "is missing");
  if (!it->is_number_integer()) r.fail("format_version", "must be an integer");
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(kPlanFormatVersion)) {
    throw UnsupportedError(file_name + ": format_version " + it->dump() +
                           " is newer than this rfaplan reads (format_version " +
                           std::to_string(kPlanFormatVersion) + "); use a newer rfaplan");
  }
  const auto version = it->get<std::int64_t>();
  if (version < 1) {
    r.fail("format_version",
           "must be in 1.." + std::to_string(kPlanFormatVersion) + " (got " + it->dump() + ")");
  }
  return static_cast<int>(version);
}

}  // namespace

std::string serializePlan(const TreatmentPlan& plan) {
  ojson j;
  j["format"] = kPlanFormatName;
  j["format_version"] = kPlanFormatVersion;
  j["research_use_only"] = true;
  j["frame"] = kFrame;
  j["revision"] = plan.revision;
  j["software"] = plan.software;
  j["source"] = writeSource(plan.source);
  j["settings"] = writeSettings(plan.settings);
  j["liver_volume_ml"] = number(plan.liver_volume_ml, "liver_volume_ml");
  ojson lesions = ojson::array();
  for (std::size_t i = 0; i < plan.lesions.size(); ++i) {
    lesions.push_back(writeLesion(plan.lesions[i], element("lesions", i)));
  }
  j["lesions"] = std::move(lesions);
  ojson sessions = ojson::array();
  for (std::size_t i = 0; i < plan.sessions.size(); ++i) {
    sessions.push_back(writeSession(plan.sessions[i], element("sessions", i)));
  }
  j["sessions"] = std::move(sessions);
  ojson unplaced = ojson::array();
  for (const PlanUnplaced& u : plan.unplaced) {
    ojson uj;
    uj["id"] = u.id;
    uj["reason"] = u.reason;
    unplaced.push_back(std::move(uj));
  }
  j["unplaced"] = std::move(unplaced);
  j["fits_profile"] = plan.fits_profile;
  j["cumulative_volume_ml"] = number(plan.cumulative_volume_ml, "cumulative_volume_ml");
  j["cumulative_liver_fraction"] =
      number(plan.cumulative_liver_fraction, "cumulative_liver_fraction");
  ojson timeline = ojson::array();
  for (const PlanEvent& e : plan.timeline) {
    ojson ej;
    ej["day"] = e.day;
    ej["date"] = e.date;
    ej["kind"] = toString(e.kind);
    ej["session"] = e.session;
    ej["cycle"] = e.cycle;
    ej["text"] = e.text;
    timeline.push_back(std::move(ej));
  }
  j["timeline"] = std::move(timeline);
  j["notes"] = strings(plan.notes);
  return j.dump(2) + "\n";
}

TreatmentPlan parsePlan(const std::string& text, const std::string& file_name) {
  const PlanReader r(file_name);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // parse_error; out_of_range for a number beyond double
    r.fail("", std::string("not valid JSON: ") + e.what());
  }
  TreatmentPlan plan;
  plan.format_version = readVersion(r, root, file_name);
  r.object(
      root, "",
      {"format", "format_version", "research_use_only", "frame", "revision", "software", "source",
       "settings", "liver_volume_ml", "lesions", "sessions", "unplaced", "fits_profile",
       "cumulative_volume_ml", "cumulative_liver_fraction", "timeline", "notes"});
  if (!r.boolean(root, "", "research_use_only")) {
    r.fail("research_use_only", "must be true (rfaplan plans are for research use only)");
  }
  if (const std::string frame = r.text(root, "", "frame"); frame != kFrame) {
    r.fail("frame", std::string("must be \"") + kFrame + "\" (got \"" + frame + "\")");
  }
  plan.revision = r.integer(root, "", "revision", 1);
  plan.software = r.text(root, "", "software");
  plan.source = readSource(r, root);
  plan.settings = readSettings(r, root);
  plan.liver_volume_ml = r.number(root, "", "liver_volume_ml", 0);
  const json& lesions = r.list(root, "", "lesions");
  for (std::size_t i = 0; i < lesions.size(); ++i) {
    plan.lesions.push_back(readLesion(r, lesions[i], element("lesions", i)));
  }
  const json& sessions = r.list(root, "", "sessions");
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    plan.sessions.push_back(
        readSession(r, sessions[i], element("sessions", i), plan.format_version));
  }
  const json& unplaced = r.list(root, "", "unplaced");
  for (std::size_t i = 0; i < unplaced.size(); ++i) {
    const std::string up = element("unplaced", i);
    r.object(unplaced[i], up, {"id", "reason"});
    plan.unplaced.push_back(
        {r.integer(unplaced[i], up, "id", 1), r.text(unplaced[i], up, "reason")});
  }
  plan.fits_profile = r.boolean(root, "", "fits_profile");
  plan.cumulative_volume_ml = r.number(root, "", "cumulative_volume_ml", 0);
  plan.cumulative_liver_fraction = r.number(root, "", "cumulative_liver_fraction", 0, true, 1);
  const json& timeline = r.list(root, "", "timeline");
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    plan.timeline.push_back(readEvent(r, timeline[i], element("timeline", i)));
  }
  plan.notes = r.strings(root, "", "notes");
  return plan;
}

TreatmentPlan readPlanFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw NotFoundError("cannot open plan file " + file.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw NotFoundError("cannot read plan file " + file.string());
  return parsePlan(text, file.string());
}

namespace {

// `<stem>.r<revision><ext>` beside `file`, "-2", "-3", ... appended to the stem's revision part
// when `attempt` > 1.
std::filesystem::path keptName(const std::filesystem::path& file, int revision, int attempt) {
  std::string name = file.stem().string() + ".r" + std::to_string(revision);
  if (attempt > 1) name += "-" + std::to_string(attempt);
  name += file.extension().string();
  return file.parent_path() / name;
}

// Keeps the current `file` under a free kept name: a hard link (atomic, fails when the name is
// taken), else a copy that never overwrites. Returns the name used.
std::filesystem::path keepPrevious(const std::filesystem::path& file, int revision) {
  for (int attempt = 1; attempt < 10000; ++attempt) {
    const std::filesystem::path kept = keptName(file, revision, attempt);
    if (::link(file.c_str(), kept.c_str()) == 0) return kept;
    const int err = errno;
    if (err == EEXIST) continue;
    if (err != EPERM && err != EXDEV && err != ENOTSUP && err != EOPNOTSUPP && err != EMLINK) {
      throw WriteError("cannot keep the previous revision of " + file.string() + " as " +
                       kept.string() + ": " + std::strerror(err));
    }
    // No hard links here: copy without overwriting.
    std::error_code ec;
    if (std::filesystem::exists(kept, ec)) continue;
    if (!std::filesystem::copy_file(file, kept, std::filesystem::copy_options::none, ec)) {
      if (ec == std::errc::file_exists) continue;
      throw WriteError("cannot keep the previous revision of " + file.string() + " as " +
                       kept.string() + ": " + ec.message());
    }
    return kept;
  }
  throw WriteError("cannot keep the previous revision of " + file.string() +
                   ": every kept name is taken");
}

CorruptDataError notAPlanTarget(const std::filesystem::path& file, const Error& why) {
  return CorruptDataError("refusing to overwrite " + file.string() + ": it is not a valid plan (" +
                          why.what() + "); move it away or choose another output file");
}

}  // namespace

void requirePlanTarget(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(file, ec))) return;
  try {
    (void)readPlanFile(file);
  } catch (const Error& e) {
    throw notAPlanTarget(file, e);
  }
}

PlanWriteResult writePlanFile(const std::filesystem::path& file, TreatmentPlan& plan) {
  PlanWriteResult result;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(file, ec))) {
    writeFileAtomically(file, serializePlan(plan));
    result.revision = plan.revision;
    return result;
  }
  TreatmentPlan old;
  try {
    old = readPlanFile(file);
  } catch (const Error& e) {
    throw notAPlanTarget(file, e);
  }
  const int requested = plan.revision;
  plan.revision = old.revision;
  const std::string same_revision = serializePlan(plan);
  if (serializePlan(old) == same_revision) {
    result.revision = old.revision;
    result.unchanged = true;
    return result;
  }
  plan.revision = old.revision + 1;
  std::optional<std::filesystem::path> kept;
  try {
    const std::string text = serializePlan(plan);
    kept = keepPrevious(file, old.revision);
    writeFileAtomically(file, text);
  } catch (...) {
    plan.revision = requested;
    if (kept) std::filesystem::remove(*kept, ec);
    throw;
  }
  result.revision = plan.revision;
  result.previous_kept = kept;
  return result;
}

}  // namespace rfa::planning
