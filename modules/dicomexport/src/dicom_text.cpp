#include "dicom_text.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace rfa::dicomexport::detail {

std::string decimalString(double v) {
  if (v == 0.0) return "0";
  std::array<char, 64> buf{};
  for (int decimals = 4; decimals >= 0; --decimals) {
    std::snprintf(buf.data(), buf.size(), "%.*f", decimals, v);
    std::string s(buf.data());
    if (s.find('.') != std::string::npos) {
      while (!s.empty() && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    if (s.size() <= 16) return s;
  }
  std::snprintf(buf.data(), buf.size(), "%.9e", v);
  return {buf.data()};
}

std::string fitLength(const std::string& text, std::size_t max_chars, const std::string& what,
                      std::vector<std::string>& notes) {
  if (text.size() <= max_chars) return text;
  notes.push_back(what + " '" + text + "' shortened to " + std::to_string(max_chars) +
                  " characters");
  std::string cut = text.substr(0, max_chars);
  while (!cut.empty() && cut.back() == ' ') cut.pop_back();  // DICOM drops trailing spaces
  return cut;
}

namespace {
std::tm utcNow() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}
}  // namespace

std::string utcDate() {
  const std::tm tm = utcNow();
  std::array<char, 16> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%d", &tm);
  return {buf.data()};
}

std::string utcTime() {
  const std::tm tm = utcNow();
  std::array<char, 16> buf{};
  std::strftime(buf.data(), buf.size(), "%H%M%S", &tm);
  return {buf.data()};
}

}  // namespace rfa::dicomexport::detail
