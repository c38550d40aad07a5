// The trial endpoints of a cohort: per patient from the dated records, then per arm with the
// survival statistics of survival.h and Wilson intervals for the rates.
#include "rfa/outcomes/cohort.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rfa/core/error.h"

namespace rfa::outcomes {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// |log HR| beyond this (HR > 22000) is a coefficient running off to infinity, not an estimate.
constexpr double kMaxLogHazardRatio = 10.0;

// Days since 1970-01-01 of a valid yyyy-mm-dd, or nullopt (H. Hinnant's days_from_civil).
std::optional<long> civilDays(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  }
  const long y0 = std::stol(s.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoul(s.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoul(s.substr(8, 2)));
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y0 % 4 == 0 && y0 % 100 != 0) || y0 % 400 == 0;
  if (d > kDays[m - 1] + ((m == 2 && leap) ? 1U : 0U)) return std::nullopt;
  const long y = m <= 2 ? y0 - 1 : y0;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

long checkedDays(const std::string& date, const std::string& what) {
  const std::optional<long> d = civilDays(date);
  if (!d) throw UsageError(what + " must be yyyy-mm-dd (got \"" + date + "\")");
  return *d;
}

int responseRank(const std::string& r) {
  if (r == "CR") return 3;
  if (r == "PR") return 2;
  if (r == "SD") return 1;
  if (r == "PD") return 0;
  return -1;
}

ArmSurvival armSurvival(const std::vector<Subject>& subjects) {
  ArmSurvival s;
  s.km = kaplanMeier(subjects);
  s.year1 = s.km.survivalAt(365);
  s.year2 = s.km.survivalAt(730);
  s.year3 = s.km.survivalAt(1095);
  return s;
}

ArmEndpoints::Mean meanOf(const std::vector<double>& v) {
  ArmEndpoints::Mean m;
  m.n = static_cast<int>(v.size());
  m.mean = v.empty() ? kNaN : 0.0;
  for (const double x : v) m.mean += x / static_cast<double>(v.size());
  return m;
}

Comparison compare(const std::vector<Subject>& subjects) {
  Comparison c;
  std::set<int> present;
  for (const Subject& s : subjects) present.insert(s.arm);
  if (present.size() < 2) {
    c.note = "fewer than two arms with patients: no comparison";
    return c;
  }
  try {
    c.log_rank = logRank(subjects);
  } catch (const UsageError& e) {
    c.note = std::string("log-rank test not estimable: ") + e.what();
  }
  std::vector<Subject> two;
  for (const Subject& s : subjects) {
    if (s.arm == 0 || s.arm == 1) two.push_back(s);
  }
  std::set<int> first_two;
  for (const Subject& s : two) first_two.insert(s.arm);
  if (first_two.size() < 2) {
    c.note += std::string(c.note.empty() ? "" : "; ") +
              "hazard ratio needs patients in both of the first two arms";
    return c;
  }
  try {
    const CoxModel m = coxPH(withArmIndicator(two), Ties::kEfron);
    const CoxCoefficient& k = m.coefficients.at(0);
    // A monotone likelihood (e.g. every event in one arm) drives the coefficient to infinity:
    // R's coxph warns "coefficient may be infinite"; here the ratio is not reported.
    if (!m.converged || !std::isfinite(k.coef) || std::abs(k.coef) > kMaxLogHazardRatio ||
        !std::isfinite(k.upper)) {
      c.note += std::string(c.note.empty() ? "" : "; ") +
                "hazard ratio not estimable (monotone likelihood: the events of the first two "
                "arms fall in one arm only, or the model did not converge)";
    } else {
      c.hazard_ratio = m.coefficients.at(0);
    }
  } catch (const UsageError& e) {
    c.note += std::string(c.note.empty() ? "" : "; ") + "hazard ratio not estimable: " + e.what();
  }
  return c;
}

}  // namespace

int daysBetween(const std::string& from, const std::string& to, const std::string& what) {
  return static_cast<int>(checkedDays(to, what) - checkedDays(from, what));
}

Proportion wilson(int successes, int n) {
  if (n < 0 || successes < 0 || successes > n) {
    throw UsageError("a proportion needs 0 <= successes <= n (got " + std::to_string(successes) +
                     " of " + std::to_string(n) + ")");
  }
  Proportion p;
  p.successes = successes;
  p.n = n;
  if (n == 0) {
    p.rate = p.lower = p.upper = kNaN;
    return p;
  }
  const double z = kZ975;
  const double nn = n;
  const double r = successes / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (r + z * z / (2 * nn)) / denom;
  const double half = z / denom * std::sqrt(r * (1 - r) / nn + z * z / (4 * nn * nn));
  p.rate = r;
  p.lower = std::max(0.0, centre - half);
  p.upper = std::min(1.0, centre + half);
  return p;
}

std::map<std::string, std::string> endpointDefinitions() {
  return {
      {"first_ablation",
       "Day 0: the earliest date of an RFA event in the timelines of the patient's plans; patients "
       "without one are excluded."},
      {"censoring",
       "Without the event, a patient is censored at the latest recorded date: last contact, any "
       "outcome record, follow-up or ablation date (records after --today ignored)."},
      {"os", "Overall survival: days from the first ablation to death (any cause)."},
      {"pfs",
       "Liver progression-free survival: days from the first ablation to the first local tumour "
       "progression (LTP), new intrahepatic lesion or death; PFS at 12 months = KM S(365 d)."},
      {"km",
       "Kaplan-Meier per arm (median with 95% CI, log scale), 1/2/3-year rates at 365/730/1095 "
       "days; log-rank test across arms; Cox hazard ratio (Efron ties, Wald 95% CI) of the "
       "second arm vs the first."},
      {"orr_6m",
       "Objective response rate at 6 months: best mRECIST response (CR > PR > SD > PD) recorded "
       "within 183 days of the first ablation is CR or PR, among patients with a response "
       "recorded in that window; Wilson 95% CI."},
      {"lcr_6m",
       "Local control rate at 6 months: no LTP within 183 days of the first ablation, among "
       "patients followed >= 183 days or with an LTP earlier; Wilson 95% CI."},
      {"ae_90d",
       "Adverse events dated 0-90 days after any ablation: per patient any grade, CTCAE grade >= 3 "
       "and related (possible, probable or definite); rates are patients with >= 1 such event "
       "among the patients of the arm; Wilson 95% CI."},
      {"qlq_c30",
       "EORTC QLQ-C30 global health status (QL2, 0-100): baseline = the last questionnaire on or "
       "before day 0; 3 and 6 months = the nearest to day 91 and day 183 within +/-30 days (the "
       "earlier on a tie); arm means of the patients with a value."},
  };
}

CohortResult analyzeCohort(const std::vector<CohortPatient>& patients,
                           const CohortOptions& options) {
  // The last day of records analysed (no limit without options.today).
  const long today = options.today.empty() ? std::numeric_limits<long>::max()
                                           : checkedDays(options.today, "today");
  CohortResult out;
  {
    std::set<std::string> present;
    for (const CohortPatient& p : patients) {
      if (!p.arm.empty()) present.insert(p.arm);
    }
    if (options.arms.empty()) {
      out.arms.assign(present.begin(), present.end());
    } else {
      for (const std::string& a : options.arms) {
        if (present.count(a) == 0) {
          throw UsageError("no patient has the arm \"" + a + "\"");
        }
        if (std::find(out.arms.begin(), out.arms.end(), a) == out.arms.end()) {
          out.arms.push_back(a);
        }
      }
    }
  }
  std::vector<std::vector<double>> ghs(out.arms.size() * 3);
  for (const CohortPatient& p : patients) {
    const auto arm_it = std::find(out.arms.begin(), out.arms.end(), p.arm);
    if (p.arm.empty() || arm_it == out.arms.end()) continue;
    const int arm = static_cast<int>(arm_it - out.arms.begin());
    const std::string who = "patient " + p.key + ": ";
    const auto inWindow = [today](long d) { return d <= today; };

    PatientEndpoints e;
    e.key = p.key;
    e.arm = p.arm;
    std::vector<long> ablations;
    for (const std::string& d : p.ablation_dates) {
      const long v = checkedDays(d, who + "ablation date");
      if (inWindow(v)) {
        ablations.push_back(v);
      } else {
        e.notes.push_back("ablation " + d + " after today: ignored");
      }
    }
    std::sort(ablations.begin(), ablations.end());
    ablations.erase(std::unique(ablations.begin(), ablations.end()), ablations.end());
    if (ablations.empty()) {
      out.excluded.push_back({p.key, p.arm,
                              p.ablation_dates.empty()
                                  ? "no dated first ablation (no RFA event with a date in the "
                                    "patient's plans)"
                                  : "no ablation on or before today"});
      continue;
    }
    const long t0 = ablations.front();
    const std::string& t0_text =
        *std::min_element(p.ablation_dates.begin(), p.ablation_dates.end());
    e.first_ablation = t0_text;
    e.ablations = static_cast<int>(ablations.size());

    long last = ablations.back();
    std::string last_text;
    for (const std::string& d : p.ablation_dates) {
      if (checkedDays(d, who + "ablation date") == last) last_text = d;
    }
    const auto extend = [&](long d, const std::string& text) {
      if (d > last) {
        last = d;
        last_text = text;
      }
    };
    for (const std::string& d : p.contact_dates) {
      const long v = checkedDays(d, who + "contact date");
      if (inWindow(v)) extend(v, d);
    }
    std::optional<long> death;
    std::optional<long> progression;
    std::string death_text;
    std::string progression_text;
    int best_rank = -1;
    std::optional<long> ltp_6m;
    std::vector<std::pair<long, double>> qlq;
    for (const CohortEvent& ev : p.events) {
      const long d = checkedDays(ev.date, who + ev.kind + " date");
      if (!inWindow(d)) {
        e.notes.push_back(ev.kind + " " + ev.date + " after today: ignored");
        continue;
      }
      extend(d, ev.date);
      const long day = d - t0;
      const bool progressive = ev.kind == "ltp" || ev.kind == "new-intrahepatic";
      if ((ev.kind == "death" || progressive) && day < 0) {
        e.notes.push_back(ev.kind + " " + ev.date + " before the first ablation: ignored");
        continue;
      }
      if (ev.kind == "death" && (!death || d < *death)) {
        death = d;
        death_text = ev.date;
      }
      if ((ev.kind == "death" || progressive) && (!progression || d < *progression)) {
        progression = d;
        progression_text = ev.date;
      }
      if (ev.kind == "ltp" && day <= kSixMonthsDays && !ltp_6m) ltp_6m = day;
      if (ev.kind == "response" && day >= 0 && day <= kSixMonthsDays &&
          responseRank(ev.response) > best_rank) {
        best_rank = responseRank(ev.response);
        e.best_response_6m = ev.response;
      }
      if (ev.kind == "adverse-event") {
        const bool within = std::any_of(ablations.begin(), ablations.end(), [&](long a) {
          return d - a >= 0 && d - a <= kAdverseEventDays;
        });
        if (within) {
          ++e.adverse_events_90d;
          e.ae_any = true;
          e.ae_grade3 = e.ae_grade3 || ev.grade >= 3;
          e.ae_related = e.ae_related || ev.relation == "possible" || ev.relation == "probable" ||
                         ev.relation == "definite";
          e.ae_max_grade = std::max(e.ae_max_grade, ev.grade);
        }
      }
      if (ev.kind == "qlq-c30" && ev.global_health) qlq.emplace_back(day, *ev.global_health);
    }
    e.last_date = last_text;
    e.os = death ? PatientTime{static_cast<double>(*death - t0), true, death_text}
                 : PatientTime{static_cast<double>(last - t0), false, last_text};
    e.pfs = progression
                ? PatientTime{static_cast<double>(*progression - t0), true, progression_text}
                : PatientTime{static_cast<double>(last - t0), false, last_text};
    if (best_rank >= 0) e.objective_response_6m = best_rank >= 2;
    if (ltp_6m) {
      e.local_control_6m = false;
    } else if (last - t0 >= kSixMonthsDays) {
      e.local_control_6m = true;
    }
    // QLQ-C30: baseline the last on or before day 0; 3 and 6 months the nearest in the window.
    std::stable_sort(qlq.begin(), qlq.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [day, v] : qlq) {
      if (day <= 0) e.ghs_baseline = v;
    }
    const auto nearest = [&](long target) -> std::optional<double> {
      std::optional<double> best;
      long best_dist = kQlqWindowDays + 1;
      for (const auto& [day, v] : qlq) {
        const long dist = std::labs(day - target);
        if (dist < best_dist) {
          best_dist = dist;
          best = v;
        }
      }
      return best;
    };
    e.ghs_3m = nearest(kThreeMonthsDays);
    e.ghs_6m = nearest(kSixMonthsDays);
    for (int k = 0; k < 3; ++k) {
      const std::optional<double>& g = k == 0 ? e.ghs_baseline : k == 1 ? e.ghs_3m : e.ghs_6m;
      if (g) ghs[static_cast<std::size_t>(arm) * 3 + static_cast<std::size_t>(k)].push_back(*g);
    }
    Subject os;
    os.time = e.os.days;
    os.event = e.os.event;
    os.arm = arm;
    out.os_subjects.push_back(os);
    Subject pfs = os;
    pfs.time = e.pfs.days;
    pfs.event = e.pfs.event;
    out.pfs_subjects.push_back(pfs);
    out.patients.push_back(std::move(e));
  }

  for (std::size_t a = 0; a < out.arms.size(); ++a) {
    ArmEndpoints arm;
    arm.arm = out.arms[a];
    std::vector<Subject> os;
    std::vector<Subject> pfs;
    int orr = 0;
    int orr_n = 0;
    int lcr = 0;
    int lcr_n = 0;
    int any = 0;
    int g3 = 0;
    int rel = 0;
    for (std::size_t i = 0; i < out.patients.size(); ++i) {
      const PatientEndpoints& p = out.patients[i];
      if (p.arm != arm.arm) continue;
      ++arm.n;
      os.push_back(out.os_subjects[i]);
      pfs.push_back(out.pfs_subjects[i]);
      if (p.objective_response_6m) {
        ++orr_n;
        orr += *p.objective_response_6m ? 1 : 0;
      }
      if (p.local_control_6m) {
        ++lcr_n;
        lcr += *p.local_control_6m ? 1 : 0;
      }
      any += p.ae_any ? 1 : 0;
      g3 += p.ae_grade3 ? 1 : 0;
      rel += p.ae_related ? 1 : 0;
    }
    if (!os.empty()) {
      arm.os = armSurvival(os);
      arm.pfs = armSurvival(pfs);
    }
    arm.orr_6m = wilson(orr, orr_n);
    arm.lcr_6m = wilson(lcr, lcr_n);
    arm.ae_any = wilson(any, arm.n);
    arm.ae_grade3 = wilson(g3, arm.n);
    arm.ae_related = wilson(rel, arm.n);
    arm.ghs_baseline = meanOf(ghs[a * 3]);
    arm.ghs_3m = meanOf(ghs[a * 3 + 1]);
    arm.ghs_6m = meanOf(ghs[a * 3 + 2]);
    out.per_arm.push_back(std::move(arm));
  }
  if (!out.patients.empty()) {
    out.os = compare(out.os_subjects);
    out.pfs = compare(out.pfs_subjects);
  } else {
    out.os.note = out.pfs.note = "no patient analysed";
  }
  return out;
}

}  // namespace rfa::outcomes
