// refineToTolerance(): the calibration's last stage, the largest tolerance use minimised on
// simulations by trust-region steps on a local model (zone_row_simulator.h, zone_calibration.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "zone_row_simulator.h"

namespace rfa::thermal {

namespace {

// A free parameter in the refinement's coordinates: the temperature in C, the perfusion and the
// power factors in ln.
struct Coordinate {
  enum class Kind { kTemperature, kPerfusion, kFactor } kind;
  std::string electrode;  // kFactor
  double step;            // finite-difference step
  double radius;          // initial trust radius
};

bool dependsOn(const ZoneReferenceRow& row, const Coordinate& c) {
  switch (c.kind) {
    case Coordinate::Kind::kTemperature:
      return row.condition == TissueCondition::kExVivo && !row.tissue_temperature_c;
    case Coordinate::Kind::kPerfusion:
      return row.condition == TissueCondition::kInVivo;
    case Coordinate::Kind::kFactor:
      return *row.electrode == c.electrode;
  }
  return false;
}

ZoneModelParameters moved(ZoneModelParameters p, const std::vector<Coordinate>& coords,
                          const std::vector<double>& d) {
  for (std::size_t k = 0; k < coords.size(); ++k) {
    const Coordinate& c = coords[k];
    if (c.kind == Coordinate::Kind::kTemperature) p.ex_vivo_temperature_c += d[k];
    if (c.kind == Coordinate::Kind::kPerfusion) p.in_vivo_perfusion_per_s *= std::exp(d[k]);
    if (c.kind == Coordinate::Kind::kFactor) {
      p.power_scale[c.electrode] = p.scaleOf(c.electrode) * std::exp(d[k]);
    }
  }
  return p;
}

// One term linearised: a volume as model * exp(g . d), an axis as model + g . d.
struct LinearTerm {
  ZoneTerm base;
  std::vector<double> g;

  [[nodiscard]] double use(const std::vector<double>& d) const {
    double s = 0;
    for (std::size_t k = 0; k < g.size(); ++k) s += g[k] * d[k];
    ZoneTerm t = base;
    t.model = base.volume ? base.model * std::exp(s) : base.model + s;
    return toleranceUse(t);
  }
};

// The smooth maximum of the terms' uses (a p-norm: large p, close to the maximum), minimised
// by a pattern search inside the box |d_k| <= radius_k.
constexpr double kSmoothMaxPower = 16;

double smoothMax(const std::vector<LinearTerm>& terms, const std::vector<double>& d) {
  double s = 0;
  double largest = 0;
  std::vector<double> u(terms.size());
  for (std::size_t j = 0; j < terms.size(); ++j) {
    u[j] = terms[j].use(d);
    largest = std::max(largest, u[j]);
  }
  if (largest == 0) return 0;
  for (const double v : u) s += std::pow(v / largest, kSmoothMaxPower);
  return largest * std::pow(s, 1.0 / kSmoothMaxPower);
}

std::vector<double> minimiseModel(const std::vector<LinearTerm>& terms,
                                  const std::vector<double>& radius) {
  const std::size_t n = radius.size();
  std::vector<double> d(n, 0.0);
  std::vector<double> step(n);
  for (std::size_t k = 0; k < n; ++k) step[k] = radius[k] / 2;
  double best = smoothMax(terms, d);
  for (int halvings = 0; halvings < 10;) {
    bool improved = false;
    for (std::size_t k = 0; k < n; ++k) {
      for (const double sign : {-1.0, 1.0}) {
        std::vector<double> t = d;
        t[k] = std::clamp(d[k] + sign * step[k], -radius[k], radius[k]);
        const double v = smoothMax(terms, t);
        if (v < best - 1e-12) {
          best = v;
          d = t;
          improved = true;
        }
      }
    }
    if (!improved) {
      for (double& s : step) s /= 2;
      ++halvings;
    }
  }
  return d;
}

}  // namespace

double refineToTolerance(const std::vector<std::size_t>& rows, ZoneModelParameters& p,
                         RowSimulator& sim, int iterations,
                         const std::function<void(const std::string&)>& progress) {
  const ZoneReferenceTable& table = sim.table();
  // The coordinates `rows` depend on.
  std::vector<Coordinate> coords;
  const Coordinate temperature{Coordinate::Kind::kTemperature, "", 0.5, 1.0};
  const Coordinate perfusion{Coordinate::Kind::kPerfusion, "", 0.1, 0.2};
  std::set<std::string> electrodes;
  for (const std::size_t r : rows) electrodes.insert(*table.rows[r].electrode);
  for (const Coordinate& c : {temperature, perfusion}) {
    if (std::any_of(rows.begin(), rows.end(),
                    [&](std::size_t r) { return dependsOn(table.rows[r], c); })) {
      coords.push_back(c);
    }
  }
  for (const std::string& e : electrodes) {
    coords.push_back({Coordinate::Kind::kFactor, e, 0.08, 0.15});
  }
  const auto largestUse = [&](const ZoneModelParameters& q) {
    double u = 0;
    for (const std::size_t r : rows) u = std::max(u, zoneRowToleranceUse(table.rows[r], sim(r, q)));
    return u;
  };
  std::vector<double> radius(coords.size());
  for (std::size_t k = 0; k < coords.size(); ++k) radius[k] = coords[k].radius;
  double current = largestUse(p);
  for (int it = 0; it < iterations; ++it) {
    // The local model: each term's derivatives by forward differences on simulations.
    std::vector<LinearTerm> terms;
    std::vector<std::size_t> term_row;
    for (const std::size_t r : rows) {
      for (const ZoneTerm& t : zoneToleranceTerms(table.rows[r], sim(r, p))) {
        terms.push_back({t, std::vector<double>(coords.size(), 0.0)});
        term_row.push_back(r);
      }
    }
    for (std::size_t k = 0; k < coords.size(); ++k) {
      std::vector<double> d(coords.size(), 0.0);
      d[k] = coords[k].step;
      const ZoneModelParameters q = moved(p, coords, d);
      for (std::size_t j = 0; j < terms.size(); ++j) {
        const ZoneReferenceRow& row = table.rows[term_row[j]];
        if (!dependsOn(row, coords[k])) continue;
        const std::vector<ZoneTerm> at = zoneToleranceTerms(row, sim(term_row[j], q));
        const ZoneTerm& same = at[terms[j].base.volume ? 0 : at.size() - 1];
        terms[j].g[k] = terms[j].base.volume ? std::log(same.model / terms[j].base.model) / d[k]
                                             : (same.model - terms[j].base.model) / d[k];
      }
    }
    const std::vector<double> d = minimiseModel(terms, radius);
    const ZoneModelParameters q = moved(p, coords, d);
    const double next = largestUse(q);
    std::ostringstream line;
    line << "tolerance refinement " << it + 1 << ": largest use " << current << " -> " << next
         << (next < current - 1e-3 ? " (taken)" : " (rejected, smaller trust region)");
    if (progress) progress(line.str());
    if (next < current - 1e-3) {
      p = q;
      current = next;
    } else {
      for (double& r : radius) r /= 2;
    }
  }
  return current;
}

}  // namespace rfa::thermal
