#pragma once
/// \file plan_io.h
/// \brief The plan file (JSON, docs/plan-format.md): deterministic writing, strict reading, and
/// saving over an earlier revision without ever losing it. Research use only.
///
/// Frames and units as in plan.h: DICOM patient LPS millimetres, unit direction vectors, volumes
/// in mL, fractions in [0, 1], percentages in 0..100, dates yyyy-mm-dd. Key names carry their
/// unit or frame: "_mm", "_ml", "_deg", "_pct", "_c" (degrees Celsius), "_lps" (a direction or
/// axes in LPS), "_lps_mm" (a point in LPS mm).

#include <filesystem>
#include <optional>
#include <string>

#include "rfa/planning/plan.h"

namespace rfa::planning {

/// \brief The plan as JSON text: nlohmann::json dump(2) plus a final "\n", members in a fixed
/// order (docs/plan-format.md). Deterministic: equal plans give equal bytes. Every floating-point
/// number is rounded to 1e-4 (round half away from zero; -0 is written 0); the rounding is
/// idempotent, so for any text T this function wrote, serializePlan(parsePlan(T)) == T byte for
/// byte. An absent optional number or object is written as null. "format_version" is always
/// kPlanFormatVersion (plan.format_version is not written); "passed" of a LabCheck is not written
/// (it is status == "passed").
/// \throws std::invalid_argument naming the JSON path when a number that is not optional is not
/// finite (a bug of the plan's producer: non-finite numbers are never written).
std::string serializePlan(const TreatmentPlan& plan);

/// \brief Parses plan text strictly. `file_name` is used in messages only.
///
/// Checks, in order: valid JSON; a top-level object; "format" == kPlanFormatName; "format_version"
/// an integer, not greater than kPlanFormatVersion; then every member: unknown keys are rejected
/// (keys starting with '_' are comments), every member is required (optional values are null)
/// except settings.prior_sessions, settings.prior_ablated_volume_ml and settings.prior_plan
/// (re-planning after earlier sessions, added to format_version 1 later: absent = 0, 0, ""),
/// types and ranges are checked (ids >= 1, volumes >= 0, fractions and probabilities in [0, 1],
/// percentages in [0, 100], directions and axes unit within 1e-3, zone semi-axes > 0, dates valid
/// yyyy-mm-dd or "", enumerations: flag, session decision, review status, lab decision and status,
/// event kind). Consistency between members (ids, sessions, volumes, profile limits) is not
/// checked here: that is validatePlan() (plan_check.h).
/// \throws CorruptDataError "<file_name>: <json path> <what>", e.g.
/// "plan.json: lesions[1].flag must be one of none, no safe path, ... (got \"big\")".
/// \throws UnsupportedError when "format_version" is newer than kPlanFormatVersion (the message
/// names both versions); a version < 1 is a CorruptDataError.
TreatmentPlan parsePlan(const std::string& text, const std::string& file_name);

/// \brief Reads and parses a plan file (messages name `file` as given).
/// \throws NotFoundError "cannot open plan file <file>" when it cannot be opened; otherwise as
/// parsePlan().
TreatmentPlan readPlanFile(const std::filesystem::path& file);

/// \brief Refuses, before any work, a plan target that holds something else: does nothing when
/// `file` does not exist or is a readable plan (readPlanFile()).
/// \throws CorruptDataError "refusing to overwrite <file>: it is not a valid plan (<reason>); move
/// it away or choose another output file" (writePlanFile() refuses the same way).
void requirePlanTarget(const std::filesystem::path& file);

/// The outcome of writePlanFile().
struct PlanWriteResult {
  int revision = 1;  ///< the revision `file` holds now
  /// Where the previous revision was kept (e.g. plan.r3.json); absent when nothing was replaced.
  std::optional<std::filesystem::path> previous_kept;
  bool unchanged = false;  ///< true when `file` already held this content: nothing was written
};

/// \brief Saves `plan` to `file`, never losing an earlier revision and never overwriting a file
/// that is not a plan:
///  - `file` does not exist: writes serializePlan(plan) with plan.revision as it is.
///  - `file` exists but readPlanFile() fails on it (not JSON, not a plan, newer format, cannot be
///    read): throws CorruptDataError "refusing to overwrite <file>: it is not a valid plan
///    (<reason>); move it away or choose another output file"; `file` is untouched.
///  - `file` is a valid plan whose content equals `plan`'s with the revision ignored (equal
///    serializePlan() text once both have the same revision): writes nothing, sets plan.revision
///    to the file's revision and returns unchanged = true (so load + save is byte-identical).
///  - otherwise: sets plan.revision = the file's revision + 1, keeps the file as
///    `<stem>.r<old revision><ext>` beside it (plan.json revision 3 -> plan.r3.json; a hard link,
///    or a copy where the file system has no hard links; an existing kept file is never
///    overwritten: the name then gets "-2", "-3", ... as in plan.r3-2.json), then writes the new
///    text.
/// Every write is atomic (writeFileAtomically(), atomic_file.h): a failure leaves `file` with its
/// previous content; on failure plan.revision is restored and a kept copy made by this call is
/// removed.
/// \throws CorruptDataError as above; WriteError naming the file when keeping the old revision or
/// writing fails; std::invalid_argument as serializePlan().
PlanWriteResult writePlanFile(const std::filesystem::path& file, TreatmentPlan& plan);

}  // namespace rfa::planning
