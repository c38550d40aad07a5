// The follow-up as the workstation shows it (followup_review.h).
#include "rfa/workflow/followup_review.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <utility>

#include "rfa/core/error.h"
#include "rfa/planning/plan_enums.h"
#include "rfa/report/margin_image.h"

namespace rfa::workflow {

namespace {

std::string fixed1(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f", v);
  return s;
}

std::string registrationSummary(const followup::RegistrationQuality& q) {
  std::string s = "rigid " + fixed1(q.rotation_deg) + " deg, " + fixed1(q.translation_mm) +
                  " mm; deformable up to " + fixed1(q.max_deformable_displacement_mm) +
                  " mm; mean |difference| in the liver " + fixed1(q.mean_abs_difference_initial) +
                  " -> " + fixed1(q.mean_abs_difference_final) + " HU";
  if (q.liver_surface_mean_mm) {
    s += "; liver surface distance mean " + fixed1(*q.liver_surface_mean_mm) + " mm";
  }
  return s + (q.poor ? " - POOR" : " - acceptable");
}

// "yyyy-mm-dd" of a DICOM "yyyymmdd" (as is otherwise).
std::string isoDate(const std::string& d) {
  if (d.size() == 8 && d.find('-') == std::string::npos) {
    return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
  }
  return d;
}

// FollowupReview::focus_min_lps/max_lps: the zones' box (else the lesion centres') + 15 mm.
void focusBox(FollowupReview& r) {
  constexpr double kAround = 15.0;
  Vec3 lo = Vec3::Constant(1e300), hi = Vec3::Constant(-1e300);
  const auto extend = [&](const Vec3& p) {
    lo = lo.cwiseMin(p);
    hi = hi.cwiseMax(p);
  };
  const LabelMap& zones = r.timepoint().confirmation.zones;
  if (!zones.empty()) {
    const ImageGeometry& g = zones.geometry();
    const auto n = g.size();
    std::size_t lo_i[3] = {n[0], n[1], n[2]}, hi_i[3] = {0, 0, 0};
    bool any = false;
    const auto zv = zones.data();
    for (std::size_t k = 0, q = 0; k < n[2]; ++k) {
      for (std::size_t j = 0; j < n[1]; ++j) {
        for (std::size_t i = 0; i < n[0]; ++i, ++q) {
          if (zv[q] == 0) continue;
          any = true;
          const std::size_t ijk[3] = {i, j, k};
          for (int a = 0; a < 3; ++a) {
            lo_i[a] = std::min(lo_i[a], ijk[a]);
            hi_i[a] = std::max(hi_i[a], ijk[a]);
          }
        }
      }
    }
    if (any) {
      for (int c = 0; c < 8; ++c) {
        Vec3 idx;
        for (int a = 0; a < 3; ++a) {
          idx(a) = static_cast<double>((c >> a & 1) != 0 ? hi_i[a] : lo_i[a]);
        }
        extend(g.indexToLps(idx));
      }
    }
  }
  if ((lo.array() > hi.array()).any()) {
    for (const FollowupLesionRow& row : r.rows) {
      if (row.centre_lps) extend(*row.centre_lps);
    }
  }
  if ((lo.array() > hi.array()).any()) return;
  r.focus_min_lps = lo - Vec3::Constant(kAround);
  r.focus_max_lps = hi + Vec3::Constant(kAround);
}

}  // namespace

int MarginBins::count() const {
  return 2 + static_cast<int>(std::ceil(std::max(threshold_mm, 1.0)));
}

int MarginBins::labelOf(double margin_mm) const {
  if (!(margin_mm >= 0)) return 1;  // below 0 (NaN never reaches here: callers skip it)
  if (margin_mm >= threshold_mm) return count();
  return std::min(count() - 1, 2 + static_cast<int>(std::floor(margin_mm)));
}

double MarginBins::valueOf(int label) const {
  if (label <= 1) return -0.5;
  if (label >= count()) return threshold_mm;
  const double lo = label - 2;
  return std::min(lo + 0.5, 0.5 * (lo + threshold_mm));
}

SceneColour MarginBins::colourOf(int label) const {
  const report::Rgb c = report::marginColour(valueOf(label), threshold_mm);
  return {c.r / 255.0, c.g / 255.0, c.b / 255.0};
}

std::vector<FollowupLesionRow> followupRows(const planning::TreatmentPlan& plan,
                                            const followup::TimepointResult& timepoint) {
  std::map<int, const followup::LesionConfirmation*> confirmed;
  for (const followup::LesionConfirmation& c : timepoint.confirmation.lesions) {
    confirmed[c.lesion_id] = &c;
  }
  std::map<int, const planning::PlanLesion*> planned;
  for (const planning::PlanLesion& l : plan.lesions) planned[l.id] = &l;
  std::vector<FollowupLesionRow> rows;
  for (const followup::LesionMatch& m : timepoint.response.lesions) {
    FollowupLesionRow r;
    r.lesion_id = m.baseline_id;
    r.followup_id = m.followup_id;
    r.status = m.status;
    r.reason = m.reason;
    r.baseline_diameter_mm = m.baseline_diameter_mm;
    r.diameter_mm = m.diameter_mm;
    r.viable_diameter_mm = m.viable_diameter_mm;
    if (const auto p = planned.find(m.baseline_id); p != planned.end()) {
      r.session = p->second->session;
      r.centre_lps = p->second->centroid_lps;
    }
    if (const auto c = confirmed.find(m.baseline_id); m.baseline_id != 0 && c != confirmed.end()) {
      const followup::MarginResult& mr = c->second->margin;
      r.treated = true;
      if (std::isfinite(mr.minimal_margin_mm)) {
        r.mam_mm = mr.minimal_margin_mm;
        r.mam_uncorrected_mm = mr.minimal_margin_uncorrected_mm;
        r.percent_at_threshold = mr.percent_at_threshold;
        r.mam_point_lps = mr.minimal_margin_point_lps;
      }
      r.verdict = mr.verdict;
      r.technical_success = mr.technical_success;
      r.warnings = c->second->warnings;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<TimelineEntry> timelineEntries(const planning::TreatmentPlan& plan,
                                           const followup::TimepointResult& timepoint,
                                           const followup::NextSession& next) {
  std::vector<TimelineEntry> out;
  const std::string fu_date = isoDate(timepoint.study_date);
  bool placed = false;
  const auto placeFollowup = [&] {
    TimelineEntry e;
    e.day = -1;
    e.date = fu_date;
    e.kind = "follow-up";
    e.session = timepoint.sessions_done;
    const auto& r = timepoint.response;
    e.text = "follow-up after " + std::to_string(timepoint.sessions_done) +
             " session(s): RECIST 1.1 " + r.recist.category + ", mRECIST " + r.mrecist.category +
             "; " + std::to_string(r.new_lesions) + " new, " +
             std::to_string(r.local_progressions) + " local progression(s)";
    e.done = true;
    out.push_back(std::move(e));
    placed = true;
  };
  for (const planning::PlanEvent& ev : plan.timeline) {
    // The follow-up goes before the first event after it: by date when both have one; else (a
    // plan in days only) at the earliest place it can be: after the technical-success imaging of
    // the sessions done, before any later imaging or RFA.
    if (!placed) {
      const bool dated = !fu_date.empty() && !ev.date.empty();
      const bool later_by_date = dated && ev.date > fu_date;
      const bool later_by_kind =
          !dated &&
          ((ev.kind == planning::EventKind::kRfa && ev.session > timepoint.sessions_done) ||
           ev.kind == planning::EventKind::kImagingFollowup);
      if (later_by_date || later_by_kind) {
        placeFollowup();
        if (!dated)
          out.back().text += " (the plan is in days: placed after the technical-success imaging)";
      }
    }
    TimelineEntry e;
    e.day = ev.day;
    e.date = ev.date;
    e.kind = planning::toString(ev.kind);
    e.session = ev.session;
    e.text = ev.text;
    e.done = ev.kind == planning::EventKind::kRfa && ev.session <= timepoint.sessions_done;
    out.push_back(std::move(e));
  }
  if (!placed) placeFollowup();
  TimelineEntry n;
  n.day = -1;
  n.kind = "next session";
  n.session = next.sessions_done + 1;
  n.text = std::to_string(next.targets.size()) + " target(s) left, " +
           std::to_string(next.sessions_left) + " session(s) left, " +
           fixed1(next.remaining_volume_ml) + " of " + fixed1(next.budget_volume_ml) +
           " mL ablated-volume budget left";
  out.push_back(std::move(n));
  return out;
}

FollowupReview reviewFollowup(const FollowupReviewRequest& request, const Progress& progress) {
  if (request.sessions_done < 0) throw UsageError("follow-up: sessions done must be >= 0");
  if (progress) progress("loading", 0.0);
  FollowupReview r;
  r.planned = planning::loadPlanCase(request.plan_file, request.where);
  if (request.sessions_done > static_cast<int>(r.planned.plan.sessions.size())) {
    throw UsageError("follow-up after " + std::to_string(request.sessions_done) +
                     " session(s): the plan " + request.plan_file.string() + " has " +
                     std::to_string(r.planned.plan.sessions.size()));
  }
  r.followup_input = request.followup.string();
  TimepointInput in;
  in.path = request.followup;
  in.series = request.followup_series;
  in.sessions_done = request.sessions_done;
  r.timeline = assessTimeline(r.planned, {in}, request.force, progress);
  const followup::TimepointResult& tp = r.timepoint();
  r.followup = io::loadImage(request.followup, request.followup_series);
  r.rows = followupRows(r.planned.plan, tp);
  r.entries = timelineEntries(r.planned.plan, tp, r.timeline.next);
  const followup::RegistrationQuality& q = tp.confirmation.registration.quality;
  r.registration_summary = registrationSummary(q);
  r.registration_poor = q.poor || !q.warnings.empty();
  r.threshold_mm = tp.confirmation.threshold_mm;
  r.warnings = r.planned.notes;
  if (!tp.identity.same_patient_id) r.warnings.push_back(tp.identity.summary);
  for (const std::string& w : tp.warnings) r.warnings.push_back(w);
  if (r.timeline.profile_note) r.warnings.push_back(*r.timeline.profile_note);
  focusBox(r);
  return r;
}

CaseScene followupScene(const FollowupReview& review) {
  const followup::TimepointResult& tp = review.timepoint();
  const followup::ConfirmResult& c = tp.confirmation;
  CaseScene s;
  const ImageGeometry& g = review.planned.image.image.geometry();
  const MarginBins bins{c.threshold_mm};
  std::map<int, SceneColour> bin_colours;
  for (int b = 1; b <= bins.count(); ++b) bin_colours[b] = bins.colourOf(b);

  if (review.planned.segmentation.liver) {
    SceneRegion liver;  // context in 3D only
    liver.name = "liver";
    liver.mask = std::make_shared<Mask>(*review.planned.segmentation.liver);
    liver.colour = {0.75, 0.45, 0.4};
    liver.opacity = 0.0;
    liver.surface_opacity = 0.12;
    s.regions.push_back(std::move(liver));
  }
  if (!c.zones.empty()) {
    SceneRegion z;
    z.name = "zones";
    z.labels = std::make_shared<LabelMap>(c.zones);
    z.colour = {0.95, 0.55, 0.1};
    z.opacity = 0.25;
    z.surface_opacity = 0.25;
    s.regions.push_back(std::move(z));
  }
  // The treated lesions (the plan's), and their margin bins on the surface voxels.
  const LabelMap& lesions = *review.planned.segmentation.lesions;
  std::vector<int> treated;
  for (const followup::LesionConfirmation& l : c.lesions) treated.push_back(l.lesion_id);
  auto treated_mask = std::make_shared<Mask>(g, 0);
  auto shell = std::make_shared<LabelMap>(g, 0);
  {
    const auto lv = lesions.data();
    auto tv = treated_mask->data();
    auto sv = shell->data();
    const bool have_map = !c.margin_map.empty();
    const auto mv = have_map ? c.margin_map.data() : decltype(c.margin_map.data()){};
    for (std::size_t n = 0; n < lv.size(); ++n) {
      if (lv[n] == 0 || std::find(treated.begin(), treated.end(), lv[n]) == treated.end()) {
        continue;
      }
      tv[n] = 1;
      if (have_map && std::isfinite(mv[n])) sv[n] = static_cast<std::uint16_t>(bins.labelOf(mv[n]));
    }
  }
  // Filled: every treated lesion voxel takes the bin of its nearest surface voxel (breadth-first,
  // 6-neighbours, inside the same lesion), so that the 3D surface shows the colours.
  auto filled = std::make_shared<LabelMap>(*shell);
  {
    const auto size = g.size();
    const std::size_t nx = size[0], ny = size[1], nz = size[2];
    const auto lv = lesions.data();
    auto fv = filled->data();
    std::deque<std::size_t> queue;
    for (std::size_t n = 0; n < fv.size(); ++n) {
      if (fv[n] != 0) queue.push_back(n);
    }
    while (!queue.empty()) {
      const std::size_t n = queue.front();
      queue.pop_front();
      const std::size_t i = n % nx, j = (n / nx) % ny, k = n / (nx * ny);
      const std::size_t nb[6] = {i > 0 ? n - 1 : n,       i + 1 < nx ? n + 1 : n,
                                 j > 0 ? n - nx : n,      j + 1 < ny ? n + nx : n,
                                 k > 0 ? n - nx * ny : n, k + 1 < nz ? n + nx * ny : n};
      for (const std::size_t m : nb) {
        if (m == n || fv[m] != 0 || lv[m] != lv[n]) continue;
        fv[m] = fv[n];
        queue.push_back(m);
      }
    }
  }
  SceneRegion les;
  les.name = "lesions";
  les.mask = treated_mask;
  les.colour = lesionColour();
  les.opacity = 0.15;
  les.surface = false;
  s.regions.push_back(std::move(les));
  SceneRegion map;
  map.name = "margin map";
  map.labels = shell;
  map.label_colours = bin_colours;
  map.opacity = 0.95;
  map.surface = false;
  s.regions.push_back(std::move(map));
  SceneRegion surf;
  surf.name = "margin surface";
  surf.labels = filled;
  surf.label_colours = bin_colours;
  surf.opacity = 0.0;
  surf.surface = true;
  s.regions.push_back(std::move(surf));
  return s;
}

}  // namespace rfa::workflow
