#pragma once
// Helpers of the CLI suites: run the real rfaplan binary (RFAPLAN_EXE, set by CMake), read a JSON
// file it wrote, look for a phrase in its output.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
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

/// \brief dciodvfy's "Error" lines on `f`; its whole output in `all`.
inline std::vector<std::string> dciodvfyErrors(const std::filesystem::path& f, std::string& all) {
  const RunResult r = run({"dciodvfy", f.string()});
  all = r.out + r.err;
  std::vector<std::string> errors;
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Error", 0) == 0) errors.push_back(line);
  }
  return errors;
}

/// \brief `s` with its letters and digits only (to match ROI names with plastimatch's file names).
inline std::string alnum(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(),
                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; }),
          s.end());
  return s;
}

}  // namespace rfa::test
