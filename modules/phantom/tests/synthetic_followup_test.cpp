// Tests of generateSyntheticFollowup(): the identity and a pure translation reproduce the planning
// phantom, the deformation inverse, the analytic margin truth against spherical zones, lesion
// changes and new lesions, and the follow-up folder writer. Positions LPS mm; grids centred on
// (0,0,0).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/phantom.h"
#include "rfa/phantom/synthetic_followup.h"
#include "test_support.h"

namespace rfa::phantom {
namespace {

// 3 lesions on 200 x 160 x 90 voxels of 1.5 x 1.5 x 2 mm (the whole liver fits), no noise.
const Phantom& planningPhantom() {
  static const Phantom p = [] {
    PhantomOptions o;
    o.lesions = 3;
    o.seed = 7;
    o.size = {200, 160, 90};
    o.spacing_mm = {1.5, 1.5, 2.0};
    o.noise_sigma_hu = 0.0;
    o.min_lesion_diameter_mm = 14.0;
    o.max_lesion_diameter_mm = 30.0;
    return generatePhantom(o);
  }();
  return p;
}

SyntheticFollowupOptions quietOptions() {
  SyntheticFollowupOptions o;
  o.noise_sigma_hu = 0.0;
  return o;
}

Vec3 voxelLps(const ImageGeometry& g, std::size_t i, std::size_t j, std::size_t k) {
  return g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
}

std::size_t countLabel(const LabelMap& m, int label) {
  const auto d = m.data();
  return static_cast<std::size_t>(
      std::count(d.begin(), d.end(), static_cast<std::uint16_t>(label)));
}

const LesionTruth& truthOf(const Phantom& p, int label) {
  for (const LesionTruth& t : p.lesion_truth) {
    if (t.label == label) return t;
  }
  throw std::logic_error("no lesion " + std::to_string(label));
}

// True if every planning voxel within `radius` mm of `c` is liver (lesions included).
bool ballInLiver(const Phantom& p, const Vec3& c, double radius) {
  const ImageGeometry& g = p.ct.geometry();
  const Size3& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if ((voxelLps(g, i, j, k) - c).norm() <= radius && p.liver(i, j, k) == 0) return false;
      }
    }
  }
  return true;
}

// Unit vector from the lesion centre to its farthest voxel.
Vec3 longestDirection(const Phantom& p, int label) {
  const Vec3 c = truthOf(p, label).center_lps;
  const ImageGeometry& g = p.ct.geometry();
  const Size3& s = g.size();
  Vec3 best(1, 0, 0);
  double best_d = -1;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (p.lesions(i, j, k) != label) continue;
        const Vec3 d = voxelLps(g, i, j, k) - c;
        if (d.norm() > best_d) {
          best_d = d.norm();
          best = d.normalized();
        }
      }
    }
  }
  return best;
}

FollowupZone sphereZone(const Vec3& c, double r, int label) {
  FollowupZone z;
  z.centre_lps = c;
  z.semi_u_mm = z.semi_v_mm = z.semi_w_mm = r;
  z.lesion_label = label;
  return z;
}

// ---- 1. Identity ----

TEST(FollowupIdentity, PlanningCtPlusLiverShiftAndSameMasks) {
  const Phantom& p = planningPhantom();
  SyntheticFollowupOptions o = quietOptions();
  o.liver_hu_shift = 12.0;
  const SyntheticFollowup f = generateSyntheticFollowup(p, o);
  ASSERT_TRUE(f.ct.geometry().sameGrid(p.ct.geometry()));
  std::size_t shifted = 0;
  for (std::size_t n = 0; n < p.ct.voxelCount(); ++n) {
    const bool liver_or_vessel =
        p.lesions.data()[n] == 0 && (p.liver.data()[n] != 0 || p.vessel_radius.data()[n] > 0.0F);
    const float expected = p.ct.data()[n] + (liver_or_vessel ? 12.0F : 0.0F);
    ASSERT_NEAR(f.ct.data()[n], expected, 1e-3) << "voxel " << n;
    if (!liver_or_vessel) {
      ASSERT_EQ(f.ct.data()[n], p.ct.data()[n]) << "voxel " << n;
    }
    shifted += liver_or_vessel ? 1U : 0U;
  }
  EXPECT_GT(shifted, 100000U);
  EXPECT_TRUE(std::equal(f.liver.data().begin(), f.liver.data().end(), p.liver.data().begin()));
  EXPECT_TRUE(
      std::equal(f.lesions.data().begin(), f.lesions.data().end(), p.lesions.data().begin()));
  EXPECT_EQ(std::count(f.zones.data().begin(), f.zones.data().end(), 1), 0);
  EXPECT_TRUE(f.margins.empty());
  EXPECT_EQ(f.max_displacement_in_liver_mm, 0.0);
  const Vec3 x(-50.0, 3.0, 7.0);
  EXPECT_TRUE(f.planningToFollowup(x) == x);
  EXPECT_TRUE(f.followupToPlanning(x) == x);
}

TEST(FollowupIdentity, ZeroShiftIsBitIdenticalAndNoiseIsSeeded) {
  const Phantom& p = planningPhantom();
  SyntheticFollowupOptions o = quietOptions();
  o.liver_hu_shift = 0.0;
  const SyntheticFollowup f = generateSyntheticFollowup(p, o);
  EXPECT_TRUE(std::equal(f.ct.data().begin(), f.ct.data().end(), p.ct.data().begin()));

  // A coarse grid with noise: same seed, same bytes; another seed, other noise of that sigma.
  const ImageGeometry coarse({80, 64, 36}, {3.75, 3.75, 5.0}, {-148.125, -118.125, -87.5});
  o.noise_sigma_hu = 15.0;
  const SyntheticFollowup a = generateSyntheticFollowup(p, o, &coarse);
  const SyntheticFollowup b = generateSyntheticFollowup(p, o, &coarse);
  o.noise_seed = 99;
  const SyntheticFollowup c = generateSyntheticFollowup(p, o, &coarse);
  EXPECT_TRUE(std::equal(a.ct.data().begin(), a.ct.data().end(), b.ct.data().begin()));
  double sum2 = 0;
  for (std::size_t n = 0; n < a.ct.voxelCount(); ++n) {
    const double d = a.ct.data()[n] - c.ct.data()[n];  // difference of two noises: sigma sqrt(2)
    sum2 += d * d;
  }
  EXPECT_NEAR(std::sqrt(sum2 / static_cast<double>(a.ct.voxelCount())), 15.0 * std::sqrt(2.0), 0.5);
}

// ---- 2. Pure translation ----

TEST(FollowupTranslation, LiverAndLesionsShiftedByFiveVoxels) {
  PhantomOptions po;
  po.lesions = 2;
  po.seed = 3;
  po.size = {240, 200, 70};
  po.spacing_mm = {1.0, 1.0, 2.5};
  po.noise_sigma_hu = 0.0;
  const Phantom p = generatePhantom(po);
  SyntheticFollowupOptions o = quietOptions();
  o.deformation.translation_mm = Vec3(5.0, 0.0, 0.0);
  const SyntheticFollowup f = generateSyntheticFollowup(p, o);
  const Size3& s = p.ct.size();
  std::size_t liver = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i + 5 < s[0]; ++i) {
        ASSERT_EQ(f.liver(i, j, k), p.liver(i + 5, j, k)) << i << " " << j << " " << k;
        ASSERT_EQ(f.lesions(i, j, k), p.lesions(i + 5, j, k)) << i << " " << j << " " << k;
        liver += f.liver(i, j, k);
      }
    }
  }
  EXPECT_GT(liver, 100000U);
  const Vec3 x(-40.0, 12.5, -3.0);
  EXPECT_LT((f.planningToFollowup(x) - (x - Vec3(5, 0, 0))).norm(), 1e-9);
  EXPECT_LT((f.followupToPlanning(x) - (x + Vec3(5, 0, 0))).norm(), 1e-12);
  EXPECT_NEAR(f.max_displacement_in_liver_mm, 5.0, 1e-9);
}

// ---- 3. Deformation ----

FollowupDeformation liverDeformation() {
  FollowupDeformation d;
  d.rotation_centre_lps = Vec3(-40.0, -10.0, 0.0);
  d.rotation_axis = Vec3(0.3, 0.2, 1.0);
  d.rotation_deg = 3.0;
  d.translation_mm = Vec3(4.0, -3.0, 2.0);
  d.bumps.push_back({Vec3(-70.0, 0.0, 10.0), Vec3(3.0, 2.0, -2.0), 40.0});
  d.bumps.push_back({Vec3(-20.0, -30.0, -20.0), Vec3(-2.0, 3.0, 1.0), 30.0});
  return d;
}

TEST(FollowupDeformationTest, CalibratedDeformationReachesItsTarget) {
  const Phantom& p = planningPhantom();
  const FollowupDeformation d = calibratedDeformation(p.liver, 6.0, 2.0);
  EXPECT_EQ(d.bumps.size(), 2U);
  EXPECT_DOUBLE_EQ(d.rotation_deg, 2.0);
  SyntheticFollowupOptions o = quietOptions();
  o.deformation = d;
  const SyntheticFollowup f = generateSyntheticFollowup(p, o);
  std::printf("calibrated to 6 mm: %.2f mm over every liver voxel\n",
              f.max_displacement_in_liver_mm);
  EXPECT_NEAR(f.max_displacement_in_liver_mm, 6.0, 0.6);
  // 0 mm is the identity; a bad target or an empty liver is refused.
  const FollowupDeformation none = calibratedDeformation(p.liver, 0.0);
  EXPECT_TRUE(none.bumps.empty());
  EXPECT_EQ(none.translation_mm, Vec3::Zero());
  EXPECT_EQ(none.rotation_deg, 0.0);
  EXPECT_THROW(calibratedDeformation(p.liver, -1.0), UsageError);
  EXPECT_THROW(calibratedDeformation(Mask(p.liver.geometry(), 0), 5.0), NoDataError);
}

TEST(FollowupDeformationTest, RoundTripAndDisplacementBound) {
  const Phantom& p = planningPhantom();
  SyntheticFollowupOptions o = quietOptions();
  o.deformation = liverDeformation();
  const ImageGeometry coarse({100, 80, 45}, {3.0, 3.0, 4.0}, {-148.5, -118.5, -88.0});
  const SyntheticFollowup f = generateSyntheticFollowup(p, o, &coarse);
  std::printf("max displacement in the liver %.2f mm\n", f.max_displacement_in_liver_mm);
  EXPECT_GE(f.max_displacement_in_liver_mm, 8.0);
  EXPECT_LE(f.max_displacement_in_liver_mm, 12.0);

  std::vector<Vec3> liver;
  const ImageGeometry& g = p.ct.geometry();
  for (std::size_t k = 0; k < g.size()[2]; k += 3) {
    for (std::size_t j = 0; j < g.size()[1]; j += 3) {
      for (std::size_t i = 0; i < g.size()[0]; i += 3) {
        if (p.liver(i, j, k) != 0) liver.push_back(voxelLps(g, i, j, k));
      }
    }
  }
  ASSERT_GT(liver.size(), 1000U);
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::size_t> pick(0, liver.size() - 1);
  double max_round_trip = 0;
  for (int n = 0; n < 500; ++n) {
    const Vec3 x = liver[pick(rng)] + Vec3(0.3, -0.2, 0.1);
    const Vec3 y = f.planningToFollowup(x);
    max_round_trip = std::max(max_round_trip, (f.followupToPlanning(y) - x).norm());
    max_round_trip =
        std::max(max_round_trip, (f.planningToFollowup(f.followupToPlanning(x)) - x).norm());
  }
  EXPECT_LT(max_round_trip, 1e-3);

  // The follow-up liver shows planning liver: nearly all follow-up liver voxels map into it.
  std::size_t total = 0;
  std::size_t consistent = 0;
  for (std::size_t k = 0; k < coarse.size()[2]; ++k) {
    for (std::size_t j = 0; j < coarse.size()[1]; ++j) {
      for (std::size_t i = 0; i < coarse.size()[0]; ++i) {
        if (f.liver(i, j, k) == 0) continue;
        const Vec3 idx = g.lpsToIndex(f.followupToPlanning(voxelLps(coarse, i, j, k)));
        ++total;
        if (!g.containsContinuous(idx)) continue;
        const auto r = [](double v) { return static_cast<std::size_t>(std::lround(v)); };
        consistent += p.liver(r(idx.x()), r(idx.y()), r(idx.z()));
      }
    }
  }
  ASSERT_GT(total, 5000U);
  EXPECT_GT(static_cast<double>(consistent), 0.97 * static_cast<double>(total));
}

TEST(FollowupDeformationTest, NonInvertibleDeformationThrows) {
  SyntheticFollowup f;
  f.deformation.bumps.push_back({Vec3(0, 0, 0), Vec3(200.0, 0, 0), 10.0});
  EXPECT_THROW((void)f.planningToFollowup(Vec3(3.0, 0.0, 0.0)), GeometryError);
}

TEST(FollowupOptionsTest, RejectsInvalidOptions) {
  const Phantom& p = planningPhantom();
  const ImageGeometry tiny({4, 4, 4}, {2.0, 2.0, 2.0}, {-60.0, 0.0, 0.0});
  auto expectInvalid = [&](const SyntheticFollowupOptions& o) {
    EXPECT_THROW((void)generateSyntheticFollowup(p, o, &tiny), UsageError);
  };
  SyntheticFollowupOptions o = quietOptions();
  o.noise_sigma_hu = -1.0;
  expectInvalid(o);
  o = quietOptions();
  o.zones.push_back(sphereZone(Vec3(-50, 0, 0), 10.0, 1));
  o.zones.back().semi_v_mm = 0.0;
  expectInvalid(o);
  o = quietOptions();
  o.zones.push_back(sphereZone(Vec3(-50, 0, 0), 10.0, 42));
  expectInvalid(o);
  o = quietOptions();
  o.lesion_changes.push_back({1, -0.5});
  expectInvalid(o);
  o = quietOptions();
  o.lesion_changes.push_back({9, 0.5});
  expectInvalid(o);
  o = quietOptions();
  o.deformation.bumps.push_back({Vec3(0, 0, 0), Vec3(1, 0, 0), 0.0});
  expectInvalid(o);
  o = quietOptions();
  o.zones.push_back(sphereZone(Vec3(-50, 0, 0), 10.0, 0));  // untargeted zone: fine
  EXPECT_NO_THROW((void)generateSyntheticFollowup(p, o, &tiny));
}

// ---- 4. Zones and margins ----

// The lesion whose ball of radius max semi-axis + 9 mm lies in the liver.
int deepLesion(const Phantom& p) {
  for (const LesionTruth& t : p.lesion_truth) {
    if (ballInLiver(p, t.center_lps, t.semi_axes_mm.maxCoeff() + 9.0)) return t.label;
  }
  return 0;
}

TEST(FollowupZones, ConcentricSphereGivesItsMarginAndAblatesTheLesion) {
  const Phantom& p = planningPhantom();
  const int label = deepLesion(p);
  ASSERT_NE(label, 0) << "no lesion deep enough in the liver";
  const LesionTruth& t = truthOf(p, label);
  const double a = t.semi_axes_mm.maxCoeff();
  const double r = a + 6.0;
  SyntheticFollowupOptions o = quietOptions();
  o.zones.push_back(sphereZone(t.center_lps, r, label));
  const auto start = std::chrono::steady_clock::now();
  const SyntheticFollowup f = generateSyntheticFollowup(p, o);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("generation + truth: %.2f s\n", seconds);
  ASSERT_EQ(f.margins.size(), 1U);
  const MarginTruth& m = f.margins[0];
  EXPECT_EQ(m.lesion_label, label);
  EXPECT_EQ(m.residual_volume_ml, 0.0);
  {
    // Every vessel occluded: the sphere alone sets the margin.
    SyntheticFollowupOptions occluded = o;
    occluded.patent_vessel_radius_mm = 1e9;
    const MarginTruth mo = generateSyntheticFollowup(p, occluded).margins.at(0);
    EXPECT_NEAR(mo.minimal_margin_uncorrected_mm, r - a, 0.3);
    EXPECT_NEAR(mo.minimal_margin_mm, r - a, 0.3);
  }

  // Zone voxels: inside the sphere and the liver; the lesion is gone; vessels stay patent.
  const ImageGeometry& g = f.ct.geometry();
  const Size3& s = g.size();
  std::size_t zone = 0;
  std::size_t patent = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const bool in_sphere = (voxelLps(g, i, j, k) - t.center_lps).norm() <= r;
        if (f.zones(i, j, k) != 0) {
          ++zone;
          ASSERT_TRUE(in_sphere);
          ASSERT_EQ(f.liver(i, j, k), 1);
          ASSERT_EQ(f.lesions(i, j, k), 0);
          ASSERT_EQ(f.ct(i, j, k), o.zone_hu);
        } else if (in_sphere && p.liver(i, j, k) != 0) {
          ASSERT_GE(p.vessel_radius(i, j, k), 1.5F);  // only patent vessels are spared
          ++patent;
        }
      }
    }
  }
  const double sphere_voxels = 4.0 / 3.0 * std::numbers::pi * r * r * r / g.voxelVolumeMm3();
  EXPECT_GT(static_cast<double>(zone), 0.8 * sphere_voxels);
  EXPECT_LT(static_cast<double>(zone), 1.05 * sphere_voxels);
  EXPECT_EQ(countLabel(f.lesions, label), 0U);
  for (const LesionTruth& other : p.lesion_truth) {
    if (other.label != label) {
      EXPECT_EQ(countLabel(f.lesions, other.label), countLabel(p.lesions, other.label));
    }
  }
  std::printf("zone voxels %zu, patent vessel voxels %zu\n", zone, patent);
  // Patent vessels are holes in the zone: the margin is the smaller of the sphere's and the
  // lesion-to-lumen distance, checked against voxel centres (lesion voxels next to a non-lesion
  // voxel, patent voxels inside the sphere next to a zone voxel) within a voxel diagonal.
  double lumen_gap = std::numeric_limits<double>::infinity();
  std::vector<Vec3> lesion_edge;
  std::vector<Vec3> lumen_edge;
  auto edge = [&s](const auto& v, std::size_t i, std::size_t j, std::size_t k, auto pred) {
    const std::array<std::array<long, 3>, 6> d{
        {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}};
    for (const auto& o6 : d) {
      const long a0 = static_cast<long>(i) + o6[0], a1 = static_cast<long>(j) + o6[1],
                 a2 = static_cast<long>(k) + o6[2];
      if (a0 < 0 || a1 < 0 || a2 < 0 || a0 >= static_cast<long>(s[0]) ||
          a1 >= static_cast<long>(s[1]) || a2 >= static_cast<long>(s[2]))
        continue;
      if (pred(v(static_cast<std::size_t>(a0), static_cast<std::size_t>(a1),
                 static_cast<std::size_t>(a2))))
        return true;
    }
    return false;
  };
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const Vec3 x = voxelLps(g, i, j, k);
        if (p.lesions(i, j, k) == label &&
            edge(p.lesions, i, j, k, [label](auto v) { return v != label; })) {
          lesion_edge.push_back(x);
        }
        if ((x - t.center_lps).norm() <= r && p.vessel_radius(i, j, k) >= 1.5F &&
            edge(f.zones, i, j, k, [](auto v) { return v != 0; })) {
          lumen_edge.push_back(x);
        }
      }
    }
  }
  for (const Vec3& l : lesion_edge) {
    for (const Vec3& v : lumen_edge) lumen_gap = std::min(lumen_gap, (l - v).norm());
  }
  const double expected = std::min(r - a, lumen_gap);
  std::printf("margin %.2f mm: sphere %.2f mm, lesion-to-lumen voxel centres %.2f mm\n",
              m.minimal_margin_mm, r - a, lumen_gap);
  EXPECT_NEAR(m.minimal_margin_mm, expected, g.spacing().norm());
  EXPECT_LE(m.minimal_margin_mm, r - a + 0.3);
}

TEST(FollowupZones, ShiftedZoneLeavesResidualTumour) {
  const Phantom& p = planningPhantom();
  const int label = deepLesion(p);
  ASSERT_NE(label, 0);
  const LesionTruth& t = truthOf(p, label);
  const double a = t.semi_axes_mm.maxCoeff();
  const double r = a + 6.0;
  const Vec3 d = longestDirection(p, label);
  SyntheticFollowupOptions o = quietOptions();
  o.zones.push_back(sphereZone(t.center_lps - 8.0 * d, r, label));
  const SyntheticFollowup f = generateSyntheticFollowup(p, o);
  ASSERT_EQ(f.margins.size(), 1U);
  const MarginTruth& m = f.margins[0];
  EXPECT_LT(m.minimal_margin_uncorrected_mm, -0.5);
  EXPECT_LE(m.minimal_margin_mm, m.minimal_margin_uncorrected_mm + 1e-9);
  EXPECT_GT(m.residual_volume_ml, 0.0);
  const std::size_t residual_voxels = countLabel(f.lesions, label);
  EXPECT_GT(residual_voxels, 0U);
  const double voxel_ml = f.ct.geometry().voxelVolumeMm3() / 1000.0;
  EXPECT_NEAR(static_cast<double>(residual_voxels) * voxel_ml, m.residual_volume_ml,
              0.5 * m.residual_volume_ml + 0.02);
  std::printf("margin %.3f mm, residual %.4f ml (%zu voxels)\n", m.minimal_margin_uncorrected_mm,
              m.residual_volume_ml, residual_voxels);
}

TEST(FollowupZones, MarginOfUnionAndFarZone) {
  const Phantom& p = planningPhantom();
  const int label = deepLesion(p);
  ASSERT_NE(label, 0);
  const LesionTruth& t = truthOf(p, label);
  const double a = t.semi_axes_mm.maxCoeff();
  const ImageGeometry tiny({4, 4, 4}, {2.0, 2.0, 2.0}, t.center_lps);  // truth only
  // Two overlapping spheres: the union's margin is at least each sphere's margin.
  const Vec3 e(1.0, 0.0, 0.0);
  SyntheticFollowupOptions one = quietOptions();
  one.zones.push_back(sphereZone(t.center_lps - 3.0 * e, a + 5.0, label));
  SyntheticFollowupOptions two = one;
  two.zones.push_back(sphereZone(t.center_lps + 3.0 * e, a + 5.0, label));
  const double m1 =
      generateSyntheticFollowup(p, one, &tiny).margins.at(0).minimal_margin_uncorrected_mm;
  const MarginTruth m2 = generateSyntheticFollowup(p, two, &tiny).margins.at(0);
  EXPECT_GT(m1, 0.0);
  EXPECT_LT(m1, 2.0 + 0.3);  // the lesion's extent along -x is at most a
  EXPECT_GE(m2.minimal_margin_uncorrected_mm, m1 - 1e-6);
  EXPECT_EQ(m2.residual_volume_ml, 0.0);

  // A zone that misses the lesion: the whole analytic volume is residual (0.25 mm integration).
  SyntheticFollowupOptions far = quietOptions();
  far.zones.push_back(sphereZone(t.center_lps + Vec3(0.0, 0.0, 3.0 * a), 5.0, label));
  const MarginTruth mf = generateSyntheticFollowup(p, far, &tiny).margins.at(0);
  EXPECT_NEAR(mf.residual_volume_ml, t.volume_ml_analytic, 0.003 * t.volume_ml_analytic);
  EXPECT_LT(mf.minimal_margin_uncorrected_mm, -(a + 5.0));
}

// ---- 5. Lesion changes ----

TEST(FollowupLesions, VanishedShrunkGrownAndNewLesions) {
  const Phantom& p = planningPhantom();
  ASSERT_EQ(p.lesion_truth.size(), 3U);
  std::vector<LesionTruth> by_size = p.lesion_truth;
  std::sort(by_size.begin(), by_size.end(), [](const LesionTruth& x, const LesionTruth& y) {
    return x.volume_ml_analytic > y.volume_ml_analytic;
  });
  const LesionTruth& shrunk = by_size[0];
  const LesionTruth& grown = by_size[1];
  const LesionTruth& vanished = by_size[2];
  SyntheticFollowupOptions o = quietOptions();
  o.lesion_changes = {{vanished.label, 0.0}, {shrunk.label, 0.5}, {grown.label, 1.15}};
  NewLesion n;
  n.centre_lps = vanished.center_lps;  // where the vanished lesion was: liver, no vessel
  n.diameter_mm = 1.8 * vanished.semi_axes_mm.minCoeff();
  n.hu = 65.0;
  o.new_lesions.push_back(n);
  const SyntheticFollowup f = generateSyntheticFollowup(p, o);

  EXPECT_EQ(countLabel(f.lesions, vanished.label), 0U);
  const double ratio = static_cast<double>(countLabel(f.lesions, shrunk.label)) /
                       static_cast<double>(countLabel(p.lesions, shrunk.label));
  EXPECT_NEAR(ratio, 1.0 / 8.0, 0.25 / 8.0);
  const double grown_ratio = static_cast<double>(countLabel(f.lesions, grown.label)) /
                             static_cast<double>(countLabel(p.lesions, grown.label));
  EXPECT_NEAR(grown_ratio, std::pow(1.15, 3.0), 0.2);

  ASSERT_EQ(f.new_lesion_labels.size(), 1U);
  EXPECT_EQ(f.new_lesion_labels[0], 4);
  const double voxel_mm3 = f.ct.geometry().voxelVolumeMm3();
  const double expected = std::numbers::pi / 6.0 * std::pow(n.diameter_mm, 3.0) / voxel_mm3;
  EXPECT_NEAR(static_cast<double>(countLabel(f.lesions, 4)), expected, 0.2 * expected);
  // New lesion HU, and liver where the vanished lesion was outside the new one.
  for (std::size_t v = 0; v < f.ct.voxelCount(); ++v) {
    if (f.lesions.data()[v] == 4) {
      ASSERT_EQ(f.ct.data()[v], 65.0F);
    } else if (p.lesions.data()[v] == vanished.label) {
      ASSERT_EQ(f.liver.data()[v], 1);
      ASSERT_EQ(f.lesions.data()[v], 0);
    }
  }
}

// ---- 6. Writer ----

TEST(FollowupWriter, WritesReadableSeriesMasksAndTruth) {
  const Phantom& p = planningPhantom();
  const int label = deepLesion(p);
  ASSERT_NE(label, 0);
  const LesionTruth& t = truthOf(p, label);
  SyntheticFollowupOptions o = quietOptions();
  o.zones.push_back(sphereZone(t.center_lps, t.semi_axes_mm.maxCoeff() + 6.0, label));
  o.deformation.translation_mm = Vec3(2.0, -1.0, 3.0);
  o.new_lesions.push_back({t.center_lps + Vec3(0, 0, 40), 8.0, 60.0});
  const ImageGeometry coarse({80, 64, 36}, {3.75, 3.75, 5.0}, {-148.125, -118.125, -87.5});
  const SyntheticFollowup f = generateSyntheticFollowup(p, o, &coarse);
  test::TempDir tmp;
  CtSeriesOptions series;
  series.uid_key = "rfaplan-followup-test";
  series.patient_id = "RFAPHANTOM-7";
  series.series_description = "follow-up";
  writeSyntheticFollowupFolder(f, tmp.path(), series);

  const io::LoadedImage loaded = io::loadImage(tmp.path());
  ASSERT_TRUE(loaded.image.geometry().sameGrid(coarse, 1e-3));
  for (std::size_t n = 0; n < f.ct.voxelCount(); ++n) {
    const double expected =
        std::clamp(std::round(static_cast<double>(f.ct.data()[n])), -1024.0, 3071.0);
    ASSERT_NEAR(loaded.image.data()[n], expected, 1e-3) << n;
  }
  const LabelMap lesions = io::readLabelFile(tmp / "truth/lesions.nrrd");
  EXPECT_TRUE(std::equal(lesions.data().begin(), lesions.data().end(), f.lesions.data().begin()));
  const ImageVolume zones = io::readVolumeFile(tmp / "truth/zones.nrrd");
  const ImageVolume liver = io::readVolumeFile(tmp / "truth/liver.nrrd");
  for (std::size_t n = 0; n < f.ct.voxelCount(); ++n) {
    ASSERT_EQ(zones.data()[n], static_cast<float>(f.zones.data()[n]));
    ASSERT_EQ(liver.data()[n], static_cast<float>(f.liver.data()[n]));
  }

  std::ifstream in(tmp / "truth.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("format"), "rfaplan-followup-truth");
  EXPECT_EQ(j.at("version"), 1);
  EXPECT_EQ(j.at("note"), "deformation: followup_to_planning(y) = y + v(y), LPS mm");
  ASSERT_EQ(j.at("margins").size(), 1U);
  EXPECT_EQ(j["margins"][0].at("label"), label);
  EXPECT_DOUBLE_EQ(j["margins"][0].at("minimal_margin_mm").get<double>(),
                   f.margins[0].minimal_margin_mm);
  EXPECT_DOUBLE_EQ(j["margins"][0].at("minimal_margin_uncorrected_mm").get<double>(),
                   f.margins[0].minimal_margin_uncorrected_mm);
  EXPECT_EQ(j["margins"][0].at("residual_volume_ml").get<double>(), 0.0);
  ASSERT_EQ(j.at("zones").size(), 1U);
  EXPECT_EQ(j["zones"][0].at("lesion"), label);
  ASSERT_EQ(j.at("new_lesions").size(), 1U);
  EXPECT_EQ(j["new_lesions"][0].at("label"), 4);
  EXPECT_EQ(j.at("deformation").at("translation_mm")[2].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(j.at("max_displacement_in_liver_mm").get<double>(),
                   f.max_displacement_in_liver_mm);
  EXPECT_EQ(j.at("series").at("patient_id"), "RFAPHANTOM-7");

  // The truth's margins read back by label; a file of another kind is refused.
  const std::map<int, double> margins = readSyntheticFollowupMargins(tmp.path());
  ASSERT_EQ(margins.size(), 1U);
  EXPECT_DOUBLE_EQ(margins.at(label), f.margins[0].minimal_margin_mm);
  std::ofstream(tmp / "truth.json") << R"({"format": "rfaplan-margins"})";
  EXPECT_THROW((void)readSyntheticFollowupMargins(tmp.path()), CorruptDataError);
  EXPECT_THROW((void)readSyntheticFollowupMargins(tmp / "missing"), NotFoundError);
}

// ---- Timing (run with --gtest_also_run_disabled_tests) ----

TEST(FollowupTiming, DISABLED_Generation) {
  for (const auto& [size, spacing] : {std::pair<Size3, Vec3>{{256, 256, 100}, {1.5, 1.5, 2.0}},
                                      std::pair<Size3, Vec3>{{512, 512, 120}, {0.78, 0.78, 2.5}}}) {
    PhantomOptions po;
    po.size = size;
    po.spacing_mm = spacing;
    auto t0 = std::chrono::steady_clock::now();
    const Phantom p = generatePhantom(po);
    auto t1 = std::chrono::steady_clock::now();
    SyntheticFollowupOptions o;
    o.deformation = liverDeformation();
    const SyntheticFollowup f = generateSyntheticFollowup(p, o);
    auto t2 = std::chrono::steady_clock::now();
    const LesionTruth& big = *std::max_element(
        p.lesion_truth.begin(), p.lesion_truth.end(),
        [](const LesionTruth& x, const LesionTruth& y) { return x.diameter_mm < y.diameter_mm; });
    const ImageGeometry tiny({2, 2, 2}, {1, 1, 1}, big.center_lps);
    (void)generateSyntheticFollowup(p, o, &tiny);  // anatomy only
    auto t3 = std::chrono::steady_clock::now();
    o.zones.push_back(sphereZone(big.center_lps, big.semi_axes_mm.maxCoeff() + 5.0, big.label));
    const SyntheticFollowup inside = generateSyntheticFollowup(p, o, &tiny);
    auto t4 = std::chrono::steady_clock::now();
    o.zones.back().centre_lps += Vec3(0.0, 12.0, 0.0);
    const SyntheticFollowup outside = generateSyntheticFollowup(p, o, &tiny);
    auto t5 = std::chrono::steady_clock::now();
    auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::printf(
        "%zux%zux%zu: planning %.2f s, follow-up %.2f s (anatomy %.2f s); truth of a "
        "%.1f mm lesion: %.2f s (margin %.3f), %.2f s (margin %.3f)\n",
        size[0], size[1], size[2], sec(t0, t1), sec(t1, t2), sec(t2, t3), big.diameter_mm,
        sec(t3, t4), inside.margins.at(0).minimal_margin_mm, sec(t4, t5),
        outside.margins.at(0).minimal_margin_mm);
  }
}

}  // namespace
}  // namespace rfa::phantom
