#pragma once
// Helpers of the CLI suites: run the real rfaplan binary (RFAPLAN_EXE, set by CMake), read a JSON
// file it wrote, look for a phrase in its output.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.h"

namespace rfa::test {

/// \brief Runs rfaplan with `args` (no shell), capturing its exit code and output.
inline RunResult rfaplan(std::vector<std::string> args) {
  // The audit log of the tests' commands: in the build tree unless a test chose one.
  ::setenv("RFA_AUDIT_LOG", RFA_TEST_AUDIT_LOG, 0);
  args.insert(args.begin(), RFAPLAN_EXE);
  return run(args);
}

/// \brief The JSON document in file `p`. \throws nlohmann::json::parse_error when malformed.
inline nlohmann::json readJson(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

/// \brief True when `haystack` contains `needle`.
inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// \brief The true minimal ablative margins (mm) by lesion label in FOLLOWUP/truth.json, as
/// 'rfaplan phantom-followup' writes it.
inline std::map<int, double> readTrueMargins(const std::filesystem::path& followup) {
  std::map<int, double> m;
  const nlohmann::json truth = readJson(followup / "truth.json");
  for (const auto& x : truth["margins"]) {
    m[x["label"].get<int>()] = x["minimal_margin_mm"].get<double>();
  }
  return m;
}

}  // namespace rfa::test
