#include "rfa/followup/timepoint.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "rfa/core/error.h"
#include "rfa/segmentation/distance.h"
#include "rfa/segmentation/liver.h"
#include "rfa/segmentation/measurements.h"

namespace rfa::followup {
namespace {

// Nearest voxel of `g` holding `p_lps`, or none outside the grid.
std::optional<std::size_t> voxelAt(const ImageGeometry& g, const Vec3& p_lps) {
  const Vec3 idx = g.lpsToIndex(p_lps);
  std::array<std::size_t, 3> v{};
  for (int d = 0; d < 3; ++d) {
    const double r = std::round(idx[d]);
    if (r < 0 || r > static_cast<double>(g.size()[static_cast<std::size_t>(d)] - 1))
      return std::nullopt;
    v[static_cast<std::size_t>(d)] = static_cast<std::size_t>(r);
  }
  return v[0] + g.size()[0] * (v[1] + g.size()[1] * v[2]);
}

std::map<int, segmentation::LesionMeasurement> measureById(const LabelMap& labels) {
  std::map<int, segmentation::LesionMeasurement> out;
  for (const auto& m : segmentation::measureLesions(labels)) out[m.label] = m;
  return out;
}

}  // namespace

Vec3 movingToFixed(const Registration& r, const Vec3& y) {
  // Newton-like iteration with the rigid part's Jacobian: x <- x - R^T (T(x) - y).
  const Mat3 rt = r.rotation.transpose();
  Vec3 x = rt * (y - r.centre_lps - r.translation_mm) + r.centre_lps;
  for (int it = 0; it < 50; ++it) {
    const Vec3 step = rt * (r.fixedToMoving(x) - y);
    x -= step;
    if (step.norm() < 1e-3) break;
  }
  return x;
}

TimepointResult assessTimepoint(const planning::TreatmentPlan& plan, const ImageVolume& planning_ct,
                                const Mask& planning_liver, const LabelMap& planning_lesions,
                                const io::LoadedImage& followup, const TimepointOptions& options,
                                std::optional<double> nadir_recist,
                                std::optional<double> nadir_mrecist) {
  if (options.sessions_done < 0) throw UsageError("follow-up: sessions done must be >= 0");
  TimepointResult tp;
  tp.sessions_done = options.sessions_done;
  if (followup.series) tp.study_date = followup.series->study.study_date;
  tp.identity = checkIdentity(plan.source, followup);
  requireSamePatient(tp.identity, options.force);
  const RegistrationProgress& progress = options.confirm.progress;
  if (progress) progress("follow-up liver", 0.0);
  tp.followup_liver = segmentation::segmentLiver(followup.image).mask;
  const ImageGeometry& g = planning_ct.geometry();

  if (options.sessions_done > 0) {
    ConfirmOptions c = options.confirm;
    c.session = options.sessions_done;
    c.include_earlier_sessions = true;
    c.force = options.force;
    tp.confirmation = confirmSession(plan, planning_ct, planning_liver, planning_lesions, followup,
                                     c, &tp.followup_liver);
  } else {
    tp.confirmation.identity = tp.identity;
    tp.confirmation.registration =
        registerImages(planning_ct, followup.image, planning_liver, options.confirm.registration,
                       &planning_liver, &tp.followup_liver, nullptr, progress);
    tp.confirmation.zones = LabelMap(g, 0);
    tp.confirmation.warnings = tp.confirmation.registration.quality.warnings;
  }
  for (const std::string& w : tp.confirmation.warnings) tp.warnings.push_back(w);
  const Registration& reg = tp.confirmation.registration;

  // Zones on the planning grid and the distance to them.
  Mask zone_union(g, 0);
  bool any_zone = false;
  {
    auto zu = zone_union.data();
    const auto zl = tp.confirmation.zones.data();
    for (std::size_t q = 0; q < zu.size(); ++q) {
      zu[q] = zl[q] != 0 ? 1 : 0;
      any_zone = any_zone || zl[q] != 0;
    }
  }
  const Volume<float> zone_d2 =
      any_zone ? segmentation::squaredDistanceMm2(zone_union) : Volume<float>();

  // Baseline: the plan's lesions as segmented for the plan.
  const auto base_m = measureById(planning_lesions);
  const auto zone_m = measureById(tp.confirmation.zones);
  std::map<int, double> residual_ml;
  std::map<int, std::size_t> residual_voxels;
  LabelMap residual(g, 0);
  {
    auto rv = residual.data();
    const auto pl = planning_lesions.data();
    const auto zu = zone_union.data();
    for (std::size_t q = 0; q < rv.size(); ++q) {
      if (pl[q] != 0 && zu[q] == 0) rv[q] = pl[q];
    }
  }
  const auto residual_m = measureById(residual);
  for (const planning::PlanLesion& l : plan.lesions) {
    MeasuredLesion m;
    m.id = l.id;
    m.centroid_lps = l.centroid_lps;
    if (const auto it = base_m.find(l.id); it != base_m.end()) {
      m.diameter_mm = it->second.axial_long_mm;
      m.volume_ml = it->second.volume_ml;
      m.centroid_lps = it->second.centroid_lps;
    } else {
      m.diameter_mm = l.diameter_mm;
      m.volume_ml = l.volume_ml;
    }
    m.treated = l.session >= 1 && l.session <= options.sessions_done && !l.placements.empty();
    if (m.treated) {
      if (const auto it = zone_m.find(l.id); it != zone_m.end())
        m.zone_diameter_mm = it->second.axial_long_mm;
      if (const auto it = residual_m.find(l.id);
          it != residual_m.end() && it->second.volume_ml >= options.min_residual_ml) {
        m.viable_diameter_mm = it->second.axial_long_mm;
      }
    }
    tp.baseline.push_back(m);
  }

  // Follow-up lesions: candidates on the follow-up, minus the ablation zones themselves.
  if (progress) progress("follow-up lesions", 0.0);
  const std::vector<segmentation::LesionCandidate> candidates =
      segmentation::detectLesionCandidates(followup.image, tp.followup_liver, options.candidates);
  const ImageGeometry& fg = followup.image.geometry();
  tp.followup_lesions = LabelMap(fg, 0);
  std::vector<std::pair<std::optional<double>, int>> zone_info;  // per kept label
  std::vector<Vec3> mapped_centroids;
  const double excl2 = options.zone_exclusion_mm * options.zone_exclusion_mm;
  int next = 1;
  for (const segmentation::LesionCandidate& c : candidates) {
    if (c.hyperdense || c.voxels.empty()) continue;
    Vec3 centroid(0, 0, 0);
    for (const std::size_t v : c.voxels) {
      const std::size_t i = v % fg.size()[0];
      const std::size_t j = (v / fg.size()[0]) % fg.size()[1];
      const std::size_t k = v / (fg.size()[0] * fg.size()[1]);
      centroid += fg.indexToLps(
          Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
    }
    centroid /= static_cast<double>(c.voxels.size());
    const Vec3 mapped = movingToFixed(reg, centroid);
    std::optional<double> zone_distance;
    if (any_zone) {
      if (const auto q = voxelAt(g, mapped); q && zone_d2.data()[*q] <= excl2) continue;  // a zone
      // Distance from the lesion (a sample of its voxels, mapped) to the nearest zone voxel.
      double best2 = std::numeric_limits<double>::infinity();
      const std::size_t stride = std::max<std::size_t>(1, c.voxels.size() / 1500);
      for (std::size_t n = 0; n < c.voxels.size(); n += stride) {
        const std::size_t v = c.voxels[n];
        const Vec3 p = fg.indexToLps(Vec3(static_cast<double>(v % fg.size()[0]),
                                          static_cast<double>((v / fg.size()[0]) % fg.size()[1]),
                                          static_cast<double>(v / (fg.size()[0] * fg.size()[1]))));
        if (const auto q = voxelAt(g, movingToFixed(reg, p))) {
          best2 = std::min(best2, static_cast<double>(zone_d2.data()[*q]));
        }
      }
      if (std::isfinite(best2)) zone_distance = std::sqrt(best2);
    }
    auto fl = tp.followup_lesions.data();
    for (const std::size_t v : c.voxels) {
      if (fl[v] == 0) fl[v] = static_cast<std::uint16_t>(next);
    }
    int nearest = 0;
    double nearest_d = std::numeric_limits<double>::infinity();
    for (const MeasuredLesion& b : tp.baseline) {
      if (!b.treated) continue;
      const double d = (b.centroid_lps - mapped).norm();
      if (d < nearest_d) {
        nearest_d = d;
        nearest = b.id;
      }
    }
    zone_info.emplace_back(zone_distance, nearest);
    mapped_centroids.push_back(mapped);
    ++next;
  }
  const auto fu_m = measureById(tp.followup_lesions);
  for (int label = 1; label < next; ++label) {
    const auto it = fu_m.find(label);
    if (it == fu_m.end()) continue;  // every voxel already taken by an earlier candidate
    MeasuredLesion m;
    m.id = label;
    m.centroid_lps = mapped_centroids[static_cast<std::size_t>(label - 1)];
    m.diameter_mm = it->second.axial_long_mm;
    m.volume_ml = it->second.volume_ml;
    m.zone_distance_mm = zone_info[static_cast<std::size_t>(label - 1)].first;
    m.nearest_zone_lesion = zone_info[static_cast<std::size_t>(label - 1)].second;
    tp.followup.push_back(m);
  }
  tp.response =
      assessResponse(tp.baseline, tp.followup, options.response, nadir_recist, nadir_mrecist);
  return tp;
}

}  // namespace rfa::followup
