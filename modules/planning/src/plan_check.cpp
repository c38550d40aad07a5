// Plan re-validation against its profile and itself (plan_check.h).
#include "rfa/planning/plan_check.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <utility>

#include "rfa/core/error.h"
#include "rfa/core/json_fields.h"

namespace rfa::planning {

namespace {

using json_io::FieldReader;
using json_io::formatNumber;

constexpr double kVolumeTolerance = 0.01;    // mL
constexpr double kFractionTolerance = 1e-3;  // of the liver volume
constexpr double kMarginTolerance = 1e-3;    // mm
constexpr double kUnitTolerance = 1e-3;
constexpr double kZoneTolerance = 0.01;  // mm

std::string num(double v) {
  return formatNumber(v);
}

std::string vecText(const Vec3& v) {
  return "[" + num(v.x()) + ", " + num(v.y()) + ", " + num(v.z()) + "]";
}

std::string member(const std::string& path, const std::string& key) {
  return FieldReader::member(path, key);
}
std::string element(const std::string& path, std::size_t i) {
  return FieldReader::element(path, i);
}

// The ablated volume that counts for a lesion: the confirmation's when present.
double ablatedVolume(const PlanLesion& l) {
  return l.confirmation ? l.confirmation->margins.ablated_volume_ml : l.preview.ablated_volume_ml;
}

class Checker {
 public:
  Checker(const TreatmentPlan& plan, const ProtocolProfile& profile,
          const std::vector<thermal::PreviewCalibration>* calibrations)
      : plan_(plan), profile_(profile), calibrations_(calibrations) {}

  std::vector<PlanProblem> run() {
    checkLesionIds();
    checkPrior();
    checkSessions();
    checkUnplaced();
    checkLesions();
    checkVolumes();
    checkPlacements();
    checkSettings();
    checkTimeline();
    return std::move(problems_);
  }

 private:
  void error(std::string where, std::string text) {
    problems_.push_back({true, std::move(where), std::move(text)});
  }
  void warning(std::string where, std::string text) {
    problems_.push_back({false, std::move(where), std::move(text)});
  }

  void checkLesionIds() {
    for (std::size_t i = 0; i < plan_.lesions.size(); ++i) {
      const int id = plan_.lesions[i].id;
      const std::string where = member(element("lesions", i), "id");
      if (id < 1) error(where, "lesion id " + std::to_string(id) + " must be >= 1");
      if (i > 0 && id <= plan_.lesions[i - 1].id) {
        error(where, "lesion id " + std::to_string(id) + " is not greater than lesions[" +
                         std::to_string(i - 1) + "].id " + std::to_string(plan_.lesions[i - 1].id) +
                         " (ids must be unique and ascending)");
      }
      index_.emplace(id, i);  // the first lesion of a repeated id
    }
  }

  // Earlier sessions of a re-plan (settings.prior_sessions), 0 when that member is invalid
  // (checkPrior() reports it).
  [[nodiscard]] int prior() const { return std::max(0, plan_.settings.prior_sessions); }

  void checkPrior() {
    const PlanSettings& s = plan_.settings;
    if (s.prior_sessions < 0) {
      error("settings.prior_sessions", "is " + std::to_string(s.prior_sessions) +
                                           ": the number of earlier sessions must be >= 0");
    }
    if (!(s.prior_ablated_volume_ml >= 0) || !std::isfinite(s.prior_ablated_volume_ml)) {
      error("settings.prior_ablated_volume_ml",
            "is " + num(s.prior_ablated_volume_ml) +
                " mL: the earlier sessions' ablated volume must be finite and >= 0");
    }
  }

  void checkSessions() {
    const int n = static_cast<int>(plan_.sessions.size());
    const int earlier = prior();
    if (earlier == 0 && n > profile_.sessions.max_sessions) {
      error("sessions", std::to_string(n) + " sessions > profile '" + profile_.name +
                            "' max_sessions " + std::to_string(profile_.sessions.max_sessions));
    }
    if (earlier > 0 && earlier + n > profile_.sessions.max_sessions) {
      error("sessions", std::to_string(n) + " sessions after " + std::to_string(earlier) +
                            " earlier (settings.prior_sessions) = " + std::to_string(earlier + n) +
                            " > profile '" + profile_.name + "' max_sessions " +
                            std::to_string(profile_.sessions.max_sessions));
    }
    std::size_t scheduled = 0;
    for (const PlanSession& s : plan_.sessions) scheduled += s.lesion_ids.size();
    for (std::size_t k = 0; k < plan_.sessions.size(); ++k) {
      const PlanSession& s = plan_.sessions[k];
      const std::string sp = element("sessions", k);
      const int expected = earlier + static_cast<int>(k) + 1;
      if (s.index != expected) {
        error(member(sp, "index"),
              "is " + std::to_string(s.index) + ", expected " + std::to_string(expected) +
                  (earlier == 0 ? std::string(" (indices 1..n in order)")
                                : " (indices " + std::to_string(earlier + 1) + ".." +
                                      std::to_string(earlier + n) + " in order after " +
                                      std::to_string(earlier) +
                                      " earlier session(s), settings.prior_sessions)"));
      }
      const std::string ip = member(sp, "lesion_ids");
      for (std::size_t i = 0; i < s.lesion_ids.size(); ++i) {
        const int id = s.lesion_ids[i];
        if (index_.find(id) == index_.end()) {
          error(element(ip, i), "lesion " + std::to_string(id) + " is not in lesions");
          continue;
        }
        const auto [it, inserted] = session_of_.emplace(id, k);
        if (!inserted) {
          error(element(ip, i), "lesion " + std::to_string(id) + " is already in " +
                                    element("sessions", it->second) +
                                    " (a lesion is treated in one session at most)");
        }
      }
      const std::size_t size = s.lesion_ids.size();
      const auto min_targets = static_cast<std::size_t>(profile_.sessions.min_targets);
      const auto max_targets = static_cast<std::size_t>(profile_.sessions.max_targets);
      if (size == 0) {
        error(ip, "the session has no lesion");
      } else if (size > max_targets) {
        error(ip, std::to_string(size) + " lesions > profile '" + profile_.name + "' max_targets " +
                      std::to_string(max_targets));
      } else if (size < min_targets && scheduled >= min_targets) {
        error(ip, std::to_string(size) + " lesions < profile '" + profile_.name + "' min_targets " +
                      std::to_string(min_targets) + " (the plan schedules " +
                      std::to_string(scheduled) + " lesions)");
      }
    }
  }

  void checkUnplaced() {
    std::map<int, std::size_t> seen;
    for (std::size_t i = 0; i < plan_.unplaced.size(); ++i) {
      const int id = plan_.unplaced[i].id;
      const std::string where = member(element("unplaced", i), "id");
      if (index_.find(id) == index_.end()) {
        error(where, "lesion " + std::to_string(id) + " is not in lesions");
        continue;
      }
      if (const auto s = session_of_.find(id); s != session_of_.end()) {
        error(where, "lesion " + std::to_string(id) + " is unplaced but also in " +
                         element("sessions", s->second));
      }
      if (const auto [it, inserted] = seen.emplace(id, i); !inserted) {
        error(where, "lesion " + std::to_string(id) + " is already unplaced[" +
                         std::to_string(it->second) + "]");
      }
    }
    unplaced_ = std::move(seen);
  }

  void checkLesions() {
    if (profile_.lesions.max_count &&
        plan_.lesions.size() > static_cast<std::size_t>(*profile_.lesions.max_count)) {
      warning("lesions", std::to_string(plan_.lesions.size()) + " lesions > profile '" +
                             profile_.name + "' max_count " +
                             std::to_string(*profile_.lesions.max_count));
    }
    for (std::size_t i = 0; i < plan_.lesions.size(); ++i) {
      const PlanLesion& l = plan_.lesions[i];
      const std::string lp = element("lesions", i);
      const std::string id = "lesion " + std::to_string(l.id);
      const auto s = session_of_.find(l.id);
      const bool scheduled = s != session_of_.end();
      const int expected = scheduled ? plan_.sessions[s->second].index : 0;
      if (l.session != expected) {
        error(member(lp, "session"),
              "is " + std::to_string(l.session) + " but " + id +
                  (scheduled ? " is in " + element("sessions", s->second) + " (index " +
                                   std::to_string(expected) + ")"
                             : " is in no session (expected 0)"));
      }
      if (!scheduled && unplaced_.find(l.id) == unplaced_.end()) {
        error(lp, id + " is in no session and not in unplaced");
      }
      if (l.flag == LesionFlag::kNone) {
        if (scheduled) {
          const bool confirmed = l.confirmation.has_value();
          const double margin =
              confirmed ? l.confirmation->margins.minimal_margin_mm : l.preview.minimal_margin_mm;
          if (margin < profile_.margins.minimum_mm - kMarginTolerance) {
            error(member(lp, confirmed ? "confirmation.margins.minimal_margin_mm"
                                       : "preview.minimal_margin_mm"),
                  id + " has a minimal margin of " + num(margin) + " mm < profile '" +
                      profile_.name + "' minimum " + num(profile_.margins.minimum_mm) +
                      " mm, yet its flag is \"none\"");
          }
        }
      } else {
        if (l.reason.empty()) {
          error(member(lp, "reason"), "is empty for flag \"" + toString(l.flag) + "\" (say why)");
        }
        if (scheduled) {
          warning(member(lp, "flag"), id + " is flagged \"" + toString(l.flag) +
                                          "\" but scheduled in " + element("sessions", s->second));
        }
      }
      if (profile_.lesions.max_diameter_mm && l.diameter_mm > *profile_.lesions.max_diameter_mm) {
        warning(member(lp, "diameter_mm"), id + " is " + num(l.diameter_mm) + " mm > profile '" +
                                               profile_.name + "' max_diameter_mm " +
                                               num(*profile_.lesions.max_diameter_mm));
      }
    }
  }

  void checkFraction(const std::string& where, double fraction) {
    const double limit = profile_.safety.max_ablated_liver_fraction;
    if (fraction > limit) {
      error(where, num(fraction) + " of the liver > profile '" + profile_.name +
                       "' max_ablated_liver_fraction " + num(limit));
    }
  }

  void checkVolumes() {
    const double liver = plan_.liver_volume_ml;
    if (!plan_.sessions.empty() && !(liver > 0)) {
      error("liver_volume_ml", "is " + num(liver) + " mL: liver fractions cannot be checked");
    }
    double total = 0;
    for (std::size_t k = 0; k < plan_.sessions.size(); ++k) {
      const PlanSession& s = plan_.sessions[k];
      const std::string sp = element("sessions", k);
      double sum = 0;
      for (const int id : s.lesion_ids) {
        if (const auto it = index_.find(id); it != index_.end()) {
          sum += ablatedVolume(plan_.lesions[it->second]);
        }
      }
      if (std::abs(s.ablated_volume_ml - sum) > kVolumeTolerance) {
        error(member(sp, "ablated_volume_ml"),
              "is " + num(s.ablated_volume_ml) +
                  " mL but the ablated volumes of its lesions add up to " + num(sum) + " mL");
      }
      if (liver > 0 &&
          std::abs(s.liver_fraction - s.ablated_volume_ml / liver) > kFractionTolerance) {
        error(member(sp, "liver_fraction"),
              "is " + num(s.liver_fraction) +
                  " but ablated_volume_ml / liver_volume_ml = " + num(s.ablated_volume_ml) + " / " +
                  num(liver) + " = " + num(s.ablated_volume_ml / liver));
      }
      checkFraction(member(sp, "liver_fraction"), s.liver_fraction);
      total += s.ablated_volume_ml;
    }
    const double prior_volume = plan_.settings.prior_ablated_volume_ml;
    if (prior_volume != 0 && std::isfinite(prior_volume)) {
      if (std::abs(plan_.cumulative_volume_ml - (prior_volume + total)) > kVolumeTolerance) {
        error("cumulative_volume_ml",
              "is " + num(plan_.cumulative_volume_ml) + " mL but the earlier sessions' " +
                  num(prior_volume) + " mL (settings.prior_ablated_volume_ml) + the sessions' " +
                  "ablated volumes " + num(total) + " mL = " + num(prior_volume + total) + " mL");
      }
    } else if (std::abs(plan_.cumulative_volume_ml - total) > kVolumeTolerance) {
      error("cumulative_volume_ml", "is " + num(plan_.cumulative_volume_ml) +
                                        " mL but the sessions' ablated volumes add up to " +
                                        num(total) + " mL");
    }
    if (liver > 0 && std::abs(plan_.cumulative_liver_fraction -
                              plan_.cumulative_volume_ml / liver) > kFractionTolerance) {
      error("cumulative_liver_fraction",
            "is " + num(plan_.cumulative_liver_fraction) +
                " but cumulative_volume_ml / liver_volume_ml = " + num(plan_.cumulative_volume_ml) +
                " / " + num(liver) + " = " + num(plan_.cumulative_volume_ml / liver));
    }
    checkFraction("cumulative_liver_fraction", plan_.cumulative_liver_fraction);
    if (plan_.fits_profile && !plan_.unplaced.empty()) {
      error("fits_profile",
            "is true but " + std::to_string(plan_.unplaced.size()) + " lesion(s) are unplaced");
    }
  }

  void checkPlacement(const PlanPlacement& pl, const std::string& pp) {
    const double length = pl.direction_lps.norm();
    const bool unit = std::abs(length - 1) <= kUnitTolerance;
    if (!unit) {
      error(member(pp, "direction_lps"),
            "is not a unit vector (length " + num(length) + ", tolerance 1e-3)");
    }
    const Mat3& a = pl.zone.axes;
    const double off = (a.transpose() * a - Mat3::Identity()).cwiseAbs().maxCoeff();
    if (!(off <= kUnitTolerance)) {
      error(member(pp, "zone.axes_lps"),
            "is not orthonormal (|A^T A - I| up to " + num(off) + ", tolerance 1e-3)");
    }
    if (calibrations_ == nullptr || !(length > 0)) return;
    const thermal::PreviewCalibration* cal = nullptr;
    try {
      cal = &thermal::findCalibration(*calibrations_, pl.electrode, pl.protocol);
    } catch (const Error& e) {
      error(member(pp, "electrode"), e.what());
      return;
    }
    const thermal::EllipsoidZone z = thermal::previewZone(*cal, {pl.tip_lps, pl.direction_lps});
    const double centre_gap = (z.centre_lps - pl.zone.centre_lps).norm();
    if (centre_gap > kZoneTolerance) {
      error(member(pp, "zone.centre_lps_mm"),
            "is " + vecText(pl.zone.centre_lps) + " but the preview model of " + pl.electrode +
                " / " + pl.protocol + " puts it at " + vecText(z.centre_lps) + " (" +
                num(centre_gap) + " mm apart)");
    }
    const std::pair<const char*, std::pair<double, double>> semis[] = {
        {"zone.semi_u_mm", {pl.zone.semi_u_mm, z.semi_u_mm}},
        {"zone.semi_v_mm", {pl.zone.semi_v_mm, z.semi_v_mm}},
        {"zone.semi_w_mm", {pl.zone.semi_w_mm, z.semi_w_mm}}};
    for (const auto& [key, values] : semis) {
      if (std::abs(values.first - values.second) > kZoneTolerance) {
        error(member(pp, key), "is " + num(values.first) + " mm but the preview model of " +
                                   pl.electrode + " / " + pl.protocol + " gives " +
                                   num(values.second) + " mm");
      }
    }
    const double w_gap = (pl.zone.axes.col(2) - z.axes.col(2)).norm();
    if (w_gap > kUnitTolerance) {
      error(member(pp, "zone.axes_lps"), "w axis " + vecText(pl.zone.axes.col(2)) +
                                             " is not the needle direction " +
                                             vecText(z.axes.col(2)));
    }
  }

  void checkPlacements() {
    for (std::size_t i = 0; i < plan_.lesions.size(); ++i) {
      const PlanLesion& l = plan_.lesions[i];
      for (std::size_t k = 0; k < l.placements.size(); ++k) {
        checkPlacement(l.placements[k], element(member(element("lesions", i), "placements"), k));
      }
    }
  }

  void checkSettings() {
    const PlanSettings& s = plan_.settings;
    if (s.profile != profile_.name) {
      warning("settings.profile", "the plan was made with profile '" + s.profile +
                                      "', it is checked against '" + profile_.name + "'");
    }
    const auto differs = [&](const char* key, double plan_value, double profile_value,
                             const std::string& what) {
      if (std::abs(plan_value - profile_value) > 1e-4) {
        warning(member("settings", key), num(plan_value) + " differs from profile '" +
                                             profile_.name + "' " + what + " " +
                                             num(profile_value));
      }
    };
    differs("minimum_margin_mm", s.minimum_margin_mm, profile_.margins.minimum_mm,
            "minimum margin (mm)");
    differs("target_margin_mm", s.target_margin_mm, profile_.margins.target_mm,
            "target margin (mm)");
    differs("max_ablated_liver_fraction", s.max_ablated_liver_fraction,
            profile_.safety.max_ablated_liver_fraction, "max_ablated_liver_fraction");
  }

  void checkTimeline() {
    std::size_t rfa = 0;
    for (const PlanEvent& e : plan_.timeline) rfa += e.kind == EventKind::kRfa ? 1 : 0;
    if (rfa != plan_.sessions.size()) {
      error("timeline", std::to_string(rfa) + " \"rfa\" event(s) for " +
                            std::to_string(plan_.sessions.size()) + " session(s)");
    }
  }

  const TreatmentPlan& plan_;
  const ProtocolProfile& profile_;
  const std::vector<thermal::PreviewCalibration>* calibrations_;
  std::vector<PlanProblem> problems_;
  std::map<int, std::size_t> index_;       // lesion id -> index in lesions
  std::map<int, std::size_t> session_of_;  // lesion id -> index in sessions
  std::map<int, std::size_t> unplaced_;    // lesion id -> index in unplaced
};

}  // namespace

std::vector<PlanProblem> validatePlan(
    const TreatmentPlan& plan, const ProtocolProfile& profile,
    const std::vector<thermal::PreviewCalibration>* calibrations) {
  return Checker(plan, profile, calibrations).run();
}

void throwIfInvalid(const std::vector<PlanProblem>& problems, const std::string& file) {
  std::string message;
  for (const PlanProblem& p : problems) {
    if (!p.error) continue;
    if (!message.empty()) message += "\n";
    message += file + ": " + p.where + ": " + p.text;
  }
  if (!message.empty()) throw PlanRuleError(message);
}

}  // namespace rfa::planning
