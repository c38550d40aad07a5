#pragma once
/// \file labs.h
/// \brief Pre-session lab results and their check against the lab rules of a protocol profile:
/// proceed, postpone (a rule fails) or incomplete (a value needed by a rule is missing; a missing
/// value never passes silently). Research use only: the decision is the profile's rules applied
/// mechanically, to be confirmed by the treating physician.
///
/// Units: every value is in the unit string of the profile rule that uses it (e.g. PLT in e9/L,
/// HGB in g/L); a lab file may state its units ("units") and a mismatch makes the check missing.
/// ULN values are in the same unit as the lab value.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rfa/planning/profile.h"

namespace rfa::planning {

/// Lab results of one date (before one RFA session).
struct LabResults {
  std::string date;                          ///< ISO yyyy-mm-dd (a valid calendar date)
  std::map<std::string, double> values;      ///< lab name -> value (>= 0)
  std::map<std::string, double> uln;         ///< lab name -> upper limit of normal (> 0)
  std::map<std::string, std::string> units;  ///< optional: lab name -> unit of its value
};

/// \brief Reads a lab file: either one object {"date", "values", "uln"?, "units"?} or
/// {"sessions": [ {...}, ... ]}, one per RFA session in order.
/// \throws NotFoundError when the file cannot be opened.
/// \throws CorruptDataError "<file>: <json path> <what>" for invalid JSON, a missing or unknown
/// field, an invalid date, a negative value, a ULN <= 0.
std::vector<LabResults> readLabsFile(const std::filesystem::path& file);

enum class CheckStatus { kPassed, kFailed, kMissing };
enum class LabDecision { kProceed, kPostpone, kIncomplete };

/// "passed", "failed", "missing".
std::string toString(CheckStatus status);
/// "proceed", "postpone", "incomplete".
std::string toString(LabDecision decision);

/// The outcome of one lab rule.
struct LabCheck {
  std::string name;      ///< the rule's name, e.g. "Cr"
  std::string quantity;  ///< the lab that decided: the rule's name or its alternative's ("CrCl")
  std::optional<double> value;  ///< measured value of `quantity` (absent when missing)
  std::optional<double> limit;  ///< absolute limit after ULN scaling (absent when not computable)
  std::string unit;
  CheckStatus status = CheckStatus::kMissing;
  bool passed = false;  ///< status == kPassed
  /// e.g. "PLT 42e9/L < 50e9/L (multimodal-thermal-therapy: PLT >= 50e9/L)".
  std::string text;
  std::string source;  ///< citation of the rule
};

struct LabReport {
  /// kPostpone when any non-advisory rule fails, else kIncomplete when any is missing, else
  /// kProceed.
  LabDecision decision = LabDecision::kIncomplete;
  std::vector<LabCheck> checks;      ///< one per profile rule, in the profile's order
  std::vector<std::string> reasons;  ///< the text of every failed or missing check
};

/// \brief Checks `results` against every lab rule of `profile`. A rule with an alternative ("or")
/// passes when either condition passes; it fails when both fail, and is missing otherwise. A
/// relative rule whose ULN is not given is missing. A failed advisory rule is listed (check failed,
/// a reason) but does not postpone. Lab values not used by any rule are ignored.
/// Throws nothing but std::bad_alloc.
LabReport checkLabs(const ProtocolProfile& profile, const LabResults& results);

}  // namespace rfa::planning
