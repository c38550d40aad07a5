// Stage 2 of the plan builder: bioheat confirmation of every placement on the patient's tissue
// (heat sink of the segmented vessels included) and the margins on the simulated zones. LPS mm.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "plan_context.h"
#include "plan_util.h"
#include "rfa/core/error.h"
#include "rfa/core/grid_bounds.h"
#include "rfa/core/parallel.h"
#include "rfa/planning/plan_builder.h"

namespace rfa::planning {
namespace {

// Value of `m` at the voxel nearest to `p_lps`; 0 outside its grid.
bool sampleNearest(const Mask& m, const Vec3& p_lps) {
  const ImageGeometry& g = m.geometry();
  const Vec3 x = g.lpsToIndex(p_lps);
  std::array<std::size_t, 3> v{};
  for (std::size_t a = 0; a < 3; ++a) {
    const double r = std::round(x[static_cast<int>(a)]);
    if (r < 0 || r > static_cast<double>(g.size()[a]) - 1.0) return false;
    v[a] = static_cast<std::size_t>(r);
  }
  return m(v[0], v[1], v[2]) != 0;
}

Vec3 voxelLps(const ImageGeometry& g, std::size_t i, std::size_t j, std::size_t k) {
  return g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
}

// Volume (mL) of the union of `zones` (each on its own axis-aligned grid), on an LPS box covering
// them all at `spacing_mm`, sampled at the nearest voxel of each zone.
double unionVolumeMl(const std::vector<Mask>& zones, double spacing_mm) {
  if (zones.empty()) return 0;
  Vec3 lo = Vec3::Constant(std::numeric_limits<double>::infinity());
  Vec3 hi = -lo;
  for (const Mask& z : zones) {
    const auto [zlo, zhi] = voxelCentreBoundsLps(z.geometry());
    lo = lo.cwiseMin(zlo);
    hi = hi.cwiseMax(zhi);
  }
  Size3 n{};
  for (int a = 0; a < 3; ++a) {
    n[static_cast<std::size_t>(a)] =
        static_cast<std::size_t>(std::floor((hi[a] - lo[a]) / spacing_mm)) + 1;
  }
  const ImageGeometry box(n, Vec3::Constant(spacing_mm), lo);
  std::size_t count = 0;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = voxelLps(box, i, j, k);
        count += std::any_of(zones.begin(), zones.end(),
                             [&](const Mask& z) { return sampleNearest(z, p); })
                     ? 1
                     : 0;
      }
    }
  }
  return static_cast<double>(count) * box.voxelVolumeMm3() / 1000.0;
}

double segmentDistance(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 ab = b - a;
  const double len2 = ab.squaredNorm();
  const double t = len2 > 0 ? std::clamp((p - a).dot(ab) / len2, 0.0, 1.0) : 0.0;
  return (a + t * ab - p).norm();
}

// The solver holds the electrode voxels at the coolant temperature: at voxel resolution that
// cools a column wider than the real needle (1.5 mm), leaving thin unablated tubes around the
// shafts (up to 2.5 mm from the axis of a cluster's shafts, measured). Clinically the tissue
// around an active shaft is coagulated (and the track is ablated on withdrawal), so voxels within
// kShaftFillMm of an active shaft axis count as ablated.
constexpr double kShaftFillMm = 3.0;

// A refinement that does not reach the minimum margin is kept only if it gains this much (mm).
constexpr double kRefineGainMm = 1.0;

void fillAroundShafts(Mask& zone, const thermal::Electrode& electrode,
                      const thermal::NeedlePose& pose) {
  const Mat3 f = thermal::needleFrame(pose);
  const ImageGeometry& g = zone.geometry();
  for (const thermal::Shaft& s : electrode.shafts) {
    if (s.active_length_mm <= 0) continue;
    const Vec3 tip = pose.tip_lps + f.col(0) * s.offset_u_mm + f.col(1) * s.offset_v_mm;
    const Vec3 back = tip - f.col(2) * s.active_length_mm;
    for (std::size_t k = 0; k < g.size()[2]; ++k) {
      for (std::size_t j = 0; j < g.size()[1]; ++j) {
        for (std::size_t i = 0; i < g.size()[0]; ++i) {
          if (zone(i, j, k) != 0) continue;
          if (segmentDistance(voxelLps(g, i, j, k), tip, back) <= kShaftFillMm) zone(i, j, k) = 1;
        }
      }
    }
  }
}

}  // namespace

namespace detail {

bool PlanContext::confirm(PlanLesion& lesion) const {
  if (lesion.placements.empty()) return false;
  thermal::SegmentationLabels labels;
  labels.body = anatomy_.body;
  labels.lung = anatomy_.lung;
  labels.bone = anatomy_.bone;
  labels.liver = anatomy_.liver;
  labels.lesions = anatomy_.lesions;
  labels.vessel_radius_mm = anatomy_.vessel_radius_mm;
  const double large_radius = trajectory_.large_vessel_radius_mm;
  const MarginEvaluator evaluator(labelMask(*anatomy_.lesions, lesion.id), margins_);
  const ImageGeometry& crop = evaluator.crop();
  Mask zone_crop(crop, 0);
  std::vector<Mask> zones;
  PlanConfirmation conf;
  conf.spacing_mm = options_.confirmation.spacing_mm;
  for (const PlanPlacement& p : lesion.placements) {
    const thermal::Electrode& electrode = equipment_.catalog->find(p.electrode);
    thermal::SimulationSettings settings = options_.confirmation;
    settings.protocol = p.protocol;
    const thermal::NeedlePose pose{p.tip_lps, p.direction_lps};
    const ImageGeometry grid = thermal::simulationGrid(electrode, pose, settings);
    const thermal::TissueModel tissue = thermal::tissueFromLabels(grid, labels, large_radius);
    thermal::SimulationResult r = thermal::simulateAblation(electrode, pose, settings, &tissue);
    fillAroundShafts(r.zone, electrode, pose);
    conf.backend = r.backend;
    conf.zone_volumes_ml.push_back(r.zone_volume_ml);
    conf.max_temperatures_c.push_back(r.max_temperature_c);
    for (std::size_t k = 0; k < crop.size()[2]; ++k) {
      for (std::size_t j = 0; j < crop.size()[1]; ++j) {
        for (std::size_t i = 0; i < crop.size()[0]; ++i) {
          if (zone_crop(i, j, k) == 0 && sampleNearest(r.zone, voxelLps(crop, i, j, k))) {
            zone_crop(i, j, k) = 1;
          }
        }
      }
    }
    zones.push_back(std::move(r.zone));
  }
  const MarginMetrics m = evaluator.evaluateCropMask(zone_crop);
  conf.margins = {m.minimal_margin_mm, m.coverage_min_pct, m.coverage_target_pct,
                  unionVolumeMl(zones, options_.confirmation.spacing_mm)};
  lesion.confirmation = conf;
  const double minimum = profile_.margins.minimum_mm;
  if (lesion.flag != LesionFlag::kNone || m.minimal_margin_mm >= minimum - 1e-9) return false;
  const double reach = minimum + crop.spacing().minCoeff();
  const bool vessel =
      anatomy_.vessel_radius_mm != nullptr && anyVoxelWithin(large_vessels_, m.worst_lps, reach);
  lesion.flag = vessel ? LesionFlag::kHeatSink : LesionFlag::kTooLarge;
  lesion.reason = std::string(vessel ? "heat sink: " : "too large: ") +
                  "the bioheat confirmation gives a minimal margin of " +
                  fixed(m.minimal_margin_mm, 1) + " mm (preview " +
                  fixed(lesion.preview.minimal_margin_mm, 1) + " mm, minimum " + fixed(minimum, 1) +
                  " mm) at " + pointText(m.worst_lps) +
                  (vessel ? ", next to a vessel of diameter >= " + fixed(2 * large_radius, 1) +
                                " mm that cools the zone"
                          : ": the simulated zone is smaller there than the preview model's");
  return true;
}

}  // namespace detail

void confirmLesions(TreatmentPlan& plan, const PlanAnatomy& anatomy, const ProtocolProfile& profile,
                    const PlanEquipment& equipment, const PlanBuildOptions& options) {
  const detail::PlanContext ctx(anatomy, profile, equipment, options);
  const double minimum = profile.margins.minimum_mm;
  // One lesion: its placements simulated, then the refinement rounds.
  const auto confirmOne = [&](PlanLesion& lesion) {
    bool short_of_preview = ctx.confirm(lesion);
    // Refinement: aim the preview search higher by the shortfall the simulation showed.
    for (int round = 0; short_of_preview && round < options.refinement_rounds; ++round) {
      // The preview overestimated this lesion's margin by (preview - confirmed): ask the preview
      // for the minimum plus that much (+ 0.5 mm).
      const double confirmed = lesion.confirmation->margins.minimal_margin_mm;
      const double demanded =
          minimum + std::max(0.0, lesion.preview.minimal_margin_mm - confirmed) + 0.5;
      if (demanded > minimum + options.max_refinement_mm) break;
      PlanLesion candidate = ctx.planLesion(ctx.lesion(lesion.id), demanded);
      if (candidate.placements.empty() || candidate.flag != LesionFlag::kNone) break;
      short_of_preview = ctx.confirm(candidate);
      // Kept when it reaches the minimum, or gains at least kRefineGainMm (a few tenths of a mm
      // are not worth more needles).
      const double gained = candidate.confirmation->margins.minimal_margin_mm;
      if (gained >= minimum - 1e-9 || gained >= confirmed + kRefineGainMm) {
        candidate.refinements = round + 1;
        lesion = std::move(candidate);
      }
    }
  };
  const std::size_t n = plan.lesions.size();
  if (options.confirmation.backend == thermal::BackendChoice::kCpu) {
    // CPU: one lesion per worker, most placements first (the small grids of one lesion's
    // simulations keep two cores busy only 80 % of the time; whole lesions in parallel, each
    // simulation serial inside - parallelFor nests serially - use them fully). Each lesion's
    // result does not depend on the thread count (the solver gives the same bits on 1 or N
    // threads). The GL backend keeps one lesion at a time (one context).
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return plan.lesions[a].placements.size() > plan.lesions[b].placements.size();
    });
    std::mutex progress_mutex;
    std::size_t done = 0;
    if (options.progress) options.progress("confirmation", 0.0);
    parallelFor(n, [&](std::size_t k) {
      confirmOne(plan.lesions[order[k]]);
      if (options.progress) {
        const std::lock_guard<std::mutex> lock(progress_mutex);
        ++done;
        if (done < n) {
          options.progress("confirmation", static_cast<double>(done) / static_cast<double>(n));
        }
      }
    });
  } else {
    for (std::size_t li = 0; li < n; ++li) {
      if (options.progress) {
        options.progress("confirmation", static_cast<double>(li) / static_cast<double>(n));
      }
      confirmOne(plan.lesions[li]);
    }
  }
  if (options.progress) options.progress("confirmation", 1.0);
  plan.settings.confirmed = true;
  plan.settings.confirmation_spacing_mm = options.confirmation.spacing_mm;
}

}  // namespace rfa::planning
