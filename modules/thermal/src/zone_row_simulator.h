#pragma once
// Internal to the zone calibration (zone_fit.cpp, zone_tolerance_fit.cpp): rows simulated at
// parameters, each distinct zone once.
#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "rfa/thermal/zone_calibration.h"

namespace rfa::thermal {

/// Rows with the same key have the same zone at the same parameters (the same electrode,
/// duration and condition: e.g. two papers' ex-vivo rows of one electrode).
std::string zoneRowStateKey(const ZoneReferenceRow& row);

/// Simulations of the rows of `table` at parameters, each distinct (state, parameters) once;
/// `progress` gets one line per simulation run.
class RowSimulator {
 public:
  RowSimulator(const ZoneReferenceTable& table, const ElectrodeCatalog& catalog, double spacing,
               std::function<void(const std::string&)> progress);

  /// Row `r` of the table at `p` (simulateZoneRow()).
  ZoneMeasure operator()(std::size_t r, const ZoneModelParameters& p);

  [[nodiscard]] const ZoneReferenceTable& table() const { return table_; }

 private:
  const ZoneReferenceTable& table_;
  const ElectrodeCatalog& catalog_;
  double spacing_;
  std::function<void(const std::string&)> progress_;
  std::map<std::string, ZoneMeasure> cache_;
};

/// Moves the parameters of `p` that `rows` (indices into the table) depend on - the unreported
/// ex-vivo temperature, the in-vivo perfusion, each electrode's power factor - to minimise the
/// largest zoneRowToleranceUse() over `rows`, on simulations (zone_calibration.h, "Method").
/// At most `iterations` trust-region steps; returns the largest use at the result.
double refineToTolerance(const std::vector<std::size_t>& rows, ZoneModelParameters& p,
                         RowSimulator& sim, int iterations,
                         const std::function<void(const std::string&)>& progress);

}  // namespace rfa::thermal
