#pragma once
/// \file profile.h
/// \brief Protocol profiles: the eligibility, safety and scheduling numbers of one treatment
/// protocol (a clinical trial), read from JSON files in resources/profiles/ (schema:
/// resources/profiles/README.md). Research use only: the numbers are the trials' published
/// criteria or user-set defaults, never a clinical recommendation.
///
/// Units: lengths in mm, durations in days or months as named, fractions in [0, 1], lab values in
/// the unit string of their rule (a rule with relative_to_uln has a value that is a multiple of the
/// upper limit of normal, ULN, of the laboratory that measured it).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rfa::planning {

/// Sessions of RFA and how many lesions (targets) each one treats.
struct SessionLimits {
  int max_sessions = 3;  ///< RFA sessions at most (>= 1)
  int min_targets = 2;   ///< lesions ablated per session, at least (>= 1)
  int max_targets = 6;   ///< lesions ablated per session, at most (>= min_targets)
};

/// Lesion limits for eligibility (absent: no limit in that protocol).
struct LesionLimits {
  std::optional<int> max_count;           ///< intrahepatic lesions at most
  std::optional<double> max_diameter_mm;  ///< largest lesion diameter, mm
};

/// Ablative margins around each lesion, mm.
struct Margins {
  double minimum_mm = 5;  ///< minimal ablative margin
  double target_mm = 10;  ///< preferred margin (>= minimum_mm)
};

/// Safety limits.
struct Safety {
  /// Ablated fraction of the liver volume at most, in (0, 1]; it applies to each session and to
  /// the cumulated ablations of all sessions.
  double max_ablated_liver_fraction = 1.0 / 3.0;
};

/// Intervals of the treatment timeline.
struct Intervals {
  int systemic_cycles_between_sessions_min = 1;  ///< systemic therapy cycles between two RFAs
  int systemic_cycles_between_sessions_max = 2;
  /// Length of one systemic therapy cycle, days. No trial fixes it (it depends on the regimen):
  /// 21 is a default the user sets per patient/profile.
  int cycle_length_days = 21;
  int min_days_systemic_to_rfa = 7;       ///< days between systemic therapy and an RFA, at least
  int imaging_after_rfa_days = 30;        ///< technical-success imaging this many days after RFA
  int followup_interval_months = 3;       ///< follow-up imaging interval during followup_years
  int followup_years = 2;                 ///< years of follow-up at followup_interval_months
  int late_followup_interval_months = 6;  ///< CT/MRI interval after followup_years
};

/// Needle access: the ultrasound-guided percutaneous window and path safety (trajectory.h applies
/// them). Defaults are rfaplan's, not a trial's: anterior/lateral subcostal or intercostal entries.
struct Access {
  double max_posterior_normal = 0.3;    ///< skin normal . posterior at most, in [-1, 1]
  double below_liver_mm = 50;           ///< entries at most this far below the liver (subcostal)
  double above_liver_mm = 0;            ///< and this far above its top (intercostal, not above it)
  double max_skin_angle_deg = 60;       ///< needle vs inward skin normal, in [0, 90]
  double vessel_safety_mm = 3;          ///< distance kept from large vessels, >= 0
  double large_vessel_diameter_mm = 3;  ///< vessels this thick or more count, > 0
};

/// Patient eligibility (absent: not a criterion of that protocol).
struct PatientCriteria {
  std::optional<int> age_min;                        ///< years
  std::optional<int> age_max;                        ///< years
  std::optional<int> child_pugh_max;                 ///< Child-Pugh score (5..15)
  std::optional<int> ecog_max;                       ///< ECOG performance status (0..5)
  std::optional<int> min_days_since_last_treatment;  ///< days
};

/// Direction of a lab limit: the value must be >= (kMin) or <= (kMax) the limit.
enum class LimitKind { kMin, kMax };

/// "min" or "max".
std::string toString(LimitKind kind);

/// One lab threshold, e.g. PLT >= 50 (1e9/L) or AST <= 5 x ULN.
struct LabCondition {
  std::string name;  ///< lab name as in the lab results, e.g. "PLT", "CrCl"
  std::string unit;  ///< unit of the lab value, e.g. "e9/L", "g/L", "U/L"; "" when dimensionless
  LimitKind kind = LimitKind::kMin;
  double value = 0;              ///< the limit; a multiple of ULN when relative_to_uln
  bool relative_to_uln = false;  ///< limit = value x the ULN given with the lab results
};

/// A lab rule: a condition, optionally satisfied instead by an alternative condition
/// (e.g. Cr <= 1.5 x ULN or CrCl >= 60 mL/min).
struct LabRule : LabCondition {
  std::optional<LabCondition> alternative;  ///< the JSON "or" member
  /// A failure is reported (check failed, a reason) but does not postpone the session, e.g.
  /// HBV-DNA above the limit only requires antiviral therapy. Default false.
  bool advisory = false;
  std::string source;  ///< citation of the rule
};

struct ProtocolProfile {
  std::string name;  ///< key, e.g. "batch-rfa" (letters, digits, '-', '_', '.')
  std::string description;
  std::vector<std::string> sources;  ///< citations (>= 1)
  SessionLimits sessions;
  LesionLimits lesions;
  Margins margins;
  Safety safety;
  Intervals intervals;
  Access access;  ///< JSON "access" (optional; each field optional)
  /// Image guidance of the needle placement: an id of the guidance catalogue (guidance.h). JSON
  /// "guidance" (optional; default "ultrasound-freehand"); checked against the catalogue when a
  /// plan is made, not when the profile is read.
  std::string guidance = "ultrasound-freehand";
  PatientCriteria patient;
  std::vector<LabRule> labs;  ///< checked before every session (names unique)
};

/// \brief Reads one profile file.
/// \throws NotFoundError when the file cannot be opened.
/// \throws CorruptDataError "<file>: <json path> <what>" for invalid JSON, a missing required
/// field, a wrong type, an unknown key (keys starting with '_' are comments), a value out of
/// range or inconsistent (min > max), a repeated lab name.
ProtocolProfile readProfileFile(const std::filesystem::path& file);

/// \brief Reads every *.json of `dir`, sorted by file name.
/// \throws NotFoundError when `dir` does not exist or holds no *.json.
/// \throws CorruptDataError as readProfileFile(), and when two files use the same name.
std::vector<ProtocolProfile> loadProfiles(const std::filesystem::path& dir);

/// \brief The profile called `name`.
/// \throws NotFoundError "unknown protocol profile 'x' (available: a, b)".
const ProtocolProfile& findProfile(const std::vector<ProtocolProfile>& profiles,
                                   const std::string& name);

/// \brief A profile given on the command line: a file when `name_or_file` ends in ".json" or has
/// a folder part (read with readProfileFile), else the shipped profile of that name.
/// \throws as readProfileFile(), loadProfiles() and findProfile().
ProtocolProfile resolveProfile(const std::string& name_or_file);

/// \brief resources/profiles: $RFA_RESOURCES/profiles if that variable is set, else the source
/// tree's resources (build tree use), else the installed share/rfaplan/resources/profiles.
std::filesystem::path defaultProfileDir();

}  // namespace rfa::planning
