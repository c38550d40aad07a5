// Strict JSON field access (json_fields.h).
#include "rfa/core/json_fields.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "rfa/core/error.h"

namespace rfa::json_io {

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

bool isIsoDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  }
  const std::chrono::year_month_day d{
      std::chrono::year{std::stoi(s.substr(0, 4))},
      std::chrono::month{static_cast<unsigned>(std::stoi(s.substr(5, 2)))},
      std::chrono::day{static_cast<unsigned>(std::stoi(s.substr(8, 2)))}};
  return d.ok();
}

std::string formatNumber(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

json parseJsonFile(const std::filesystem::path& file, const std::string& what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw NotFoundError("cannot open " + what + " file " + file.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse errors, and numbers out of range (out_of_range)
    throw CorruptDataError(file.filename().string() + ": not valid JSON: " + e.what());
  }
}

void FieldReader::fail(const std::string& path, const std::string& what) const {
  throw CorruptDataError(file_ + ": " + (path.empty() ? "" : path + " ") + what);
}

std::string FieldReader::member(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string FieldReader::element(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void FieldReader::object(const json& j, const std::string& path,
                         std::initializer_list<const char*> allowed) const {
  if (!j.is_object()) fail(path.empty() ? "the top level" : path, "must be a JSON object");
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    if (!key.empty() && key[0] == '_') continue;
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      fail(member(path, key),
           "is not a known field (known: " +
               joinNames(std::vector<std::string>(allowed.begin(), allowed.end())) + ")");
    }
  }
}

const json* FieldReader::find(const json& obj, const std::string& path, const char* key,
                              bool required) const {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) fail(member(path, key), "is missing");
    return nullptr;
  }
  return &*it;
}

std::optional<double> FieldReader::optionalNumber(const json& obj, const std::string& path,
                                                  const char* key, bool required) const {
  const json* j = find(obj, path, key, required);
  if (j == nullptr) return std::nullopt;
  if (!j->is_number()) fail(member(path, key), "must be a number");
  const double v = j->get<double>();
  if (!std::isfinite(v)) fail(member(path, key), "must be finite");
  return v;
}

std::optional<int> FieldReader::optionalInteger(const json& obj, const std::string& path,
                                                const char* key, int lo, int hi,
                                                bool required) const {
  const json* j = find(obj, path, key, required);
  if (j == nullptr) return std::nullopt;
  if (!j->is_number_integer()) fail(member(path, key), "must be an integer");
  const auto v = j->get<std::int64_t>();
  if (v < lo || v > hi) {
    fail(member(path, key), "must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                " (got " + std::to_string(v) + ")");
  }
  return static_cast<int>(v);
}

void FieldReader::range(double v, const std::string& field, double lo, bool inclusive,
                        double hi) const {
  if (inclusive ? v < lo : v <= lo) {
    fail(field, std::string("must be ") + (inclusive ? ">= " : "> ") + formatNumber(lo) + " (got " +
                    formatNumber(v) + ")");
  }
  if (v > hi) fail(field, "must be <= " + formatNumber(hi) + " (got " + formatNumber(v) + ")");
}

std::string FieldReader::string(const json& obj, const std::string& path, const char* key) const {
  const json& j = *find(obj, path, key, true);
  if (!j.is_string()) fail(member(path, key), "must be a string");
  auto s = j.get<std::string>();
  if (s.empty()) fail(member(path, key), "must not be empty");
  return s;
}

bool FieldReader::boolean(const json& obj, const std::string& path, const char* key) const {
  const json& j = *find(obj, path, key, true);
  if (!j.is_boolean()) fail(member(path, key), "must be true or false");
  return j.get<bool>();
}

const json& FieldReader::array(const json& obj, const std::string& path, const char* key) const {
  const json& j = *find(obj, path, key, true);
  if (!j.is_array()) fail(member(path, key), "must be an array");
  if (j.empty()) fail(member(path, key), "must not be empty");
  return j;
}

}  // namespace rfa::json_io
