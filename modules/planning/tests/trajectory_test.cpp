// Straight electrode trajectories on the synthetic phantom: every returned path is re-checked here
// against the truth masks, independently of the planner's own grid traversal and distance map.
#include "rfa/planning/trajectory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <iostream>
#include <limits>
#include <string>

#include "rfa/core/error.h"
#include "rfa/phantom/phantom.h"
#include "rfa/segmentation/distance.h"

namespace rfa::planning {
namespace {

using phantom::Phantom;
using phantom::PhantomOptions;

const Phantom& scenePhantom() {
  static const Phantom p = [] {
    PhantomOptions o;
    o.size = {160, 160, 70};
    o.spacing_mm = {2.4, 2.4, 2.8};
    o.lesions = 4;
    o.seed = 7;
    return phantom::generatePhantom(o);
  }();
  return p;
}

TrajectoryScene sceneOf(const Phantom& p) {
  TrajectoryScene s;
  s.body = &p.body;
  s.liver = &p.liver;
  s.bone = &p.bone;
  s.lung = &p.lung;
  s.vessel_radius_mm = &p.vessel_radius;
  s.gallbladder = &p.gallbladder;
  return s;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const TrajectoryPlanner& defaultPlanner() {
  static const TrajectoryPlanner planner = [] {
    const auto t0 = std::chrono::steady_clock::now();
    TrajectoryPlanner pl(sceneOf(scenePhantom()));
    std::cout << "[ timing ] planner precomputation: " << secondsSince(t0) * 1e3 << " ms, "
              << pl.entryCount() << " skin entries\n";
    return pl;
  }();
  return planner;
}

// Nearest voxel value of a mask at an LPS point; 0 outside the grid.
int maskAt(const Mask& m, const Vec3& lps) {
  const Vec3 x = m.geometry().lpsToIndex(lps);
  Index3 v{};
  for (int a = 0; a < 3; ++a) v[static_cast<std::size_t>(a)] = std::llround(x[a]);
  if (!m.geometry().contains(v)) return 0;
  return m(static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v[1]),
           static_cast<std::size_t>(v[2]));
}

// True if a voxel centre of a vessel with radius >= 1.5 mm lies within `r_mm` of `lps`.
bool largeVesselNear(const ImageVolume& radius, const Vec3& lps, double r_mm) {
  const ImageGeometry& g = radius.geometry();
  const Vec3 x = g.lpsToIndex(lps);
  const Vec3& sp = g.spacing();
  for (auto k = std::llround(x.z() - r_mm / sp.z()) - 1;
       k <= std::llround(x.z() + r_mm / sp.z()) + 1; ++k) {
    for (auto j = std::llround(x.y() - r_mm / sp.y()) - 1;
         j <= std::llround(x.y() + r_mm / sp.y()) + 1; ++j) {
      for (auto i = std::llround(x.x() - r_mm / sp.x()) - 1;
           i <= std::llround(x.x() + r_mm / sp.x()) + 1; ++i) {
        const Index3 v{i, j, k};
        if (!g.contains(v)) continue;
        const Vec3 c = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        if ((c - lps).norm() >= r_mm) continue;
        if (radius(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                   static_cast<std::size_t>(k)) >= 1.5f) {
          return true;
        }
      }
    }
  }
  return false;
}

void verifyPath(const Phantom& p, const Trajectory& t, const TrajectoryOptions& o) {
  const Vec3 d = t.target_lps - t.entry_lps;
  ASSERT_NEAR(t.length_mm, d.norm(), 1e-9);
  EXPECT_LE(t.length_mm, o.max_length_mm);
  // Fine resampling against the masks (nearest voxel).
  const int n = static_cast<int>(std::ceil(t.length_mm / 0.1));
  for (int s = 0; s <= n; ++s) {
    const Vec3 q = t.entry_lps + d * (static_cast<double>(s) / n);
    ASSERT_EQ(maskAt(p.bone, q), 0) << "bone at sample " << s;
    ASSERT_EQ(maskAt(p.lung, q), 0) << "lung at sample " << s;
    ASSERT_EQ(maskAt(p.gallbladder, q), 0) << "gallbladder at sample " << s;
    ASSERT_EQ(maskAt(p.body, q), 1) << "outside the body at sample " << s;
  }
  const int m = static_cast<int>(std::ceil(t.length_mm / 0.5));
  for (int s = 0; s <= m; ++s) {
    const Vec3 q = t.entry_lps + d * (static_cast<double>(s) / m);
    ASSERT_FALSE(largeVesselNear(p.vessel_radius, q, o.vessel_safety_mm)) << "vessel at " << s;
  }
  EXPECT_GE(t.min_vessel_distance_mm, o.vessel_safety_mm);
  // Ultrasound window: anterior or lateral normal, and the normal really points out of the body.
  const Vec3& nrm = t.entry_normal_lps;
  EXPECT_NEAR(nrm.norm(), 1.0, 1e-9);
  EXPECT_LE(nrm.y(), o.max_posterior_normal);
  EXPECT_EQ(maskAt(p.body, t.entry_lps), 1);
  EXPECT_EQ(maskAt(p.body, t.entry_lps + 8.0 * nrm), 0);
  EXPECT_EQ(maskAt(p.body, t.entry_lps - 8.0 * nrm), 1);
  EXPECT_LE(t.skin_angle_deg, o.max_skin_angle_deg);
  EXPECT_NEAR(t.cost, t.length_cost + t.angle_cost + t.vessel_cost + t.capsule_cost, 1e-12);
  EXPECT_GE(t.capsule_crossings, 0);
}

void checkBookkeeping(const TrajectoryReport& r, const TrajectoryOptions& o) {
  std::size_t rejected = 0;
  for (const auto& [reason, count] : r.rejected) rejected += count;
  EXPECT_EQ(rejected + r.accepted, r.candidates);
  EXPECT_EQ(r.best.size(), std::min(r.accepted, static_cast<std::size_t>(o.best_k)));
  for (std::size_t i = 1; i < r.best.size(); ++i) EXPECT_LE(r.best[i - 1].cost, r.best[i].cost);
}

void printReport(const std::string& what, const TrajectoryReport& r, double seconds) {
  std::cout << "[ timing ] plan(" << what << "): " << seconds * 1e3 << " ms, " << r.candidates
            << " candidates, " << r.accepted << " accepted; rejected:";
  for (const auto& [reason, count] : r.rejected) std::cout << " " << reason << "=" << count;
  std::cout << "\n";
  for (const Trajectory& t : r.best) {
    std::cout << "    entry (" << t.entry_lps.transpose() << ") len " << t.length_mm << " angle "
              << t.skin_angle_deg << " vessel " << t.min_vessel_distance_mm << " crossings "
              << t.capsule_crossings << " cost " << t.cost << "\n";
  }
}

const phantom::LesionTruth& behindRibLesion(const Phantom& p) {
  for (const auto& l : p.lesion_truth) {
    if (l.location.find("behind rib") != std::string::npos) return l;
  }
  return p.lesion_truth.front();
}

TEST(Trajectory, EveryLesionGetsVerifiedPaths) {
  const Phantom& p = scenePhantom();
  const TrajectoryPlanner& planner = defaultPlanner();
  ASSERT_FALSE(p.lesion_truth.empty());
  ASSERT_GT(planner.entryCount(), 100u);
  const auto& rib = behindRibLesion(p);
  std::cout << "behind-rib lesion: " << rib.location << "\n";
  for (const auto& l : p.lesion_truth) {
    SCOPED_TRACE(l.location);
    const auto t0 = std::chrono::steady_clock::now();
    const TrajectoryReport r = planner.plan(l.center_lps);
    printReport(l.location, r, secondsSince(t0));
    checkBookkeeping(r, planner.options());
    EXPECT_FALSE(r.best.empty());
    if (&l == &rib) {
      EXPECT_GT(r.rejected.at(kRejectBone), 0u);
    }
    for (const Trajectory& t : r.best) verifyPath(p, t, planner.options());
  }
}

// Centre (LPS mm) of the voxel with linear index `v`.
Vec3 voxelCentreLps(const Mask& m, std::size_t v) {
  const Size3& n = m.size();
  const std::size_t i = v % n[0];
  const std::size_t j = (v / n[0]) % n[1];
  const std::size_t k = v / (n[0] * n[1]);
  return m.geometry().indexToLps(
      Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
}

// Centre of the bone voxel with the highest `score` (LPS mm).
Vec3 boneVoxelLps(const Phantom& p, const Volume<float>& score) {
  float best = -std::numeric_limits<float>::infinity();
  std::size_t arg = 0;
  for (std::size_t v = 0; v < p.bone.voxelCount(); ++v) {
    if (p.bone.data()[v] != 0 && score.data()[v] > best) {
      best = score.data()[v];
      arg = v;
    }
  }
  return voxelCentreLps(p.bone, arg);
}

TEST(Trajectory, TargetInsideVertebraHasNoPath) {
  const Phantom& p = scenePhantom();
  // Deepest bone voxel: the largest distance to any non-bone voxel (a vertebral body).
  Mask not_bone(p.bone.geometry(), 0);
  for (std::size_t v = 0; v < p.bone.voxelCount(); ++v) {
    not_bone.data()[v] = p.bone.data()[v] == 0 ? 1 : 0;
  }
  const Vec3 target = boneVoxelLps(p, segmentation::squaredDistanceMm2(not_bone));
  ASSERT_EQ(maskAt(p.bone, target), 1);
  // A shaft long enough to reach the spine, so that bone (not length) is what blocks the paths.
  TrajectoryOptions o;
  o.max_length_mm = 400;
  const TrajectoryPlanner planner(sceneOf(p), o);
  const auto t0 = std::chrono::steady_clock::now();
  const TrajectoryReport r = planner.plan(target);
  printReport("vertebra, 400 mm shaft", r, secondsSince(t0));
  checkBookkeeping(r, o);
  EXPECT_TRUE(r.best.empty());
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_GT(r.rejected.at(kRejectBone), 0u);
}

TEST(Trajectory, TargetInsideRibHasNoPath) {
  const Phantom& p = scenePhantom();
  // The bone voxel nearest the behind-rib lesion (score = minus the distance to it).
  const Vec3 lesion = behindRibLesion(p).center_lps;
  Volume<float> score(p.bone.geometry(), 0.0f);
  for (std::size_t v = 0; v < score.voxelCount(); ++v) {
    const Vec3 c = voxelCentreLps(p.bone, v);
    score.data()[v] = static_cast<float>(-(c - lesion).norm());
  }
  const Vec3 target = boneVoxelLps(p, score);
  ASSERT_EQ(maskAt(p.bone, target), 1);
  const auto t0 = std::chrono::steady_clock::now();
  const TrajectoryReport r = defaultPlanner().plan(target);
  printReport("rib voxel", r, secondsSince(t0));
  checkBookkeeping(r, defaultPlanner().options());
  EXPECT_TRUE(r.best.empty());
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_GT(r.rejected.at(kRejectBone), 0u);
}

// A box-shaped body (x, y in [-45, 45] mm, all slices) with a liver of two slabs across y: paths
// from the front cross the first slab before reaching the target in the second; lateral paths
// stay in the second slab.
TEST(Trajectory, CountsCapsuleCrossingsOnSyntheticSlabs) {
  const ImageGeometry g({60, 60, 30}, Vec3(2, 2, 2), Vec3(-59, -59, -29));
  Mask body(g, 0);
  Mask liver(g, 0);
  for (std::size_t k = 0; k < 30; ++k) {
    for (std::size_t j = 0; j < 60; ++j) {
      for (std::size_t i = 0; i < 60; ++i) {
        const Vec3 c = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const bool in_body = std::abs(c.x()) <= 45 && std::abs(c.y()) <= 45;
        body(i, j, k) = in_body ? 1 : 0;
        liver(i, j, k) =
            in_body && ((c.y() >= -30 && c.y() <= -20) || (c.y() >= -4 && c.y() <= 30)) ? 1 : 0;
      }
    }
  }
  TrajectoryScene s;
  s.body = &body;
  s.liver = &liver;
  TrajectoryOptions o;
  o.best_k = 100000;
  const TrajectoryPlanner planner(s, o);
  const Vec3 target(1, 11, 1);
  const TrajectoryReport r = planner.plan(target);
  checkBookkeeping(r, o);
  EXPECT_GT(r.rejected.at(kRejectPosterior), 0u);  // the back face
  ASSERT_FALSE(r.best.empty());
  EXPECT_EQ(r.best.front().capsule_crossings, 0);
  bool front_checked = false;
  for (const Trajectory& t : r.best) {
    EXPECT_EQ(t.capsule_cost, o.capsule_weight * t.capsule_crossings);
    if (t.entry_lps.y() < -44 && std::abs(t.entry_lps.x() - 1) < 10 &&
        std::abs(t.entry_lps.z() - 1) < 10) {
      EXPECT_NEAR(t.entry_normal_lps.y(), -1.0, 1e-6);
      EXPECT_EQ(t.capsule_crossings, 2) << "entry " << t.entry_lps.transpose();
      front_checked = true;
    }
    if (std::abs(t.entry_lps.y() - 11) < 4 && std::abs(t.entry_lps.z() - 1) < 4) {
      EXPECT_EQ(t.capsule_crossings, 0) << "entry " << t.entry_lps.transpose();
    }
  }
  EXPECT_TRUE(front_checked);
}

TEST(Trajectory, ShortElectrodeRejectsDeepTarget) {
  const Phantom& p = scenePhantom();
  TrajectoryOptions o;
  o.max_length_mm = 20;
  const TrajectoryPlanner planner(sceneOf(p), o);
  // Deepest lesion centre: the largest distance to the outside of the body.
  Mask outside(p.body.geometry(), 0);
  for (std::size_t v = 0; v < p.body.voxelCount(); ++v) {
    outside.data()[v] = p.body.data()[v] == 0 ? 1 : 0;
  }
  const Volume<float> d2 = segmentation::squaredDistanceMm2(outside);
  const phantom::LesionTruth* deepest = nullptr;
  double best = -1;
  for (const auto& l : p.lesion_truth) {
    const Vec3 x = p.body.geometry().lpsToIndex(l.center_lps);
    const double d = d2(static_cast<std::size_t>(std::llround(x.x())),
                        static_cast<std::size_t>(std::llround(x.y())),
                        static_cast<std::size_t>(std::llround(x.z())));
    if (d > best) {
      best = d;
      deepest = &l;
    }
  }
  ASSERT_NE(deepest, nullptr);
  ASSERT_GT(std::sqrt(best), 20.0) << "the deepest lesion is too shallow for this test";
  const auto t0 = std::chrono::steady_clock::now();
  const TrajectoryReport r = planner.plan(deepest->center_lps);
  printReport("deep target, 20 mm shaft", r, secondsSince(t0));
  checkBookkeeping(r, o);
  EXPECT_TRUE(r.best.empty());
  EXPECT_GT(r.rejected.at(kRejectTooLong), 0u);
  EXPECT_EQ(r.rejected.at(kRejectSkinAngle) + r.rejected.at(kRejectBone) +
                r.rejected.at(kRejectVessel) + r.rejected.at(kRejectLeavesBody),
            0u);
}

TEST(Trajectory, TargetErrors) {
  const Phantom& p = scenePhantom();
  const TrajectoryPlanner& planner = defaultPlanner();
  const ImageGeometry& g = p.body.geometry();
  const Vec3 corner = g.indexToLps(Vec3(1, 1, 1));  // air in front of / beside the body
  ASSERT_EQ(maskAt(p.body, corner), 0);
  EXPECT_THROW((void)planner.plan(corner), NoDataError);
  EXPECT_THROW((void)planner.plan(g.indexToLps(Vec3(-5, 10, 10))), GeometryError);
  EXPECT_THROW((void)planner.plan(Vec3(std::nan(""), 0, 0)), GeometryError);
}

TEST(Trajectory, SceneAndOptionErrors) {
  const Phantom& p = scenePhantom();
  TrajectoryScene s = sceneOf(p);
  s.body = nullptr;
  EXPECT_THROW(TrajectoryPlanner{s}, NoDataError);
  s = sceneOf(p);
  s.liver = nullptr;
  EXPECT_THROW(TrajectoryPlanner{s}, NoDataError);
  const Mask other(ImageGeometry({10, 10, 10}, Vec3(1, 1, 1), Vec3(0, 0, 0)), 0);
  s = sceneOf(p);
  s.bone = &other;
  EXPECT_THROW(TrajectoryPlanner{s}, GeometryError);
  TrajectoryOptions o;
  o.step_mm = 0;
  EXPECT_THROW(TrajectoryPlanner(sceneOf(p), o), UsageError);
}

}  // namespace
}  // namespace rfa::planning
