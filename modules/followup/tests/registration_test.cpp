// Tests of the follow-up registration (registration.h) on the synthetic phantom: a "follow-up" is
// made from the planning CT by a known smooth backward map moving(y) = fixed(y + v(y)) (rigid
// motion plus Gaussian bumps, +10 HU in the liver), so the true fixedToMoving is the inverse of
// y -> y + v(y). Target registration errors (TRE, mm) are measured at random liver points.
// Positions LPS mm.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <numbers>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/core/resample.h"
#include "rfa/followup/registration.h"
#include "rfa/phantom/phantom.h"
#include "test_support.h"

namespace rfa::followup {
namespace {

constexpr double kPi = std::numbers::pi;

Vec3 voxelLps(const ImageGeometry& g, std::size_t i, std::size_t j, std::size_t k) {
  return g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
}

// A known backward map: the follow-up voxel at y shows the planning anatomy at y + v(y), with
// v(y) = (R - I)(y - c) + t + sum_k a_k exp(-|y - p_k|^2 / (2 sigma^2)).
struct Warp {
  Mat3 rotation = Mat3::Identity();
  Vec3 centre{0, 0, 0};
  Vec3 translation{0, 0, 0};
  std::vector<std::pair<Vec3, Vec3>> bumps;  // (centre, amplitude mm)
  double sigma_mm = 50.0;

  [[nodiscard]] Vec3 v(const Vec3& y) const {
    Vec3 out = (rotation - Mat3::Identity()) * (y - centre) + translation;
    for (const auto& [p, a] : bumps) {
      out += a * std::exp(-(y - p).squaredNorm() / (2 * sigma_mm * sigma_mm));
    }
    return out;
  }
  /// Planning point shown at follow-up point y.
  [[nodiscard]] Vec3 movingToFixed(const Vec3& y) const { return y + v(y); }
  /// The truth of Registration::fixedToMoving: solves y + v(y) = x by fixed-point iteration.
  [[nodiscard]] Vec3 fixedToMoving(const Vec3& x) const {
    Vec3 y = x;
    for (int it = 0; it < 100; ++it) {
      const Vec3 next = x - v(y);
      const double change = (next - y).norm();
      y = next;
      if (change < 1e-9) break;
    }
    return y;
  }
};

Mat3 rotationAbout(const Vec3& axis, double degrees) {
  return Eigen::AngleAxisd(degrees * kPi / 180.0, axis.normalized()).toRotationMatrix();
}

// Planning phantom: 170 x 130 x 90 voxels of 2 x 2 x 2.5 mm (340 x 260 x 225 mm: the whole liver
// and body fit), 10 HU noise, 3 lesions.
const phantom::Phantom& planning() {
  static const phantom::Phantom p = [] {
    phantom::PhantomOptions o;
    o.lesions = 3;
    o.seed = 11;
    o.size = {170, 130, 90};
    o.spacing_mm = {2.0, 2.0, 2.5};
    o.noise_sigma_hu = 10.0;
    return phantom::generatePhantom(o);
  }();
  return p;
}

struct FollowUp {
  ImageVolume ct;
  Mask liver;
};

// The follow-up of `p` through `w` on `grid` (default: p's grid), trilinear and clamped at the
// border of the planning grid, +10 HU in the liver.
FollowUp makeFollowUp(const phantom::Phantom& p, const Warp& w,
                      const std::optional<ImageGeometry>& grid = std::nullopt) {
  const ImageGeometry& g = p.ct.geometry();
  const ImageGeometry& mg = grid ? *grid : g;
  FollowUp f{ImageVolume(mg, 0.0F), Mask(mg, 0)};
  const auto& n = mg.size();
  parallelFor(n[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 idx = g.lpsToIndex(w.movingToFixed(voxelLps(mg, i, j, k)));
        double value = sampleLinear(p.ct, idx);
        const Index3 r{std::lround(idx[0]), std::lround(idx[1]), std::lround(idx[2])};
        if (g.contains(r) && p.liver(static_cast<std::size_t>(r[0]), static_cast<std::size_t>(r[1]),
                                     static_cast<std::size_t>(r[2])) != 0) {
          f.liver(i, j, k) = 1;
          value += 10.0;
        }
        f.ct(i, j, k) = static_cast<float>(value);
      }
    }
  });
  return f;
}

// `count` random points (voxel centres jittered within the voxel) of the liver, LPS mm.
std::vector<Vec3> liverPoints(const Mask& liver, std::size_t count, unsigned seed) {
  std::vector<std::array<std::size_t, 3>> voxels;
  const auto& n = liver.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (liver(i, j, k) != 0) voxels.push_back({i, j, k});
      }
    }
  }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, voxels.size() - 1);
  std::uniform_real_distribution<double> jitter(-0.5, 0.5);
  std::vector<Vec3> out;
  for (std::size_t c = 0; c < count; ++c) {
    const auto& v = voxels[pick(rng)];
    const Vec3 idx(static_cast<double>(v[0]) + jitter(rng), static_cast<double>(v[1]) + jitter(rng),
                   static_cast<double>(v[2]) + jitter(rng));
    out.push_back(liver.geometry().indexToLps(idx));
  }
  return out;
}

struct Tre {
  double mean = 0, p95 = 0, max = 0;
};

Tre measureTre(const Registration& r, const Warp& w, const std::vector<Vec3>& points) {
  std::vector<double> e;
  for (const Vec3& x : points) e.push_back((r.fixedToMoving(x) - w.fixedToMoving(x)).norm());
  Tre t;
  for (const double v : e) t.mean += v / static_cast<double>(e.size());
  std::sort(e.begin(), e.end());
  t.p95 = e[static_cast<std::size_t>(0.95 * static_cast<double>(e.size() - 1))];
  t.max = e.back();
  return t;
}

std::string describe(const Tre& t) {
  return "mean " + std::to_string(t.mean) + " mm, p95 " + std::to_string(t.p95) + " mm, max " +
         std::to_string(t.max) + " mm";
}

// Rigid motion of the follow-up: 2 degrees about an oblique axis, (4, -3, 5) mm.
Warp rigidWarp() {
  Warp w;
  w.rotation = rotationAbout(Vec3(0.3, 0.5, 0.8), 2.0);
  w.centre = Vec3(-30, -10, 10);
  w.translation = Vec3(4, -3, 5);
  return w;
}

// The rigid motion plus two Gaussian bumps (sigma 50 mm, 6 mm amplitude) in the two lobes.
Warp deformedWarp() {
  Warp w = rigidWarp();
  w.bumps = {{Vec3(-70, -10, -10), Vec3(4.0, 3.0, -3.5)}, {Vec3(5, -45, 25), Vec3(-3.0, 4.0, 3.5)}};
  return w;
}

double maxDisplacementInLiver(const Warp& w, const std::vector<Vec3>& points) {
  double m = 0;
  for (const Vec3& x : points) m = std::max(m, (w.fixedToMoving(x) - x).norm());
  return m;
}

RegistrationOptions rigidOnly() {
  RegistrationOptions o;
  o.deformable = false;
  return o;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(RegistrationRigid, RecoversKnownRigidMotionDeterministically) {
  const phantom::Phantom& p = planning();
  const Warp w = rigidWarp();
  // The follow-up on its own grid: other spacing, field of view and a 3 degree tilted axis set.
  const ImageGeometry moving_grid({150, 120, 80}, Vec3(2.3, 2.1, 3.0), Vec3(-160, -118, -105),
                                  rotationAbout(Vec3(0, 0, 1), 3.0));
  const FollowUp f = makeFollowUp(p, w, moving_grid);
  const auto t0 = std::chrono::steady_clock::now();
  const Registration r = registerImages(p.ct, f.ct, p.liver, rigidOnly(), &p.liver, &f.liver);
  const double wall = seconds(t0);
  const Tre tre = measureTre(r, w, liverPoints(p.liver, 500, 1));
  std::cout << "[ rigid-only case ] TRE " << describe(tre) << "; registration " << wall << " s ("
            << r.quality.seconds << " s inside)\n";
  RecordProperty("tre_mean_mm", std::to_string(tre.mean));
  RecordProperty("tre_max_mm", std::to_string(tre.max));
  EXPECT_LT(tre.mean, 1.0);
  EXPECT_LT(tre.max, 2.0);
  EXPECT_TRUE(r.displacement_x.empty());
  // The follow-up's rigid map is the inverse of the 2 degree rotation.
  EXPECT_NEAR(r.quality.rotation_deg, 2.0, 0.3);
  EXPECT_LT(r.quality.mean_abs_difference_rigid, 0.7 * r.quality.mean_abs_difference_initial);
  ASSERT_TRUE(r.quality.liver_surface_mean_mm.has_value());
  EXPECT_LT(*r.quality.liver_surface_mean_mm, 1.0);
  EXPECT_FALSE(r.quality.poor) << (r.quality.warnings.empty() ? "" : r.quality.warnings[0]);
  EXPECT_TRUE(r.quality.warnings.empty());
  EXPECT_GT(r.quality.seconds, 0.0);

  // Deterministic: the same input gives the same transform, bit for bit.
  const Registration again = registerImages(p.ct, f.ct, p.liver, rigidOnly(), &p.liver, &f.liver);
  EXPECT_EQ(again.rotation, r.rotation);
  EXPECT_EQ(again.translation_mm, r.translation_mm);
  EXPECT_EQ(again.centre_lps, r.centre_lps);
}

// Extra linear starts: each start is run (screened with fewer iterations here) and scored, the
// best-scored one is kept and run in full; without extra starts nothing changes.
TEST(RegistrationRigid, ExtraStartsKeepTheBestScoredStart) {
  const phantom::Phantom& p = planning();
  const Warp w = rigidWarp();
  const ImageGeometry moving_grid({150, 120, 80}, Vec3(2.3, 2.1, 3.0), Vec3(-160, -118, -105),
                                  rotationAbout(Vec3(0, 0, 1), 3.0));
  const FollowUp f = makeFollowUp(p, w, moving_grid);
  const Registration plain = registerImages(p.ct, f.ct, p.liver, rigidOnly());
  EXPECT_EQ(plain.quality.linear_start_offset_mm, Vec3(0, 0, 0));

  // A score that prefers the second start (+40 mm), whatever the runs find.
  RegistrationOptions o = rigidOnly();
  o.linear_start_offsets_mm = {Vec3(0, 0, 40), Vec3(0, 0, -40)};
  o.linear_screen_iterations = 5;
  int calls = 0;
  o.linear_start_score = [&](const Registration&) {
    const double s[] = {3.0, 1.0, 2.0};
    return s[std::min(calls++, 2)];
  };
  const Registration r = registerImages(p.ct, f.ct, p.liver, o);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r.quality.linear_start_offset_mm, Vec3(0, 0, 40));

  // With the default score (the Mattes value) on the same anatomy, the centroid start is kept or
  // a start that converged to the same map (within 1 mm at the liver).
  o.linear_start_score = nullptr;
  const Registration m = registerImages(p.ct, f.ct, p.liver, o);
  const Tre tre = measureTre(m, w, liverPoints(p.liver, 200, 1));
  EXPECT_LT(tre.mean, 1.0) << describe(tre);

  RegistrationOptions bad = rigidOnly();
  bad.linear_screen_iterations = -1;
  EXPECT_THROW(registerImages(p.ct, f.ct, p.liver, bad), UsageError);
  bad = rigidOnly();
  bad.linear_start_offsets_mm = {Vec3(0, 0, std::nan(""))};
  EXPECT_THROW(registerImages(p.ct, f.ct, p.liver, bad), UsageError);
}

TEST(RegistrationDeformable, RecoversSmoothDeformationBetterThanRigid) {
  const phantom::Phantom& p = planning();
  const Warp w = deformedWarp();
  const FollowUp f = makeFollowUp(p, w);
  const std::vector<Vec3> points = liverPoints(p.liver, 500, 2);
  const double truth_max = maxDisplacementInLiver(w, points);
  std::cout << "[ deformable case ] largest true displacement in the liver " << truth_max
            << " mm\n";
  ASSERT_GT(truth_max, 9.0);  // the case is what it claims to be
  ASSERT_LT(truth_max, 14.0);

  std::vector<std::string> stages;
  double last = -1;
  bool monotonic = true;
  std::string last_stage;
  const auto t0 = std::chrono::steady_clock::now();
  const Registration r =
      registerImages(p.ct, f.ct, p.liver, RegistrationOptions{}, &p.liver, &f.liver, nullptr,
                     [&](const std::string& stage, double fraction) {
                       if (stage != last_stage) {
                         stages.push_back(stage);
                         last_stage = stage;
                         last = -1;
                       }
                       if (fraction < last || fraction < 0 || fraction > 1) monotonic = false;
                       last = fraction;
                     });
  const double wall = seconds(t0);
  Registration rigid_part = r;
  rigid_part.displacement_x = rigid_part.displacement_y = rigid_part.displacement_z = {};
  const Tre tre_rigid = measureTre(rigid_part, w, points);
  const Tre tre = measureTre(r, w, points);
  std::cout << "[ deformable case ] rigid stage TRE " << describe(tre_rigid) << "\n"
            << "[ deformable case ] deformable TRE " << describe(tre) << "\n"
            << "[ deformable case ] registration " << wall << " s; max B-spline displacement "
            << r.quality.max_deformable_displacement_mm << " mm, min Jacobian "
            << r.quality.min_jacobian << ", liver surface mean "
            << r.quality.liver_surface_mean_mm.value_or(-1) << " mm, p95 "
            << r.quality.liver_surface_p95_mm.value_or(-1) << " mm; |diff| "
            << r.quality.mean_abs_difference_initial << " -> "
            << r.quality.mean_abs_difference_rigid << " -> " << r.quality.mean_abs_difference_final
            << " HU\n";
  RecordProperty("tre_rigid_mean_mm", std::to_string(tre_rigid.mean));
  RecordProperty("tre_deformable_mean_mm", std::to_string(tre.mean));
  RecordProperty("tre_deformable_p95_mm", std::to_string(tre.p95));
  RecordProperty("seconds", std::to_string(wall));

  EXPECT_LT(tre.mean, 1.0);
  EXPECT_LT(tre.p95, 1.5);
  EXPECT_GT(tre_rigid.mean, 2.0 * tre.mean);  // the bumps are beyond a rigid map
  EXPECT_GT(tre_rigid.p95, 2.0);
  EXPECT_FALSE(r.displacement_x.empty());
  EXPECT_GT(r.quality.max_deformable_displacement_mm, 2.0);
  EXPECT_GT(r.quality.min_jacobian, 0.5);
  EXPECT_LT(r.quality.mean_abs_difference_final, r.quality.mean_abs_difference_rigid);
  EXPECT_LT(r.quality.mean_abs_difference_rigid, r.quality.mean_abs_difference_initial);
  ASSERT_TRUE(r.quality.liver_surface_mean_mm.has_value());
  EXPECT_LT(*r.quality.liver_surface_mean_mm, 1.0);
  EXPECT_FALSE(r.quality.poor);
  EXPECT_EQ(stages, (std::vector<std::string>{"rigid", "deformable"}));
  EXPECT_TRUE(monotonic);
  EXPECT_EQ(last, 1.0);

  // resampleToFixed agrees with fixedToMoving: the follow-up mapped back matches the planning CT
  // in the liver far better than before registration.
  const ImageVolume back = resampleToFixed(f.ct, r, p.ct.geometry(), -1000.0F);
  const Vec3 x = points[17];
  const Vec3 idx = p.ct.geometry().lpsToIndex(x);
  const Index3 v{std::lround(idx[0]), std::lround(idx[1]), std::lround(idx[2])};
  const Vec3 xv = p.ct.geometry().indexToLps(
      Vec3(static_cast<double>(v[0]), static_cast<double>(v[1]), static_cast<double>(v[2])));
  const double expected = sampleLinear(f.ct, f.ct.geometry().lpsToIndex(r.fixedToMoving(xv)));
  EXPECT_NEAR(back(static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v[1]),
                   static_cast<std::size_t>(v[2])),
              expected, 1e-2);
}

// A volume with a rotated, anisotropic grid and smooth content plus noise.
ImageVolume testVolume() {
  const Mat3 dir = rotationAbout(Vec3(0.2, -0.4, 1.0), 25.0);
  ImageVolume v(ImageGeometry({40, 36, 20}, Vec3(1.2, 0.9, 2.0), Vec3(-10, 5, 30), dir), 0.0F);
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 5.0);
  const auto& n = v.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        v(i, j, k) =
            static_cast<float>(100.0 * std::sin(0.3 * static_cast<double>(i)) +
                               50.0 * std::cos(0.2 * static_cast<double>(j + k)) + noise(rng));
      }
    }
  }
  return v;
}

Mask testMask(const ImageVolume& v) {
  Mask m(v.geometry(), 0);
  const auto& n = m.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) m(i, j, k) = v(i, j, k) > 30.0F ? 1 : 0;
    }
  }
  return m;
}

TEST(RegistrationResample, IdentityReproducesAndTwoVoxelShiftIsExact) {
  const ImageVolume v = testVolume();
  const ImageGeometry& g = v.geometry();
  const auto& n = g.size();
  const Registration identity;
  const ImageVolume same = resampleToFixed(v, identity, g, -1.0F);
  ASSERT_TRUE(same.geometry().sameGrid(g));
  for (std::size_t q = 0; q < v.voxelCount(); ++q) ASSERT_NEAR(same.data()[q], v.data()[q], 1e-3);

  const Mask m = testMask(v);
  const auto md = m.data();
  ASSERT_GT(std::count(md.begin(), md.end(), 1), 1000);
  // Rigid translation of exactly 2 voxels along i: fixed voxel (i,j,k) shows moving (i+2,j,k).
  Registration shift;
  shift.centre_lps = Vec3(3, -2, 7);
  shift.translation_mm = 2.0 * g.spacing()[0] * g.direction().col(0);
  const Mask mi = resampleMaskToFixed(m, shift, g);
  // The same shift along j, as a deformable displacement field on a coarser, larger grid.
  Registration field;
  const ImageGeometry fg({12, 12, 12}, Vec3(6, 6, 6), g.indexToLps(Vec3(-5, -5, -5)),
                         g.direction());
  const Vec3 d = 2.0 * g.spacing()[1] * g.direction().col(1);
  field.displacement_x = ImageVolume(fg, static_cast<float>(d[0]));
  field.displacement_y = ImageVolume(fg, static_cast<float>(d[1]));
  field.displacement_z = ImageVolume(fg, static_cast<float>(d[2]));
  const Mask mj = resampleMaskToFixed(m, field, g);
  std::size_t compared = 0;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        ASSERT_EQ(mi(i, j, k), i + 2 < n[0] ? m(i + 2, j, k) : 0) << i << "," << j << "," << k;
        ASSERT_EQ(mj(i, j, k), j + 2 < n[1] ? m(i, j + 2, k) : 0) << i << "," << j << "," << k;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, g.voxelCount());
  EXPECT_LT((field.fixedToMoving(g.centerLps()) - (g.centerLps() + d)).norm(), 1e-5);
  // Outside the field's grid the displacement is 0.
  EXPECT_LT(
      (field.fixedToMoving(fg.indexToLps(Vec3(-2, 0, 0))) - fg.indexToLps(Vec3(-2, 0, 0))).norm(),
      1e-12);
}

TEST(RegistrationResample, AgreesWithFixedToMovingForRotationAndField) {
  const ImageVolume v = testVolume();
  const ImageGeometry& g = v.geometry();
  Registration r;
  r.rotation = rotationAbout(Vec3(1, 1, 0), 3.0);
  r.centre_lps = g.centerLps();
  r.translation_mm = Vec3(0.7, -1.1, 0.4);
  const ImageGeometry fg({8, 8, 8}, Vec3(8, 8, 8), g.centerLps() - Vec3(28, 28, 28));
  r.displacement_x = ImageVolume(fg, 0.0F);
  r.displacement_y = ImageVolume(fg, 0.0F);
  r.displacement_z = ImageVolume(fg, 0.0F);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  for (std::size_t q = 0; q < fg.voxelCount(); ++q) {
    r.displacement_x.data()[q] = static_cast<float>(u(rng));
    r.displacement_y.data()[q] = static_cast<float>(u(rng));
    r.displacement_z.data()[q] = static_cast<float>(u(rng));
  }
  const ImageVolume out = resampleToFixed(v, r, g, -999.0F);
  std::size_t inside = 0;
  std::size_t outside = 0;
  const auto& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 y = r.fixedToMoving(voxelLps(g, i, j, k));
        const Vec3 idx = g.lpsToIndex(y);
        if (g.containsContinuous(idx)) {
          ASSERT_NEAR(out(i, j, k), sampleLinear(v, idx), 1e-2) << i << "," << j << "," << k;
          ++inside;
        } else {
          ASSERT_EQ(out(i, j, k), -999.0F);
          ++outside;
        }
      }
    }
  }
  EXPECT_GT(inside, g.voxelCount() / 2);
  EXPECT_GT(outside, 0U);
}

TEST(RegistrationQuality, ShiftedMovingLiverIsFlaggedPoor) {
  const phantom::Phantom& p = planning();
  // The follow-up is the planning CT itself, but its liver mask is 15 mm off along x.
  Registration shift;
  shift.translation_mm = Vec3(15, 0, 0);
  const Mask shifted = resampleMaskToFixed(p.liver, shift, p.liver.geometry());
  const Registration r = registerImages(p.ct, p.ct, p.liver, rigidOnly(), &p.liver, &shifted);
  ASSERT_TRUE(r.quality.liver_surface_mean_mm.has_value());
  std::cout << "[ quality ] surface mean " << *r.quality.liver_surface_mean_mm << " mm, p95 "
            << r.quality.liver_surface_p95_mm.value_or(-1) << " mm\n";
  EXPECT_GT(*r.quality.liver_surface_mean_mm, 2.0);
  EXPECT_TRUE(r.quality.poor);
  ASSERT_FALSE(r.quality.warnings.empty());
  EXPECT_NE(r.quality.warnings[0].find("surface distance"), std::string::npos)
      << r.quality.warnings[0];
  // The image content still wins over the wrong mask initialisation: the map is near identity.
  const Tre tre = measureTre(r, Warp{}, liverPoints(p.liver, 200, 4));
  EXPECT_LT(tre.mean, 1.0) << describe(tre);
}

TEST(RegistrationErrors, RejectsBadInput) {
  const phantom::Phantom& p = planning();
  EXPECT_THROW(registerImages(ImageVolume{}, p.ct, p.liver), GeometryError);
  const Mask other(ImageGeometry({10, 10, 10}, Vec3(1, 1, 1), Vec3(0, 0, 0)), 1);
  EXPECT_THROW(registerImages(p.ct, p.ct, other), GeometryError);
  const Mask empty(p.ct.geometry(), 0);
  EXPECT_THROW(registerImages(p.ct, p.ct, empty), GeometryError);
  Mask one = empty;
  one(85, 65, 45) = 1;  // 10 mm ball at 4 mm: too few voxels to sample
  EXPECT_THROW(registerImages(p.ct, p.ct, one), NoDataError);
  RegistrationOptions bad;
  bad.sampling_fraction = 0;
  EXPECT_THROW(registerImages(p.ct, p.ct, p.liver, bad), UsageError);
  // Nothing of the region is left outside the exclusion.
  const Mask all(p.ct.geometry(), 1);
  EXPECT_THROW(registerImages(p.ct, p.ct, p.liver, rigidOnly(), nullptr, nullptr, &all),
               NoDataError);
  // A progress callback that throws cancels the registration, in either stage.
  EXPECT_THROW(registerImages(p.ct, p.ct, p.liver, rigidOnly(), nullptr, nullptr, nullptr,
                              [](const std::string&, double) { throw std::runtime_error("stop"); }),
               std::runtime_error);
  std::vector<std::string> seen;
  EXPECT_THROW(registerImages(p.ct, p.ct, p.liver, RegistrationOptions{}, nullptr, nullptr, nullptr,
                              [&](const std::string& stage, double fraction) {
                                seen.push_back(stage);
                                if (stage == "deformable" && fraction > 0) {
                                  throw std::runtime_error("stop");
                                }
                              }),
               std::runtime_error);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "rigid");
  EXPECT_EQ(seen.back(), "deformable");
}

TEST(RegistrationIo, WriteReadRoundTrip) {
  Registration r;
  r.rotation = rotationAbout(Vec3(0.1, 0.9, -0.3), 4.2);
  r.centre_lps = Vec3(-31.25, 12.5, 101.75);
  r.translation_mm = Vec3(3.125, -7.5, 0.0625);
  const ImageGeometry fg({9, 7, 5}, Vec3(4, 4, 5), Vec3(-50, -40, 80),
                         rotationAbout(Vec3(0, 0, 1), 10.0));
  r.displacement_x = ImageVolume(fg, 0.0F);
  r.displacement_y = ImageVolume(fg, 0.0F);
  r.displacement_z = ImageVolume(fg, 0.0F);
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(-4.0, 4.0);
  for (std::size_t q = 0; q < fg.voxelCount(); ++q) {
    r.displacement_x.data()[q] = static_cast<float>(u(rng));
    r.displacement_y.data()[q] = static_cast<float>(u(rng));
    r.displacement_z.data()[q] = static_cast<float>(u(rng));
  }
  r.quality.mean_abs_difference_initial = 41.5;
  r.quality.mean_abs_difference_rigid = 17.25;
  r.quality.mean_abs_difference_final = 11.125;
  r.quality.liver_surface_mean_mm = 2.5;
  r.quality.liver_surface_p95_mm = 6.75;
  r.quality.max_deformable_displacement_mm = 5.5;
  r.quality.min_jacobian = 0.8125;
  r.quality.rotation_deg = 4.2;
  r.quality.translation_mm = 8.0;
  r.quality.seconds = 12.5;
  r.quality.poor = true;
  r.quality.warnings = {"liver surface distance: mean 2.5 mm exceeds 2.0 mm",
                        "liver surface distance: 95th percentile 6.8 mm exceeds 5.0 mm"};

  const test::TempDir dir;
  writeRegistration(r, dir / "reg");
  for (const char* f :
       {"registration.json", "displacement_x.nrrd", "displacement_y.nrrd", "displacement_z.nrrd"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "reg" / f)) << f;
  }
  const Registration back = readRegistration(dir / "reg");
  std::mt19937 prng(1);
  std::uniform_real_distribution<double> pos(-60.0, 60.0);
  for (int c = 0; c < 200; ++c) {
    const Vec3 x = fg.centerLps() + Vec3(pos(prng), pos(prng), pos(prng));
    ASSERT_LT((back.fixedToMoving(x) - r.fixedToMoving(x)).norm(), 1e-4);
  }
  EXPECT_EQ(back.quality.mean_abs_difference_final, 11.125);
  EXPECT_EQ(back.quality.liver_surface_p95_mm, std::optional<double>(6.75));
  EXPECT_EQ(back.quality.min_jacobian, 0.8125);
  EXPECT_EQ(back.quality.seconds, 12.5);
  EXPECT_TRUE(back.quality.poor);
  EXPECT_EQ(back.quality.warnings, r.quality.warnings);

  // Rigid only: no fields; a stale field of the earlier write is removed.
  Registration rigid = r;
  rigid.displacement_x = rigid.displacement_y = rigid.displacement_z = {};
  rigid.quality.liver_surface_mean_mm.reset();
  rigid.quality.liver_surface_p95_mm.reset();
  writeRegistration(rigid, dir / "reg");
  EXPECT_FALSE(std::filesystem::exists(dir / "reg" / "displacement_x.nrrd"));
  const Registration rigid_back = readRegistration(dir / "reg");
  EXPECT_TRUE(rigid_back.displacement_x.empty());
  EXPECT_FALSE(rigid_back.quality.liver_surface_mean_mm.has_value());
  const Vec3 x(10, -20, 90);
  EXPECT_LT((rigid_back.fixedToMoving(x) - rigid.fixedToMoving(x)).norm(), 1e-9);
  std::ifstream json(dir / "reg" / "registration.json");
  const std::string text((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"rfaplan-registration\""), std::string::npos);
  EXPECT_NE(text.find("fixed (planning) LPS mm -> moving (follow-up) LPS mm"), std::string::npos);
}

TEST(RegistrationIo, ReadErrorsNameTheFile) {
  const test::TempDir dir;
  EXPECT_THROW(readRegistration(dir / "missing"), NotFoundError);
  std::filesystem::create_directories(dir / "bad");
  {
    std::ofstream out(dir / "bad" / "registration.json");
    out << R"({"format": "rfaplan-registration", "version": 2})";
  }
  try {
    readRegistration(dir / "bad");
    FAIL() << "no error";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find("registration.json"), std::string::npos) << e.what();
  }
  // A deformable registration whose field file is gone.
  Registration r;
  const ImageGeometry fg({3, 3, 3}, Vec3(4, 4, 4), Vec3(0, 0, 0));
  r.displacement_x = r.displacement_y = r.displacement_z = ImageVolume(fg, 1.0F);
  writeRegistration(r, dir / "gone");
  std::filesystem::remove(dir / "gone" / "displacement_y.nrrd");
  EXPECT_THROW(readRegistration(dir / "gone"), Error);
}

// Timing on a CT-sized grid (512 x 512 x 120 of 0.78 x 0.78 x 2.5 mm): run with
// --gtest_also_run_disabled_tests --gtest_filter='*Timing512*'.
TEST(RegistrationTiming, DISABLED_Timing512) {
  phantom::PhantomOptions o;
  o.lesions = 3;
  o.seed = 3;
  o.size = {512, 512, 120};
  o.spacing_mm = {0.78, 0.78, 2.5};
  auto t0 = std::chrono::steady_clock::now();
  const phantom::Phantom p = phantom::generatePhantom(o);
  std::cout << "[ timing ] phantom " << seconds(t0) << " s\n";
  const Warp w = deformedWarp();
  t0 = std::chrono::steady_clock::now();
  const FollowUp f = makeFollowUp(p, w);
  std::cout << "[ timing ] follow-up " << seconds(t0) << " s\n";
  t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  const Registration r =
      registerImages(p.ct, f.ct, p.liver, RegistrationOptions{}, &p.liver, &f.liver);
  const double reg_s = seconds(t0);
  const double reg_cpu_s = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  t0 = std::chrono::steady_clock::now();
  const ImageVolume back = resampleToFixed(f.ct, r, p.ct.geometry(), -1000.0F);
  const double resample_s = seconds(t0);
  const Tre tre = measureTre(r, w, liverPoints(p.liver, 500, 7));
  std::cout << "[ timing ] registration " << reg_s << " s (CPU " << reg_cpu_s
            << " s over all threads), resampleToFixed " << resample_s << " s; TRE " << describe(tre)
            << "\n";
  EXPECT_LT(tre.mean, 1.0);
  EXPECT_FALSE(back.empty());
}

}  // namespace
}  // namespace rfa::followup
