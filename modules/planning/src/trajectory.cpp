// Straight electrode trajectories: skin entry precomputation and per-target planning. All points
// LPS mm; grid traversal in continuous voxel index space (the index -> LPS map is affine, so a
// straight LPS segment is straight in index space too).
#include "rfa/planning/trajectory.h"

#include "voxel_traverse.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/distance.h"

namespace rfa::planning {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Length of the needle line outside the skin that must be free of the body (mm).
constexpr double kApproachMm = 40.0;

// Reasons in checking order; index into this array is the rejection code.
constexpr std::array<const char*, 9> kReasons = {
    kRejectPosterior, kRejectZWindow, kRejectTooLong,     kRejectSkinAngle, kRejectLeavesBody,
    kRejectBone,      kRejectLung,    kRejectGallbladder, kRejectVessel};
enum Reason : int {
  kPosterior = 0,
  kZWindow,
  kTooLong,
  kSkinAngle,
  kLeavesBody,
  kBone,
  kLung,
  kGallbladder,
  kVessel,
};

void requireRange(bool ok, const std::string& what) {
  if (!ok) throw UsageError("trajectory options: " + what);
}

void validate(const TrajectoryOptions& o) {
  requireRange(std::isfinite(o.max_length_mm) && o.max_length_mm > 0, "max_length_mm must be > 0");
  requireRange(std::isfinite(o.vessel_safety_mm) && o.vessel_safety_mm >= 0,
               "vessel_safety_mm must be >= 0");
  requireRange(std::isfinite(o.large_vessel_radius_mm) && o.large_vessel_radius_mm > 0,
               "large_vessel_radius_mm must be > 0");
  requireRange(o.max_posterior_normal >= -1 && o.max_posterior_normal <= 1,
               "max_posterior_normal must lie in [-1, 1]");
  requireRange(std::isfinite(o.below_liver_mm) && o.below_liver_mm >= 0 &&
                   std::isfinite(o.above_liver_mm) && o.above_liver_mm >= 0,
               "below_liver_mm and above_liver_mm must be >= 0");
  requireRange(o.max_skin_angle_deg >= 0 && o.max_skin_angle_deg <= 90,
               "max_skin_angle_deg must lie in [0, 90]");
  requireRange(std::isfinite(o.entry_spacing_mm) && o.entry_spacing_mm > 0,
               "entry_spacing_mm must be > 0");
  requireRange(std::isfinite(o.normal_radius_mm) && o.normal_radius_mm > 0,
               "normal_radius_mm must be > 0");
  requireRange(std::isfinite(o.step_mm) && o.step_mm > 0, "step_mm must be > 0");
  requireRange(o.best_k >= 0, "best_k must be >= 0");
  requireRange(
      o.length_weight >= 0 && o.angle_weight >= 0 && o.vessel_weight >= 0 && o.capsule_weight >= 0,
      "weights must be >= 0");
  requireRange(std::isfinite(o.vessel_scale_mm) && o.vessel_scale_mm > 0,
               "vessel_scale_mm must be > 0");
}

bool anySet(const Mask& m) {
  const auto d = m.data();
  return std::any_of(d.begin(), d.end(), [](std::uint8_t v) { return v != 0; });
}

template <class T>
void requireSameGrid(const Volume<T>* v, const ImageGeometry& grid, const char* name) {
  if (v != nullptr && !v->geometry().sameGrid(grid)) {
    throw GeometryError(std::string("trajectory scene: ") + name + " (" + v->geometry().describe() +
                        ") is not on the body grid (" + grid.describe() + ")");
  }
}

// Skin voxels: body voxels with an in-grid 6-neighbour outside the body.
std::vector<std::size_t> skinVoxels(const Mask& body) {
  const Size3& n = body.size();
  std::vector<std::vector<std::size_t>> per_slice(n[2]);
  parallelFor(n[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (body(i, j, k) == 0) continue;
        const bool skin =
            (i > 0 && body(i - 1, j, k) == 0) || (i + 1 < n[0] && body(i + 1, j, k) == 0) ||
            (j > 0 && body(i, j - 1, k) == 0) || (j + 1 < n[1] && body(i, j + 1, k) == 0) ||
            (k > 0 && body(i, j, k - 1) == 0) || (k + 1 < n[2] && body(i, j, k + 1) == 0);
        if (skin) per_slice[k].push_back(body.linearIndex(i, j, k));
      }
    }
  });
  std::vector<std::size_t> out;
  for (const auto& s : per_slice) out.insert(out.end(), s.begin(), s.end());
  return out;
}

Vec3 indexOf(std::size_t linear, const Size3& n) {
  const std::size_t i = linear % n[0];
  const std::size_t j = (linear / n[0]) % n[1];
  const std::size_t k = linear / (n[0] * n[1]);
  return {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)};
}

struct BallOffset {
  Index3 d;
  Vec3 mm;
};

std::vector<BallOffset> ballOffsets(const ImageGeometry& g, double radius_mm) {
  const Mat3& to_mm = g.indexToLpsMatrix();
  const Mat3& to_index = g.lpsToIndexMatrix();
  std::array<std::int64_t, 3> ext{};
  for (int a = 0; a < 3; ++a) {
    ext[static_cast<std::size_t>(a)] =
        static_cast<std::int64_t>(std::ceil(radius_mm * to_index.row(a).norm()));
  }
  std::vector<BallOffset> out;
  for (std::int64_t dk = -ext[2]; dk <= ext[2]; ++dk) {
    for (std::int64_t dj = -ext[1]; dj <= ext[1]; ++dj) {
      for (std::int64_t di = -ext[0]; di <= ext[0]; ++di) {
        const Vec3 mm =
            to_mm * Vec3(static_cast<double>(di), static_cast<double>(dj), static_cast<double>(dk));
        if (mm.norm() <= radius_mm) out.push_back({{di, dj, dk}, mm});
      }
    }
  }
  return out;
}

// Outward normal at voxel `c`: centroid of the in-grid ball minus centroid of its body voxels.
Vec3 outwardNormal(const Mask& body, const Index3& c, const std::vector<BallOffset>& ball) {
  const ImageGeometry& g = body.geometry();
  Vec3 all = Vec3::Zero();
  Vec3 in_body = Vec3::Zero();
  double n_all = 0;
  double n_body = 0;
  for (const BallOffset& b : ball) {
    const Index3 v{c[0] + b.d[0], c[1] + b.d[1], c[2] + b.d[2]};
    if (!g.contains(v)) continue;
    all += b.mm;
    n_all += 1;
    if (body(static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v[1]),
             static_cast<std::size_t>(v[2])) != 0) {
      in_body += b.mm;
      n_body += 1;
    }
  }
  if (n_body == 0 || n_all == 0) return Vec3::Zero();
  const Vec3 n = all / n_all - in_body / n_body;
  return n.norm() > 1e-9 ? Vec3(n.normalized()) : Vec3::Zero();
}

// Calls visit(linear index) for every voxel the segment a->b (continuous indices) passes through,
// in order from a to b (voxel_traverse.h).
template <class Visit>
void traverse(const Vec3& a_index, const Vec3& b_index, const Size3& n, Visit&& visit) {
  detail::traverseVoxels(a_index, b_index, n, [&](std::size_t i, std::size_t j, std::size_t k) {
    visit(i + n[0] * (j + n[1] * k));
  });
}

// Lower bound (mm) of the distance from continuous index x to the nearest large-vessel voxel
// centre: max over the 8 surrounding voxel centres v of d(v) - |x - v| (d is 1-Lipschitz).
double vesselDistanceBound(const Volume<float>& dist, const Vec3& x) {
  return detail::distanceLowerBound(dist.geometry(), x, [&](const std::array<std::size_t, 3>& v) {
    return dist(v[0], v[1], v[2]);
  });
}

struct Outcome {
  int reason = -1;  // -1: accepted
  Trajectory t;
};

}  // namespace

TrajectoryPlanner::TrajectoryPlanner(const TrajectoryScene& scene, const TrajectoryOptions& options)
    : scene_(scene), options_(options) {
  validate(options_);
  if (scene.body == nullptr || scene.body->empty() || !anySet(*scene.body)) {
    throw NoDataError("trajectory scene: no body mask");
  }
  if (scene.liver == nullptr || scene.liver->empty() || !anySet(*scene.liver)) {
    throw NoDataError("trajectory scene: no liver mask");
  }
  const Mask& body = *scene.body;
  const ImageGeometry& g = body.geometry();
  requireSameGrid(scene.liver, g, "liver");
  requireSameGrid(scene.bone, g, "bone");
  requireSameGrid(scene.lung, g, "lung");
  requireSameGrid(scene.gallbladder, g, "gallbladder");
  requireSameGrid(scene.vessel_radius_mm, g, "vessel radius");
  const Size3& n = g.size();

  // Craniocaudal extent of the liver (z of voxel centres).
  liver_z_min_ = kInf;
  liver_z_max_ = -kInf;
  const auto liver = scene.liver->data();
  for (std::size_t v = 0; v < liver.size(); ++v) {
    if (liver[v] == 0) continue;
    const double z = g.indexToLps(indexOf(v, n)).z();
    liver_z_min_ = std::min(liver_z_min_, z);
    liver_z_max_ = std::max(liver_z_max_, z);
  }

  // Skin voxels, one per lattice cell (nearest the cell centre; ties: lowest linear index).
  const std::vector<std::size_t> skin = skinVoxels(body);
  if (skin.empty()) throw NoDataError("trajectory scene: the body mask has no skin voxel");
  const double pitch = options_.entry_spacing_mm;
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::pair<double, std::size_t>>
      cells;
  for (const std::size_t v : skin) {
    const Vec3 p = g.indexToLps(indexOf(v, n));
    const Vec3 c = (p / pitch).array().floor().matrix();
    const auto key =
        std::make_tuple(static_cast<std::int64_t>(c.x()), static_cast<std::int64_t>(c.y()),
                        static_cast<std::int64_t>(c.z()));
    const double d2 = (p - (c + Vec3::Constant(0.5)) * pitch).squaredNorm();
    const auto it = cells.find(key);
    if (it == cells.end() || d2 < it->second.first) cells[key] = {d2, v};
  }
  std::vector<std::size_t> picked;
  picked.reserve(cells.size());
  for (const auto& [key, value] : cells) picked.push_back(value.second);

  const std::vector<BallOffset> ball = ballOffsets(g, options_.normal_radius_mm);
  std::vector<Entry> entries(picked.size());
  parallelFor(picked.size(), [&](std::size_t e) {
    const Vec3 idx = indexOf(picked[e], n);
    const Index3 c{static_cast<std::int64_t>(idx.x()), static_cast<std::int64_t>(idx.y()),
                   static_cast<std::int64_t>(idx.z())};
    entries[e] = {g.indexToLps(idx), outwardNormal(body, c, ball)};
  });
  for (const Entry& e : entries) {
    if (e.normal.squaredNorm() > 0) entries_.push_back(e);  // drop degenerate normals
  }

  // Distance map (mm) to large vessels.
  if (scene.vessel_radius_mm != nullptr) {
    Mask large(g, 0);
    const auto r = scene.vessel_radius_mm->data();
    auto m = large.data();
    bool any = false;
    for (std::size_t v = 0; v < r.size(); ++v) {
      if (r[v] >= options_.large_vessel_radius_mm) {
        m[v] = 1;
        any = true;
      }
    }
    if (any) {
      vessel_distance_mm_ = segmentation::squaredDistanceMm2(large);
      for (float& d : vessel_distance_mm_.data()) d = std::sqrt(d);
    }
  }
}

void TrajectoryPlanner::requireTargetInBody(const Vec3& target_lps, const char* what) const {
  const Mask& body = *scene_.body;
  const ImageGeometry& g = body.geometry();
  const Size3& n = g.size();
  if (!target_lps.allFinite()) throw GeometryError(std::string(what) + " is not finite");
  const Vec3 target_index = g.lpsToIndex(target_lps);
  if (!g.containsContinuous(target_index)) {
    throw GeometryError(std::string(what) + " (" + std::to_string(target_lps.x()) + ", " +
                        std::to_string(target_lps.y()) + ", " + std::to_string(target_lps.z()) +
                        ") mm LPS lies outside the grid " + g.describe());
  }
  std::array<std::size_t, 3> v{};
  for (std::size_t ax = 0; ax < 3; ++ax) {
    const double r = std::round(target_index[static_cast<int>(ax)]);
    v[ax] = static_cast<std::size_t>(std::clamp(r, 0.0, static_cast<double>(n[ax]) - 1.0));
  }
  if (body(v[0], v[1], v[2]) == 0) {
    throw NoDataError(std::string(what) + " lies outside the body mask");
  }
}

int TrajectoryPlanner::evaluate(const Entry& entry, const Vec3& target_lps, Trajectory& t) const {
  const Mask& body = *scene_.body;
  const ImageGeometry& g = body.geometry();
  const Size3& n = g.size();
  const TrajectoryOptions& o = options_;
  const auto flag = [](const Mask* m, std::size_t v) { return m != nullptr && m->data()[v] != 0; };
  const Vec3 target_index = g.lpsToIndex(target_lps);
  t.entry_lps = entry.lps;
  t.target_lps = target_lps;
  t.entry_normal_lps = entry.normal;
  const Vec3 path = target_lps - entry.lps;
  t.length_mm = path.norm();
  const double cos_angle = t.length_mm > 0 ? -entry.normal.dot(path) / t.length_mm : 1.0;
  t.skin_angle_deg = std::acos(std::clamp(cos_angle, -1.0, 1.0)) * 180.0 / std::numbers::pi;

  if (entry.normal.y() > o.max_posterior_normal) return kPosterior;
  if (entry.lps.z() < liver_z_min_ - o.below_liver_mm ||
      entry.lps.z() > liver_z_max_ + o.above_liver_mm) {
    return kZWindow;
  }
  if (t.length_mm > o.max_length_mm) return kTooLong;
  if (t.skin_angle_deg > o.max_skin_angle_deg) return kSkinAngle;

  // Every voxel along the path: masks and liver boundary crossings.
  bool leaves = false, bone = false, lung = false, gallbladder = false;
  bool in_liver = false;
  int transitions = 0;
  traverse(g.lpsToIndex(entry.lps), target_index, n, [&](std::size_t v) {
    leaves = leaves || body.data()[v] == 0;
    bone = bone || flag(scene_.bone, v);
    lung = lung || flag(scene_.lung, v);
    gallbladder = gallbladder || flag(scene_.gallbladder, v);
    const bool l = scene_.liver->data()[v] != 0;
    if (l != in_liver) ++transitions;
    in_liver = l;
  });
  // Outside the skin the needle line must stay in the air: from two voxels out to
  // kApproachMm beyond the entry (else the shaft or the hand would be in the body, e.g. at a
  // skin fold or a grazing entry).
  if (!leaves && t.length_mm > 0) {
    const Vec3 w = path / t.length_mm;
    const double from = 2.0 * g.spacing().maxCoeff();
    const double step = 0.5 * g.spacing().minCoeff();
    for (double s = from; s <= kApproachMm && !leaves; s += step) {
      const Vec3 x = g.lpsToIndex(entry.lps - w * s);
      bool inside = true;
      std::array<std::size_t, 3> v{};
      for (std::size_t ax = 0; ax < 3 && inside; ++ax) {
        const double r = std::round(x[static_cast<int>(ax)]);
        inside = r >= 0 && r <= static_cast<double>(n[ax]) - 1.0;
        if (inside) v[ax] = static_cast<std::size_t>(r);
      }
      if (!inside) break;  // left the grid: nothing more to hit
      leaves = body(v[0], v[1], v[2]) != 0;
    }
  }
  if (leaves || bone || lung || gallbladder) {
    return leaves ? kLeavesBody : bone ? kBone : lung ? kLung : kGallbladder;
  }
  t.capsule_crossings = std::max(0, transitions - 1);

  // Distance to large vessels, sampled every step_mm (end points included).
  t.min_vessel_distance_mm = kInf;
  if (!vessel_distance_mm_.empty()) {
    const auto samples = static_cast<std::size_t>(std::ceil(t.length_mm / o.step_mm));
    const Vec3 a = g.lpsToIndex(entry.lps);
    for (std::size_t s = 0; s <= samples; ++s) {
      const double f = samples == 0 ? 0.0 : static_cast<double>(s) / static_cast<double>(samples);
      const Vec3 x = a + (target_index - a) * f;
      t.min_vessel_distance_mm =
          std::min(t.min_vessel_distance_mm, vesselDistanceBound(vessel_distance_mm_, x));
    }
    // Between two samples the distance can dip by at most half the sample spacing.
    const double half_gap = samples == 0 ? 0.0 : 0.5 * t.length_mm / static_cast<double>(samples);
    if (t.min_vessel_distance_mm < o.vessel_safety_mm + half_gap) return kVessel;
  }

  t.length_cost = o.length_weight * t.length_mm / o.max_length_mm;
  t.angle_cost =
      o.max_skin_angle_deg > 0 ? o.angle_weight * t.skin_angle_deg / o.max_skin_angle_deg : 0.0;
  t.vessel_cost = std::isfinite(t.min_vessel_distance_mm)
                      ? o.vessel_weight * o.vessel_scale_mm /
                            (o.vessel_scale_mm + t.min_vessel_distance_mm - o.vessel_safety_mm)
                      : 0.0;
  t.capsule_cost = o.capsule_weight * t.capsule_crossings;
  t.cost = t.length_cost + t.angle_cost + t.vessel_cost + t.capsule_cost;
  return -1;
}

TrajectoryPlanner::NeedleCheck TrajectoryPlanner::checkNeedle(const Vec3& tip_lps,
                                                              const Vec3& direction_lps) const {
  requireTargetInBody(tip_lps, "needle tip");
  if (!direction_lps.allFinite() || direction_lps.norm() < 1e-12) {
    throw GeometryError("needle direction has zero length or is not finite");
  }
  const Mask& body = *scene_.body;
  const ImageGeometry& g = body.geometry();
  const Size3& n = g.size();
  const Vec3 w = direction_lps.normalized();
  const double step = 0.25 * g.spacing().minCoeff();
  const auto inside = [&](const Vec3& p) {
    const Vec3 x = g.lpsToIndex(p);
    std::array<std::size_t, 3> v{};
    for (std::size_t ax = 0; ax < 3; ++ax) {
      const double r = std::round(x[static_cast<int>(ax)]);
      if (r < 0 || r > static_cast<double>(n[ax]) - 1.0) return false;
      v[ax] = static_cast<std::size_t>(r);
    }
    return body(v[0], v[1], v[2]) != 0;
  };
  Vec3 entry = tip_lps;
  const Vec3 extent_index(static_cast<double>(n[0]), static_cast<double>(n[1]),
                          static_cast<double>(n[2]));
  const auto max_steps =
      static_cast<std::size_t>(std::ceil((g.indexToLpsMatrix() * extent_index).norm() / step)) + 2;
  for (std::size_t s = 1; s <= max_steps; ++s) {
    const Vec3 p = tip_lps - w * (static_cast<double>(s) * step);
    if (!inside(p)) break;
    entry = p;
  }
  // Normal of the nearest subsampled skin entry.
  const Entry* nearest = nullptr;
  double best = kInf;
  for (const Entry& e : entries_) {
    const double d2 = (e.lps - entry).squaredNorm();
    if (d2 < best) {
      best = d2;
      nearest = &e;
    }
  }
  NeedleCheck check;
  const Entry probe{entry, nearest != nullptr ? nearest->normal : Vec3(-w)};
  const int reason = evaluate(probe, tip_lps, check.trajectory);
  check.ok = reason < 0;
  if (!check.ok) check.reason = kReasons[static_cast<std::size_t>(reason)];
  return check;
}

TrajectoryReport TrajectoryPlanner::plan(const Vec3& target_lps) const {
  requireTargetInBody(target_lps, "trajectory target");
  std::vector<Outcome> outcomes(entries_.size());
  parallelFor(entries_.size(), [&](std::size_t e) {
    outcomes[e].reason = evaluate(entries_[e], target_lps, outcomes[e].t);
  });

  TrajectoryReport report;
  report.candidates = entries_.size();
  for (const char* r : kReasons) report.rejected[r] = 0;
  std::vector<Trajectory> accepted;
  for (const Outcome& out : outcomes) {
    if (out.reason >= 0) {
      ++report.rejected[kReasons[static_cast<std::size_t>(out.reason)]];
    } else {
      accepted.push_back(out.t);
    }
  }
  report.accepted = accepted.size();
  const auto key = [](const Trajectory& t) {
    return std::make_tuple(t.cost, t.entry_lps.x(), t.entry_lps.y(), t.entry_lps.z());
  };
  std::sort(accepted.begin(), accepted.end(),
            [&](const Trajectory& a, const Trajectory& b) { return key(a) < key(b); });
  const auto k = std::min(accepted.size(), static_cast<std::size_t>(options_.best_k));
  report.best.assign(accepted.begin(), accepted.begin() + static_cast<std::ptrdiff_t>(k));
  return report;
}

}  // namespace rfa::planning
