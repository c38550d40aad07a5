// Lab results: strict reading of lab files and their check against a profile's lab rules.
#include "rfa/planning/labs.h"

#include <chrono>
#include <utility>

#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"

namespace rfa::planning {

namespace {

using json_io::FieldReader;
using json_io::formatNumber;
using json_io::json;

using json_io::isIsoDate;

template <class T, class F>
std::map<std::string, T> readMap(const FieldReader& r, const json& obj, const std::string& path,
                                 const char* key, bool required, F convert) {
  std::map<std::string, T> out;
  const json* j = r.find(obj, path, key, required);
  if (j == nullptr) return out;
  const std::string mp = FieldReader::member(path, key);
  if (!j->is_object()) r.fail(mp, "must be a JSON object");
  for (const auto& item : j->items()) {
    out.emplace(item.key(), convert(item.value(), FieldReader::member(mp, item.key())));
  }
  return out;
}

LabResults readResults(const FieldReader& r, const json& j, const std::string& path) {
  r.object(j, path, {"date", "values", "uln", "units"});
  LabResults res;
  res.date = r.string(j, path, "date");
  if (!isIsoDate(res.date)) {
    r.fail(FieldReader::member(path, "date"),
           "must be a valid date yyyy-mm-dd (got '" + res.date + "')");
  }
  const auto number = [&](double lo, bool inclusive) {
    return [&r, lo, inclusive](const json& v, const std::string& field) {
      if (!v.is_number()) r.fail(field, "must be a number");
      const double x = v.get<double>();
      r.range(x, field, lo, inclusive, 1e15);
      return x;
    };
  };
  res.values = readMap<double>(r, j, path, "values", true, number(0, true));
  res.uln = readMap<double>(r, j, path, "uln", false, number(0, false));
  res.units = readMap<std::string>(r, j, path, "units", false,
                                   [&r](const json& v, const std::string& field) {
                                     if (!v.is_string() || v.get<std::string>().empty()) {
                                       r.fail(field, "must be a non-empty string");
                                     }
                                     return v.get<std::string>();
                                   });
  return res;
}

// "42e9/L", "90 g/L": no space before a unit that continues the number (e9/L).
std::string withUnit(double v, const std::string& unit) {
  const bool glue = unit.empty() || unit[0] == 'e' || unit[0] == '%';
  return formatNumber(v) + (glue ? "" : " ") + unit;
}

// "PLT >= 50e9/L" or "AST <= 5 x ULN".
std::string ruleText(const LabCondition& c) {
  const std::string op = c.kind == LimitKind::kMin ? " >= " : " <= ";
  return c.name + op +
         (c.relative_to_uln ? formatNumber(c.value) + " x ULN" : withUnit(c.value, c.unit));
}

// One condition on its own: status, value, limit and a short text without the citation.
struct Evaluation {
  CheckStatus status = CheckStatus::kMissing;
  std::optional<double> value;
  std::optional<double> limit;
  std::string text;
};

Evaluation evaluate(const LabCondition& c, const LabResults& res) {
  Evaluation e;
  const auto v = res.values.find(c.name);
  if (v == res.values.end()) {
    e.text = c.name + " missing";
    return e;
  }
  e.value = v->second;
  if (const auto u = res.units.find(c.name); u != res.units.end() && u->second != c.unit) {
    e.text = c.name + " given in " + u->second + ", the rule needs " + c.unit;
    return e;
  }
  double limit = c.value;
  std::string uln_text;
  if (c.relative_to_uln) {
    const auto uln = res.uln.find(c.name);
    if (uln == res.uln.end()) {
      e.text = c.name + " " + withUnit(*e.value, c.unit) + " without its ULN (needed for " +
               formatNumber(c.value) + " x ULN)";
      return e;
    }
    limit = c.value * uln->second;
    uln_text = " (" + formatNumber(c.value) + " x ULN " + withUnit(uln->second, c.unit) + ")";
  }
  e.limit = limit;
  const bool ok = c.kind == LimitKind::kMin ? *e.value >= limit : *e.value <= limit;
  e.status = ok ? CheckStatus::kPassed : CheckStatus::kFailed;
  const std::string op = c.kind == LimitKind::kMin ? (ok ? " >= " : " < ") : (ok ? " <= " : " > ");
  e.text = c.name + " " + withUnit(*e.value, c.unit) + op + withUnit(limit, c.unit) + uln_text;
  return e;
}

}  // namespace

std::string toString(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPassed:
      return "passed";
    case CheckStatus::kFailed:
      return "failed";
    case CheckStatus::kMissing:
      break;
  }
  return "missing";
}

std::string toString(LabDecision decision) {
  switch (decision) {
    case LabDecision::kProceed:
      return "proceed";
    case LabDecision::kPostpone:
      return "postpone";
    case LabDecision::kIncomplete:
      break;
  }
  return "incomplete";
}

std::vector<LabResults> readLabsFile(const std::filesystem::path& file) {
  json root;
  try {
    root = json_io::parseJsonFile(file, "lab results");
  } catch (const json::exception& e) {
    // parseJsonFile turns json::parse_error into CorruptDataError, not the out_of_range of a
    // number beyond double (found by fuzz_labs).
    throw CorruptDataError(file.filename().string() + ": not valid JSON: " + e.what());
  }
  const FieldReader r(file.filename().string());
  std::vector<LabResults> out;
  if (root.is_object() && root.contains("sessions")) {
    r.object(root, "", {"sessions"});
    const json& sessions = r.array(root, "", "sessions");
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      out.push_back(readResults(r, sessions[i], FieldReader::element("sessions", i)));
    }
  } else {
    out.push_back(readResults(r, root, ""));
  }
  return out;
}

LabReport checkLabs(const ProtocolProfile& profile, const LabResults& results) {
  LabReport report;
  bool any_failed = false;
  bool any_missing = false;
  for (const LabRule& rule : profile.labs) {
    const Evaluation primary = evaluate(rule, results);
    std::optional<Evaluation> alt;
    if (primary.status != CheckStatus::kPassed && rule.alternative) {
      alt = evaluate(*rule.alternative, results);
    }
    LabCheck check;
    check.name = rule.name;
    check.source = rule.source;
    std::string cited = ruleText(rule);
    if (rule.alternative) cited += " or " + ruleText(*rule.alternative);
    // The alternative decides when it passes, or when the primary is missing and it fails.
    const bool use_alt =
        alt && (alt->status == CheckStatus::kPassed ||
                (primary.status == CheckStatus::kMissing && alt->status == CheckStatus::kFailed));
    const Evaluation& decided = use_alt ? *alt : primary;
    const LabCondition& cond = use_alt ? *rule.alternative : static_cast<const LabCondition&>(rule);
    check.quantity = cond.name;
    check.unit = cond.unit;
    check.value = decided.value;
    check.limit = decided.limit;
    if (alt && alt->status == CheckStatus::kPassed) {
      check.status = CheckStatus::kPassed;
    } else if (alt &&
               (primary.status == CheckStatus::kMissing || alt->status == CheckStatus::kMissing)) {
      check.status = CheckStatus::kMissing;  // one condition undecided, none passing
    } else {
      check.status = primary.status;  // no alternative, primary passed, or both failed
    }
    check.passed = check.status == CheckStatus::kPassed;
    std::string text = decided.text;
    if (alt && !use_alt) text += "; " + alt->text;
    if (alt && use_alt) text = primary.text + "; " + alt->text;
    check.text = text + " (" + profile.name + ": " + cited + ")";
    if (rule.advisory && check.status == CheckStatus::kFailed) {
      check.text = "advisory, does not postpone: " + check.text;
    } else {
      any_failed = any_failed || check.status == CheckStatus::kFailed;
    }
    any_missing = any_missing || check.status == CheckStatus::kMissing;
    if (!check.passed) report.reasons.push_back(check.text);
    report.checks.push_back(std::move(check));
  }
  report.decision = any_failed    ? LabDecision::kPostpone
                    : any_missing ? LabDecision::kIncomplete
                                  : LabDecision::kProceed;
  return report;
}

}  // namespace rfa::planning
