#pragma once
// Helpers of the CLI suites: run the real rfaplan binary (RFAPLAN_EXE, set by CMake), read a JSON
// file it wrote, look for a phrase in its output.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.h"

namespace rfa::test {

/// \brief Runs rfaplan with `args` (no shell), capturing its exit code and output.
inline RunResult rfaplan(std::vector<std::string> args) {
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

}  // namespace rfa::test
