// Ellipsoid zone preview: the ellipsoid's geometry and rasterization, its calibration from the
// full solver, and the strict JSON reading/writing of calibration files.
#include "rfa/thermal/preview.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <numbers>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"
#include "rfa/thermal/tissue_condition.h"

namespace rfa::thermal {

namespace {

using nlohmann::json;

bool positiveFinite(double v) {
  return std::isfinite(v) && v > 0;
}

const char* criterionName(ZoneCriterion z) {
  switch (z) {
    case ZoneCriterion::kArrhenius:
      return "arrhenius";
    case ZoneCriterion::kIsotherm50:
      return "t50";
    case ZoneCriterion::kIsotherm60:
      return "t60";
    case ZoneCriterion::kCem43:
      return "cem43";
  }
  return "arrhenius";
}

// Voxel index range [lo, hi] of the continuous interval [a, b] on an axis of n voxels; empty
// (lo > hi) when the interval misses the axis. Clamps before converting (no overflow).
std::pair<std::int64_t, std::int64_t> indexRange(double a, double b, std::size_t n) {
  const double top = static_cast<double>(n);
  const double lo = std::clamp(std::ceil(a), 0.0, top);
  const double hi = std::clamp(std::floor(b), -1.0, top - 1.0);
  return {static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi)};
}

using json_io::FieldReader;

PreviewCalibration readCalibration(const FieldReader& r, const json& j, const std::string& path) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  r.object(j, path,
           {"electrode", "protocol", "power_w", "duration_s", "centre_offset_mm", "semi_across_mm",
            "semi_along_mm", "solver_volume_ml", "fit_dice", "spacing_mm", "solver_backend",
            "zone_criterion", "tissue_condition", "zone_table", "zone_size_cv"});
  PreviewCalibration c;
  c.electrode = r.string(j, path, "electrode");
  c.protocol = r.string(j, path, "protocol");
  c.power_w = r.number(j, path, "power_w", 0, false, 1000);
  c.duration_s = r.number(j, path, "duration_s", 0, false, 24 * 3600);
  c.centre_offset_mm = r.number(j, path, "centre_offset_mm", -1000, true, 1000);
  c.semi_across_mm = r.number(j, path, "semi_across_mm", 0, false, 1000);
  c.semi_along_mm = r.number(j, path, "semi_along_mm", 0, false, 1000);
  c.solver_volume_ml = r.number(j, path, "solver_volume_ml", 0, true, kInf);
  c.fit_dice = r.number(j, path, "fit_dice", 0, true, 1);
  c.spacing_mm = r.number(j, path, "spacing_mm", 0, false, 100);
  c.solver_backend = r.string(j, path, "solver_backend");
  c.zone_criterion = r.string(j, path, "zone_criterion");
  const auto& z = c.zone_criterion;
  if (z != "arrhenius" && z != "t50" && z != "t60" && z != "cem43") {
    r.fail(FieldReader::member(path, "zone_criterion"),
           "must be one of arrhenius, t50, t60, cem43 (got '" + z + "')");
  }
  if (r.find(j, path, "tissue_condition", false) != nullptr) {
    c.tissue_condition = r.string(j, path, "tissue_condition");
    try {
      (void)parseTissueCondition(c.tissue_condition);
    } catch (const UsageError& e) {
      r.fail(FieldReader::member(path, "tissue_condition"), e.what());
    }
  }
  if (const json* t = r.find(j, path, "zone_table", false); t != nullptr) {
    if (!t->is_string()) r.fail(FieldReader::member(path, "zone_table"), "must be a string");
    c.zone_table = t->get<std::string>();  // "" = calibrated on no table
  }
  if (const auto cv = r.optionalNumber(j, path, "zone_size_cv")) {
    r.range(*cv, FieldReader::member(path, "zone_size_cv"), 0, true, 1);
    c.zone_size_cv = *cv;
  }
  return c;
}

double round4(double v) {
  return std::round(v * 1e4) / 1e4;
}

}  // namespace

double zoneSizeCv(const std::vector<ZoneSizeSpread>& spreads, const std::string& electrode) {
  for (const ZoneSizeSpread& z : spreads) {
    if (z.electrode == electrode) return z.cv;
  }
  return 0.0;
}

bool EllipsoidZone::contains(const Vec3& p_lps) const {
  if (!positiveFinite(semi_u_mm) || !positiveFinite(semi_v_mm) || !positiveFinite(semi_w_mm)) {
    return false;
  }
  const Vec3 d = axes.transpose() * (p_lps - centre_lps);
  const double q = (d.x() / semi_u_mm) * (d.x() / semi_u_mm) +
                   (d.y() / semi_v_mm) * (d.y() / semi_v_mm) +
                   (d.z() / semi_w_mm) * (d.z() / semi_w_mm);
  return q <= 1.0;
}

double EllipsoidZone::volumeMl() const {
  if (!positiveFinite(semi_u_mm) || !positiveFinite(semi_v_mm) || !positiveFinite(semi_w_mm)) {
    return 0.0;
  }
  return 4.0 / 3.0 * std::numbers::pi * semi_u_mm * semi_v_mm * semi_w_mm / 1000.0;
}

Mask EllipsoidZone::rasterize(const ImageGeometry& grid) const {
  Mask mask(grid, 0);
  if (mask.empty() || volumeMl() <= 0.0) return mask;
  // Unit-ball coordinates y = t (p - c), t = diag(1 / semi) axes^T; with p = origin + B x (x the
  // continuous voxel index) y = y0 + g x, g = t B. Inside: |y|^2 <= 1.
  const Vec3 inv_semi(1.0 / semi_u_mm, 1.0 / semi_v_mm, 1.0 / semi_w_mm);
  const Mat3 t = inv_semi.asDiagonal() * axes.transpose();
  const Mat3 g = t * grid.indexToLpsMatrix();
  const Vec3 y0 = t * (grid.origin() - centre_lps);
  // Bounding box in index space: x = g^-1 (y - y0) over the unit ball, i.e. centred on the
  // centre's index with half-extent |row r of g^-1| along index axis r.
  const Mat3 g_inv = g.inverse();
  const Vec3 centre_index = grid.lpsToIndex(centre_lps);
  const Size3& n = grid.size();
  const auto half = [&](int r) { return g_inv.row(r).norm(); };
  const auto [j0, j1] = indexRange(centre_index.y() - half(1), centre_index.y() + half(1), n[1]);
  const auto [k0, k1] = indexRange(centre_index.z() - half(2), centre_index.z() + half(2), n[2]);
  const Vec3 gi = g.col(0);
  const double a = gi.squaredNorm();  // > 0: g is invertible
  for (std::int64_t k = k0; k <= k1; ++k) {
    for (std::int64_t j = j0; j <= j1; ++j) {
      // Along the row: |r + gi i|^2 = a i^2 + 2 b i + c <= 1.
      const Vec3 r = y0 + g.col(1) * static_cast<double>(j) + g.col(2) * static_cast<double>(k);
      const double b = r.dot(gi);
      const double disc = b * b - a * (r.squaredNorm() - 1.0);
      if (disc < 0) continue;
      const double s = std::sqrt(disc);
      const auto [i0, i1] = indexRange((-b - s) / a, (-b + s) / a, n[0]);
      if (i0 > i1) continue;
      auto row = mask.data().subspan(
          mask.linearIndex(0, static_cast<std::size_t>(j), static_cast<std::size_t>(k)), n[0]);
      std::fill(row.begin() + i0, row.begin() + i1 + 1, std::uint8_t{1});
    }
  }
  return mask;
}

PreviewCalibration calibratePreview(const Electrode& electrode, const Protocol& protocol,
                                    const SimulationSettings& settings) {
  Electrode e = electrode;
  e.protocols = {protocol};
  SimulationSettings s = settings;
  s.protocol.clear();
  const NeedlePose pose{Vec3(0, 0, 0), Vec3(0, 0, 1)};
  const SimulationResult r = simulateAblation(e, pose, s);

  // Extreme w coordinates (voxel centres) of the zone.
  const ImageGeometry& grid = r.grid;
  const Vec3 w = needleFrame(pose).col(2);
  double w_lo = std::numeric_limits<double>::infinity();
  double w_hi = -w_lo;
  std::size_t count = 0;
  const Size3& n = grid.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (r.zone(i, j, k) == 0) continue;
        ++count;
        const double c = w.dot(grid.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j),
                                                    static_cast<double>(k))) -
                               pose.tip_lps);
        w_lo = std::min(w_lo, c);
        w_hi = std::max(w_hi, c);
      }
    }
  }
  if (count == 0 || !(r.length_along_mm > 0) || !(r.width_u_mm + r.width_v_mm > 0)) {
    throw GeometryError("electrode '" + electrode.name + "' with protocol '" + protocol.name +
                        "' gives an empty ablation zone: no preview can be fitted");
  }

  PreviewCalibration c;
  c.electrode = electrode.name;
  c.protocol = protocol.name;
  const double last_power = protocol.power.empty() ? 0.0 : protocol.power.back().power_w;
  c.power_w = settings.power_w.value_or(last_power);
  c.duration_s = settings.duration_s.value_or(protocol.duration_s);
  c.centre_offset_mm = 0.5 * (w_lo + w_hi);
  c.solver_volume_ml = r.zone_volume_ml;
  c.spacing_mm = grid.spacing().x();
  c.solver_backend = r.backend;
  c.zone_criterion = criterionName(settings.zone);
  // Half the extents, then one common factor so that the volumes agree (file comment of
  // preview.h).
  const double along0 = 0.5 * r.length_along_mm;
  const double across0 = 0.25 * (r.width_u_mm + r.width_v_mm);
  const double volume0 = 4.0 / 3.0 * std::numbers::pi * across0 * across0 * along0 / 1000.0;
  const double factor = std::cbrt(r.zone_volume_ml / volume0);
  c.semi_along_mm = factor * along0;
  c.semi_across_mm = factor * across0;

  const Mask fit = previewZone(c, pose).rasterize(grid);
  std::size_t fit_count = 0;
  std::size_t both = 0;
  for (std::size_t i = 0; i < fit.voxelCount(); ++i) {
    const bool in_fit = fit.data()[i] != 0;
    fit_count += in_fit ? 1 : 0;
    both += in_fit && r.zone.data()[i] != 0 ? 1 : 0;
  }
  c.fit_dice = 2.0 * static_cast<double>(both) / static_cast<double>(fit_count + count);
  return c;
}

EllipsoidZone previewZone(const PreviewCalibration& calibration, const NeedlePose& pose) {
  EllipsoidZone z;
  z.axes = needleFrame(pose);
  z.centre_lps = pose.tip_lps + z.axes.col(2) * calibration.centre_offset_mm;
  z.semi_u_mm = calibration.semi_across_mm;
  z.semi_v_mm = calibration.semi_across_mm;
  z.semi_w_mm = calibration.semi_along_mm;
  return z;
}

std::vector<PreviewCalibration> readPreviewCalibrations(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw NotFoundError("cannot open preview calibration file " + file.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const FieldReader reader(file.filename().string());
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // parse_error; out_of_range for a number beyond double
    reader.fail("", std::string("not valid JSON: ") + e.what());
  }
  reader.object(root, "", {"calibrations"});
  const json& list = *reader.find(root, "", "calibrations", true);
  if (!list.is_array()) reader.fail("calibrations", "must be an array");
  std::vector<PreviewCalibration> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "calibrations[" + std::to_string(i) + "]";
    PreviewCalibration c = readCalibration(reader, list[i], path);
    for (std::size_t k = 0; k < out.size(); ++k) {
      if (out[k].electrode == c.electrode && out[k].protocol == c.protocol) {
        reader.fail(path, "repeats calibrations[" + std::to_string(k) + "] (" + c.electrode +
                              " / " + c.protocol + ")");
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

void writePreviewCalibrations(const std::filesystem::path& file,
                              const std::vector<PreviewCalibration>& calibrations) {
  nlohmann::ordered_json root;
  root["_comment"] =
      "Ellipsoid zone preview per electrode and protocol, fitted to the full solver "
      "(simulateAblation) in homogeneous liver in the tissue condition named by each entry: see "
      "modules/thermal/include/rfa/thermal/preview.h. The shipped file is written by "
      "'rfaplan calibrate-zones --write-resources' (in-vivo zones of the calibrated electrodes, "
      "zone_size_cv from the zone reference table's in-vivo rows)";
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const PreviewCalibration& c : calibrations) {
    nlohmann::ordered_json j;
    j["electrode"] = c.electrode;
    j["protocol"] = c.protocol;
    j["power_w"] = round4(c.power_w);
    j["duration_s"] = round4(c.duration_s);
    j["centre_offset_mm"] = round4(c.centre_offset_mm);
    j["semi_across_mm"] = round4(c.semi_across_mm);
    j["semi_along_mm"] = round4(c.semi_along_mm);
    j["solver_volume_ml"] = round4(c.solver_volume_ml);
    j["fit_dice"] = round4(c.fit_dice);
    j["spacing_mm"] = round4(c.spacing_mm);
    j["solver_backend"] = c.solver_backend;
    j["zone_criterion"] = c.zone_criterion;
    j["tissue_condition"] = c.tissue_condition;
    j["zone_table"] = c.zone_table;
    j["zone_size_cv"] = round4(c.zone_size_cv);
    list.push_back(std::move(j));
  }
  root["calibrations"] = std::move(list);
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw WriteError("cannot write preview calibration file " + file.string());
  out << root.dump(2) << '\n';
  out.close();
  if (!out) throw WriteError("cannot write preview calibration file " + file.string());
}

const PreviewCalibration& findCalibration(const std::vector<PreviewCalibration>& calibrations,
                                          const std::string& electrode,
                                          const std::string& protocol) {
  std::string available;
  for (const PreviewCalibration& c : calibrations) {
    if (c.electrode == electrode && c.protocol == protocol) return c;
    available += (available.empty() ? "" : ", ") + c.electrode + " / " + c.protocol;
  }
  throw NotFoundError("no preview calibration for electrode '" + electrode + "' with protocol '" +
                      protocol + "' (available: " + (available.empty() ? "none" : available) + ")");
}

std::filesystem::path defaultPreviewCalibrationFile() {
  return defaultElectrodeDir().parent_path() / "thermal" / "preview_calibration.json";
}

}  // namespace rfa::thermal
