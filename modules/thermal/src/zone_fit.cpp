// calibrateZones(): sampled zones, the interpolated fit, leave-one-out (zone_calibration.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/thermal/zone_calibration.h"
#include "zone_row_simulator.h"

namespace rfa::thermal {

namespace {

// What a row's zone depends on besides the power factor.
enum class Axis { kNone, kPerfusion, kTemperature };

Axis axisOf(const ZoneReferenceRow& row) {
  if (row.condition == TissueCondition::kInVivo) return Axis::kPerfusion;
  if (row.condition == TissueCondition::kExVivo && !row.tissue_temperature_c) {
    return Axis::kTemperature;
  }
  return Axis::kNone;
}

// Zones sampled on scales x axis values.
struct Samples {
  Axis axis = Axis::kNone;
  std::vector<double> axis_values;  // one value (unused) for kNone
  std::vector<ZoneMeasure> m;       // [a * scales + s]
};

// Index and weight of x in the ascending grid (clamped at the ends).
std::pair<std::size_t, double> bracket(const std::vector<double>& grid, double x) {
  if (grid.size() == 1 || x <= grid.front()) return {0, 0.0};
  if (x >= grid.back()) return {grid.size() - 2, 1.0};
  std::size_t i = 0;
  while (x > grid[i + 1]) ++i;
  return {i, (x - grid[i]) / (grid[i + 1] - grid[i])};
}

struct Interpolator {
  std::vector<double> ln_scales;
  std::vector<double> ln_perfusions;
  std::vector<double> temperatures;

  [[nodiscard]] ZoneMeasure at(const Samples& s, double ln_scale, double ln_perfusion,
                               double temperature) const {
    const auto [si, sw] = bracket(ln_scales, ln_scale);
    std::size_t ai = 0;
    double aw = 0;
    if (s.axis == Axis::kPerfusion) std::tie(ai, aw) = bracket(ln_perfusions, ln_perfusion);
    if (s.axis == Axis::kTemperature) std::tie(ai, aw) = bracket(temperatures, temperature);
    const std::size_t ns = ln_scales.size();
    const std::size_t na = s.axis_values.size();
    ZoneMeasure out;
    double lnv = 0;
    double lnve = 0;
    for (int da = 0; da < 2; ++da) {
      for (int ds = 0; ds < 2; ++ds) {
        const std::size_t a = std::min(ai + static_cast<std::size_t>(da), na - 1);
        const std::size_t k = std::min(si + static_cast<std::size_t>(ds), ns - 1);
        const double w = (da != 0 ? aw : 1 - aw) * (ds != 0 ? sw : 1 - sw);
        const ZoneMeasure& z = s.m[a * ns + k];
        lnv += w * std::log(std::max(z.volume_ml, 1e-3));
        lnve += w * std::log(std::max(z.ellipsoid_volume_ml, 1e-3));
        out.short_axis_mm += w * z.short_axis_mm;
        out.long_axis_mm += w * z.long_axis_mm;
      }
    }
    out.volume_ml = std::exp(lnv);
    out.ellipsoid_volume_ml = std::exp(lnve);
    return out;
  }
};

struct FitResult {
  ZoneModelParameters params;
  double cost = 0;
  std::vector<std::string> warnings;
};

std::vector<double> linspace(double a, double b, int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = a + (b - a) * i / (n - 1);
  return v;
}

// The fit over `rows` (indices into table.rows).
FitResult fitRows(const ZoneReferenceTable& table, const std::vector<std::size_t>& rows,
                  const std::map<std::string, Samples>& samples, const Interpolator& ip) {
  bool uses_perfusion = false;
  bool uses_temperature = false;
  std::map<std::string, std::vector<std::size_t>> by_electrode;
  for (const std::size_t r : rows) {
    const ZoneReferenceRow& row = table.rows[r];
    uses_perfusion |= axisOf(row) == Axis::kPerfusion;
    uses_temperature |= axisOf(row) == Axis::kTemperature;
    by_electrode[*row.electrode].push_back(r);
  }
  const std::vector<double> ln_w =
      uses_perfusion ? linspace(ip.ln_perfusions.front(), ip.ln_perfusions.back(), 41)
                     : std::vector<double>{ip.ln_perfusions.front()};
  const std::vector<double> temps =
      uses_temperature ? linspace(ip.temperatures.front(), ip.temperatures.back(), 39)
                       : std::vector<double>{ip.temperatures.front()};
  const std::vector<double> ln_s = linspace(ip.ln_scales.front(), ip.ln_scales.back(), 121);
  FitResult best;
  best.cost = std::numeric_limits<double>::infinity();
  for (const double lw : ln_w) {
    for (const double t : temps) {
      double total = 0;
      std::map<std::string, double> scales;
      for (const auto& [electrode, idx] : by_electrode) {
        double best_e = std::numeric_limits<double>::infinity();
        double best_s = 0;
        for (const double ls : ln_s) {
          double c = 0;
          for (const std::size_t r : idx) {
            const ZoneReferenceRow& row = table.rows[r];
            c += zoneRowCost(row, ip.at(samples.at(zoneRowStateKey(row)), ls, lw, t));
          }
          if (c < best_e) {
            best_e = c;
            best_s = ls;
          }
        }
        total += best_e;
        scales[electrode] = std::exp(best_s);
      }
      if (total < best.cost) {
        best.cost = total;
        best.params.in_vivo_perfusion_per_s = std::exp(lw);
        best.params.ex_vivo_temperature_c = t;
        best.params.power_scale = scales;
      }
    }
  }
  const auto edge = [](double v, double lo, double hi) {
    return v <= lo * (1 + 1e-9) || v >= hi * (1 - 1e-9);
  };
  for (const auto& [electrode, s] : best.params.power_scale) {
    if (edge(std::log(s), ip.ln_scales.front(), ip.ln_scales.back()) &&
        std::abs(std::log(s)) > 1e-12) {
      best.warnings.push_back(electrode + ": power factor " + std::to_string(s) +
                              " at the edge of the sampled range");
    }
  }
  if (uses_perfusion && (best.params.in_vivo_perfusion_per_s <= std::exp(ln_w.front()) * 1.0001 ||
                         best.params.in_vivo_perfusion_per_s >= std::exp(ln_w.back()) * 0.9999)) {
    best.warnings.push_back("in-vivo perfusion at the edge of the sampled range");
  }
  if (uses_temperature && (best.params.ex_vivo_temperature_c <= temps.front() + 1e-9 ||
                           best.params.ex_vivo_temperature_c >= temps.back() - 1e-9)) {
    best.warnings.push_back("ex-vivo temperature at the edge of the sampled range");
  }
  return best;
}

// Polishes the factor of every electrode of `rows` in `p` on simulations at p's global parameters
// (see zone_calibration.h).
void polish(const ZoneReferenceTable& table, const std::vector<std::size_t>& rows,
            ZoneModelParameters& p, RowSimulator& sim) {
  std::map<std::string, std::vector<std::size_t>> by_electrode;
  for (const std::size_t r : rows) by_electrode[*table.rows[r].electrode].push_back(r);
  constexpr double kStep = 0.15;  // in ln(factor)
  for (const auto& entry : by_electrode) {
    const std::string& electrode = entry.first;
    const std::vector<std::size_t>& idx = entry.second;
    const double x0 = std::log(p.scaleOf(electrode));
    const auto cost = [&](double x) {
      ZoneModelParameters q = p;
      q.power_scale[electrode] = std::exp(x);
      double c = 0;
      for (const std::size_t r : idx) c += zoneRowCost(table.rows[r], sim(r, q));
      return c;
    };
    const double c0 = cost(x0);
    const double cm = cost(x0 - kStep);
    const double cp = cost(x0 + kStep);
    double best_x = x0;
    double best_c = c0;
    if (cm < best_c) {
      best_c = cm;
      best_x = x0 - kStep;
    }
    if (cp < best_c) {
      best_c = cp;
      best_x = x0 + kStep;
    }
    const double curvature = cm + cp - 2 * c0;
    if (curvature > 0) {
      const double xv =
          std::clamp(x0 + 0.5 * kStep * (cm - cp) / curvature, x0 - 2 * kStep, x0 + 2 * kStep);
      if (cost(xv) < best_c) best_x = xv;
    }
    p.power_scale[electrode] = std::exp(best_x);
  }
}

std::string today() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::vector<double> sortedAtLeastTwo(std::vector<double> v, const char* what) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  if (v.size() < 2 || !(v.front() > 0)) {
    throw UsageError(std::string("zone calibration: ") + what +
                     " needs at least 2 distinct values > 0");
  }
  return v;
}

}  // namespace

std::string zoneRowStateKey(const ZoneReferenceRow& row) {
  std::ostringstream k;
  k << *row.electrode << '|' << row.duration_s << '|' << conditionName(row.condition) << '|'
    << row.tissue_temperature_c.value_or(-1) << '|' << row.flow_ml_min_100g.value_or(-1);
  return k.str();
}

RowSimulator::RowSimulator(const ZoneReferenceTable& table, const ElectrodeCatalog& catalog,
                           double spacing, std::function<void(const std::string&)> progress)
    : table_(table), catalog_(catalog), spacing_(spacing), progress_(std::move(progress)) {}

ZoneMeasure RowSimulator::operator()(std::size_t r, const ZoneModelParameters& p) {
  const ZoneReferenceRow& row = table_.rows[r];
  std::ostringstream key;
  key.precision(12);
  key << zoneRowStateKey(row) << '|' << p.scaleOf(*row.electrode);
  // Only the global parameters the row's zone depends on.
  if (axisOf(row) == Axis::kPerfusion) key << "|w" << p.in_vivo_perfusion_per_s;
  if (axisOf(row) == Axis::kTemperature) key << "|T" << p.ex_vivo_temperature_c;
  const auto it = cache_.find(key.str());
  if (it != cache_.end()) return it->second;
  const ZoneMeasure m = simulateZoneRow(catalog_.find(*row.electrode), row, p, spacing_);
  cache_.emplace(key.str(), m);
  std::ostringstream line;
  line << row.id << " factor " << p.scaleOf(*row.electrode) << " perfusion "
       << p.in_vivo_perfusion_per_s << " ex-vivo " << p.ex_vivo_temperature_c
       << " C: " << m.volume_ml << " mL (ellipsoid " << m.ellipsoid_volume_ml << "), short "
       << m.short_axis_mm << " mm, long " << m.long_axis_mm << " mm"
       << (m.clipped ? " (clipped)" : "");
  progress_(line.str());
  return m;
}

ZoneCalibration calibrateZones(const ZoneReferenceTable& table, const ElectrodeCatalog& catalog,
                               const ZoneCalibrationOptions& options) {
  const std::vector<double> scales = sortedAtLeastTwo(options.scales, "power factors");
  const std::vector<double> perfusions = sortedAtLeastTwo(options.perfusions_per_s, "perfusions");
  const std::vector<double> temperatures = sortedAtLeastTwo(options.temperatures_c, "temperatures");
  std::vector<std::size_t> calibration_rows;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const ZoneReferenceRow& row = table.rows[r];
    if (row.electrode) (void)catalog.find(*row.electrode);  // throws naming it
    if (row.calibration) calibration_rows.push_back(r);
  }
  if (calibration_rows.empty()) {
    throw UsageError("zone table " + table.id + " has no calibration row");
  }
  ZoneCalibration out;
  out.table_id = table.id;
  out.table_date = table.date;
  out.calibrated_on = today();
  out.spacing_mm = options.spacing_mm;
  const auto progress = [&](const std::string& line) {
    ++out.simulations;
    if (options.progress) options.progress(line);
  };

  // 1. Zones on the sampling grid, once per distinct row state.
  Interpolator ip;
  for (const double s : scales) ip.ln_scales.push_back(std::log(s));
  for (const double w : perfusions) ip.ln_perfusions.push_back(std::log(w));
  ip.temperatures = temperatures;
  std::map<std::string, Samples> samples;
  for (const std::size_t r : calibration_rows) {
    const ZoneReferenceRow& row = table.rows[r];
    const std::string key = zoneRowStateKey(row);
    if (samples.count(key) != 0) continue;
    Samples s;
    s.axis = axisOf(row);
    s.axis_values = s.axis == Axis::kPerfusion     ? perfusions
                    : s.axis == Axis::kTemperature ? temperatures
                                                   : std::vector<double>{0.0};
    const Electrode& e = catalog.find(*row.electrode);
    for (const double a : s.axis_values) {
      for (const double f : scales) {
        ZoneModelParameters p;
        p.power_scale[e.name] = f;
        if (s.axis == Axis::kPerfusion) p.in_vivo_perfusion_per_s = a;
        if (s.axis == Axis::kTemperature) p.ex_vivo_temperature_c = a;
        const ZoneMeasure m = simulateZoneRow(e, row, p, options.spacing_mm);
        s.m.push_back(m);
        std::ostringstream line;
        line << "sample " << row.id << " factor " << f
             << (s.axis == Axis::kPerfusion     ? " perfusion " + std::to_string(a)
                 : s.axis == Axis::kTemperature ? " temperature " + std::to_string(a)
                                                : std::string())
             << ": " << m.volume_ml << " mL, short " << m.short_axis_mm << " mm, long "
             << m.long_axis_mm << " mm" << (m.clipped ? " (clipped)" : "");
        progress(line.str());
      }
    }
    samples.emplace(key, std::move(s));
  }

  // 2. The fit, polished on simulations, and every simulable row simulated at it.
  RowSimulator sim(table, catalog, options.spacing_mm,
                   [&](const std::string& line) { progress("simulate " + line); });
  FitResult fit = fitRows(table, calibration_rows, samples, ip);
  polish(table, calibration_rows, fit.params, sim);
  out.largest_tolerance_use =
      refineToTolerance(calibration_rows, fit.params, sim, options.refinement_steps, progress);
  out.parameters = fit.params;
  out.cost = 0;
  for (const std::size_t r : calibration_rows) {
    out.cost += zoneRowCost(table.rows[r], sim(r, fit.params));
  }
  out.warnings = fit.warnings;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const ZoneReferenceRow& row = table.rows[r];
    if (!row.simulable()) continue;
    ZoneRowResult res;
    res.id = row.id;
    res.electrode = *row.electrode;
    res.calibration = row.calibration;
    res.fit = sim(r, fit.params);
    out.rows.push_back(std::move(res));
  }

  // 3. Leave-one-out: each calibration row predicted by the fit without it, when its electrode
  // keeps another calibration row (otherwise its power factor is not determined).
  if (options.leave_one_out) {
    for (ZoneRowResult& res : out.rows) {
      if (!res.calibration) continue;
      std::vector<std::size_t> others;
      bool electrode_kept = false;
      std::size_t self = 0;
      for (const std::size_t r : calibration_rows) {
        if (table.rows[r].id == res.id) {
          self = r;
          continue;
        }
        others.push_back(r);
        electrode_kept |= *table.rows[r].electrode == res.electrode;
      }
      if (!electrode_kept) continue;
      FitResult loo = fitRows(table, others, samples, ip);
      std::vector<std::size_t> same_electrode;
      for (const std::size_t r : others) {
        if (*table.rows[r].electrode == res.electrode) same_electrode.push_back(r);
      }
      polish(table, same_electrode, loo.params, sim);
      if (options.leave_one_out_refinement) {
        (void)refineToTolerance(others, loo.params, sim, options.refinement_steps, progress);
      }
      res.leave_one_out_parameters = loo.params;
      res.leave_one_out = sim(self, loo.params);
    }
  }
  return out;
}

}  // namespace rfa::thermal
