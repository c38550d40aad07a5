// A JSON number beyond the range of double makes nlohmann::json throw out_of_range (406), not
// parse_error: every planning reader must still answer with a CorruptDataError naming the file
// (found by fuzz_plan; testdata/fuzz-seeds/plan/regress_number_overflow.json).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/planning/labs.h"
#include "rfa/planning/plan_io.h"
#include "rfa/planning/profile.h"
#include "test_support.h"

namespace rfa::planning {
namespace {
namespace fs = std::filesystem;

const std::string kHuge = "1" + std::string(400, '9');

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

TEST(JsonNumberOverflow, PlanIsCorruptDataNamingTheFile) {
  const std::string what = corruptDataMessage(
      [] { (void)parsePlan("{\"format_version\": " + kHuge + "}", "big.json"); });
  EXPECT_NE(what.find("big.json"), std::string::npos) << what;
  EXPECT_NE(what.find("not valid JSON"), std::string::npos) << what;
  // The same through the file reader.
  const test::TempDir dir;
  std::ofstream(dir / "plan.json") << "{\"revision\": -" << kHuge << "}";
  const std::string what_file = corruptDataMessage([&] { (void)readPlanFile(dir / "plan.json"); });
  EXPECT_NE(what_file.find("plan.json"), std::string::npos) << what_file;
}

TEST(JsonNumberOverflow, LabsAndProfileAreCorruptDataNamingTheFile) {
  const test::TempDir dir;
  const fs::path labs = dir / "labs.json";
  std::ofstream(labs) << "{\"date\": \"2025-03-01\", \"values\": {\"PLT\": " << kHuge << "}}";
  const std::string what_labs = corruptDataMessage([&] { (void)readLabsFile(labs); });
  EXPECT_NE(what_labs.find("labs.json: not valid JSON"), std::string::npos) << what_labs;
  const fs::path profile = dir / "profile.json";
  std::ofstream(profile) << "{\"name\": \"x\", \"max_lesions\": " << kHuge << "}";
  const std::string what_profile = corruptDataMessage([&] { (void)readProfileFile(profile); });
  EXPECT_NE(what_profile.find("profile.json: not valid JSON"), std::string::npos) << what_profile;
}

}  // namespace
}  // namespace rfa::planning
