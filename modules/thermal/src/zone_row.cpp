// A published zone-size row simulated in its condition, measured and scored (zone_calibration.h).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/thermal/simulation.h"
#include "rfa/thermal/zone_calibration.h"

namespace rfa::thermal {

ZoneMeasure measureZoneAlongZ(const Mask& zone) {
  const ImageGeometry& g = zone.geometry();
  const Size3& s = g.size();
  const double pixel_mm2 = g.spacing().x() * g.spacing().y();
  ZoneMeasure m;
  std::size_t slices = 0;
  std::size_t total = 0;
  std::size_t largest = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    std::size_t area = 0;
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (zone(i, j, k) == 0) continue;
        ++area;
        if (i == 0 || j == 0 || k == 0 || i + 1 == s[0] || j + 1 == s[1] || k + 1 == s[2]) {
          m.clipped = true;
        }
      }
    }
    total += area;
    largest = std::max(largest, area);
    if (area > 0) ++slices;
  }
  const double voxel_ml = pixel_mm2 * g.spacing().z() * 1e-3;
  m.volume_ml = static_cast<double>(total) * voxel_ml;
  m.short_axis_mm = 2.0 * std::sqrt(static_cast<double>(largest) * pixel_mm2 / std::numbers::pi);
  m.long_axis_mm = static_cast<double>(slices) * g.spacing().z();
  m.ellipsoid_volume_ml =
      std::numbers::pi / 6.0 * m.long_axis_mm * m.short_axis_mm * m.short_axis_mm * 1e-3;
  return m;
}

double ZoneModelParameters::scaleOf(const std::string& electrode) const {
  const auto it = power_scale.find(electrode);
  return it == power_scale.end() ? 1.0 : it->second;
}

Electrode scaledElectrode(const Electrode& electrode, double scale) {
  if (!(scale > 0) || !std::isfinite(scale)) {
    throw UsageError("power factor " + std::to_string(scale) + " for " + electrode.name +
                     ": must be > 0");
  }
  Electrode e = electrode;
  for (Protocol& p : e.protocols) {
    for (PowerPoint& q : p.power) q.power_w *= scale;
  }
  return e;
}

MaterialTable inVivoMaterials(double perfusion_per_s) {
  MaterialTable t = MaterialTable::defaults();
  t[Material::kLiver].perfusion_per_s = perfusion_per_s;
  t[Material::kTumour].perfusion_per_s = perfusion_per_s;
  return t;
}

ZoneMeasure simulateZoneRow(const Electrode& electrode, const ZoneReferenceRow& row,
                            const ZoneModelParameters& params, double spacing_mm) {
  if (!row.simulable()) {
    throw UsageError("zone row " + row.id + " cannot be simulated (no electrode, or no flow)");
  }
  TissueState state;
  state.condition = row.condition;
  switch (row.condition) {
    case TissueCondition::kExVivo:
      state.tissue_temperature_c = row.tissue_temperature_c.value_or(params.ex_vivo_temperature_c);
      break;
    case TissueCondition::kPerfusedExVivo:
      state.tissue_temperature_c = row.tissue_temperature_c.value_or(37.0);
      state.flow_ml_min_100g = row.flow_ml_min_100g.value_or(0.0);
      break;
    case TissueCondition::kInVivo:
    case TissueCondition::kInVivoOcclusion:
      state.tissue_temperature_c = 37.0;
      break;
  }
  SimulationSettings s;
  s.spacing_mm = spacing_mm;
  s.margin_mm = 35.0;
  s.backend = BackendChoice::kCpu;
  s.duration_s = row.duration_s;
  s.materials = materialsFor(inVivoMaterials(params.in_vivo_perfusion_per_s), state);
  const Electrode e = scaledElectrode(electrode, params.scaleOf(electrode.name));
  const SimulationResult r = simulateAblation(e, NeedlePose{}, s);
  return measureZoneAlongZ(r.zone);
}

namespace {

// The model's (short, long) as the row compares them.
std::pair<double, double> comparedAxes(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  if (row.axes_oriented) return {m.short_axis_mm, m.long_axis_mm};
  return {std::min(m.short_axis_mm, m.long_axis_mm), std::max(m.short_axis_mm, m.long_axis_mm)};
}

}  // namespace

double comparedVolumeMl(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  return row.volume_from_axes ? m.ellipsoid_volume_ml : m.volume_ml;
}

double zoneRowCost(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  const auto [sa, la] = comparedAxes(row, m);
  double cost = 0;
  if (row.volume_ml) {
    const double v = std::max(comparedVolumeMl(row, m), 1e-3);
    const double e = std::log(v / *row.volume_ml) / std::log(1.2);
    cost += e * e;
  }
  if (row.short_axis_mm) {
    const double e = (sa - *row.short_axis_mm) / 2.0;
    cost += e * e;
  }
  if (row.long_axis_mm) {
    const double e = (la - *row.long_axis_mm) / 4.0;
    cost += e * e;
  }
  return cost;
}

std::vector<ZoneTerm> zoneToleranceTerms(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  std::vector<ZoneTerm> terms;
  if (row.volume_ml) terms.push_back({true, comparedVolumeMl(row, m), *row.volume_ml});
  if (row.short_axis_mm) terms.push_back({false, comparedAxes(row, m).first, *row.short_axis_mm});
  return terms;
}

double toleranceUse(const ZoneTerm& t) {
  if (t.volume) return std::abs(t.model / t.published - 1.0) / kZoneVolumeTolerance;
  return std::abs(t.model - t.published) / kZoneShortAxisToleranceMm;
}

double zoneRowToleranceUse(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  double use = 0;
  for (const ZoneTerm& t : zoneToleranceTerms(row, m)) use = std::max(use, toleranceUse(t));
  return use;
}

bool zoneRowWithinTolerance(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  return zoneRowToleranceUse(row, m) <= 1.0;
}

}  // namespace rfa::thermal
