// A JSON number beyond the range of double makes nlohmann::json throw out_of_range (406), not
// parse_error: the electrode and preview calibration readers must still answer with a
// CorruptDataError naming the file (found by fuzz_electrode's sibling fuzz_plan).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/preview.h"
#include "test_support.h"

namespace rfa::thermal {
namespace {
namespace fs = std::filesystem;

template <class F>
std::string corruptDataMessage(F read) {
  try {
    read();
  } catch (const CorruptDataError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a CorruptDataError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

TEST(JsonNumberOverflow, ElectrodeAndPreviewCalibrationAreCorruptDataNamingTheFile) {
  const test::TempDir dir;
  const std::string huge = "1" + std::string(400, '9');
  const fs::path electrode = dir / "probe.json";
  std::ofstream(electrode) << "{\"name\": \"probe\", \"active_length_mm\": " << huge << "}";
  const std::string what = corruptDataMessage([&] { (void)readElectrodeFile(electrode); });
  EXPECT_NE(what.find("probe.json: not valid JSON"), std::string::npos) << what;
  const fs::path calibration = dir / "calibration.json";
  std::ofstream(calibration) << "{\"calibrations\": [" << huge << "]}";
  const std::string what_cal =
      corruptDataMessage([&] { (void)readPreviewCalibrations(calibration); });
  EXPECT_NE(what_cal.find("calibration.json: not valid JSON"), std::string::npos) << what_cal;
}

}  // namespace
}  // namespace rfa::thermal
