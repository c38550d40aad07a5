#pragma once
/// \file json_fields.h
/// \brief Strict, typed access to the members of a JSON document, shared by the readers of
/// electrodes, preview calibrations, protocol profiles and lab files: every failure throws
/// CorruptDataError("<file>: <json path> <what>"), the path being a JSON path such as
/// "protocols[0].power[1].time_s".

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rfa::json_io {

using nlohmann::json;

/// "a, b, c" or "none".
std::string joinNames(const std::vector<std::string>& names);
/// Shortest decimal text of v (ostream default formatting).
std::string formatNumber(double v);
/// True for a valid proleptic Gregorian calendar date written yyyy-mm-dd.
bool isIsoDate(const std::string& s);

/// Reads a whole file and parses it. \throws NotFoundError (cannot open, `what` names the kind of
/// file), CorruptDataError (not valid JSON).
json parseJsonFile(const std::filesystem::path& file, const std::string& what);

class FieldReader {
 public:
  explicit FieldReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const;
  static std::string member(const std::string& path, const std::string& key);
  static std::string element(const std::string& path, std::size_t i);

  /// `j` must be an object whose keys are in `allowed` ('_'-prefixed keys are comments).
  void object(const json& j, const std::string& path,
              std::initializer_list<const char*> allowed) const;
  /// The member, or nullptr when absent and not required.
  const json* find(const json& obj, const std::string& path, const char* key, bool required) const;

  std::optional<double> optionalNumber(const json& obj, const std::string& path, const char* key,
                                       bool required = false) const;
  double number(const json& obj, const std::string& path, const char* key) const {
    return *optionalNumber(obj, path, key, true);
  }
  /// An integer in lo..hi.
  std::optional<int> optionalInteger(const json& obj, const std::string& path, const char* key,
                                     int lo, int hi, bool required = false) const;
  int integer(const json& obj, const std::string& path, const char* key, int lo, int hi) const {
    return *optionalInteger(obj, path, key, lo, hi, true);
  }
  /// Checks lo < v (lo <= v when `inclusive`) and v <= hi.
  void range(double v, const std::string& field, double lo, bool inclusive,
             double hi = std::numeric_limits<double>::infinity()) const;
  /// A required finite number checked by range().
  double number(const json& obj, const std::string& path, const char* key, double lo,
                bool inclusive, double hi) const {
    const double v = number(obj, path, key);
    range(v, member(path, key), lo, inclusive, hi);
    return v;
  }
  std::string string(const json& obj, const std::string& path, const char* key) const;
  bool boolean(const json& obj, const std::string& path, const char* key) const;
  /// A non-empty array.
  const json& array(const json& obj, const std::string& path, const char* key) const;

 private:
  std::string file_;
};

}  // namespace rfa::json_io
