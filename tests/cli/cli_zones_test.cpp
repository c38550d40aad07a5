// rfaplan calibrate-zones / validate-zones / simulate --tissue-condition through the command line:
// a small table of two rows (a short, coarse protocol, seconds), the printed table, the written
// calibration, and bad input with its exit code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using rfa::test::rfaplan;
using rfa::test::RunResult;
using rfa::test::TempDir;

// Two rows of the 2 cm cooled tip, 3 minutes: excised liver at 22 C and living liver.
void writeTable(const fs::path& file) {
  const auto row = [](const char* id, const char* condition, const char* temperature,
                      double volume) {
    return std::string(R"({"id": ")") + id + R"(", "device": "test", "electrode": "cooltip-2cm",
      "protocol": "3 min", "duration_s": 180, "condition": ")" +
           condition + R"(", "species": "test", "tissue_temperature_c": )" + temperature +
           R"(, "flow_ml_min_100g": null, "short_axis_mm": null, "short_axis_sd_mm": null,
      "long_axis_mm": null, "long_axis_sd_mm": null, "volume_ml": )" +
           std::to_string(volume) + R"(, "volume_sd_ml": null, "volume_from_axes": true,
      "axes_oriented": true, "n": 1, "use": "calibration", "note": "test", "source": "test"})";
  };
  std::ofstream(file) << R"({"id": "cli-test-table", "date": "2026-12-07", "rows": [)"
                      << row("ex", "ex-vivo", "22", 2.0) << "," << row("in", "in-vivo", "37", 1.0)
                      << "]}";
}

TEST(CliZones, CalibrateThenValidateASmallTable) {
  TempDir tmp;
  const fs::path table = tmp / "table.json";
  writeTable(table);
  RunResult r = rfaplan({"calibrate-zones", "--table", table.string(), "--spacing", "3",
                         "--no-leave-one-out", "-o", (tmp / "cal.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("zone calibration on cli-test-table (2026-12-07)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("in-vivo liver perfusion"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cooltip-2cm: power x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| ex | cooltip-2cm | ex-vivo | 2.00 / - / - |"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("| in | cooltip-2cm | in-vivo | 1.00 / - / - |"), std::string::npos)
      << r.out;
  std::ifstream in(tmp / "cal.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["table"]["id"], "cli-test-table");
  EXPECT_GT(j["parameters"]["in_vivo_perfusion_per_s"].get<double>(), 0.0);
  ASSERT_EQ(j["rows"].size(), 2U);
  EXPECT_TRUE(j["rows"][0]["leave_one_out"].is_null());

  // The written calibration re-simulated: its factors apply to the electrode files it was made
  // from (-o does not change them).
  r = rfaplan({"validate-zones", "--table", table.string(), "--calibration",
               (tmp / "cal.json").string(), "--spacing", "3", "--rows", "in"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("zone model: cli-test-table (2026-12-07)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| in | cooltip-2cm | in-vivo |"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("| ex |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("calibration row(s) outside"), std::string::npos) << r.out;
}

// --write-resources without -o: the calibration goes straight into a copy of the resources (the
// electrode powers, thermal/zone_calibration.json, the previews), and no file is left in the
// working directory.
TEST(CliZones, WriteResourcesIntoACopyLeavesNoTemporaryFile) {
  TempDir tmp;
  const fs::path table = tmp / "table.json";
  writeTable(table);
  const fs::path shipped = fs::path(RFA_PROFILE_DIR).parent_path();
  fs::create_directories(tmp / "res");
  fs::copy(shipped / "electrodes", tmp / "res" / "electrodes", fs::copy_options::recursive);
  fs::copy(shipped / "thermal", tmp / "res" / "thermal", fs::copy_options::recursive);
  const fs::path before_cwd = fs::current_path();
  fs::current_path(tmp.path());
  const RunResult r = rfaplan({"calibrate-zones", "--table", table.string(), "--electrode-dir",
                               (tmp / "res" / "electrodes").string(), "--spacing", "3",
                               "--no-leave-one-out", "--write-resources"});
  fs::current_path(before_cwd);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(tmp / "zone_calibration.tmp.json"));
  std::ifstream in(tmp / "res" / "thermal" / "zone_calibration.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["table"]["id"], "cli-test-table");
  EXPECT_EQ(j["parameters"]["power_scale"]["cooltip-2cm"].get<double>(), 1.0);
  EXPECT_TRUE(fs::exists(tmp / "res" / "thermal" / "preview_calibration.json"));
}

TEST(CliZones, BadInputExitCodes) {
  TempDir tmp;
  const fs::path table = tmp / "table.json";
  writeTable(table);
  RunResult r = rfaplan({"calibrate-zones", "--table", table.string(), "--spacing", "9"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--spacing"), std::string::npos) << r.err;
  r = rfaplan({"calibrate-zones", "--table", (tmp / "none.json").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("none.json"), std::string::npos) << r.err;
  std::ofstream(tmp / "bad.json") << R"({"id": "t", "date": "2026-13-01", "rows": []})";
  r = rfaplan({"validate-zones", "--table", (tmp / "bad.json").string()});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("bad.json: date"), std::string::npos) << r.err;
  r = rfaplan({"validate-zones", "--table", table.string(), "--rows", "nope"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'nope'"), std::string::npos) << r.err;
  r = rfaplan({"simulate", "x", "--electrode", "cooltip-2cm", "--tip", "0,0,0", "--direction",
               "0,0,1", "--tissue-condition", "boiled", "-o", (tmp / "s").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'boiled'"), std::string::npos) << r.err;
}

}  // namespace
