// Stage 1 of the plan builder and the shared PlanContext: per lesion, trajectories, the placement
// search per electrode with every needle re-checked against the path constraints, the electrode
// choice and the targeting uncertainty. All points LPS mm.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plan_context.h"
#include "plan_util.h"
#include "rfa/core/error.h"
#include "rfa/core/resample.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/segmentation/measurements.h"

#include "plan_inputs.h"

namespace rfa::planning {
namespace {

template <class T>
void requireGrid(const Volume<T>* v, const ImageGeometry& g, const std::string& what,
                 const char* name) {
  if (v != nullptr && !v->geometry().sameGrid(g)) {
    throw GeometryError(what + ": the " + name + " volume (" + v->geometry().describe() +
                        ") is not on the grid of the body mask (" + g.describe() + ")");
  }
}

void requireOptions(const PlanBuildOptions& o) {
  if (o.electrodes.empty()) throw UsageError("plan: no electrode to choose from");
  if (o.coverage.max_ablations < 1 || o.coverage.max_ablations > 8) {
    throw UsageError("plan: max ablations per lesion must be in 1..8 (got " +
                     std::to_string(o.coverage.max_ablations) + ")");
  }
  if (o.uncertainty_samples < 0) throw UsageError("plan: uncertainty samples must be >= 0");
  if (!(o.needle_visibility_min >= 0 && o.needle_visibility_min <= 1)) {
    throw UsageError("plan: the needle visibility minimum must be in [0, 1]");
  }
  if (o.targeting_error_mm &&
      (!(*o.targeting_error_mm >= 0) || !std::isfinite(*o.targeting_error_mm))) {
    throw UsageError("plan: the targeting error must be a finite distance >= 0 mm");
  }
  if (!(o.search_spacing_mm > 0) || !std::isfinite(o.search_spacing_mm)) {
    throw UsageError("plan: the search spacing must be > 0 mm");
  }
  if (o.cycles_between_sessions < 0) throw UsageError("plan: cycles between sessions must be >= 0");
  if (o.batching.prior_sessions < 0) {
    throw UsageError("plan: prior sessions (batching.prior_sessions) must be >= 0 (got " +
                     std::to_string(o.batching.prior_sessions) + ")");
  }
  if (!(o.batching.prior_ablated_volume_ml >= 0) ||
      !std::isfinite(o.batching.prior_ablated_volume_ml)) {
    throw UsageError(
        "plan: the prior ablated volume (batching.prior_ablated_volume_ml) must be a finite "
        "volume >= 0 mL");
  }
}

PlanTrajectory toPlan(const Trajectory& t) {
  PlanTrajectory p;
  p.entry_lps = t.entry_lps;
  p.target_lps = t.target_lps;
  p.length_mm = t.length_mm;
  p.skin_angle_deg = t.skin_angle_deg;
  if (std::isfinite(t.min_vessel_distance_mm)) p.min_vessel_distance_mm = t.min_vessel_distance_mm;
  p.capsule_crossings = t.capsule_crossings;
  p.cost = t.cost;
  return p;
}

// Is `a` a better coverage than `b` under the electrode-choice rule of plan_builder.h?
bool preferred(const CoveragePlan& a, const CoveragePlan& b, double minimum_mm) {
  const bool a_ok = a.flag == CoverageFlag::kNone && !a.placements.empty();
  const bool b_ok = b.flag == CoverageFlag::kNone && !b.placements.empty();
  if (a_ok != b_ok) return a_ok;
  if (a_ok) {
    if (a.ablations != b.ablations) return a.ablations < b.ablations;
    return a.ablated_volume_ml < b.ablated_volume_ml - 1e-9;
  }
  if (a.placements.empty() != b.placements.empty()) return !a.placements.empty();
  const double ma = std::min(a.metrics.minimal_margin_mm, minimum_mm);
  const double mb = std::min(b.metrics.minimal_margin_mm, minimum_mm);
  if (std::abs(ma - mb) > 1e-9) return ma > mb;
  return a.ablations < b.ablations;
}

std::string rejectedText(const TrajectoryReport& r) {
  std::string s;
  for (const auto& [reason, count] : r.rejected) {
    if (count == 0) continue;
    if (!s.empty()) s += ", ";
    s += reason + std::string(" ") + std::to_string(count);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

// Robustness probabilities closer than this are a tie (Monte Carlo noise of ~100 samples).
constexpr double kRobustnessTie = 0.1;

std::vector<std::string> defaultPlanElectrodes() {
  return {"cooltip-2cm", "cooltip-3cm", "cooltip-cluster-2.5cm"};
}

namespace detail {

void requireAnatomyAndEquipment(const PlanAnatomy& anatomy, const PlanEquipment& equipment,
                                const std::string& what) {
  if (anatomy.body == nullptr || anatomy.liver == nullptr || anatomy.lesions == nullptr) {
    throw NoDataError(what + ": the body, liver and lesion maps are required");
  }
  if (equipment.catalog == nullptr || equipment.calibrations == nullptr) {
    throw NoDataError(what + ": no electrode catalog or preview calibrations");
  }
  const ImageGeometry& g = anatomy.body->geometry();
  requireGrid(anatomy.liver, g, what, "liver");
  requireGrid(anatomy.lesions, g, what, "lesion");
  requireGrid(anatomy.bone, g, what, "bone");
  requireGrid(anatomy.lung, g, what, "lung");
  requireGrid(anatomy.gallbladder, g, what, "gallbladder");
  requireGrid(anatomy.vessel_radius_mm, g, what, "vessel radius");
}

constexpr double kMinPreviewFitDice = 0.5;

PlanContext::PlanContext(const PlanAnatomy& anatomy, const ProtocolProfile& profile,
                         const PlanEquipment& equipment, const PlanBuildOptions& options)
    : anatomy_(anatomy), profile_(profile), equipment_(equipment), options_(options) {
  requireOptions(options);
  requireAnatomyAndEquipment(anatomy, equipment, "plan");
  const ImageGeometry& g = anatomy.body->geometry();

  // Electrodes, protocols and calibrations (fails early on an unknown name).
  double longest_shaft = 0;
  for (const std::string& name : options.electrodes) {
    const thermal::Electrode& e = equipment.catalog->find(name);
    const thermal::PreviewCalibration& c =
        thermal::findCalibration(*equipment.calibrations, e.name, e.protocols.front().name);
    // An ellipsoid that hardly overlaps the solver's zone cannot stand for it (the tine arrays
    // in living liver: lobes around the tines, not validated in vivo).
    if (c.fit_dice < kMinPreviewFitDice) {
      throw UnsupportedError("electrode " + e.name + ": its preview zone (" + c.tissue_condition +
                             ", " + fixed(c.solver_volume_ml, 1) + " mL) does not represent the " +
                             "simulated zone (ellipsoid fit Dice " + fixed(c.fit_dice, 2) + " < " +
                             fixed(kMinPreviewFitDice, 1) +
                             "): it cannot be planned with (docs/validation.md, zone model)");
    }
    tools_.push_back({&e, &c});
    longest_shaft = std::max(longest_shaft, e.shaft_length_mm);
  }
  std::stable_sort(tools_.begin(), tools_.end(), [](const Tool& a, const Tool& b) {
    return a.calibration->solver_volume_ml > b.calibration->solver_volume_ml;
  });
  liver_volume_ml_ = static_cast<double>(countSet(*anatomy.liver)) * g.voxelVolumeMm3() / 1000.0;
  guidance_ = options.guidance ? *options.guidance : loadGuidance(profile.guidance);

  // Needle access from the profile; the shaft length caps the path length.
  trajectory_ = options.trajectory;
  trajectory_.max_posterior_normal = profile.access.max_posterior_normal;
  trajectory_.below_liver_mm = profile.access.below_liver_mm;
  trajectory_.above_liver_mm = profile.access.above_liver_mm;
  trajectory_.max_skin_angle_deg = profile.access.max_skin_angle_deg;
  trajectory_.vessel_safety_mm = profile.access.vessel_safety_mm;
  trajectory_.large_vessel_radius_mm = 0.5 * profile.access.large_vessel_diameter_mm;
  trajectory_.max_length_mm = std::min(trajectory_.max_length_mm, longest_shaft);

  // Lesions, measured (gap to vessels of diameter >= 3 mm).
  segmentation::MeasurementOptions mo;
  mo.vessel_min_radius_mm = trajectory_.large_vessel_radius_mm;
  measured_ = anatomy.vessel_radius_mm != nullptr
                  ? segmentation::measureLesions(*anatomy.lesions, *anatomy.vessel_radius_mm, mo)
                  : segmentation::measureLesions(*anatomy.lesions, mo);
  if (measured_.empty()) throw NoDataError("plan: the lesion map holds no lesion");
  for (const auto& m : measured_) {
    const double in_liver = fractionInMask(*anatomy.lesions, m.label, *anatomy.liver);
    if (in_liver < 0.5) {
      throw GeometryError("plan: lesion " + std::to_string(m.label) + " (centroid " +
                          pointText(m.centroid_lps) +
                          " LPS) lies outside the liver: " + fixed(100.0 * in_liver, 0) +
                          " % of its voxels are in the liver mask (at least 50 % required)");
    }
  }

  TrajectoryScene scene;
  scene.body = anatomy.body;
  scene.liver = anatomy.liver;
  scene.bone = anatomy.bone;
  scene.lung = anatomy.lung;
  scene.gallbladder = anatomy.gallbladder;
  scene.vessel_radius_mm = anatomy.vessel_radius_mm;
  planner_ = std::make_unique<TrajectoryPlanner>(scene, trajectory_);
  large_vessels_ =
      anatomy.vessel_radius_mm != nullptr
          ? thresholdAtLeast(*anatomy.vessel_radius_mm, trajectory_.large_vessel_radius_mm)
          : Mask(g, 0);
  margins_ = options.coverage.margins;
  margins_.minimum_margin_mm = profile.margins.minimum_mm;
  margins_.target_margin_mm = profile.margins.target_mm;
}

const segmentation::LesionMeasurement& PlanContext::lesion(int id) const {
  for (const auto& m : measured_) {
    if (m.label == id) return m;
  }
  throw NotFoundError("plan: the lesion map has no lesion " + std::to_string(id));
}

UncertaintyOptions PlanContext::uncertaintyOptions(const std::vector<Placement>& placements) const {
  UncertaintyOptions uo = options_.uncertainty;
  uo.samples = options_.uncertainty_samples;
  if (options_.targeting_error_mm) {
    uo.mean_error_mm = *options_.targeting_error_mm;
  } else {
    const ReportedError* error = &guidance_.in_plane;
    for (const Placement& p : placements) {
      if (outOfPlane(guidance_, p.pose.direction_lps)) error = &*guidance_.out_of_plane;
    }
    uo.mean_error_mm = meanError3dMm(error->mean_mm, guidance_.measure);
  }
  for (const Tool& t : tools_) {
    bool listed = false;
    for (const thermal::ZoneSizeSpread& z : uo.zone_size_cv)
      listed |= z.electrode == t.electrode->name;
    if (!listed && t.calibration->zone_size_cv > 0) {
      uo.zone_size_cv.push_back({t.electrode->name, t.calibration->zone_size_cv});
    }
  }
  return uo;
}

PlanSettings PlanContext::settings() const {
  PlanSettings s;
  s.profile = profile_.name;
  s.electrodes = options_.electrodes;
  s.minimum_margin_mm = profile_.margins.minimum_mm;
  s.target_margin_mm = profile_.margins.target_mm;
  s.max_ablated_liver_fraction = profile_.safety.max_ablated_liver_fraction;
  s.max_ablations_per_lesion = options_.coverage.max_ablations;
  s.vessel_safety_mm = trajectory_.vessel_safety_mm;
  s.mean_targeting_error_mm = uncertaintyOptions().mean_error_mm;
  s.guidance = guidance_.id;
  s.targeting_error_source = options_.targeting_error_mm
                                 ? std::string("given by the user")
                                 : guidance_.source + " (" + toString(guidance_.measure) + " " +
                                       fixed(guidance_.in_plane.mean_mm, 1) + " mm, " +
                                       guidance_.condition + ")";
  s.uncertainty_samples = options_.uncertainty_samples;
  s.cycles_between_sessions = options_.cycles_between_sessions;
  s.prior_sessions = options_.batching.prior_sessions;
  s.prior_ablated_volume_ml = options_.batching.prior_ablated_volume_ml;
  s.prior_plan = options_.prior_plan;
  // The zone model: the tissue condition and table of the electrodes' calibrations (one text
  // when they agree, each electrode's otherwise).
  std::set<std::string> models;
  for (const Tool& t : tools_) {
    if (!t.calibration->zone_table.empty()) {
      models.insert(t.calibration->tissue_condition + " zones, " + t.calibration->zone_table);
    }
  }
  for (const std::string& m : models) s.zone_model += (s.zone_model.empty() ? "" : "; ") + m;
  s.zone_size_cv = uncertaintyOptions().zone_size_cv;
  return s;
}

PlanContext::SearchGrid PlanContext::searchGrid(const segmentation::LesionMeasurement& m,
                                                const MarginOptions& margins) const {
  SearchGrid out;
  const ImageGeometry& g = anatomy_.lesions->geometry();
  const Vec3 spacing = g.spacing().cwiseMax(Vec3::Constant(options_.search_spacing_mm));
  if ((spacing - g.spacing()).norm() < 1e-9) return out;  // the image is coarse enough
  const double pad =
      std::max(margins.crop_pad_mm, margins.target_margin_mm) + 2 * spacing.maxCoeff();
  Vec3 lo;
  Vec3 hi;
  for (int a = 0; a < 3; ++a) {
    const auto ua = static_cast<std::size_t>(a);
    lo[a] = static_cast<double>(m.bbox_min[ua]) - pad / g.spacing()[a];
    hi[a] = static_cast<double>(m.bbox_max[ua]) + pad / g.spacing()[a];
  }
  Size3 size{};
  for (int a = 0; a < 3; ++a) {
    size[static_cast<std::size_t>(a)] =
        static_cast<std::size_t>(std::ceil((hi[a] - lo[a]) * g.spacing()[a] / spacing[a])) + 1;
  }
  const ImageGeometry coarse(size, spacing, g.indexToLps(lo), g.direction());
  const LabelMap labels = resample(*anatomy_.lesions, coarse, Interpolation::kNearest);
  out.lesion = Mask(coarse, 0);
  for (std::size_t i = 0; i < labels.voxelCount(); ++i) {
    out.lesion.data()[i] = labels.data()[i] == m.label ? 1 : 0;
  }
  if (countSet(out.lesion) == 0) return out;  // too small for the coarse grid: search at full res
  out.vessels = resample(large_vessels_, coarse, Interpolation::kNearest);
  out.used = true;
  return out;
}

PlanLesion PlanContext::planLesion(const segmentation::LesionMeasurement& m,
                                   double demanded_margin_mm) const {
  PlanLesion lesion;
  lesion.id = m.label;
  lesion.centroid_lps = m.centroid_lps;
  lesion.diameter_mm = m.longest_3d_mm;
  lesion.volume_ml = m.volume_ml;
  lesion.vessel_gap_mm = m.vessel_gap_mm;
  lesion.near_major_vessel = m.vessel_gap_mm.has_value() && *m.vessel_gap_mm <= 5.0;

  const TrajectoryReport report = planner_->plan(m.centroid_lps);
  for (const Trajectory& t : report.best) lesion.trajectories.push_back(toPlan(t));
  for (const auto& [reason, count] : report.rejected) {
    lesion.rejected_paths[reason] = static_cast<int>(count);
  }
  lesion.path_candidates = static_cast<int>(report.candidates);

  const Mask lesion_mask = labelMask(*anatomy_.lesions, m.label);
  const MarginEvaluator evaluator(lesion_mask, margins_);
  if (report.best.empty()) {
    lesion.flag = LesionFlag::kNoSafePath;
    lesion.reason = "no safe path: all " + std::to_string(report.candidates) +
                    " skin entries were rejected (" + rejectedText(report) + ")";
    const MarginMetrics none = evaluator.evaluate({});
    lesion.preview = {none.minimal_margin_mm, none.coverage_min_pct, none.coverage_target_pct, 0};
    return lesion;
  }

  MarginOptions search_margins = margins_;
  search_margins.minimum_margin_mm = std::max(demanded_margin_mm, margins_.minimum_margin_mm);
  search_margins.target_margin_mm =
      std::max(search_margins.target_margin_mm, search_margins.minimum_margin_mm);
  std::vector<Vec3> directions = trajectoryDirections(report.best);
  if (options_.needle_visibility) {
    // Ultrasound guidance: the paths a probe plane shows well, when there are any.
    PlanUltrasound us;
    us.probe = options_.ultrasound_probe;
    std::vector<Trajectory> visible;
    for (const Trajectory& t : report.best) {
      if (options_.needle_visibility(m.label, t.entry_lps, t.target_lps) >=
          options_.needle_visibility_min) {
        visible.push_back(t);
      }
    }
    us.paths_assessed = static_cast<int>(report.best.size());
    us.paths_visible = static_cast<int>(visible.size());
    us.preferred = !visible.empty() && visible.size() < report.best.size();
    if (!visible.empty()) directions = trajectoryDirections(visible);
    lesion.ultrasound = us;
  }
  // The search runs on a coarser copy of the lesion (and vessels) when the image is finer than
  // search_spacing_mm; the reported figures are computed on the image grid below.
  const SearchGrid coarse = searchGrid(m, search_margins);
  const Mask& search_lesion = coarse.used ? coarse.lesion : lesion_mask;
  const Mask* search_vessels = anatomy_.vessel_radius_mm == nullptr ? nullptr
                               : coarse.used                        ? &coarse.vessels
                                                                    : &large_vessels_;
  std::vector<CoveragePlan> candidates;
  int limit = options_.coverage.max_ablations;
  for (const Tool& tool : tools_) {  // largest preview zone first
    CoverageOptions copt = options_.coverage;
    copt.margins = search_margins;
    copt.max_ablations = limit;
    const thermal::Electrode& electrode = *tool.electrode;
    const TrajectoryPlanner& planner = *planner_;
    copt.needle_ok = [&planner, &electrode](const thermal::NeedlePose& pose) {
      return needleAllowed(planner, electrode, pose);
    };
    candidates.push_back(
        planCoverage(search_lesion, *tool.calibration, directions, copt, search_vessels));
    const CoveragePlan& c = candidates.back();
    lesion.search_evaluations += static_cast<int>(c.evaluations);
    // A smaller electrode is only worth it with no more ablations than the best so far.
    if (!c.placements.empty() && c.flag == CoverageFlag::kNone) {
      limit = std::max(1, std::min(limit, c.ablations));
    }
  }
  // Robustness: among the layouts that reach the margin with the fewest ablations, the targeting
  // uncertainty decides first (P(margin >= minimum) higher by more than kRobustnessTie), then the
  // ablated volume.
  const MarginEvaluator search_evaluator(search_lesion, margins_);
  std::vector<double> robustness(candidates.size(), -1.0);
  int fewest = std::numeric_limits<int>::max();
  for (const CoveragePlan& c : candidates) {
    if (c.flag == CoverageFlag::kNone && !c.placements.empty())
      fewest = std::min(fewest, c.ablations);
  }
  if (options_.uncertainty_samples > 0) {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const CoveragePlan& c = candidates[i];
      if (c.flag != CoverageFlag::kNone || c.placements.empty() || c.ablations != fewest) continue;
      UncertaintyOptions uo = uncertaintyOptions(c.placements);
      robustness[i] = targetingUncertainty(search_evaluator, c.placements, uo).probability;
      lesion.search_evaluations += uo.samples;
    }
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    const CoveragePlan& a = candidates[i];
    const CoveragePlan& b = candidates[best];
    const bool both_ranked = robustness[i] >= 0 && robustness[best] >= 0;
    if (both_ranked && std::abs(robustness[i] - robustness[best]) > kRobustnessTie) {
      if (robustness[i] > robustness[best]) best = i;
      continue;
    }
    if (preferred(a, b, search_margins.minimum_margin_mm)) best = i;
  }
  const CoveragePlan chosen = std::move(candidates[best]);

  std::vector<thermal::EllipsoidZone> zones;
  for (const Placement& p : chosen.placements) {
    PlanPlacement pp;
    pp.electrode = p.electrode;
    pp.protocol = p.protocol;
    pp.tip_lps = p.pose.tip_lps;
    pp.direction_lps = p.pose.direction_lps.normalized();
    const auto check = planner_->checkNeedle(pp.tip_lps, pp.direction_lps);
    pp.entry_lps = check.trajectory.entry_lps;
    pp.path_length_mm = check.trajectory.length_mm;
    pp.zone = p.zone;
    zones.push_back(p.zone);
    lesion.placements.push_back(pp);
  }
  // Preview figures against the profile's margins (the search may have aimed higher).
  const MarginMetrics metrics = evaluator.evaluate(zones);
  lesion.preview = {metrics.minimal_margin_mm, metrics.coverage_min_pct,
                    metrics.coverage_target_pct, chosen.ablated_volume_ml};
  if (chosen.placements.empty()) {
    lesion.flag = lesionFlagOf(chosen.flag);
    lesion.reason = chosen.reason;
  } else if (metrics.minimal_margin_mm < margins_.minimum_margin_mm - 1e-9) {
    lesion.flag =
        chosen.flag != CoverageFlag::kNone ? lesionFlagOf(chosen.flag) : LesionFlag::kTooLarge;
    lesion.reason = (chosen.flag != CoverageFlag::kNone
                         ? chosen.reason
                         : std::string("too large: minimum margin not reached")) +
                    " (best: minimal margin " + fixed(metrics.minimal_margin_mm, 1) + " mm with " +
                    std::to_string(chosen.ablations) + " ablation(s) of " +
                    chosen.placements.front().electrode + ")";
  }
  if (options_.uncertainty_samples > 0 && !chosen.placements.empty()) {
    const UncertaintyOptions uo = uncertaintyOptions(chosen.placements);
    const UncertaintyResult u = targetingUncertainty(search_evaluator, chosen.placements, uo);
    lesion.uncertainty = PlanUncertainty{uo.mean_error_mm, u.sigma_mm,      u.samples,
                                         u.probability,    u.p10_margin_mm, u.mean_margin_mm};
  }
  return lesion;
}

}  // namespace detail

TreatmentPlan planLesions(const PlanAnatomy& anatomy, const ProtocolProfile& profile,
                          const PlanEquipment& equipment, const PlanBuildOptions& options) {
  const detail::PlanContext ctx(anatomy, profile, equipment, options);
  TreatmentPlan plan;
  plan.settings = ctx.settings();
  plan.liver_volume_ml = ctx.liverVolumeMl();
  const auto& lesions = ctx.lesions();
  for (std::size_t i = 0; i < lesions.size(); ++i) {
    if (options.progress) {
      options.progress("lesions", static_cast<double>(i) / static_cast<double>(lesions.size()));
    }
    plan.lesions.push_back(ctx.planLesion(lesions[i], profile.margins.minimum_mm));
  }
  if (options.progress) options.progress("lesions", 1.0);
  return plan;
}

}  // namespace rfa::planning
