#pragma once
// Text formatting for the report (private to rfa::report): numbers, UIDs, DICOM dates and names.
#include <string>
#include <vector>

namespace rfa::report::detail {

/// `v` with `decimals` digits after the point; "-" for a non-finite value.
std::string num(double v, int decimals = 1);
/// 100 * fraction with `decimals` digits and " %".
std::string pct(double fraction, int decimals = 1);
/// A UID shortened to its first 10 and last 8 characters ("1.2.826.0.…12345678") when longer
/// than 24 characters.
std::string shortUid(const std::string& uid);
/// DICOM DA "YYYYMMDD" as "YYYY-MM-DD" (other text unchanged, "" as "not recorded").
std::string dicomDate(const std::string& da);
/// DICOM PN "Family^Given^Middle^Prefix^Suffix" as "FAMILY, Given Middle" ("" as "not recorded").
std::string personName(const std::string& pn);
/// Items joined with `sep`.
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace rfa::report::detail
