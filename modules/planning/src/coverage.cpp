// Margin metrics, placement search and targeting uncertainty on preview ellipsoids (coverage.h).
#include "rfa/planning/coverage.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Eigenvalues>

#include "plan_util.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/distance.h"

namespace rfa::planning {
namespace {

using thermal::EllipsoidZone;
using thermal::NeedlePose;

constexpr double kTie = 1e-9;

Mask rasterizeUnion(const std::vector<EllipsoidZone>& zones, const ImageGeometry& grid) {
  Mask out(grid, 0);
  for (const EllipsoidZone& z : zones) {
    const Mask m = z.rasterize(grid);
    for (std::size_t i = 0; i < out.voxelCount(); ++i) out.data()[i] |= m.data()[i];
  }
  return out;
}

Vec3 indexLps(const ImageGeometry& g, std::size_t linear) {
  const Size3& n = g.size();
  const std::size_t i = linear % n[0];
  const std::size_t j = (linear / n[0]) % n[1];
  const std::size_t k = linear / (n[0] * n[1]);
  return g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
}

// True when `a` is a better plan than `b`: larger minimal margin, then larger coverage.
bool better(const MarginMetrics& a, const MarginMetrics& b) {
  if (a.minimal_margin_mm > b.minimal_margin_mm + kTie) return true;
  if (a.minimal_margin_mm < b.minimal_margin_mm - kTie) return false;
  return a.coverage_min_pct > b.coverage_min_pct + kTie;
}

// Deterministic standard normal deviates: mt19937_64 + Box-Muller (portable, unlike
// std::normal_distribution whose algorithm is implementation-defined).
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : rng_(seed) {}
  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = static_cast<double>((rng_() >> 11) + 1) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;        // [0, 1)
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double t = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }

 private:
  std::mt19937_64 rng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// MarginEvaluator

MarginEvaluator::MarginEvaluator(const Mask& lesion, const MarginOptions& options)
    : options_(options) {
  const ImageGeometry& g = lesion.geometry();
  const Size3& n = g.size();
  std::array<std::size_t, 3> lo{n[0], n[1], n[2]};
  std::array<std::size_t, 3> hi{0, 0, 0};
  bool any = false;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (lesion(i, j, k) == 0) continue;
        any = true;
        const std::array<std::size_t, 3> ijk{i, j, k};
        for (int a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], ijk[a]);
          hi[a] = std::max(hi[a], ijk[a]);
        }
      }
    }
  }
  if (!any) throw NoDataError("coverage: the lesion mask is empty");
  pad_mm_ = std::max({options_.crop_pad_mm, options_.target_margin_mm, 0.0});
  const Vec3& sp = g.spacing();
  half_spacing_mm_ = 0.5 * sp.minCoeff();
  std::array<std::int64_t, 3> start{};
  Size3 size{};
  for (int a = 0; a < 3; ++a) {
    const auto pad = static_cast<std::int64_t>(std::ceil(pad_mm_ / sp[a])) + 1;
    start[a] = static_cast<std::int64_t>(lo[a]) - pad;
    size[a] = hi[a] - lo[a] + 1 + 2 * static_cast<std::size_t>(pad);
  }
  const Vec3 origin = g.indexToLps(Vec3(
      static_cast<double>(start[0]), static_cast<double>(start[1]), static_cast<double>(start[2])));
  crop_ = ImageGeometry(size, sp, origin, g.direction());
  lesion_ = Mask(crop_, 0);
  Vec3 sum(0, 0, 0);
  for (std::size_t k = 0; k < size[2]; ++k) {
    const std::int64_t gk = static_cast<std::int64_t>(k) + start[2];
    if (gk < 0 || gk >= static_cast<std::int64_t>(n[2])) continue;
    for (std::size_t j = 0; j < size[1]; ++j) {
      const std::int64_t gj = static_cast<std::int64_t>(j) + start[1];
      if (gj < 0 || gj >= static_cast<std::int64_t>(n[1])) continue;
      for (std::size_t i = 0; i < size[0]; ++i) {
        const std::int64_t gi = static_cast<std::int64_t>(i) + start[0];
        if (gi < 0 || gi >= static_cast<std::int64_t>(n[0])) continue;
        if (lesion(static_cast<std::size_t>(gi), static_cast<std::size_t>(gj),
                   static_cast<std::size_t>(gk)) == 0) {
          continue;
        }
        const std::size_t idx = lesion_.linearIndex(i, j, k);
        lesion_.data()[idx] = 1;
        lesion_index_.push_back(idx);
        sum += indexLps(crop_, idx);
      }
    }
  }
  centroid_lps_ = sum / static_cast<double>(lesion_index_.size());
  lesion_d2_ = segmentation::squaredDistanceMm2(lesion_);
  const auto limit = [](double r) { return r * r * (1 + 1e-9) + 1e-6; };
  const double min2 = limit(options_.minimum_margin_mm);
  const double target2 = limit(options_.target_margin_mm);
  for (std::size_t i = 0; i < lesion_d2_.voxelCount(); ++i) {
    const double d2 = lesion_d2_.data()[i];
    if (d2 <= min2) dilated_min_index_.push_back(i);
    if (d2 <= target2) dilated_target_index_.push_back(i);
  }
}

double MarginEvaluator::dilatedMinimumVolumeMl() const {
  return static_cast<double>(dilated_min_index_.size()) * crop_.voxelVolumeMm3() / 1000.0;
}

MarginMetrics MarginEvaluator::evaluate(const std::vector<EllipsoidZone>& zones) const {
  return evaluateCropMask(rasterizeUnion(zones, crop_));
}

MarginMetrics MarginEvaluator::evaluateCropMask(const Mask& zone) const {
  if (!zone.geometry().sameGrid(crop_)) {
    throw GeometryError("coverage: zone mask is not on the evaluator's crop grid");
  }
  MarginMetrics m;
  m.lesion_voxels = lesion_index_.size();
  const auto zd = zone.data();
  bool outside = false;
  for (std::size_t idx : lesion_index_) outside = outside || zd[idx] == 0;
  if (outside) {
    // Largest distance from a lesion voxel outside the zone to the zone.
    const Volume<float> d2 = segmentation::squaredDistanceMm2(zone);
    double worst = -1;
    std::size_t worst_idx = lesion_index_.front();
    for (std::size_t idx : lesion_index_) {
      if (zd[idx] != 0) continue;
      const double v = d2.data()[idx];
      if (v > worst) {
        worst = v;
        worst_idx = idx;
      }
    }
    m.minimal_margin_mm = -std::min(std::sqrt(worst) - half_spacing_mm_, pad_mm_);
    m.worst_lps = indexLps(crop_, worst_idx);
  } else {
    Mask complement(crop_, 0);
    for (std::size_t i = 0; i < complement.voxelCount(); ++i) {
      complement.data()[i] = zd[i] == 0 ? 1 : 0;
    }
    const Volume<float> d2 = segmentation::squaredDistanceMm2(complement);
    double best = std::numeric_limits<double>::infinity();
    std::size_t best_idx = lesion_index_.front();
    for (std::size_t idx : lesion_index_) {
      const double v = d2.data()[idx];
      if (v < best) {
        best = v;
        best_idx = idx;
      }
    }
    m.minimal_margin_mm = std::min(std::sqrt(best) - half_spacing_mm_, pad_mm_);
    m.worst_lps = indexLps(crop_, best_idx);
  }
  const auto pct = [&](const std::vector<std::size_t>& set) {
    std::size_t in = 0;
    for (std::size_t idx : set) in += zd[idx] != 0 ? 1 : 0;
    return set.empty() ? 0.0 : 100.0 * static_cast<double>(in) / static_cast<double>(set.size());
  };
  m.coverage_min_pct = pct(dilated_min_index_);
  m.coverage_target_pct = pct(dilated_target_index_);
  return m;
}

Vec3 MarginEvaluator::leastCoveredLps(const std::vector<EllipsoidZone>& zones) const {
  const Mask zone = rasterizeUnion(zones, crop_);
  bool outside = false;
  for (std::size_t idx : dilated_min_index_) outside = outside || zone.data()[idx] == 0;
  if (!outside) return evaluateCropMask(zone).worst_lps;
  const Volume<float> d2 = segmentation::squaredDistanceMm2(zone);
  double worst = -1;
  std::size_t worst_idx = dilated_min_index_.front();
  for (std::size_t idx : dilated_min_index_) {
    if (zone.data()[idx] != 0) continue;
    // Prefer the farthest from the zone; among equals, the nearest to the lesion (deterministic).
    const double v = static_cast<double>(d2.data()[idx]) - 1e-3 * lesion_d2_.data()[idx];
    if (v > worst) {
      worst = v;
      worst_idx = idx;
    }
  }
  return indexLps(crop_, worst_idx);
}

// ---------------------------------------------------------------------------------------------
// Free functions

MarginMetrics computeMargins(const Mask& lesion, const Mask& zone, const MarginOptions& options) {
  if (!lesion.geometry().sameGrid(zone.geometry())) {
    throw GeometryError("computeMargins: lesion and zone masks are on different grids");
  }
  const MarginEvaluator e(lesion, options);
  // Resample the zone onto the crop (same spacing and direction: an integer index shift).
  const ImageGeometry& crop = e.crop();
  const Vec3 shift = lesion.geometry().lpsToIndex(crop.origin());
  const std::array<std::int64_t, 3> s{std::llround(shift[0]), std::llround(shift[1]),
                                      std::llround(shift[2])};
  const Size3& n = lesion.geometry().size();
  Mask z(crop, 0);
  for (std::size_t k = 0; k < crop.size()[2]; ++k) {
    for (std::size_t j = 0; j < crop.size()[1]; ++j) {
      for (std::size_t i = 0; i < crop.size()[0]; ++i) {
        const std::int64_t gi = static_cast<std::int64_t>(i) + s[0];
        const std::int64_t gj = static_cast<std::int64_t>(j) + s[1];
        const std::int64_t gk = static_cast<std::int64_t>(k) + s[2];
        if (gi < 0 || gj < 0 || gk < 0 || gi >= static_cast<std::int64_t>(n[0]) ||
            gj >= static_cast<std::int64_t>(n[1]) || gk >= static_cast<std::int64_t>(n[2])) {
          continue;
        }
        z(i, j, k) = zone(static_cast<std::size_t>(gi), static_cast<std::size_t>(gj),
                          static_cast<std::size_t>(gk)) != 0
                         ? 1
                         : 0;
      }
    }
  }
  return e.evaluateCropMask(z);
}

MarginMetrics computeMargins(const Mask& lesion, const std::vector<EllipsoidZone>& zones,
                             const MarginOptions& options) {
  return MarginEvaluator(lesion, options).evaluate(zones);
}

const char* coverageFlagName(CoverageFlag flag) {
  switch (flag) {
    case CoverageFlag::kNone:
      return "none";
    case CoverageFlag::kNoSafePath:
      return "no safe path";
    case CoverageFlag::kTooLarge:
      return "too large";
    case CoverageFlag::kVessel:
      return "vessel";
  }
  return "none";
}

LesionFlag lesionFlagOf(CoverageFlag flag) {
  switch (flag) {
    case CoverageFlag::kNone:
      return LesionFlag::kNone;
    case CoverageFlag::kNoSafePath:
      return LesionFlag::kNoSafePath;
    case CoverageFlag::kTooLarge:
      return LesionFlag::kTooLarge;
    case CoverageFlag::kVessel:
      return LesionFlag::kVessel;
  }
  return LesionFlag::kNone;
}

std::vector<Vec3> trajectoryDirections(const std::vector<Trajectory>& trajectories) {
  std::vector<Vec3> out;
  for (const Trajectory& t : trajectories) {
    const Vec3 d = t.target_lps - t.entry_lps;
    if (d.norm() > 1e-9) out.push_back(d.normalized());
  }
  return out;
}

double unionVolumeMl(const std::vector<EllipsoidZone>& zones, double spacing_mm) {
  if (zones.empty()) return 0;
  if (!(spacing_mm > 0) || !std::isfinite(spacing_mm)) {
    throw UsageError("unionVolumeMl: spacing must be finite and > 0");
  }
  Vec3 lo = Vec3::Constant(std::numeric_limits<double>::infinity());
  Vec3 hi = -lo;
  for (const EllipsoidZone& z : zones) {
    for (int a = 0; a < 3; ++a) {
      const double half = std::sqrt(std::pow(z.semi_u_mm * z.axes(a, 0), 2) +
                                    std::pow(z.semi_v_mm * z.axes(a, 1), 2) +
                                    std::pow(z.semi_w_mm * z.axes(a, 2), 2));
      lo[a] = std::min(lo[a], z.centre_lps[a] - half);
      hi[a] = std::max(hi[a], z.centre_lps[a] + half);
    }
  }
  Size3 size{};
  for (int a = 0; a < 3; ++a) {
    size[a] = static_cast<std::size_t>(std::ceil((hi[a] - lo[a]) / spacing_mm)) + 3;
  }
  const ImageGeometry g(size, Vec3::Constant(spacing_mm), lo - Vec3::Constant(spacing_mm));
  const Mask m = rasterizeUnion(zones, g);
  std::size_t count = 0;
  for (std::uint8_t v : m.data()) count += v != 0 ? 1 : 0;
  return static_cast<double>(count) * g.voxelVolumeMm3() / 1000.0;
}

// ---------------------------------------------------------------------------------------------
// Placement search

namespace {

struct Search {
  const MarginEvaluator& eval;
  const thermal::PreviewCalibration& calib;
  const CoverageOptions& opt;
  std::size_t evaluations = 0;
  mutable std::atomic<std::size_t> refused{0};  ///< layouts with a forbidden needle

  std::vector<EllipsoidZone> zones(const std::vector<NeedlePose>& poses) const {
    std::vector<EllipsoidZone> z;
    z.reserve(poses.size());
    for (const NeedlePose& p : poses) z.push_back(thermal::previewZone(calib, p));
    return z;
  }
  MarginMetrics score(const std::vector<NeedlePose>& poses) {
    ++evaluations;
    return scoreConst(poses);
  }
  // Metrics of a layout with a forbidden needle: never better than anything.
  static MarginMetrics forbidden() {
    MarginMetrics m;
    m.minimal_margin_mm = -std::numeric_limits<double>::infinity();
    m.coverage_min_pct = -1;
    m.coverage_target_pct = -1;
    return m;
  }
  // Scores layouts that differ from `poses` only in the tip of poses[i] (in parallel; the metrics
  // come back in the order of `tips`).
  std::vector<MarginMetrics> scoreTips(const std::vector<NeedlePose>& poses, std::size_t i,
                                       const std::vector<Vec3>& tips) {
    std::vector<MarginMetrics> out(tips.size());
    std::atomic<std::size_t> count{0};
    parallelFor(tips.size(), [&](std::size_t t) {
      std::vector<NeedlePose> p = poses;
      p[i].tip_lps = tips[t];
      out[t] = scoreConst(p);
      count.fetch_add(1, std::memory_order_relaxed);
    });
    evaluations += count.load();
    return out;
  }
  MarginMetrics scoreConst(const std::vector<NeedlePose>& poses) const {
    if (opt.needle_ok) {
      for (const NeedlePose& p : poses) {
        if (!opt.needle_ok(p)) {
          refused.fetch_add(1, std::memory_order_relaxed);
          return forbidden();
        }
      }
    }
    return eval.evaluate(zones(poses));
  }
  // Tip shifts of poses[i] along the needle, then laterally; keeps the best (the first found
  // among equals, in the scan order). Returns its metrics.
  MarginMetrics optimize(std::vector<NeedlePose>& poses, std::size_t i, MarginMetrics best) {
    const Mat3 f = thermal::needleFrame(poses[i]);
    const Vec3 base = poses[i].tip_lps;
    Vec3 best_tip = base;
    const auto steps = [](double range, double step) {
      return step > 0 ? static_cast<int>(std::floor(range / step + 1e-9)) : 0;
    };
    const auto pick = [&](const std::vector<Vec3>& tips) {
      const std::vector<MarginMetrics> m = scoreTips(poses, i, tips);
      for (std::size_t t = 0; t < tips.size(); ++t) {
        if (better(m[t], best)) {
          best = m[t];
          best_tip = tips[t];
        }
      }
    };
    std::vector<Vec3> tips;
    const int na = steps(opt.along_search_mm, opt.along_step_mm);
    for (int s = -na; s <= na; ++s) {
      if (s != 0) tips.push_back(base + f.col(2) * (s * opt.along_step_mm));
    }
    pick(tips);
    const Vec3 centre = best_tip;
    tips.clear();
    const int nl = steps(opt.lateral_search_mm, opt.lateral_step_mm);
    for (int a = -nl; a <= nl; ++a) {
      for (int b = -nl; b <= nl; ++b) {
        if (a == 0 && b == 0) continue;
        tips.push_back(centre + f.col(0) * (a * opt.lateral_step_mm) +
                       f.col(1) * (b * opt.lateral_step_mm));
      }
    }
    pick(tips);
    poses[i].tip_lps = best_tip;
    return best;
  }
};

}  // namespace

CoveragePlan planCoverage(const Mask& lesion, const thermal::PreviewCalibration& calibration,
                          const std::vector<Vec3>& directions_lps, const CoverageOptions& options,
                          const Mask* large_vessels) {
  if (large_vessels != nullptr && !large_vessels->geometry().sameGrid(lesion.geometry())) {
    throw GeometryError("planCoverage: the vessel mask is not on the lesion's grid");
  }
  const MarginEvaluator eval(lesion, options.margins);
  Search search{eval, calibration, options};
  CoveragePlan plan;
  const double min_margin = options.margins.minimum_margin_mm;
  const double min_spacing = lesion.geometry().spacing().minCoeff();

  std::vector<Vec3> dirs;
  for (const Vec3& d : directions_lps) {
    if (dirs.size() >= std::max<std::size_t>(options.max_directions, 1)) break;
    if (d.norm() > 1e-9 && d.allFinite()) dirs.push_back(d.normalized());
  }
  if (dirs.empty()) {
    plan.flag = CoverageFlag::kNoSafePath;
    plan.reason = "no safe path: no feasible trajectory direction was given";
    plan.metrics = eval.evaluate({});
    plan.evaluations = 1;
    return plan;
  }

  const auto centredTip = [&](const Vec3& centre, const Vec3& w) {
    return Vec3(centre - w * calibration.centre_offset_mm);  // centre = tip + offset * w
  };

  // (1) One ablation per direction.
  std::vector<NeedlePose> best_poses;
  MarginMetrics best{};
  best.minimal_margin_mm = -std::numeric_limits<double>::infinity();
  const double zone_ml = thermal::previewZone(calibration, NeedlePose{}).volumeMl();
  const bool too_large = eval.dilatedMinimumVolumeMl() >
                         options.packing_efficiency * std::max(options.max_ablations, 1) * zone_ml;
  for (const Vec3& w : dirs) {
    std::vector<NeedlePose> poses{NeedlePose{centredTip(eval.centroidLps(), w), w}};
    MarginMetrics m = search.score(poses);
    if (!too_large) m = search.optimize(poses, 0, m);
    if (better(m, best)) {
      best = m;
      best_poses = poses;
    }
    if (too_large && !best_poses.empty()) break;
  }

  // (2) Multi-ablation on the best direction (parallel needles): for each count k, a greedy
  // extension of the k-1 layout and a ring layout, each polished by the tip search.
  if (!too_large && !best_poses.empty() && best.minimal_margin_mm < min_margin) {
    const Vec3 w = best_poses.front().direction_lps;
    // Ring axes: the lesion's principal axis across the needle, then w x e1.
    Mat3 cov = Mat3::Zero();
    const Mask& lc = eval.lesionCrop();
    for (std::size_t i = 0; i < lc.voxelCount(); ++i) {
      if (lc.data()[i] == 0) continue;
      const Vec3 d = indexLps(lc.geometry(), i) - eval.centroidLps();
      cov += d * d.transpose();
    }
    const Mat3 proj = Mat3::Identity() - w * w.transpose();
    const Eigen::SelfAdjointEigenSolver<Mat3> eig(proj * cov * proj);
    Vec3 e1 = eig.eigenvectors().col(2);  // eigenvalues ascending
    if ((proj * e1).norm() < 0.5) e1 = thermal::needleFrame(best_poses.front()).col(0);
    e1 = (proj * e1).normalized();
    const Vec3 e2 = w.cross(e1);

    std::vector<NeedlePose> greedy = best_poses;
    while (static_cast<int>(greedy.size()) < options.max_ablations &&
           best.minimal_margin_mm < min_margin) {
      // Greedy: a new zone holding the least-covered voxel with the minimum margin.
      const Vec3 q = eval.leastCoveredLps(search.zones(greedy));
      Vec3 dir = q - eval.centroidLps();
      if (dir.norm() < 1e-9) dir = e1;
      dir.normalize();
      // The new needle may come along any of the planned directions (not only parallel to the
      // first): the best of them after its tip search is kept.
      std::vector<NeedlePose> grown;
      MarginMetrics current = Search::forbidden();
      for (const Vec3& wd : dirs) {
        const EllipsoidZone z0 = thermal::previewZone(calibration, NeedlePose{Vec3(0, 0, 0), wd});
        const Vec3 local = z0.axes.transpose() * dir;
        const double r = 1.0 / std::sqrt(std::pow(local[0] / z0.semi_u_mm, 2) +
                                         std::pow(local[1] / z0.semi_v_mm, 2) +
                                         std::pow(local[2] / z0.semi_w_mm, 2));
        const Vec3 centre = q - dir * std::max(0.0, r - min_margin);
        std::vector<NeedlePose> candidate = greedy;
        candidate.push_back(NeedlePose{centredTip(centre, wd), wd});
        const MarginMetrics m =
            search.optimize(candidate, candidate.size() - 1, search.score(candidate));
        if (grown.empty() || better(m, current)) {
          current = m;
          grown = std::move(candidate);
        }
      }
      greedy = std::move(grown);
      for (std::size_t i = 0; i + 1 < greedy.size(); ++i) {
        current = search.optimize(greedy, i, current);
      }
      // Ring: k zone centres on a circle of radius rho around the centroid, across the needle.
      const std::size_t k = greedy.size();
      std::vector<NeedlePose> ring_best;
      MarginMetrics ring{};
      ring.minimal_margin_mm = -std::numeric_limits<double>::infinity();
      std::vector<std::vector<NeedlePose>> layouts;
      for (int centred = 0; centred < (k >= 4 ? 2 : 1); ++centred) {
        const std::size_t on_ring = k - static_cast<std::size_t>(centred);
        for (int phase = 0; phase < 2; ++phase) {
          for (double rho = 0; rho <= calibration.semi_across_mm + 1e-9; rho += 1.0) {
            std::vector<NeedlePose> poses;
            if (centred != 0) poses.push_back(NeedlePose{centredTip(eval.centroidLps(), w), w});
            for (std::size_t i = 0; i < on_ring; ++i) {
              const double t = std::numbers::pi * (2.0 * static_cast<double>(i) + phase) /
                               static_cast<double>(on_ring);
              const Vec3 c = eval.centroidLps() + rho * (std::cos(t) * e1 + std::sin(t) * e2);
              poses.push_back(NeedlePose{centredTip(c, w), w});
            }
            layouts.push_back(std::move(poses));
          }
        }
      }
      std::vector<MarginMetrics> layout_metrics(layouts.size());
      parallelFor(layouts.size(),
                  [&](std::size_t l) { layout_metrics[l] = search.scoreConst(layouts[l]); });
      search.evaluations += layouts.size();
      for (std::size_t l = 0; l < layouts.size(); ++l) {
        if (better(layout_metrics[l], ring)) {
          ring = layout_metrics[l];
          ring_best = layouts[l];
        }
      }
      for (std::size_t i = 0; i < ring_best.size(); ++i) {
        ring = search.optimize(ring_best, i, ring);
      }
      if (better(current, best)) {
        best = current;
        best_poses = greedy;
      }
      if (better(ring, best)) {
        best = ring;
        best_poses = ring_best;
      }
    }
  }

  if (!std::isfinite(best.minimal_margin_mm)) {  // every layout had a forbidden needle
    plan.flag = CoverageFlag::kNoSafePath;
    plan.reason =
        "no safe path: no needle position near the lesion passes the path constraints (bone, "
        "lung, vessels, length, window)";
    plan.metrics = eval.evaluate({});
    plan.evaluations = search.evaluations;
    return plan;
  }
  for (const NeedlePose& p : best_poses) {
    plan.placements.push_back(Placement{p, calibration.electrode, calibration.protocol,
                                        thermal::previewZone(calibration, p)});
  }
  plan.metrics = best;
  plan.ablations = static_cast<int>(plan.placements.size());
  plan.ablated_volume_ml = unionVolumeMl(search.zones(best_poses), min_spacing);
  plan.evaluations = search.evaluations;
  plan.refused_layouts = search.refused.load();
  if (best.minimal_margin_mm < min_margin) {
    if (too_large) {
      plan.flag = CoverageFlag::kTooLarge;
      plan.reason = "too large: lesion + minimum margin exceeds what max_ablations zones cover";
    } else if (large_vessels != nullptr &&
               detail::anyVoxelWithin(*large_vessels, best.worst_lps, min_margin + min_spacing)) {
      plan.flag = CoverageFlag::kVessel;
      plan.reason = "vessel: the margin is short next to a large vessel (heat sink)";
    } else {
      plan.flag = CoverageFlag::kTooLarge;
      plan.reason = "too large: minimum margin not reached with max_ablations zones";
    }
    if (plan.refused_layouts > 0) {
      plan.reason += " (" + std::to_string(plan.refused_layouts) + " of " +
                     std::to_string(plan.evaluations) +
                     " candidate layouts had a needle refused by the path constraints)";
    }
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Targeting uncertainty

double sigmaFromMeanError(double mean_error_mm) {
  return mean_error_mm / (2.0 * std::sqrt(2.0 / std::numbers::pi));
}

UncertaintyResult targetingUncertainty(const MarginEvaluator& evaluator,
                                       const std::vector<Placement>& placements,
                                       const UncertaintyOptions& options) {
  if (options.samples < 1) throw UsageError("targetingUncertainty: samples must be >= 1");
  if (!(options.mean_error_mm >= 0) || !std::isfinite(options.mean_error_mm)) {
    throw UsageError("targetingUncertainty: mean_error_mm must be finite and >= 0");
  }
  for (const thermal::ZoneSizeSpread& z : options.zone_size_cv) {
    if (!(z.cv >= 0 && z.cv <= 1)) {
      throw UsageError("targetingUncertainty: zone_size_cv of " + z.electrode + " must be in 0..1");
    }
  }
  UncertaintyResult r;
  r.samples = options.samples;
  r.sigma_mm = sigmaFromMeanError(options.mean_error_mm);
  if (placements.empty()) return r;
  Normal normal(options.seed);
  Normal size_normal(options.seed + 1);
  std::vector<double> size_cv(placements.size(), 0.0);
  for (std::size_t i = 0; i < placements.size(); ++i) {
    size_cv[i] = thermal::zoneSizeCv(options.zone_size_cv, placements[i].electrode);
  }
  std::vector<double> margins;
  margins.reserve(static_cast<std::size_t>(options.samples));
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<EllipsoidZone> zones(placements.size());
  for (int s = 0; s < options.samples; ++s) {
    for (std::size_t i = 0; i < placements.size(); ++i) {
      zones[i] = placements[i].zone;
      const double x = normal.next();
      const double y = normal.next();
      const double z = normal.next();
      zones[i].centre_lps += Vec3(x, y, z) * r.sigma_mm;
      if (size_cv[i] > 0) {
        const double f = std::clamp(1.0 + size_cv[i] * size_normal.next(), 0.5, 1.5);
        zones[i].semi_u_mm *= f;
        zones[i].semi_v_mm *= f;
        zones[i].semi_w_mm *= f;
      }
    }
    margins.push_back(evaluator.evaluate(zones).minimal_margin_mm);
  }
  const auto t1 = std::chrono::steady_clock::now();
  r.ms_per_sample = std::chrono::duration<double, std::milli>(t1 - t0).count() / options.samples;
  std::size_t ok = 0;
  double sum = 0;
  for (double m : margins) {
    ok += m >= evaluator.options().minimum_margin_mm - kTie ? 1 : 0;
    sum += m;
  }
  r.probability = static_cast<double>(ok) / static_cast<double>(margins.size());
  r.mean_margin_mm = sum / static_cast<double>(margins.size());
  std::sort(margins.begin(), margins.end());
  r.p10_margin_mm =
      margins[static_cast<std::size_t>(std::floor(0.1 * static_cast<double>(margins.size() - 1)))];
  return r;
}

}  // namespace rfa::planning
