// Lesions -> RFA sessions (method in batching.h).
#include "rfa/planning/batching.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <sstream>

#include "rfa/core/error.h"
#include "session_common.h"

namespace rfa::planning {

namespace {

double priority(const BatchLesion& l, const BatchOptions& o) {
  return l.diameter_mm + (l.near_major_vessel ? o.priority_vessel_bonus_mm : 0.0) +
         (l.grew ? o.priority_growth_bonus_mm : 0.0);
}

double angleDeg(const Vec3& a, const Vec3& b) {
  const double na = a.norm();
  const double nb = b.norm();
  if (na == 0 || nb == 0) return 180.0;
  const double c = std::clamp(a.dot(b) / (na * nb), -1.0, 1.0);
  return std::acos(c) * 180.0 / std::numbers::pi;
}

std::string fmt(double v, int digits = 1) {
  std::ostringstream s;
  s.precision(digits);
  s << std::fixed << v;
  return s.str();
}

std::string whyPriority(const BatchLesion& l) {
  std::string s = "lesion " + std::to_string(l.id) + ": " + fmt(l.diameter_mm, 0) + " mm";
  if (l.near_major_vessel) s += ", next to a major vessel or bile duct";
  if (l.grew) s += ", grew since the last imaging";
  if (l.ablations > 1) s += ", needs " + std::to_string(l.ablations) + " overlapping ablations";
  return s;
}

}  // namespace

std::string detail::sessionVolumeReason(double volume_ml, double liver_fraction,
                                        double max_fraction) {
  return "ablated volume " + fmt(volume_ml) + " mL = " + fmt(100 * liver_fraction) +
         " % of the liver (limit " + fmt(100 * max_fraction, 0) + " %)";
}

BatchPlan planBatches(const std::vector<BatchLesion>& lesions, const ProtocolProfile& profile,
                      double liver_volume_ml, const BatchOptions& o) {
  if (!(liver_volume_ml > 0)) {
    throw UsageError("batching: liver volume must be > 0 mL (got " + fmt(liver_volume_ml) + ")");
  }
  if (!(o.window_angle_deg > 0) || !(o.closeness_mm > 0)) {
    throw UsageError("batching: window_angle_deg and closeness_mm must be > 0");
  }
  if (o.prior_sessions < 0) {
    throw UsageError("batching: prior_sessions must be >= 0 (got " +
                     std::to_string(o.prior_sessions) + ")");
  }
  if (!(o.prior_ablated_volume_ml >= 0) || !std::isfinite(o.prior_ablated_volume_ml)) {
    throw UsageError("batching: prior_ablated_volume_ml must be a finite volume >= 0 mL (got " +
                     fmt(o.prior_ablated_volume_ml) + ")");
  }
  std::set<int> ids;
  for (const BatchLesion& l : lesions) {
    if (!ids.insert(l.id).second) {
      throw UsageError("batching: lesion id " + std::to_string(l.id) + " appears twice");
    }
    if (l.ablated_volume_ml < 0 || l.diameter_mm < 0) {
      throw UsageError("batching: lesion " + std::to_string(l.id) + " has a negative size");
    }
  }
  const SessionLimits& lim = profile.sessions;
  const double max_fraction = profile.safety.max_ablated_liver_fraction;
  const double max_volume = max_fraction * liver_volume_ml;
  const int prior = o.prior_sessions;
  const double prior_volume = o.prior_ablated_volume_ml;
  const int available = lim.max_sessions - prior;  // sessions this plan may still use
  // Appended to the volume reasons of a re-plan: the earlier sessions count in the budget.
  const std::string prior_why =
      prior > 0 || prior_volume > 0
          ? " (" + fmt(prior_volume) + " mL ablated by the earlier sessions included)"
          : std::string();
  BatchPlan plan;
  if (prior > 0) {
    plan.notes.push_back(
        "continues after " + std::to_string(prior) + " earlier session(s) with " +
        fmt(prior_volume) + " mL ablated: " + fmt(std::max(0.0, max_volume - prior_volume)) +
        " mL left of the " + fmt(100 * max_fraction, 0) + " % budget (" + fmt(max_volume) + " mL)");
  }

  // 1-2. Feasible lesions in priority order.
  std::vector<const BatchLesion*> queue;
  for (const BatchLesion& l : lesions) {
    if (l.feasible) {
      queue.push_back(&l);
    } else {
      plan.unplaced.push_back(
          {l.id, l.infeasible_reason.empty() ? "not feasible" : l.infeasible_reason});
    }
  }
  std::stable_sort(queue.begin(), queue.end(), [&](const BatchLesion* a, const BatchLesion* b) {
    const double pa = priority(*a, o);
    const double pb = priority(*b, o);
    return pa != pb ? pa > pb : a->id < b->id;
  });

  // 3. Session count and sizes.
  if (available <= 0) {
    const std::string used_up = "the profile's " + std::to_string(lim.max_sessions) +
                                " sessions are used up by the earlier sessions";
    plan.notes.push_back(used_up + " (" + std::to_string(prior) +
                         " done): no session can be planned");
    for (const BatchLesion* l : queue) plan.unplaced.push_back({l->id, used_up});
    plan.cumulative_volume_ml = prior_volume;
    plan.cumulative_liver_fraction = prior_volume / liver_volume_ml;
    plan.fits_profile = lesions.empty();
    return plan;
  }
  const auto capacity = static_cast<std::size_t>(available * lim.max_targets);
  if (queue.size() > capacity) {
    const std::string sessions_text = prior > 0
                                          ? std::to_string(available) + " session(s) left of " +
                                                std::to_string(lim.max_sessions) + " after " +
                                                std::to_string(prior) + " earlier"
                                          : std::to_string(lim.max_sessions) + " sessions";
    plan.notes.push_back(std::to_string(queue.size()) + " feasible lesions exceed what " +
                         profile.name + " holds (" + sessions_text + " x " +
                         std::to_string(lim.max_targets) +
                         " targets): best partial plan, lowest priorities left out");
    const std::string beyond =
        prior > 0 ? "beyond the " + std::to_string(available) + " x " +
                        std::to_string(lim.max_targets) + " targets left of the profile's " +
                        std::to_string(lim.max_sessions) + " x " + std::to_string(lim.max_targets) +
                        " after " + std::to_string(prior) + " earlier session(s)"
                  : "beyond the profile's " + std::to_string(lim.max_sessions) + " x " +
                        std::to_string(lim.max_targets) + " targets";
    for (std::size_t i = capacity; i < queue.size(); ++i) {
      plan.unplaced.push_back({queue[i]->id, beyond});
    }
    queue.resize(capacity);
  }
  const std::size_t n_lesions = queue.size();
  const std::size_t per = static_cast<std::size_t>(lim.max_targets);
  const std::size_t n_sessions = n_lesions == 0 ? 0 : (n_lesions + per - 1) / per;
  if (n_lesions > 0 && n_lesions < static_cast<std::size_t>(lim.min_targets)) {
    plan.notes.push_back("only " + std::to_string(n_lesions) + " feasible lesion(s): fewer than " +
                         std::to_string(lim.min_targets) +
                         " targets per session, treated together as the only ones left");
  }

  // 4. Seeded greedy grouping.
  std::vector<bool> placed(n_lesions, false);
  double cumulative = prior_volume;  // the treatment's total so far
  for (std::size_t s = 0; s < n_sessions; ++s) {
    const std::size_t remaining_sessions = n_sessions - s;
    std::size_t left = 0;
    for (std::size_t i = 0; i < n_lesions; ++i) left += placed[i] ? 0 : 1;
    if (left == 0) break;
    const std::size_t size = (left + remaining_sessions - 1) / remaining_sessions;
    BatchSession session;
    session.index = prior + static_cast<int>(s) + 1;
    std::vector<std::size_t> members;
    double volume = 0;
    // Seed: highest priority not yet placed.
    for (std::size_t i = 0; i < n_lesions; ++i) {
      if (placed[i]) continue;
      const BatchLesion& l = *queue[i];
      if (cumulative + l.ablated_volume_ml > max_volume) {
        placed[i] = true;
        plan.unplaced.push_back({l.id, "cumulative ablated volume would exceed " +
                                           fmt(100 * max_fraction, 0) + " % of the liver" +
                                           prior_why});
        continue;
      }
      members.push_back(i);
      placed[i] = true;
      volume = l.ablated_volume_ml;
      session.reasons.push_back("seeded by the highest priority left (" + whyPriority(l) + ")");
      break;
    }
    if (members.empty()) break;
    while (members.size() < size) {
      std::size_t best = n_lesions;
      double best_d = 0;
      for (std::size_t i = 0; i < n_lesions; ++i) {
        if (placed[i]) continue;
        const BatchLesion& c = *queue[i];
        if (volume + c.ablated_volume_ml > max_volume ||
            cumulative + volume + c.ablated_volume_ml > max_volume) {
          continue;
        }
        double d = 1e300;
        for (const std::size_t m : members) {
          const BatchLesion& ml = *queue[m];
          d = std::min(
              d, angleDeg(c.entry_direction_lps, ml.entry_direction_lps) / o.window_angle_deg +
                     (c.centroid_lps - ml.centroid_lps).norm() / o.closeness_mm);
        }
        if (best == n_lesions || d < best_d) {
          best = i;
          best_d = d;
        }
      }
      if (best == n_lesions) {
        session.reasons.push_back("stopped at " + std::to_string(members.size()) +
                                  " targets: another would exceed " + fmt(100 * max_fraction, 0) +
                                  " % of the liver");
        break;
      }
      members.push_back(best);
      placed[best] = true;
      volume += queue[best]->ablated_volume_ml;
    }
    double spread = 0;
    double far = 0;
    for (const std::size_t a : members) {
      session.lesion_ids.push_back(queue[a]->id);
      for (const std::size_t b : members) {
        spread = std::max(spread,
                          angleDeg(queue[a]->entry_direction_lps, queue[b]->entry_direction_lps));
        far = std::max(far, (queue[a]->centroid_lps - queue[b]->centroid_lps).norm());
      }
    }
    if (members.size() > 1) {
      session.reasons.push_back(
          "grouped by shared window and closeness: entry directions within " + fmt(spread, 0) +
          " deg (" +
          (spread <= o.window_angle_deg ? "one acoustic window" : "more than one window") +
          "), lesions at most " + fmt(far, 0) + " mm apart");
    }
    session.ablated_volume_ml = volume;
    session.liver_fraction = volume / liver_volume_ml;
    session.reasons.push_back(
        detail::sessionVolumeReason(volume, session.liver_fraction, max_fraction));
    cumulative += volume;
    plan.sessions.push_back(std::move(session));
  }
  // Anything still unplaced (volume limits) is reported.
  for (std::size_t i = 0; i < n_lesions; ++i) {
    if (!placed[i]) {
      plan.unplaced.push_back(
          {queue[i]->id, "no session could take it within the volume limit" + prior_why});
    }
  }
  plan.cumulative_volume_ml = cumulative;
  plan.cumulative_liver_fraction = cumulative / liver_volume_ml;
  plan.fits_profile = true;
  for (const UnplacedLesion& u : plan.unplaced) {
    const bool infeasible = std::any_of(lesions.begin(), lesions.end(), [&](const BatchLesion& l) {
      return l.id == u.id && !l.feasible;
    });
    if (!infeasible) plan.fits_profile = false;
  }
  for (const BatchSession& s : plan.sessions) {
    if (s.lesion_ids.size() < static_cast<std::size_t>(lim.min_targets) && n_lesions > 1 &&
        plan.sessions.size() > 1) {
      plan.notes.push_back("session " + std::to_string(s.index) + " has fewer than " +
                           std::to_string(lim.min_targets) + " targets (volume limit)");
    }
  }
  return plan;
}

}  // namespace rfa::planning
