// Writing and reading resources/thermal/zone_calibration.json (zone_calibration.h).
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"
#include "rfa/thermal/simulation.h"
#include "rfa/thermal/zone_calibration.h"

namespace rfa::thermal {

namespace {

using Json = nlohmann::ordered_json;
using json_io::FieldReader;

double round4(double v) {
  return std::round(v * 1e4) / 1e4;
}

Json measureJson(const ZoneMeasure& m) {
  Json j;
  j["volume_ml"] = round4(m.volume_ml);
  j["ellipsoid_volume_ml"] = round4(m.ellipsoid_volume_ml);
  j["short_axis_mm"] = round4(m.short_axis_mm);
  j["long_axis_mm"] = round4(m.long_axis_mm);
  j["clipped"] = m.clipped;
  return j;
}

Json parametersJson(const ZoneModelParameters& p) {
  Json j;
  j["in_vivo_perfusion_per_s"] = std::round(p.in_vivo_perfusion_per_s * 1e7) / 1e7;
  j["ex_vivo_temperature_c"] = round4(p.ex_vivo_temperature_c);
  Json scales = Json::object();
  for (const auto& [e, s] : p.power_scale) scales[e] = round4(s);
  j["power_scale"] = std::move(scales);
  return j;
}

Json optionalJson(const std::optional<double>& v) {
  return v ? Json(*v) : Json(nullptr);
}

ZoneMeasure readMeasure(const FieldReader& r, const nlohmann::json& j, const std::string& path) {
  r.object(j, path,
           {"volume_ml", "ellipsoid_volume_ml", "short_axis_mm", "long_axis_mm", "clipped"});
  ZoneMeasure m;
  m.volume_ml = r.number(j, path, "volume_ml", 0, true, 1e6);
  m.ellipsoid_volume_ml = r.number(j, path, "ellipsoid_volume_ml", 0, true, 1e6);
  m.short_axis_mm = r.number(j, path, "short_axis_mm", 0, true, 1e4);
  m.long_axis_mm = r.number(j, path, "long_axis_mm", 0, true, 1e4);
  m.clipped = r.boolean(j, path, "clipped");
  return m;
}

ZoneModelParameters readParameters(const FieldReader& r, const nlohmann::json& j,
                                   const std::string& path) {
  r.object(j, path, {"in_vivo_perfusion_per_s", "ex_vivo_temperature_c", "power_scale"});
  ZoneModelParameters p;
  p.in_vivo_perfusion_per_s = r.number(j, path, "in_vivo_perfusion_per_s", 0, true, 1.0);
  p.ex_vivo_temperature_c = r.number(j, path, "ex_vivo_temperature_c", 0, true, 60);
  const nlohmann::json& scales = *r.find(j, path, "power_scale", true);
  const std::string sp = FieldReader::member(path, "power_scale");
  if (!scales.is_object()) r.fail(sp, "must be an object");
  for (const auto& [name, v] : scales.items()) {
    p.power_scale[name] = r.number(scales, sp, name.c_str(), 0, false, 1e3);
  }
  return p;
}

}  // namespace

std::string zoneCalibrationText(const ZoneCalibration& c, const ZoneReferenceTable& table) {
  Json root;
  root["_comment"] =
      "Zone model calibration written by 'rfaplan calibrate-zones' from the table named below "
      "(modules/thermal/include/rfa/thermal/zone_calibration.h). power_scale is the factor "
      "applied to each electrode file's power schedule when this file was written (the "
      "electrode files then carry the calibrated powers); in_vivo_perfusion_per_s is the "
      "planning condition's liver perfusion (MaterialTable::defaults()); rows: published and "
      "simulated figures, the leave-one-out prediction where the row's electrode keeps another "
      "calibration row. Research use only.";
  root["table"] = {{"id", c.table_id}, {"date", c.table_date}};
  root["calibrated_on"] = c.calibrated_on;
  root["spacing_mm"] = c.spacing_mm;
  root["parameters"] = parametersJson(c.parameters);
  root["cost"] = round4(c.cost);
  root["largest_tolerance_use"] = round4(c.largest_tolerance_use);
  root["simulations"] = c.simulations;
  root["warnings"] = c.warnings;
  Json rows = Json::array();
  for (const ZoneRowResult& res : c.rows) {
    const ZoneReferenceRow* row = nullptr;
    for (const ZoneReferenceRow& r : table.rows) {
      if (r.id == res.id) row = &r;
    }
    Json j;
    j["id"] = res.id;
    j["electrode"] = res.electrode;
    j["use"] = res.calibration ? "calibration" : "reference";
    if (row != nullptr) {
      j["condition"] = conditionName(row->condition);
      j["published"] = {{"volume_ml", optionalJson(row->volume_ml)},
                        {"short_axis_mm", optionalJson(row->short_axis_mm)},
                        {"long_axis_mm", optionalJson(row->long_axis_mm)}};
      j["within_tolerance"] = zoneRowWithinTolerance(*row, res.fit);
    }
    j["fit"] = measureJson(res.fit);
    j["leave_one_out"] = res.leave_one_out ? measureJson(*res.leave_one_out) : Json(nullptr);
    j["leave_one_out_parameters"] = res.leave_one_out_parameters
                                        ? parametersJson(*res.leave_one_out_parameters)
                                        : Json(nullptr);
    rows.push_back(std::move(j));
  }
  root["rows"] = std::move(rows);
  return root.dump(2) + "\n";
}

void writeZoneCalibration(const std::filesystem::path& file, const ZoneCalibration& c,
                          const ZoneReferenceTable& table) {
  try {
    writeFileAtomically(file, zoneCalibrationText(c, table));
  } catch (const std::exception& e) {
    throw WriteError("cannot write zone calibration " + file.string() + ": " + e.what());
  }
}

ZoneCalibrationRecord readZoneCalibration(const std::filesystem::path& file) {
  const nlohmann::json root = json_io::parseJsonFile(file, "zone calibration");
  const FieldReader r(file.filename().string());
  r.object(root, "",
           {"table", "calibrated_on", "spacing_mm", "parameters", "cost", "largest_tolerance_use",
            "simulations", "warnings", "rows"});
  ZoneCalibrationRecord rec;
  const nlohmann::json& t = *r.find(root, "", "table", true);
  r.object(t, "table", {"id", "date"});
  rec.table_id = r.string(t, "table", "id");
  rec.table_date = r.string(t, "table", "date");
  rec.calibrated_on = r.string(root, "", "calibrated_on");
  if (!json_io::isIsoDate(rec.calibrated_on)) r.fail("calibrated_on", "must be yyyy-mm-dd");
  rec.parameters = readParameters(r, *r.find(root, "", "parameters", true), "parameters");
  const nlohmann::json& rows = *r.find(root, "", "rows", true);
  if (!rows.is_array()) r.fail("rows", "must be an array");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string path = FieldReader::element("rows", i);
    const nlohmann::json& row = rows[i];
    const std::string id = r.string(row, path, "id");
    const nlohmann::json* loo = r.find(row, path, "leave_one_out", true);
    if (!loo->is_null()) {
      rec.leave_one_out[id] = readMeasure(r, *loo, FieldReader::member(path, "leave_one_out"));
    }
  }
  return rec;
}

std::vector<PreviewCalibration> conditionPreviews(
    const ElectrodeCatalog& catalog, const std::vector<std::string>& electrodes,
    const MaterialTable& materials, TissueCondition condition, const ZoneReferenceTable& table,
    const std::function<void(const std::string&)>& progress) {
  SimulationSettings s;
  s.backend = BackendChoice::kCpu;
  s.spacing_mm = 1.0;
  s.materials = materials;
  std::vector<PreviewCalibration> out;
  for (const std::string& name : electrodes) {
    const Electrode& e = catalog.find(name);
    for (const Protocol& prot : e.protocols) {
      PreviewCalibration pc = calibratePreview(e, prot, s);
      pc.tissue_condition = conditionName(condition);
      pc.zone_table = table.id + " " + table.date;
      pc.zone_size_cv =
          condition == TissueCondition::kInVivo ? inVivoZoneSizeCv(table, e.name) : 0.0;
      if (progress) {
        progress("preview " + e.name + " " + prot.name + " (" + pc.tissue_condition +
                 "): " + std::to_string(pc.solver_volume_ml) + " mL");
      }
      out.push_back(std::move(pc));
    }
  }
  return out;
}

std::filesystem::path defaultZoneCalibrationFile() {
  return defaultElectrodeDir().parent_path() / "thermal" / "zone_calibration.json";
}

}  // namespace rfa::thermal
