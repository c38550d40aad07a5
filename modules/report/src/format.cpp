// Text formatting for the report (format.h).
#include "format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace rfa::report::detail {

std::string num(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  std::array<char, 64> b{};
  std::snprintf(b.data(), b.size(), "%.*f", decimals, v);
  std::string s(b.data());
  if (s.starts_with("-") && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string pct(double fraction, int decimals) {
  return num(100 * fraction, decimals) + " %";
}

std::string shortUid(const std::string& uid) {
  if (uid.size() <= 24) return uid;
  return uid.substr(0, 10) + "\u2026" + uid.substr(uid.size() - 8);
}

std::string dicomDate(const std::string& da) {
  if (da.empty()) return "not recorded";
  if (da.size() == 8 && std::all_of(da.begin(), da.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return da.substr(0, 4) + "-" + da.substr(4, 2) + "-" + da.substr(6, 2);
  }
  return da;
}

std::string personName(const std::string& pn) {
  std::string first = pn.substr(0, pn.find('='));  // alphabetic group only
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t caret = first.find('^', start);
    parts.push_back(
        first.substr(start, caret == std::string::npos ? std::string::npos : caret - start));
    if (caret == std::string::npos) break;
    start = caret + 1;
  }
  for (std::string& p : parts) {
    while (!p.empty() && p.back() == ' ') p.pop_back();
    while (!p.empty() && p.front() == ' ') p.erase(0, 1);
  }
  if (parts.empty() ||
      std::all_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
    return "not recorded";
  }
  std::string family = parts[0];
  for (char& c : family) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::vector<std::string> rest;
  for (std::size_t i = 1; i < parts.size() && i < 3; ++i) {
    if (!parts[i].empty()) rest.push_back(parts[i]);
  }
  if (rest.empty()) return family;
  return (family.empty() ? std::string() : family + ", ") + join(rest, " ");
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace rfa::report::detail
