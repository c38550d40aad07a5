#include "rfa/followup/response.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "rfa/core/error.h"

namespace rfa::followup {
namespace {

std::string mm(double v) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << v;
  return s.str();
}

void requireUniqueIds(const std::vector<MeasuredLesion>& v, const char* what) {
  std::set<int> ids;
  for (const MeasuredLesion& l : v) {
    if (!ids.insert(l.id).second) {
      throw UsageError(std::string("response: ") + what + " lesion id " + std::to_string(l.id) +
                       " appears twice");
    }
  }
}

double pct(double now, double before) {
  return before > 0 ? 100.0 * (now - before) / before : 0.0;
}

ResponseCategory categorise(double sum, double baseline_sum, double nadir, bool progression_event,
                            const std::string& event) {
  ResponseCategory c;
  c.sum_mm = sum;
  c.baseline_sum_mm = baseline_sum;
  c.nadir_sum_mm = nadir;
  c.change_from_baseline_pct = pct(sum, baseline_sum);
  if (progression_event) {
    c.category = "PD";
    c.reason = event;
  } else if (sum >= 1.2 * nadir && sum - nadir >= 5.0 && nadir >= 0) {
    c.category = "PD";
    c.reason =
        "target sum " + mm(sum) + " mm is >= 20 % and >= 5 mm above the nadir " + mm(nadir) + " mm";
  } else if (sum <= 0.0) {
    c.category = "CR";
    c.reason = "every target lesion has disappeared and no new lesion";
  } else if (sum <= 0.7 * baseline_sum) {
    c.category = "PR";
    c.reason =
        "target sum " + mm(sum) + " mm is >= 30 % below the baseline " + mm(baseline_sum) + " mm";
  } else {
    c.category = "SD";
    c.reason = "target sum " + mm(sum) + " mm vs baseline " + mm(baseline_sum) + " mm and nadir " +
               mm(nadir) + " mm: neither PR nor PD";
  }
  return c;
}

}  // namespace

std::vector<int> selectTargets(const std::vector<MeasuredLesion>& baseline,
                               const ResponseOptions& options) {
  std::vector<const MeasuredLesion*> measurable;
  for (const MeasuredLesion& l : baseline) {
    if (l.diameter_mm >= options.measurable_mm) measurable.push_back(&l);
  }
  std::stable_sort(measurable.begin(), measurable.end(), [](const auto* a, const auto* b) {
    return a->diameter_mm != b->diameter_mm ? a->diameter_mm > b->diameter_mm : a->id < b->id;
  });
  std::vector<int> ids;
  for (std::size_t n = 0; n < measurable.size() && static_cast<int>(n) < options.max_targets; ++n) {
    ids.push_back(measurable[n]->id);
  }
  return ids;
}

ResponseAssessment assessResponse(const std::vector<MeasuredLesion>& baseline,
                                  const std::vector<MeasuredLesion>& followup,
                                  const ResponseOptions& options,
                                  std::optional<double> nadir_recist,
                                  std::optional<double> nadir_mrecist) {
  requireUniqueIds(baseline, "baseline");
  requireUniqueIds(followup, "follow-up");
  ResponseAssessment a;
  a.target_ids = selectTargets(baseline, options);

  // Candidate pairs (untreated baseline lesions only), nearest first, one-to-one.
  struct Pair {
    double d;
    std::size_t b, f;
  };
  std::vector<Pair> pairs;
  for (std::size_t b = 0; b < baseline.size(); ++b) {
    if (baseline[b].treated) continue;
    const double reach =
        std::max(options.match_min_mm, options.match_factor * baseline[b].diameter_mm);
    for (std::size_t f = 0; f < followup.size(); ++f) {
      const double d = (baseline[b].centroid_lps - followup[f].centroid_lps).norm();
      if (d <= reach) pairs.push_back({d, b, f});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) {
    return x.d != y.d ? x.d < y.d : (x.b != y.b ? x.b < y.b : x.f < y.f);
  });
  std::vector<int> match_of_baseline(baseline.size(), -1);
  std::vector<int> match_of_followup(followup.size(), -1);
  std::vector<double> match_distance(baseline.size(), 0.0);
  for (const Pair& p : pairs) {
    if (match_of_baseline[p.b] >= 0 || match_of_followup[p.f] >= 0) continue;
    match_of_baseline[p.b] = static_cast<int>(p.f);
    match_of_followup[p.f] = static_cast<int>(p.b);
    match_distance[p.b] = p.d;
  }

  // Follow-up lesions without a baseline lesion: local progression at a zone, or new.
  std::set<int> progressing_sites;
  std::vector<LesionMatch> extra;
  for (std::size_t f = 0; f < followup.size(); ++f) {
    if (match_of_followup[f] >= 0) continue;
    const MeasuredLesion& l = followup[f];
    LesionMatch m;
    m.followup_id = l.id;
    m.diameter_mm = l.diameter_mm;
    m.viable_diameter_mm = l.diameter_mm;
    if (l.zone_distance_mm && *l.zone_distance_mm <= options.ltp_distance_mm) {
      m.status = "local tumour progression";
      m.related_lesion = l.nearest_zone_lesion;
      progressing_sites.insert(l.nearest_zone_lesion);
      m.reason = mm(l.diameter_mm) + " mm lesion " + mm(*l.zone_distance_mm) +
                 " mm from the ablation zone of lesion " + std::to_string(l.nearest_zone_lesion);
      ++a.local_progressions;
    } else {
      m.status = "new";
      m.reason = mm(l.diameter_mm) + " mm lesion with no baseline lesion within reach" +
                 (l.zone_distance_mm
                      ? " and " + mm(*l.zone_distance_mm) + " mm from the nearest ablation zone"
                      : std::string());
      ++a.new_lesions;
    }
    extra.push_back(m);
  }

  std::vector<const MeasuredLesion*> sorted;
  for (const MeasuredLesion& l : baseline) sorted.push_back(&l);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* x, const auto* y) { return x->id < y->id; });
  for (const MeasuredLesion* bl : sorted) {
    const auto b = static_cast<std::size_t>(bl - baseline.data());
    LesionMatch m;
    m.baseline_id = bl->id;
    m.baseline_diameter_mm = bl->diameter_mm;
    if (bl->treated) {
      m.diameter_mm = std::max(bl->zone_diameter_mm, bl->viable_diameter_mm);
      const bool progressing = progressing_sites.count(bl->id) > 0;
      m.viable_diameter_mm = bl->viable_diameter_mm;
      if (bl->viable_diameter_mm > 0 || progressing) {
        m.status = "residual";
        m.reason = bl->viable_diameter_mm > 0 ? "viable tumour " + mm(bl->viable_diameter_mm) +
                                                    " mm outside the ablation zone"
                                              : "a lesion grows at the edge of its ablation zone";
      } else {
        m.status = "ablated";
        m.reason =
            "inside its ablation zone (" + mm(bl->zone_diameter_mm) + " mm), no viable tumour";
      }
    } else if (match_of_baseline[b] < 0) {
      m.status = "vanished";
      m.reason = "no follow-up lesion within " +
                 mm(std::max(options.match_min_mm, options.match_factor * bl->diameter_mm)) +
                 " mm of its centroid";
    } else {
      const MeasuredLesion& fl = followup[static_cast<std::size_t>(match_of_baseline[b])];
      m.followup_id = fl.id;
      m.diameter_mm = fl.diameter_mm;
      m.viable_diameter_mm = fl.diameter_mm;
      m.match_distance_mm = match_distance[b];
      m.change_pct = pct(fl.diameter_mm, bl->diameter_mm);
      m.status = m.change_pct <= options.shrink_pct ? "shrunk"
                 : m.change_pct >= options.grow_pct ? "grown"
                                                    : "stable";
      m.reason = mm(bl->diameter_mm) + " -> " + mm(fl.diameter_mm) + " mm (" +
                 (m.change_pct >= 0 ? "+" : "") + mm(m.change_pct) + " %), matched at " +
                 mm(match_distance[b]) + " mm";
    }
    a.lesions.push_back(m);
  }
  for (LesionMatch& m : extra) a.lesions.push_back(std::move(m));

  double base_sum = 0, sum = 0, viable_sum = 0;
  for (const int id : a.target_ids) {
    for (const LesionMatch& m : a.lesions) {
      if (m.baseline_id != id) continue;
      base_sum += m.baseline_diameter_mm;
      sum += m.diameter_mm;
      viable_sum += m.viable_diameter_mm;
    }
  }
  const bool event = a.new_lesions > 0 || a.local_progressions > 0;
  std::string event_text;
  if (a.new_lesions > 0) event_text = std::to_string(a.new_lesions) + " new lesion(s)";
  if (a.local_progressions > 0) {
    event_text += (event_text.empty() ? "" : " and ") + std::to_string(a.local_progressions) +
                  " local tumour progression(s)";
  }
  if (a.target_ids.empty()) {
    a.recist.category = a.mrecist.category = event ? "PD" : "not evaluable";
    a.recist.reason = a.mrecist.reason =
        event ? event_text : "no measurable (>= 10 mm) baseline lesion: no target lesions";
    return a;
  }
  a.recist = categorise(sum, base_sum, std::min(nadir_recist.value_or(base_sum), base_sum), event,
                        event_text);
  a.mrecist = categorise(viable_sum, base_sum, std::min(nadir_mrecist.value_or(base_sum), base_sum),
                         event, event_text);
  return a;
}

}  // namespace rfa::followup
