// A needle moved by hand (placement_edit.h). The preview works on the neighbourhood of the lesion
// and of the needle only, so that it keeps up with a drag: the lesion is cut out of the label map
// on exactly the crop its MarginEvaluator uses on the full grid (so the margins are those of
// planLesions() bit for bit), and the needle path is checked by a local re-implementation of
// TrajectoryPlanner's hard constraints (trajectory.cpp: entry search, skin normal of the nearest
// subsampled skin entry, craniocaudal window, length, skin angle, exact voxel traversal, approach
// line, vessel distance bound) that needs no whole-image precomputation. All points LPS mm.
#include "rfa/planning/placement_edit.h"

#include "plan_inputs.h"
#include "voxel_traverse.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plan_util.h"
#include "rfa/core/error.h"
#include "rfa/planning/coverage.h"
#include "rfa/planning/trajectory.h"
#include "session_common.h"

namespace rfa::planning {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// As trajectory.cpp: length of the needle line outside the skin that must be free of the body.
constexpr double kApproachMm = 40.0;

using detail::fixed;
using detail::pointText;

// Nearest voxel of continuous index `x`; none outside the grid.
std::optional<std::array<std::size_t, 3>> nearestVoxel(const ImageGeometry& g, const Vec3& x) {
  std::array<std::size_t, 3> v{};
  for (std::size_t a = 0; a < 3; ++a) {
    const double r = std::round(x[static_cast<int>(a)]);
    if (!(r >= 0) || r > static_cast<double>(g.size()[a]) - 1.0) return std::nullopt;
    v[a] = static_cast<std::size_t>(r);
  }
  return v;
}

Vec3 indexVec(std::size_t i, std::size_t j, std::size_t k) {
  return {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)};
}

// Inclusive voxel index box of the LPS box [lo, hi] (clamped to the grid); empty when outside.
struct IndexBox {
  std::array<std::size_t, 3> lo{}, hi{};
  bool empty = true;
};
IndexBox indexBox(const ImageGeometry& g, const Vec3& lo, const Vec3& hi) {
  Vec3 mn = Vec3::Constant(kInf);
  Vec3 mx = -mn;
  for (int c = 0; c < 8; ++c) {
    const Vec3 p((c & 1) != 0 ? hi.x() : lo.x(), (c & 2) != 0 ? hi.y() : lo.y(),
                 (c & 4) != 0 ? hi.z() : lo.z());
    const Vec3 x = g.lpsToIndex(p);
    mn = mn.cwiseMin(x);
    mx = mx.cwiseMax(x);
  }
  IndexBox b;
  for (std::size_t a = 0; a < 3; ++a) {
    const int ai = static_cast<int>(a);
    const double top = static_cast<double>(g.size()[a]) - 1.0;
    const double l = std::max(0.0, std::floor(mn[ai]));
    const double h = std::min(top, std::ceil(mx[ai]));
    if (h < l) return b;
    b.lo[a] = static_cast<std::size_t>(l);
    b.hi[a] = static_cast<std::size_t>(h);
  }
  b.empty = false;
  return b;
}

// ---------------------------------------------------------------------------------------------
// The needle path check (TrajectoryPlanner semantics, computed locally).

class NeedleChecker {
 public:
  NeedleChecker(const PlanAnatomy& anatomy, const TrajectoryOptions& options)
      : a_(anatomy), o_(options), g_(anatomy.body->geometry()) {
    liverZExtent();
  }

  // Problems of the shaft line through `tip` along `w` (unit); `prefix` names the shaft.
  // Sets `entry` / `length` to the skin entry and path length when the tip is in the body.
  void check(const Vec3& tip, const Vec3& w, double shaft_length_mm, const std::string& electrode,
             const std::string& prefix, std::vector<std::string>& problems, Vec3* entry_out,
             double* length_out) const {
    const Mask& body = *a_.body;
    const auto tip_voxel = nearestVoxel(g_, g_.lpsToIndex(tip));
    if (!tip_voxel || !g_.containsContinuous(g_.lpsToIndex(tip))) {
      problems.push_back(prefix + "the tip " + pointText(tip) + " lies outside the image");
      return;
    }
    if (body((*tip_voxel)[0], (*tip_voxel)[1], (*tip_voxel)[2]) == 0) {
      problems.push_back(prefix + "the tip " + pointText(tip) + " lies outside the body");
      return;
    }
    if ((*a_.liver)((*tip_voxel)[0], (*tip_voxel)[1], (*tip_voxel)[2]) == 0) {
      problems.push_back(prefix + "the tip " + pointText(tip) + " lies outside the liver");
    }

    // Skin entry: where the line, followed back from the tip, leaves the body (checkNeedle).
    const double quarter = 0.25 * g_.spacing().minCoeff();
    const auto inside = [&](const Vec3& p) {
      const auto v = nearestVoxel(g_, g_.lpsToIndex(p));
      return v && body((*v)[0], (*v)[1], (*v)[2]) != 0;
    };
    Vec3 entry = tip;
    const Vec3 extent(static_cast<double>(g_.size()[0]), static_cast<double>(g_.size()[1]),
                      static_cast<double>(g_.size()[2]));
    const auto max_steps =
        static_cast<std::size_t>(std::ceil((g_.indexToLpsMatrix() * extent).norm() / quarter)) + 2;
    for (std::size_t s = 1; s <= max_steps; ++s) {
      const Vec3 p = tip - w * (static_cast<double>(s) * quarter);
      if (!inside(p)) break;
      entry = p;
    }
    const Vec3 path = tip - entry;
    const double length = path.norm();
    if (entry_out != nullptr) *entry_out = entry;
    if (length_out != nullptr) *length_out = length;
    const Vec3 normal = skinNormal(entry, w);
    const double cos_angle = length > 0 ? -normal.dot(path) / length : 1.0;
    const double angle = std::acos(std::clamp(cos_angle, -1.0, 1.0)) * 180.0 / std::numbers::pi;

    // 1-4: window, length, angle.
    if (normal.y() > o_.max_posterior_normal) {
      problems.push_back(prefix + "the skin entry " + pointText(entry) +
                         " faces backwards: posterior component of the skin normal " +
                         fixed(normal.y(), 2) + " > " + fixed(o_.max_posterior_normal, 2) +
                         " (no ultrasound window from the back)");
    }
    const double z_lo = liver_z_min_ - o_.below_liver_mm;
    const double z_hi = liver_z_max_ + o_.above_liver_mm;
    if (entry.z() < z_lo || entry.z() > z_hi) {
      problems.push_back(prefix + "the skin entry " + pointText(entry) +
                         " lies outside the craniocaudal window z " + fixed(z_lo, 1) + " .. " +
                         fixed(z_hi, 1) + " mm (liver " + fixed(liver_z_min_, 1) + " .. " +
                         fixed(liver_z_max_, 1) + " mm)");
    }
    const double max_length = std::min(o_.max_length_mm, shaft_length_mm);
    if (length > max_length) {
      problems.push_back(prefix + "the path is " + fixed(length, 1) +
                         " mm long, longer than the usable shaft of " + electrode + " (" +
                         fixed(max_length, 1) + " mm)");
    }
    if (angle > o_.max_skin_angle_deg) {
      problems.push_back(prefix + "the skin angle is " + fixed(angle, 1) + " deg (at most " +
                         fixed(o_.max_skin_angle_deg, 1) + " deg)");
    }

    // 5-8: every voxel along the path; the first of each kind, with its depth from the entry.
    struct Hit {
      bool found = false;
      Vec3 at{0, 0, 0};
    };
    Hit leaves, bone, lung, gallbladder;
    const auto mark = [&](Hit& h, const Mask* m, std::size_t i, std::size_t j, std::size_t k,
                          bool set_if_zero) {
      if (h.found || m == nullptr) return;
      if (((*m)(i, j, k) != 0) != set_if_zero) {
        h.found = true;
        h.at = g_.indexToLps(indexVec(i, j, k));
      }
    };
    detail::traverseVoxels(g_.lpsToIndex(entry), g_.lpsToIndex(tip), g_.size(),
                           [&](std::size_t i, std::size_t j, std::size_t k) {
                             mark(leaves, a_.body, i, j, k, true);
                             mark(bone, a_.bone, i, j, k, false);
                             mark(lung, a_.lung, i, j, k, false);
                             mark(gallbladder, a_.gallbladder, i, j, k, false);
                           });
    const auto depth = [&](const Vec3& p) { return fixed((p - entry).dot(w), 1); };
    if (leaves.found) {
      problems.push_back(prefix + "the path leaves the body at " + pointText(leaves.at) + ", " +
                         depth(leaves.at) + " mm from the skin entry (it would exit and re-enter)");
    } else if (length > 0) {
      // Outside the skin the line must stay in the air from two voxels out to kApproachMm.
      const double from = 2.0 * g_.spacing().maxCoeff();
      const double step = 0.5 * g_.spacing().minCoeff();
      for (double s = from; s <= kApproachMm; s += step) {
        const Vec3 p = entry - w * s;
        const auto v = nearestVoxel(g_, g_.lpsToIndex(p));
        if (!v) break;
        if (body((*v)[0], (*v)[1], (*v)[2]) != 0) {
          problems.push_back(prefix + "the needle line outside the skin runs into the body again " +
                             fixed(s, 1) + " mm before the entry, at " + pointText(p) +
                             " (a skin fold or a grazing entry: at least " + fixed(kApproachMm, 0) +
                             " mm of free approach required)");
          break;
        }
      }
    }
    const std::pair<const Hit*, const char*> organs[] = {
        {&bone, "bone"}, {&lung, "lung"}, {&gallbladder, "the gallbladder"}};
    for (const auto& [hit, name] : organs) {
      if (hit->found) {
        problems.push_back(prefix + "the path crosses " + name + " at " + pointText(hit->at) +
                           ", " + depth(hit->at) + " mm from the skin entry");
      }
    }

    // 9: large vessels.
    vesselCheck(entry, tip, prefix, problems);
  }

 private:
  // The craniocaudal extent of the liver (z of voxel centres), as the planner computes it.
  void liverZExtent() {
    const Mask& liver = *a_.liver;
    const Size3& n = g_.size();
    liver_z_min_ = kInf;
    liver_z_max_ = -kInf;
    const Mat3& m = g_.indexToLpsMatrix();
    const std::size_t slice = n[0] * n[1];
    const auto data = liver.data();
    const auto visitSlice = [&](std::size_t k) {
      bool any = false;
      for (std::size_t v = k * slice; v < (k + 1) * slice; ++v) {
        if (data[v] == 0) continue;
        any = true;
        const double z = g_.indexToLps(indexVec(v % n[0], (v / n[0]) % n[1], k)).z();
        liver_z_min_ = std::min(liver_z_min_, z);
        liver_z_max_ = std::max(liver_z_max_, z);
        if (m(2, 0) == 0 && m(2, 1) == 0) break;  // z depends on the slice only
      }
      return any;
    };
    if (m(2, 0) == 0 && m(2, 1) == 0) {  // axial slices: scan from both ends
      for (std::size_t k = 0; k < n[2]; ++k) {
        if (visitSlice(k)) break;
      }
      for (std::size_t k = n[2]; k-- > 0;) {
        if (visitSlice(k)) break;
      }
    } else {
      for (std::size_t k = 0; k < n[2]; ++k) (void)visitSlice(k);
    }
  }

  bool isSkin(std::size_t i, std::size_t j, std::size_t k) const {
    const Mask& b = *a_.body;
    const Size3& n = g_.size();
    if (b(i, j, k) == 0) return false;
    return (i > 0 && b(i - 1, j, k) == 0) || (i + 1 < n[0] && b(i + 1, j, k) == 0) ||
           (j > 0 && b(i, j - 1, k) == 0) || (j + 1 < n[1] && b(i, j + 1, k) == 0) ||
           (k > 0 && b(i, j, k - 1) == 0) || (k + 1 < n[2] && b(i, j, k + 1) == 0);
  }

  // Outward normal at voxel c: centroid of the in-grid ball minus centroid of its body voxels.
  Vec3 outwardNormal(const Vec3& c_index) const {
    const Mat3& to_mm = g_.indexToLpsMatrix();
    const Mat3& to_index = g_.lpsToIndexMatrix();
    const double r = o_.normal_radius_mm;
    std::array<std::int64_t, 3> ext{};
    for (int a = 0; a < 3; ++a) {
      ext[static_cast<std::size_t>(a)] =
          static_cast<std::int64_t>(std::ceil(r * to_index.row(a).norm()));
    }
    const Index3 c{static_cast<std::int64_t>(c_index.x()), static_cast<std::int64_t>(c_index.y()),
                   static_cast<std::int64_t>(c_index.z())};
    Vec3 all = Vec3::Zero();
    Vec3 in_body = Vec3::Zero();
    double n_all = 0;
    double n_body = 0;
    for (std::int64_t dk = -ext[2]; dk <= ext[2]; ++dk) {
      for (std::int64_t dj = -ext[1]; dj <= ext[1]; ++dj) {
        for (std::int64_t di = -ext[0]; di <= ext[0]; ++di) {
          const Vec3 mm = to_mm * Vec3(static_cast<double>(di), static_cast<double>(dj),
                                       static_cast<double>(dk));
          if (mm.norm() > r) continue;
          const Index3 v{c[0] + di, c[1] + dj, c[2] + dk};
          if (!g_.contains(v)) continue;
          all += mm;
          n_all += 1;
          if ((*a_.body)(static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v[1]),
                         static_cast<std::size_t>(v[2])) != 0) {
            in_body += mm;
            n_body += 1;
          }
        }
      }
    }
    if (n_body == 0 || n_all == 0) return Vec3::Zero();
    const Vec3 nrm = all / n_all - in_body / n_body;
    return nrm.norm() > 1e-9 ? Vec3(nrm.normalized()) : Vec3::Zero();
  }

  // The outward normal of the subsampled skin entry nearest `entry` (TrajectoryPlanner: one skin
  // voxel per cell of an LPS lattice, the one nearest the cell centre, lowest linear index on
  // ties; the nearest entry with a non-degenerate normal, lowest cell on ties); -w when none.
  Vec3 skinNormal(const Vec3& entry, const Vec3& w) const {
    using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t>;
    const double pitch = o_.entry_spacing_mm;
    const Vec3 ce = (entry / pitch).array().floor().matrix();
    const Size3& n = g_.size();
    for (std::int64_t ring = 3;; ring *= 2) {
      const Vec3 lo = (ce - Vec3::Constant(static_cast<double>(ring))) * pitch;
      const Vec3 hi = (ce + Vec3::Constant(static_cast<double>(ring + 1))) * pitch;
      const IndexBox box = indexBox(g_, lo - Vec3::Constant(1), hi + Vec3::Constant(1));
      bool whole_grid = true;
      for (std::size_t a = 0; a < 3; ++a) {
        whole_grid = whole_grid && box.lo[a] == 0 && box.hi[a] + 1 == n[a];
      }
      std::map<Key, std::pair<double, Vec3>> cells;  // cell -> (d2 to its centre, voxel index)
      if (!box.empty) {
        for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k) {
          for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j) {
            for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i) {
              if (!isSkin(i, j, k)) continue;
              const Vec3 p = g_.indexToLps(indexVec(i, j, k));
              const Vec3 c = (p / pitch).array().floor().matrix();
              if (((c - ce).cwiseAbs().array() > static_cast<double>(ring)).any()) continue;
              const Key key{static_cast<std::int64_t>(c.x()), static_cast<std::int64_t>(c.y()),
                            static_cast<std::int64_t>(c.z())};
              const double d2 = (p - (c + Vec3::Constant(0.5)) * pitch).squaredNorm();
              const auto it = cells.find(key);
              if (it == cells.end() || d2 < it->second.first) cells[key] = {d2, indexVec(i, j, k)};
            }
          }
        }
      }
      // Candidates by (distance to the entry, cell key); the first with a usable normal wins.
      std::vector<std::tuple<double, Key, Vec3>> order;
      order.reserve(cells.size());
      for (const auto& [key, rep] : cells) {
        order.emplace_back((g_.indexToLps(rep.second) - entry).squaredNorm(), key, rep.second);
      }
      std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
        return std::tie(std::get<0>(x), std::get<1>(x)) < std::tie(std::get<0>(y), std::get<1>(y));
      });
      for (const auto& [d2, key, index] : order) {
        // Only a candidate no farther than the ring's reach is sure to be the nearest overall.
        if (!whole_grid && d2 > std::pow(static_cast<double>(ring) * pitch, 2)) break;
        const Vec3 nrm = outwardNormal(index);
        if (nrm.squaredNorm() > 0) return nrm;
      }
      if (whole_grid) return -w;
    }
  }

  // Vessel check: the planner's lower bound of the distance to a large vessel voxel centre,
  // sampled every step_mm along entry -> tip, must stay >= vessel_safety + half a sample gap.
  // Distances are exact, from the large vessel voxels near the path (farther ones cannot change
  // the outcome: they are capped at `cap`).
  void vesselCheck(const Vec3& entry, const Vec3& tip, const std::string& prefix,
                   std::vector<std::string>& problems) const {
    if (a_.vessel_radius_mm == nullptr) return;
    const ImageVolume& radius = *a_.vessel_radius_mm;
    const double length = (tip - entry).norm();
    const auto samples = static_cast<std::size_t>(std::ceil(length / o_.step_mm));
    const double half_gap = samples == 0 ? 0.0 : 0.5 * length / static_cast<double>(samples);
    const double threshold = o_.vessel_safety_mm + half_gap;
    const double diag = g_.spacing().norm();
    const double cap = threshold + 2 * diag + 1;
    const Vec3 lo = entry.cwiseMin(tip) - Vec3::Constant(cap + diag);
    const Vec3 hi = entry.cwiseMax(tip) + Vec3::Constant(cap + diag);
    const IndexBox box = indexBox(g_, lo, hi);
    if (box.empty) return;
    struct Near {
      Vec3 lps;
      double radius;
    };
    std::vector<Near> near;
    const Vec3 ab = tip - entry;
    const auto segmentDistance = [&](const Vec3& p) {
      const double t =
          ab.squaredNorm() > 0 ? std::clamp((p - entry).dot(ab) / ab.squaredNorm(), 0.0, 1.0) : 0;
      return (entry + t * ab - p).norm();
    };
    for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k) {
      for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j) {
        for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i) {
          const float r = radius(i, j, k);
          if (!(r >= o_.large_vessel_radius_mm)) continue;
          const Vec3 p = g_.indexToLps(indexVec(i, j, k));
          if (segmentDistance(p) <= cap + diag) near.push_back({p, r});
        }
      }
    }
    if (near.empty()) return;
    // Distance (mm, capped) from voxel (i, j, k) to the nearest large vessel voxel centre, as the
    // planner's float distance map holds it.
    std::unordered_map<std::size_t, double> memo;
    const Size3& n = g_.size();
    const auto voxelDistance = [&](const std::array<std::size_t, 3>& v) {
      const std::size_t key = v[0] + n[0] * (v[1] + n[1] * v[2]);
      const auto it = memo.find(key);
      if (it != memo.end()) return it->second;
      const Vec3 p = g_.indexToLps(indexVec(v[0], v[1], v[2]));
      double best2 = cap * cap;
      for (const Near& q : near) best2 = std::min(best2, (q.lps - p).squaredNorm());
      const double d = std::sqrt(static_cast<double>(static_cast<float>(best2)));
      memo.emplace(key, d);
      return d;
    };
    const Vec3 a = g_.lpsToIndex(entry);
    const Vec3 b = g_.lpsToIndex(tip);
    double bound_min = kInf;
    for (std::size_t s = 0; s <= samples; ++s) {
      const double f = samples == 0 ? 0.0 : static_cast<double>(s) / static_cast<double>(samples);
      const Vec3 x = a + (b - a) * f;
      const double best = detail::distanceLowerBound(g_, x, voxelDistance);
      bound_min = std::min(bound_min, best);
    }
    if (bound_min >= threshold) return;
    // The closest large vessel voxel to the segment, for the message.
    const Near* closest = nullptr;
    double closest_d = kInf;
    for (const Near& q : near) {
      const double d = segmentDistance(q.lps);
      if (d < closest_d) {
        closest_d = d;
        closest = &q;
      }
    }
    problems.push_back(prefix + "the path passes " + fixed(closest_d, 1) +
                       " mm from a vessel of radius " + fixed(closest->radius, 1) + " mm at " +
                       pointText(closest->lps) + " (at least " + fixed(o_.vessel_safety_mm, 1) +
                       " mm from vessels of radius >= " + fixed(o_.large_vessel_radius_mm, 1) +
                       " mm required)");
  }

  const PlanAnatomy& a_;
  TrajectoryOptions o_;
  const ImageGeometry& g_;
  double liver_z_min_ = 0, liver_z_max_ = 0;
};

// The trajectory options the plan builder uses (PlanContext): defaults with the profile's access
// window and vessel safety, the length capped by the longest shaft of the plan's electrodes.
TrajectoryOptions trajectoryOptions(const TreatmentPlan& plan, const ProtocolProfile& profile,
                                    const thermal::ElectrodeCatalog& catalog) {
  TrajectoryOptions t;
  t.max_posterior_normal = profile.access.max_posterior_normal;
  t.below_liver_mm = profile.access.below_liver_mm;
  t.above_liver_mm = profile.access.above_liver_mm;
  t.max_skin_angle_deg = profile.access.max_skin_angle_deg;
  t.vessel_safety_mm = profile.access.vessel_safety_mm;
  t.large_vessel_radius_mm = 0.5 * profile.access.large_vessel_diameter_mm;
  double longest = 0;
  for (const std::string& name : plan.settings.electrodes) {
    try {
      longest = std::max(longest, catalog.find(name).shaft_length_mm);
    } catch (const NotFoundError&) {
      // An electrode of the plan's settings no longer in the catalog caps nothing.
    }
  }
  if (longest > 0) t.max_length_mm = std::min(t.max_length_mm, longest);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Margins.

MarginOptions marginOptions(const ProtocolProfile& profile) {
  static const PlanBuildOptions kDefaults;
  MarginOptions m = kDefaults.coverage.margins;
  m.minimum_margin_mm = profile.margins.minimum_mm;
  m.target_margin_mm = profile.margins.target_mm;
  return m;
}

// The lesion cut out of the label map on exactly the crop MarginEvaluator uses on the full grid
// (lesion bounding box padded by max(pad, target margin) + one voxel), so that an evaluator made
// from it has the same crop geometry, bit for bit. The bounding box is searched around the
// plan's centroid first (within the lesion's diameter), the whole map when the voxel count does
// not match the plan's volume.
Mask lesionCrop(const LabelMap& labels, const PlanLesion& lesion, const MarginOptions& margins) {
  const ImageGeometry& g = labels.geometry();
  const Size3& n = g.size();
  std::array<std::size_t, 3> lo{n[0], n[1], n[2]};
  std::array<std::size_t, 3> hi{0, 0, 0};
  const auto scan = [&](const IndexBox& box) {
    lo = {n[0], n[1], n[2]};
    hi = {0, 0, 0};
    std::size_t count = 0;
    if (box.empty) return count;
    for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k) {
      for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j) {
        for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i) {
          if (labels(i, j, k) != lesion.id) continue;
          ++count;
          const std::array<std::size_t, 3> v{i, j, k};
          for (std::size_t a = 0; a < 3; ++a) {
            lo[a] = std::min(lo[a], v[a]);
            hi[a] = std::max(hi[a], v[a]);
          }
        }
      }
    }
    return count;
  };
  const double voxel_ml = g.voxelVolumeMm3() / 1000.0;
  const double reach = lesion.diameter_mm + 2 * g.spacing().maxCoeff();
  std::size_t count = scan(indexBox(g, lesion.centroid_lps - Vec3::Constant(reach),
                                    lesion.centroid_lps + Vec3::Constant(reach)));
  if (count == 0 ||
      std::abs(static_cast<double>(count) * voxel_ml - lesion.volume_ml) > 0.5 * voxel_ml + 1e-4) {
    IndexBox all;
    all.empty = false;
    all.hi = {n[0] - 1, n[1] - 1, n[2] - 1};
    count = scan(all);
  }
  if (count == 0) {
    throw NoDataError("placement edit: the lesion map holds no voxel of lesion " +
                      std::to_string(lesion.id));
  }
  const double pad_mm = std::max({margins.crop_pad_mm, margins.target_margin_mm, 0.0});
  const Vec3& sp = g.spacing();
  std::array<std::int64_t, 3> start{};
  Size3 size{};
  for (int a = 0; a < 3; ++a) {
    const auto ua = static_cast<std::size_t>(a);
    const auto pad = static_cast<std::int64_t>(std::ceil(pad_mm / sp[a])) + 1;
    start[ua] = static_cast<std::int64_t>(lo[ua]) - pad;
    size[ua] = hi[ua] - lo[ua] + 1 + 2 * static_cast<std::size_t>(pad);
  }
  const Vec3 origin = g.indexToLps(Vec3(
      static_cast<double>(start[0]), static_cast<double>(start[1]), static_cast<double>(start[2])));
  Mask out(ImageGeometry(size, sp, origin, g.direction()), 0);
  for (std::size_t k = lo[2]; k <= hi[2]; ++k) {
    for (std::size_t j = lo[1]; j <= hi[1]; ++j) {
      for (std::size_t i = lo[0]; i <= hi[0]; ++i) {
        if (labels(i, j, k) != lesion.id) continue;
        out(static_cast<std::size_t>(static_cast<std::int64_t>(i) - start[0]),
            static_cast<std::size_t>(static_cast<std::int64_t>(j) - start[1]),
            static_cast<std::size_t>(static_cast<std::int64_t>(k) - start[2])) = 1;
      }
    }
  }
  return out;
}

// A vessel voxel of radius >= `min_radius` whose centre lies within `radius_mm` of `p`
// (anyVoxelWithin() on the large-vessel mask, without building it).
bool largeVesselWithin(const ImageVolume& vessel_radius, double min_radius, const Vec3& p,
                       double radius_mm) {
  const ImageGeometry& g = vessel_radius.geometry();
  const IndexBox box = indexBox(g, p - Vec3::Constant(radius_mm + g.spacing().maxCoeff()),
                                p + Vec3::Constant(radius_mm + g.spacing().maxCoeff()));
  if (box.empty) return false;
  for (std::size_t k = box.lo[2]; k <= box.hi[2]; ++k) {
    for (std::size_t j = box.lo[1]; j <= box.hi[1]; ++j) {
      for (std::size_t i = box.lo[0]; i <= box.hi[0]; ++i) {
        if (!(vessel_radius(i, j, k) >= min_radius)) continue;
        if ((g.indexToLps(indexVec(i, j, k)) - p).norm() <= radius_mm) return true;
      }
    }
  }
  return false;
}

struct EditOutcome {
  PlacementEditResult result;
  MarginMetrics metrics;
  std::size_t lesion_index = 0;
};

EditOutcome computeEdit(const TreatmentPlan& plan, const PlanAnatomy& anatomy,
                        const ProtocolProfile& profile, const PlanEquipment& equipment,
                        const PlacementEdit& edit) {
  // The lesion and the placement.
  const auto lesion_it = std::find_if(plan.lesions.begin(), plan.lesions.end(),
                                      [&](const PlanLesion& l) { return l.id == edit.lesion_id; });
  if (lesion_it == plan.lesions.end()) {
    throw NotFoundError("placement edit: lesion " + std::to_string(edit.lesion_id) +
                        " is not in the plan");
  }
  const PlanLesion& lesion = *lesion_it;
  if (edit.placement < 0 || static_cast<std::size_t>(edit.placement) >= lesion.placements.size()) {
    throw NotFoundError("placement edit: lesion " + std::to_string(lesion.id) + " has " +
                        std::to_string(lesion.placements.size()) + " placement(s); there is no " +
                        "placement " + std::to_string(edit.placement) + " (0-based)");
  }
  if (!edit.tip_lps.allFinite() || !edit.entry_lps.allFinite()) {
    throw UsageError("placement edit: the tip and the entry must be finite points");
  }
  if ((edit.tip_lps - edit.entry_lps).norm() < 1e-9) {
    throw UsageError("placement edit: the tip " + pointText(edit.tip_lps) +
                     " equals the entry: no needle direction");
  }
  detail::requireAnatomyAndEquipment(anatomy, equipment, "placement edit");
  const ImageGeometry& g = anatomy.body->geometry();

  const PlanPlacement& old = lesion.placements[static_cast<std::size_t>(edit.placement)];
  const thermal::Electrode& electrode = equipment.catalog->find(old.electrode);
  const thermal::PreviewCalibration& calibration =
      thermal::findCalibration(*equipment.calibrations, old.electrode, old.protocol);

  EditOutcome out;
  out.lesion_index = static_cast<std::size_t>(lesion_it - plan.lesions.begin());
  PlanPlacement& p = out.result.placement;
  p.electrode = old.electrode;
  p.protocol = old.protocol;
  p.tip_lps = edit.tip_lps;
  p.direction_lps = (edit.tip_lps - edit.entry_lps).normalized();
  p.entry_lps = edit.entry_lps;
  p.path_length_mm = (edit.tip_lps - edit.entry_lps).norm();
  const thermal::NeedlePose pose{p.tip_lps, p.direction_lps};
  p.zone = thermal::previewZone(calibration, pose);

  // The path of every shaft; the entry of the needle axis (as planLesions() stores it).
  const NeedleChecker checker(anatomy, trajectoryOptions(plan, profile, *equipment.catalog));
  const Mat3 frame = thermal::needleFrame(pose);
  std::vector<std::string>& problems = out.result.path_problems;
  const bool several = electrode.shafts.size() > 1;
  bool axis_checked = false;
  for (std::size_t s = 0; s < electrode.shafts.size(); ++s) {
    const thermal::Shaft& shaft = electrode.shafts[s];
    const Vec3 tip =
        pose.tip_lps + frame.col(0) * shaft.offset_u_mm + frame.col(1) * shaft.offset_v_mm;
    const std::string prefix = several ? "shaft " + std::to_string(s + 1) + ": " : std::string();
    const bool on_axis = shaft.offset_u_mm == 0 && shaft.offset_v_mm == 0;
    checker.check(tip, p.direction_lps, electrode.shaft_length_mm, electrode.name, prefix, problems,
                  on_axis ? &p.entry_lps : nullptr, on_axis ? &p.path_length_mm : nullptr);
    axis_checked = axis_checked || on_axis;
  }
  if (!axis_checked) {  // no shaft on the axis (a cluster): its line only gives the entry
    std::vector<std::string> ignored;
    checker.check(p.tip_lps, p.direction_lps, electrode.shaft_length_mm, electrode.name, "",
                  ignored, &p.entry_lps, &p.path_length_mm);
  }

  // Margins of all the lesion's placements, this one moved.
  const MarginOptions margins = marginOptions(profile);
  const MarginEvaluator evaluator(lesionCrop(*anatomy.lesions, lesion, margins), margins);
  std::vector<thermal::EllipsoidZone> zones;
  for (std::size_t i = 0; i < lesion.placements.size(); ++i) {
    zones.push_back(static_cast<int>(i) == edit.placement ? p.zone : lesion.placements[i].zone);
  }
  out.metrics = evaluator.evaluate(zones);
  static const PlanBuildOptions kDefaults;
  const double volume_spacing = std::max(g.spacing().minCoeff(), kDefaults.search_spacing_mm);
  out.result.preview = {out.metrics.minimal_margin_mm, out.metrics.coverage_min_pct,
                        out.metrics.coverage_target_pct, unionVolumeMl(zones, volume_spacing)};
  return out;
}

}  // namespace

PlacementEditResult previewPlacementEdit(const TreatmentPlan& plan, const PlanAnatomy& anatomy,
                                         const ProtocolProfile& profile,
                                         const PlanEquipment& equipment,
                                         const PlacementEdit& edit) {
  return computeEdit(plan, anatomy, profile, equipment, edit).result;
}

std::vector<PlanProblem> applyPlacementEdit(TreatmentPlan& plan, const PlanAnatomy& anatomy,
                                            const ProtocolProfile& profile,
                                            const PlanEquipment& equipment,
                                            const PlacementEdit& edit) {
  const EditOutcome e = computeEdit(plan, anatomy, profile, equipment, edit);
  TreatmentPlan p = plan;
  std::vector<std::string> old_notes;
  (void)detail::lesionLimitNotes(p, profile, old_notes);

  PlanLesion& lesion = p.lesions[e.lesion_index];
  lesion.placements[static_cast<std::size_t>(edit.placement)] = e.result.placement;
  lesion.preview = e.result.preview;
  lesion.confirmation.reset();
  lesion.uncertainty.reset();
  // The flag of a preview result (planLesions()): short of the minimum margin -> "vessel" when a
  // large vessel lies within minimum margin + one voxel of the worst voxel, else "too large".
  const double minimum = profile.margins.minimum_mm;
  if (e.metrics.minimal_margin_mm < minimum - 1e-9) {
    const double voxel = anatomy.body->geometry().spacing().minCoeff();
    const bool vessel =
        anatomy.vessel_radius_mm != nullptr &&
        largeVesselWithin(*anatomy.vessel_radius_mm, 0.5 * profile.access.large_vessel_diameter_mm,
                          e.metrics.worst_lps, minimum + voxel);
    lesion.flag = vessel ? LesionFlag::kVessel : LesionFlag::kTooLarge;
    lesion.reason =
        (vessel ? std::string("vessel: the margin is short next to a large vessel (heat sink)")
                : std::string("too large: minimum margin not reached")) +
        " (after placement " + std::to_string(edit.placement + 1) +
        " was moved by hand: minimal margin " + fixed(e.metrics.minimal_margin_mm, 1) +
        " mm with " + std::to_string(lesion.placements.size()) + " ablation(s) of " +
        lesion.placements.front().electrode + ")";
  } else {
    lesion.flag = LesionFlag::kNone;
    lesion.reason.clear();
  }

  // The lesion's session: volume, fraction, reason, review (as moveLesionToSession()).
  for (PlanSession& s : p.sessions) {
    if (std::find(s.lesion_ids.begin(), s.lesion_ids.end(), lesion.id) != s.lesion_ids.end()) {
      detail::updateSessionVolume(s, p, profile);
    }
  }
  // Notes on the lesion limits and flagged scheduled lesions: the old ones out, the new ones in.
  std::vector<std::string> new_notes;
  const bool limits_ok = detail::lesionLimitNotes(p, profile, new_notes);
  detail::finishManualEdit(p, profile, old_notes, std::move(new_notes), limits_ok);
  plan = std::move(p);
  std::vector<PlanProblem> problems = validatePlan(plan, profile);
  const std::string where = "lesions[" + std::to_string(e.lesion_index) + "].placements[" +
                            std::to_string(edit.placement) + "]";
  for (const std::string& text : e.result.path_problems) {
    problems.push_back({false, where,
                        "lesion " + std::to_string(edit.lesion_id) + " placement " +
                            std::to_string(edit.placement + 1) + " moved by hand: " + text});
  }
  return problems;
}

}  // namespace rfa::planning
