// Small helpers for writing DICOM values by hand: decimal strings within 16 characters, values
// cut to their VR's length, dates and times. Private to rfa::dicomexport.
#pragma once

#include <string>
#include <vector>

namespace rfa::dicomexport::detail {

/// A DS value (<= 16 characters) of `v`: fixed with up to 4 decimals, trailing zeros dropped,
/// fewer decimals (then exponent form) when it would not fit.
std::string decimalString(double v);

/// `text` cut to `max_chars`; when cut, a note "<what> '<text>' shortened to <n> characters" is
/// appended to `notes`.
std::string fitLength(const std::string& text, std::size_t max_chars, const std::string& what,
                      std::vector<std::string>& notes);

/// Today's date (yyyymmdd) and time (hhmmss), UTC.
std::string utcDate();
std::string utcTime();

}  // namespace rfa::dicomexport::detail
