// Registration on real CT texture: 3D-IRCADb-01 patient 17 (../shared/testdata/ircadb1-17, read in
// place; skipped when absent) against itself warped by a known smooth deformation (rigid 2 deg +
// translation + two Gaussian bumps, 6 mm at most in the liver, phantom::calibratedDeformation),
// with independent noise. The target registration error in the liver is measured against the
// known map. The follow-up phantom cannot show what real parenchyma and vessel texture do to the
// metric; this can (no real follow-up pair with known correspondence is available).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <random>
#include <vector>

#include "rfa/followup/registration.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/synthetic_followup.h"
#include "rfa/segmentation/components.h"
#include "test_support.h"

namespace rfa::followup {
namespace {

// Trilinear value of `v` at continuous index `u` (border clamped).
float trilinear(const ImageVolume& v, const Vec3& u) {
  const Size3& n = v.size();
  std::array<std::size_t, 3> i0{};
  std::array<double, 3> f{};
  for (int a = 0; a < 3; ++a) {
    const auto sa = static_cast<std::size_t>(a);
    const double c = std::clamp(u[a], 0.0, static_cast<double>(n[sa]) - 1.0);
    i0[sa] = std::min(static_cast<std::size_t>(std::floor(c)), n[sa] - 1);
    f[sa] = c - static_cast<double>(i0[sa]);
  }
  double s = 0;
  for (int c = 0; c < 8; ++c) {
    std::array<std::size_t, 3> i{};
    double w = 1;
    for (int a = 0; a < 3; ++a) {
      const auto sa = static_cast<std::size_t>(a);
      const bool hi = ((c >> a) & 1) != 0;
      i[sa] = std::min(i0[sa] + (hi ? 1 : 0), n[sa] - 1);
      w *= hi ? f[sa] : 1.0 - f[sa];
    }
    s += w * v(i[0], i[1], i[2]);
  }
  return static_cast<float>(s);
}

TEST(RegistrationRealCt, Ircadb17WarpedByAKnownDeformation) {
  const auto root = test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const ImageVolume fixed = io::loadImage(root / "ct").image;
  const LabelMap labels = io::readLabelFile(root / "labels_nrrd" / "liver.nrrd");
  ASSERT_TRUE(labels.geometry().sameGrid(fixed.geometry()));
  Mask liver(labels.geometry(), 0);
  for (std::size_t q = 0; q < liver.voxelCount(); ++q) liver.data()[q] = labels.data()[q] != 0;

  // Follow-up on the same grid: moving(y) = fixed(y + v(y)), independent 8 HU noise.
  phantom::SyntheticFollowup map;
  map.deformation = phantom::calibratedDeformation(liver, 6.0, 2.0);
  const ImageGeometry& g = fixed.geometry();
  ImageVolume moving(g, -1024.0F);
  Mask moving_liver(g, 0);
  std::mt19937 rng(17);
  std::normal_distribution<float> noise(0.0F, 8.0F);
  const Size3& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 y = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const Vec3 u = g.lpsToIndex(map.followupToPlanning(y));
        moving(i, j, k) = trilinear(fixed, u) + noise(rng);
        const long ui = std::lround(u.x()), uj = std::lround(u.y()), uk = std::lround(u.z());
        if (ui >= 0 && uj >= 0 && uk >= 0 && ui < static_cast<long>(n[0]) &&
            uj < static_cast<long>(n[1]) && uk < static_cast<long>(n[2])) {
          moving_liver(i, j, k) = liver(static_cast<std::size_t>(ui), static_cast<std::size_t>(uj),
                                        static_cast<std::size_t>(uk));
        }
      }
    }
  }

  const Registration r = registerImages(fixed, moving, liver, {}, &liver, &moving_liver);
  const Mask inner = segmentation::erode(liver, 3.0);
  std::vector<double> err;
  std::vector<double> before;
  std::size_t q = 0;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i, ++q) {
        if (inner(i, j, k) == 0 || q % 97 != 0) continue;
        const Vec3 x = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const Vec3 truth = map.planningToFollowup(x);
        err.push_back((r.fixedToMoving(x) - truth).norm());
        before.push_back((x - truth).norm());
      }
    }
  }
  ASSERT_GT(err.size(), 1000U);
  std::sort(err.begin(), err.end());
  double mean = 0;
  for (const double e : err) mean += e;
  mean /= static_cast<double>(err.size());
  const double p95 = err[err.size() * 95 / 100];
  std::cout << "[ TRE real CT ] mean " << mean << " p95 " << p95 << " max " << err.back()
            << " mm over " << err.size() << " liver points (before: max "
            << *std::max_element(before.begin(), before.end()) << " mm); registration "
            << r.quality.seconds << " s; liver surface mean "
            << r.quality.liver_surface_mean_mm.value_or(-1) << " mm\n";
  RecordProperty("tre_mean_mm", std::to_string(mean));
  // Guards of the measured values (docs/validation.md: mean 0.19, p95 0.40, max 0.58 mm); the
  // acceptance asks < 1.5 mm.
  EXPECT_LT(mean, 0.6);
  EXPECT_LT(p95, 1.2);
  EXPECT_FALSE(r.quality.poor);
}

}  // namespace
}  // namespace rfa::followup
