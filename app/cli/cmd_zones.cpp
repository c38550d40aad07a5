// rfaplan calibrate-zones [--table FILE] [--electrode-dir DIR] [--spacing mm] [--no-leave-one-out]
//   [--write-resources] [-o FILE]
// rfaplan validate-zones [--table FILE] [--calibration FILE] [--electrode-dir DIR] [--spacing mm]
//   [--rows ID,...] [--json FILE]
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "cli_common.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/materials.h"
#include "rfa/thermal/preview.h"
#include "rfa/thermal/zone_calibration.h"
#include "rfa/thermal/zone_reference.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;
using thermal::ZoneMeasure;
using thermal::ZoneReferenceRow;

std::string opt(const std::optional<double>& v, int decimals = 1) {
  return v ? fixed(*v, decimals) : "-";
}

// "+12 %" / "-1.5 mm" errors, "-" where the row publishes no figure.
std::string volumeError(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  if (!row.volume_ml) return "-";
  const double e = 100.0 * (thermal::comparedVolumeMl(row, m) / *row.volume_ml - 1.0);
  return (e >= 0 ? "+" : "") + fixed(e, 0) + "%";
}
std::string shortError(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  if (!row.short_axis_mm) return "-";
  const double sa = row.axes_oriented ? m.short_axis_mm : std::min(m.short_axis_mm, m.long_axis_mm);
  const double e = sa - *row.short_axis_mm;
  return (e >= 0 ? "+" : "") + fixed(e, 1);
}

// Within the published SD on every figure that has one ("-" when none has).
std::string withinSd(const ZoneReferenceRow& row, const ZoneMeasure& m) {
  bool any = false;
  bool ok = true;
  const double sa = row.axes_oriented ? m.short_axis_mm : std::min(m.short_axis_mm, m.long_axis_mm);
  const double la = row.axes_oriented ? m.long_axis_mm : std::max(m.short_axis_mm, m.long_axis_mm);
  const auto check = [&](const std::optional<double>& mean, const std::optional<double>& sd,
                         double v) {
    if (!mean || !sd) return;
    any = true;
    ok &= std::abs(v - *mean) <= *sd;
  };
  check(row.volume_ml, row.volume_sd_ml, thermal::comparedVolumeMl(row, m));
  check(row.short_axis_mm, row.short_axis_sd_mm, sa);
  check(row.long_axis_mm, row.long_axis_sd_mm, la);
  return any ? (ok ? "yes" : "no") : "-";
}

void printHeader() {
  std::cout << "| row | electrode | condition | published V / SA / LA | simulated V / SA / LA | "
               "V error | SA error mm | within +-20 % / +-2 mm | within SD | leave-one-out V / "
               "SA error |\n|---|---|---|---|---|---|---|---|---|---|\n";
}

void printRow(const ZoneReferenceRow& row, const ZoneMeasure& m,
              const std::optional<ZoneMeasure>& loo) {
  std::cout << "| " << row.id << (row.calibration ? "" : " (reference)") << " | "
            << row.electrode.value_or("-") << " | " << thermal::conditionName(row.condition)
            << " | " << opt(row.volume_ml, 2) << " / " << opt(row.short_axis_mm) << " / "
            << opt(row.long_axis_mm) << " | " << fixed(thermal::comparedVolumeMl(row, m), 2)
            << " / " << fixed(m.short_axis_mm) << " / " << fixed(m.long_axis_mm)
            << (m.clipped ? " (clipped)" : "") << " | " << volumeError(row, m) << " | "
            << shortError(row, m) << " | "
            << (thermal::zoneRowWithinTolerance(row, m) ? "yes" : "no") << " | " << withinSd(row, m)
            << " | " << (loo ? volumeError(row, *loo) + " / " + shortError(row, *loo) : "-")
            << " |\n";
}

fs::path electrodeDirOr(const std::string& dir) {
  return dir.empty() ? thermal::defaultElectrodeDir() : fs::path(dir);
}

// Multiplies every power point of the electrode file `file` by `scale` (the file's other
// content kept as it is) and writes it atomically.
void scaleElectrodeFile(const fs::path& file, double scale) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw NotFoundError("cannot open electrode file " + file.string());
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  for (auto& p : j.at("protocols")) {
    for (auto& q : p.at("power")) {
      q["power_w"] = std::round(q.at("power_w").get<double>() * scale * 1e3) / 1e3;
    }
  }
  writeFileAtomically(file, j.dump(2) + "\n");
}

// Applies a calibration (the JSON that writeZoneCalibration writes) to the resources beside the
// electrode folder `dir`: scales the electrode files by its power factors, writes it as
// thermal/zone_calibration.json with factors 1 (the files carry them now; the leave-one-out
// fits' factors relative to them), and the planner's in-vivo previews.
void applyToResources(nlohmann::ordered_json cal, const thermal::ZoneReferenceTable& table,
                      const fs::path& dir) {
  auto& factors = cal.at("parameters").at("power_scale");
  for (const auto& [e, s] : factors.items()) {
    for (const fs::directory_entry& f : fs::directory_iterator(dir)) {
      if (f.path().extension() != ".json") continue;
      if (thermal::readElectrodeFile(f.path()).name == e) {
        scaleElectrodeFile(f.path(), s.get<double>());
      }
    }
  }
  for (auto& row : cal.at("rows")) {
    auto& loo = row.at("leave_one_out_parameters");
    if (loo.is_null()) continue;
    for (auto& [e, s] : loo.at("power_scale").items()) {
      s = std::round(s.get<double>() / factors.value(e, 1.0) * 1e4) / 1e4;
    }
  }
  for (auto& [e, s] : factors.items()) s = 1.0;
  const fs::path thermal_dir = dir.parent_path() / "thermal";
  writeFileAtomically(thermal_dir / "zone_calibration.json", cal.dump(2) + "\n");
  // The planner's preview, from the calibrated electrodes in living liver.
  const double perfusion = cal.at("parameters").at("in_vivo_perfusion_per_s").get<double>();
  const thermal::ElectrodeCatalog calibrated = thermal::loadElectrodeCatalog(dir);
  std::vector<std::string> names;
  for (const thermal::Electrode& e : calibrated.electrodes) names.push_back(e.name);
  const std::vector<thermal::PreviewCalibration> previews = thermal::conditionPreviews(
      calibrated, names, thermal::inVivoMaterials(perfusion), thermal::TissueCondition::kInVivo,
      table, [](const std::string& line) { std::cerr << line << "\n"; });
  thermal::writePreviewCalibrations(thermal_dir / "preview_calibration.json", previews);
  const double compiled =
      thermal::MaterialTable::defaults()[thermal::Material::kLiver].perfusion_per_s;
  if (std::abs(compiled - perfusion) > 1e-7) {
    std::cerr << "warning: MaterialTable::defaults() liver perfusion is " << compiled
              << " 1/s, the calibration " << perfusion
              << " 1/s: set kInVivoLiverPerfusionPerS in modules/thermal/include/rfa/thermal/"
                 "materials.h to it (ZoneCalibration.ShippedModelMatchesThePublishedInVivo2cmZone "
                 "checks them)\n";
  }
  std::cout << "wrote the calibrated electrode powers in " << dir.string() << ", "
            << (thermal_dir / "zone_calibration.json").string() << " and "
            << (thermal_dir / "preview_calibration.json").string() << "\n";
}

void addCalibrate(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "calibrate-zones",
      "Fit the zone model (each electrode's net power, living-liver perfusion, unreported ex-vivo "
      "tissue temperature) to the published zone sizes of the reference table, each row "
      "simulated in its own condition, with leave-one-out predictions");
  static std::string table_file;
  static std::string electrode_dir;
  static double spacing_mm = 1.0;
  static bool no_loo = false;
  static bool write_resources = false;
  static std::string out;
  static std::string apply_file;
  cmd->add_option("--table", table_file,
                  "Zone reference table (default: resources/thermal/zone_reference.json)");
  cmd->add_option("--electrode-dir", electrode_dir,
                  "Folder of electrode JSON files (default: the installed resources/electrodes)");
  cmd->add_option("--spacing", spacing_mm, "Simulation voxel in mm (0.5-5)")->capture_default_str();
  cmd->add_option("--apply", apply_file,
                  "Apply a calibration written earlier with -o (no fit): with --write-resources");
  cmd->add_flag("--no-leave-one-out", no_loo, "Skip the leave-one-out predictions");
  cmd->add_flag("--write-resources", write_resources,
                "Apply the fit: scale the electrode files' powers, write zone_calibration.json "
                "and preview_calibration.json beside the electrode folder");
  cmd->add_option("-o,--output", out, "Write the calibration (JSON) to this file");
  cmd->footer(
      "Runs about 300 simulations at 1 mm (20-40 minutes on 2 cores). Every figure printed is "
      "simulated at the fitted parameters; see docs/validation.md. RESEARCH USE ONLY.");
  cmd->callback([&exit_code] {
    if (!(spacing_mm >= 0.5 && spacing_mm <= 5.0)) {
      throw UsageError("--spacing " + fixed(spacing_mm, 2) + ": must be in 0.5..5 mm");
    }
    const fs::path table_path =
        table_file.empty() ? thermal::defaultZoneReferenceFile() : fs::path(table_file);
    const thermal::ZoneReferenceTable table = thermal::readZoneReferenceTable(table_path);
    const fs::path dir = electrodeDirOr(electrode_dir);
    if (!apply_file.empty()) {
      if (!write_resources) throw UsageError("--apply needs --write-resources");
      const thermal::ZoneCalibrationRecord rec = thermal::readZoneCalibration(apply_file);
      if (rec.table_id != table.id || rec.table_date != table.date) {
        throw UsageError("--apply " + apply_file + ": made on " + rec.table_id + " (" +
                         rec.table_date + "), not on " + table.id + " (" + table.date + ")");
      }
      std::ifstream in(apply_file);
      applyToResources(nlohmann::ordered_json::parse(in), table, dir);
      exit_code = 0;
      return;
    }
    const thermal::ElectrodeCatalog catalog = thermal::loadElectrodeCatalog(dir);
    thermal::ZoneCalibrationOptions options;
    options.spacing_mm = spacing_mm;
    options.leave_one_out = !no_loo;
    options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    const thermal::ZoneCalibration c = thermal::calibrateZones(table, catalog, options);
    const thermal::ZoneModelParameters& p = c.parameters;
    std::cout << "zone calibration on " << table.id << " (" << table.date << "), " << c.simulations
              << " simulations at " << fixed(spacing_mm, 2) << " mm\n";
    std::cout << "in-vivo liver perfusion " << p.in_vivo_perfusion_per_s
              << " 1/s; unreported ex-vivo tissue temperature " << fixed(p.ex_vivo_temperature_c)
              << " C\n";
    for (const auto& [e, s] : p.power_scale) {
      std::cout << "  " << e << ": power x " << fixed(s, 3) << "\n";
    }
    std::cout << "largest tolerance use " << fixed(c.largest_tolerance_use, 3)
              << " (<= 1: every calibration row within +-20 % volume / +-2 mm short axis)\n";
    for (const auto& w : c.warnings) std::cerr << "warning: " << w << "\n";
    printHeader();
    for (const thermal::ZoneRowResult& res : c.rows) {
      for (const ZoneReferenceRow& row : table.rows) {
        if (row.id == res.id) printRow(row, res.fit, res.leave_one_out);
      }
    }
    if (!out.empty()) thermal::writeZoneCalibration(out, c, table);
    if (write_resources) {
      applyToResources(nlohmann::ordered_json::parse(thermal::zoneCalibrationText(c, table)), table,
                       dir);
    }
    exit_code = 0;
  });
}

void addValidate(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "validate-zones",
      "Simulate every row of the zone reference table with the shipped (calibrated) electrodes "
      "in its own condition and print published vs simulated, error, within tolerance and SD, "
      "and the calibration's leave-one-out error");
  static std::string table_file;
  static std::string calibration_file;
  static std::string electrode_dir;
  static double spacing_mm = 1.0;
  static std::string rows_text;
  cmd->add_option("--table", table_file,
                  "Zone reference table (default: resources/thermal/zone_reference.json)");
  cmd->add_option("--calibration", calibration_file,
                  "Zone calibration (default: resources/thermal/zone_calibration.json)");
  cmd->add_option("--electrode-dir", electrode_dir,
                  "Folder of electrode JSON files (default: the installed resources/electrodes)");
  cmd->add_option("--spacing", spacing_mm, "Simulation voxel in mm (0.5-5)")->capture_default_str();
  cmd->add_option("--rows", rows_text, "Only these row ids (comma-separated)");
  cmd->footer("About 15 simulations at 1 mm (1-2 minutes). RESEARCH USE ONLY.");
  cmd->callback([&exit_code] {
    if (!(spacing_mm >= 0.5 && spacing_mm <= 5.0)) {
      throw UsageError("--spacing " + fixed(spacing_mm, 2) + ": must be in 0.5..5 mm");
    }
    const thermal::ZoneReferenceTable table = thermal::readZoneReferenceTable(
        table_file.empty() ? thermal::defaultZoneReferenceFile() : fs::path(table_file));
    const thermal::ZoneCalibrationRecord rec = thermal::readZoneCalibration(
        calibration_file.empty() ? thermal::defaultZoneCalibrationFile()
                                 : fs::path(calibration_file));
    const thermal::ElectrodeCatalog catalog =
        thermal::loadElectrodeCatalog(electrodeDirOr(electrode_dir));
    std::set<std::string> only;
    std::stringstream ss(rows_text);
    for (std::string id; std::getline(ss, id, ',');) {
      if (!id.empty()) only.insert(id);
    }
    for (const std::string& id : only) {
      bool found = false;
      for (const ZoneReferenceRow& row : table.rows) found |= row.id == id;
      if (!found) throw UsageError("--rows: no row '" + id + "' in " + table.id);
    }
    // The factors relative to the electrode files (1 in the shipped record: the files carry
    // the calibrated powers).
    const thermal::ZoneModelParameters& p = rec.parameters;
    std::cout << "zone model: " << table.id << " (" << table.date << "), calibrated on "
              << rec.calibrated_on << "; in-vivo perfusion " << p.in_vivo_perfusion_per_s
              << " 1/s, unreported ex-vivo temperature " << fixed(p.ex_vivo_temperature_c)
              << " C\n";
    if (rec.table_id != table.id || rec.table_date != table.date) {
      std::cerr << "warning: the calibration was made on " << rec.table_id << " (" << rec.table_date
                << "), not on this table\n";
    }
    printHeader();
    int outside = 0;
    for (const ZoneReferenceRow& row : table.rows) {
      if (!only.empty() && only.count(row.id) == 0) continue;
      if (!row.simulable()) {
        std::cout << "| " << row.id << " (no model) | - | " << thermal::conditionName(row.condition)
                  << " | " << opt(row.volume_ml, 2) << " / " << opt(row.short_axis_mm) << " / "
                  << opt(row.long_axis_mm) << " | - | - | - | - | - | - |\n";
        continue;
      }
      const ZoneMeasure m =
          thermal::simulateZoneRow(catalog.find(*row.electrode), row, p, spacing_mm);
      const auto loo = rec.leave_one_out.find(row.id);
      printRow(
          row, m,
          loo == rec.leave_one_out.end() ? std::nullopt : std::optional<ZoneMeasure>(loo->second));
      if (row.calibration && !thermal::zoneRowWithinTolerance(row, m)) ++outside;
    }
    std::cout << outside << " calibration row(s) outside +-20 % volume / +-2 mm short axis\n";
    exit_code = 0;
  });
}

}  // namespace

void addZoneCommands(CLI::App& app, int& exit_code) {
  addCalibrate(app, exit_code);
  addValidate(app, exit_code);
}

}  // namespace rfa::cli
