#pragma once
/// \file cohort.h
/// \brief The trial endpoints of a cohort of RFA patients (the batch-RFA trials' definitions,
/// docs in the report's "definitions"): overall survival, liver progression-free survival,
/// objective response rate and local control rate at 6 months, adverse events within 90 days of
/// each ablation, and EORTC QLQ-C30 global health status; per patient, then per arm with
/// Kaplan-Meier curves, the log-rank test and the Cox hazard ratio (survival.h). Plain structs in,
/// plain structs out: no database. Research use only: statistics for a study report, never a
/// clinical decision on one patient.
///
/// Units and formats: dates are "yyyy-mm-dd" (proleptic Gregorian); times are in days from the
/// first ablation (day 0); months are days / 30.4375; rates are proportions in [0, 1];
/// confidence intervals are two-sided 95% (Wilson score for proportions; survival.h for the
/// rest). NaN stands for a value that is not defined (no patient evaluable, not estimable).
///
/// Errors: analyzeCohort() throws rfa::UsageError for a malformed date or today, or an arm asked
/// for that no patient has; patients without a dated first ablation are not an error but listed
/// as excluded, with the reason.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rfa/outcomes/survival.h"

namespace rfa::outcomes {

/// Days of the windows of the definitions.
inline constexpr int kSixMonthsDays = 183;    ///< ORR and LCR at 6 months
inline constexpr int kThreeMonthsDays = 91;   ///< QLQ-C30 at 3 months
inline constexpr int kAdverseEventDays = 90;  ///< adverse events after each ablation
inline constexpr int kQlqWindowDays = 30;     ///< QLQ-C30 at 3 / 6 months: nearest within +/-30 d
inline constexpr double kDaysPerMonth = 30.4375;

/// One outcome event of a patient (the case database's OutcomeRecord, without the database).
struct CohortEvent {
  /// "death", "last-contact", "ltp", "new-intrahepatic", "new-extrahepatic", "response",
  /// "adverse-event" or "qlq-c30"; other kinds are ignored.
  std::string kind;
  std::string date;      ///< yyyy-mm-dd
  int lesion = 0;        ///< ltp: the lesion id
  std::string response;  ///< response: "CR", "PR", "SD" or "PD"
  int grade = 0;         ///< adverse-event: CTCAE grade 1-5
  std::string relation;  ///< adverse-event: unrelated|unlikely|possible|probable|definite
  std::optional<double> global_health;  ///< qlq-c30: QL2 (global health status), 0-100
};

/// One patient of the cohort.
struct CohortPatient {
  std::string key;  ///< patient key
  std::string arm;  ///< trial arm ("" : not in the analysis, not listed)
  /// Dates of the patient's ablations (the RFA events of the plans); the earliest is day 0.
  std::vector<std::string> ablation_dates;
  /// Other dates the patient was seen (follow-ups): they extend the follow-up for censoring.
  std::vector<std::string> contact_dates;
  std::vector<CohortEvent> events;
};

/// What to analyse.
struct CohortOptions {
  /// The arms, in order (the first is the Cox reference, the second compared with it); empty =
  /// every arm present, sorted by name.
  std::vector<std::string> arms;
  /// The analysis date (yyyy-mm-dd): records dated after it are ignored. "" = no limit.
  std::string today;
};

/// A time-to-event endpoint of one patient.
struct PatientTime {
  double days = 0;     ///< from the first ablation to the event or the censoring
  bool event = false;  ///< true: event; false: censored
  std::string date;    ///< date of the event or of the censoring
};

/// The endpoints of one patient.
struct PatientEndpoints {
  std::string key;
  std::string arm;
  std::string first_ablation;  ///< yyyy-mm-dd, day 0
  int ablations = 0;           ///< distinct ablation dates
  std::string last_date;       ///< the latest recorded date (censoring date without an event)
  PatientTime os;              ///< overall survival: to death
  PatientTime pfs;             ///< liver PFS: to the first LTP, new intrahepatic lesion or death
  /// Best mRECIST response within [day 0, day 183] ("" : none recorded in that window).
  std::string best_response_6m;
  std::optional<bool> objective_response_6m;  ///< CR or PR; absent when no response in the window
  std::optional<bool> local_control_6m;       ///< no LTP by day 183; absent when not evaluable
  int adverse_events_90d = 0;                 ///< AEs within 90 days after an ablation (any grade)
  bool ae_any = false;                        ///< >= 1 AE within 90 days of an ablation
  bool ae_grade3 = false;                     ///< ... of grade >= 3
  bool ae_related = false;                    ///< ... possibly, probably or definitely related
  int ae_max_grade = 0;                       ///< highest grade within the windows (0: none)
  std::optional<double> ghs_baseline;         ///< QL2 of the last QLQ-C30 on or before day 0
  std::optional<double> ghs_3m;               ///< QL2 nearest to day 91 within +/-30 days
  std::optional<double> ghs_6m;               ///< QL2 nearest to day 183 within +/-30 days
  /// Records ignored (dated before day 0 where that makes no sense, or after today), as text.
  std::vector<std::string> notes;
};

/// A patient left out, with the reason.
struct ExcludedPatient {
  std::string key;
  std::string arm;
  std::string reason;
};

/// A proportion with its Wilson score 95% CI.
struct Proportion {
  int successes = 0;
  int n = 0;         ///< evaluable patients
  double rate = 0;   ///< successes / n (NaN when n = 0)
  double lower = 0;  ///< Wilson 95% CI (NaN when n = 0)
  double upper = 0;
};

/// \brief successes / n with the Wilson score interval (z = 1.96).
/// \throws UsageError unless 0 <= successes <= n.
Proportion wilson(int successes, int n);

/// A Kaplan-Meier summary of one endpoint in one arm.
struct ArmSurvival {
  KaplanMeier km;                         ///< the curve (days)
  std::optional<SurvivalEstimate> year1;  ///< S(365 d); absent past the data's last time
  std::optional<SurvivalEstimate> year2;  ///< S(730 d)
  std::optional<SurvivalEstimate> year3;  ///< S(1095 d)
};

/// One arm.
struct ArmEndpoints {
  std::string arm;
  int n = 0;  ///< patients analysed
  ArmSurvival os;
  ArmSurvival pfs;  ///< pfs.year1 is PFS at 12 months
  Proportion orr_6m;
  Proportion lcr_6m;
  Proportion ae_any;
  Proportion ae_grade3;
  Proportion ae_related;
  struct Mean {
    int n = 0;
    double mean = 0;  ///< NaN when n = 0
  };
  Mean ghs_baseline;
  Mean ghs_3m;
  Mean ghs_6m;
};

/// A comparison of the arms on one endpoint (first two arms for the Cox model).
struct Comparison {
  std::optional<LogRank> log_rank;  ///< absent when not estimable (see note)
  /// Cox hazard ratio of the second arm vs the first (coefficient 0 of the model), Efron ties;
  /// absent (with a note) when not estimable: no events, a monotone likelihood (|log HR| > 10 or
  /// an infinite CI, e.g. every event in one arm) or no convergence.
  std::optional<CoxCoefficient> hazard_ratio;
  std::string note;  ///< why a test is absent ("" when both are there)
};

/// The analysis.
struct CohortResult {
  std::vector<std::string> arms;  ///< in analysis order
  std::vector<PatientEndpoints> patients;
  std::vector<ExcludedPatient> excluded;
  std::vector<ArmEndpoints> per_arm;  ///< in `arms` order
  Comparison os;
  Comparison pfs;
  /// The subjects given to survival.h (times in days, arm = index into `arms`), by patient.
  std::vector<Subject> os_subjects;
  std::vector<Subject> pfs_subjects;
};

/// \brief The endpoints of the cohort (definitions in cohort.h's members and the README).
/// Patients with an empty arm, or an arm not in options.arms (when given), are not analysed and
/// not listed.
/// \throws UsageError for a malformed date (naming the patient and the date), a malformed
/// options.today, or an arm of options.arms that no patient has.
CohortResult analyzeCohort(const std::vector<CohortPatient>& patients,
                           const CohortOptions& options = {});

/// \brief Days from `from` to `to` (yyyy-mm-dd each; negative when `to` is earlier).
/// \throws UsageError naming `what` for a malformed date.
int daysBetween(const std::string& from, const std::string& to, const std::string& what = "date");

/// \brief The definitions of the endpoints as implemented, one text per endpoint name
/// ("os", "pfs", "orr_6m", "lcr_6m", "ae_90d", "qlq_c30", "first_ablation", "censoring").
std::map<std::string, std::string> endpointDefinitions();

}  // namespace rfa::outcomes
