// Strict reading of the published zone-size table (zone_reference.h).
#include "rfa/thermal/zone_reference.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"
#include "rfa/thermal/electrode.h"

namespace rfa::thermal {

namespace {

using json_io::FieldReader;
using nlohmann::json;

// A number or null; when present checked by range(lo, inclusive, hi).
std::optional<double> nullableNumber(const FieldReader& r, const json& j, const std::string& path,
                                     const char* key, double lo, bool inclusive, double hi) {
  const json* v = r.find(j, path, key, true);
  if (v->is_null()) return std::nullopt;
  const std::optional<double> x = r.optionalNumber(j, path, key, true);
  r.range(*x, FieldReader::member(path, key), lo, inclusive, hi);
  return x;
}

ZoneReferenceRow readRow(const FieldReader& r, const json& j, const std::string& path) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  r.object(j, path,
           {"id",
            "device",
            "electrode",
            "protocol",
            "duration_s",
            "condition",
            "species",
            "tissue_temperature_c",
            "flow_ml_min_100g",
            "short_axis_mm",
            "short_axis_sd_mm",
            "long_axis_mm",
            "long_axis_sd_mm",
            "volume_ml",
            "volume_sd_ml",
            "volume_from_axes",
            "axes_oriented",
            "n",
            "use",
            "note",
            "source"});
  ZoneReferenceRow row;
  row.id = r.string(j, path, "id");
  if (row.id.empty()) r.fail(FieldReader::member(path, "id"), "must not be empty");
  row.device = r.string(j, path, "device");
  if (const json* e = r.find(j, path, "electrode", true); !e->is_null()) {
    row.electrode = r.string(j, path, "electrode");
  }
  row.protocol = r.string(j, path, "protocol");
  row.duration_s = r.number(j, path, "duration_s", 0, false, 7200);
  const std::string condition = r.string(j, path, "condition");
  try {
    row.condition = parseTissueCondition(condition);
  } catch (const UsageError& e) {
    r.fail(FieldReader::member(path, "condition"), e.what());
  }
  row.species = r.string(j, path, "species");
  row.tissue_temperature_c = nullableNumber(r, j, path, "tissue_temperature_c", 0, true, 60);
  row.flow_ml_min_100g = nullableNumber(r, j, path, "flow_ml_min_100g", 0, true, 1000);
  row.short_axis_mm = nullableNumber(r, j, path, "short_axis_mm", 0, false, 500);
  row.short_axis_sd_mm = nullableNumber(r, j, path, "short_axis_sd_mm", 0, true, 500);
  row.long_axis_mm = nullableNumber(r, j, path, "long_axis_mm", 0, false, 500);
  row.long_axis_sd_mm = nullableNumber(r, j, path, "long_axis_sd_mm", 0, true, 500);
  row.volume_ml = nullableNumber(r, j, path, "volume_ml", 0, false, kInf);
  row.volume_sd_ml = nullableNumber(r, j, path, "volume_sd_ml", 0, true, kInf);
  row.volume_from_axes = r.boolean(j, path, "volume_from_axes");
  row.axes_oriented = r.boolean(j, path, "axes_oriented");
  if (const json* n = r.find(j, path, "n", true); !n->is_null()) {
    row.n = r.integer(j, path, "n", 1, 100000);
  }
  const std::string use = r.string(j, path, "use");
  if (use != "calibration" && use != "reference") {
    r.fail(FieldReader::member(path, "use"), "'" + use + "' is not a use (calibration, reference)");
  }
  row.calibration = use == "calibration";
  row.note = r.string(j, path, "note");
  row.source = r.string(j, path, "source");
  if (row.source.empty()) r.fail(FieldReader::member(path, "source"), "must cite a source");
  if (row.calibration) {
    if (!row.electrode)
      r.fail(FieldReader::member(path, "electrode"), "a calibration row needs one");
    if (!row.volume_ml && !row.short_axis_mm && !row.long_axis_mm) {
      r.fail(path, "a calibration row needs a volume or an axis");
    }
    if (!row.simulable()) {
      r.fail(FieldReader::member(path, "flow_ml_min_100g"),
             "a perfused-ex-vivo calibration row needs its flow");
    }
  }
  return row;
}

}  // namespace

bool ZoneReferenceRow::simulable() const {
  if (!electrode) return false;
  return condition != TissueCondition::kPerfusedExVivo || flow_ml_min_100g.has_value();
}

ZoneReferenceTable readZoneReferenceTable(const std::filesystem::path& file) {
  const json root = json_io::parseJsonFile(file, "zone reference table");
  const FieldReader r(file.filename().string());
  r.object(root, "", {"id", "date", "rows"});
  ZoneReferenceTable t;
  t.id = r.string(root, "", "id");
  t.date = r.string(root, "", "date");
  if (!json_io::isIsoDate(t.date)) r.fail("date", "'" + t.date + "' is not a yyyy-mm-dd date");
  const json& rows = r.array(root, "", "rows");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string path = FieldReader::element("rows", i);
    ZoneReferenceRow row = readRow(r, rows[i], path);
    if (!ids.insert(row.id).second) {
      r.fail(FieldReader::member(path, "id"), "'" + row.id + "' is used by an earlier row");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {

// The spread of one in-vivo row (0 when it publishes no SD).
double rowCv(const ZoneReferenceRow& row) {
  double cv = 0;
  const auto ratio = [&cv](const std::optional<double>& mean, const std::optional<double>& sd,
                           double divisor) {
    if (mean && sd && *mean > 0) cv = std::max(cv, *sd / *mean / divisor);
  };
  ratio(row.short_axis_mm, row.short_axis_sd_mm, 1.0);
  ratio(row.long_axis_mm, row.long_axis_sd_mm, 1.0);
  ratio(row.volume_ml, row.volume_sd_ml, 3.0);
  return cv;
}

}  // namespace

double inVivoZoneSizeCv(const ZoneReferenceTable& table, const std::string& electrode) {
  double own = 0;
  double largest = 0;
  for (const ZoneReferenceRow& row : table.rows) {
    if (row.condition != TissueCondition::kInVivo || !row.electrode) continue;
    const double cv = rowCv(row);
    largest = std::max(largest, cv);
    if (*row.electrode == electrode) own = std::max(own, cv);
  }
  return own > 0 ? own : largest;
}

std::filesystem::path defaultZoneReferenceFile() {
  return defaultElectrodeDir().parent_path() / "thermal" / "zone_reference.json";
}

}  // namespace rfa::thermal
