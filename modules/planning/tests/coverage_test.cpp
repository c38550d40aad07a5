// Coverage metrics, placement search and targeting uncertainty on synthetic lesions (spheres on a
// 1 mm grid) with the shipped cooltip-3cm preview calibration.
#include "rfa/planning/coverage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <iostream>
#include <vector>

#include "rfa/core/error.h"

namespace rfa::planning {
namespace {

using thermal::EllipsoidZone;
using thermal::NeedlePose;
using thermal::PreviewCalibration;

const PreviewCalibration& cooltip() {
  static const PreviewCalibration c = [] {
    const auto all = thermal::readPreviewCalibrations(thermal::defaultPreviewCalibrationFile());
    return thermal::findCalibration(all, "cooltip-3cm", "impedance-12min");
  }();
  return c;
}

ImageGeometry grid(std::size_t n = 100) {
  const double h = 0.5 * static_cast<double>(n - 1);
  return ImageGeometry({n, n, n}, Vec3(1, 1, 1), Vec3(-h, -h, -h));
}

Mask sphere(const ImageGeometry& g, const Vec3& c, double r) {
  Mask m(g, 0);
  const Size3& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        m(i, j, k) = (p - c).norm() <= r + 1e-9 ? 1 : 0;
      }
    }
  }
  return m;
}

EllipsoidZone ball(const Vec3& c, double r) {
  EllipsoidZone z;
  z.centre_lps = c;
  z.semi_u_mm = z.semi_v_mm = z.semi_w_mm = r;
  return z;
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const Vec3 kUp(0, 0, 1);
// grid() centres are at half-integers for even n; use an odd size so (0,0,0) is a voxel centre.
constexpr std::size_t kN = 101;

TEST(CoverageMargins, SignConventions) {
  const ImageGeometry g = grid(kN);
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 5);
  // Zone larger than the lesion: positive margin ~ 8 - 5.
  const MarginMetrics big = computeMargins(lesion, {ball(Vec3(0, 0, 0), 8)});
  EXPECT_NEAR(big.minimal_margin_mm, 3.0, 1.0);
  EXPECT_GT(big.minimal_margin_mm, 0);
  // Zone smaller than the lesion: negative margin ~ -(5 - 3).
  const MarginMetrics small = computeMargins(lesion, {ball(Vec3(0, 0, 0), 3)});
  EXPECT_NEAR(small.minimal_margin_mm, -2.0, 1.0);
  EXPECT_LT(small.minimal_margin_mm, 0);
  EXPECT_LT(small.coverage_min_pct, 100);
  // Mask overload agrees with the ellipsoid overload.
  const MarginMetrics mask_big = computeMargins(lesion, sphere(g, Vec3(0, 0, 0), 8));
  EXPECT_DOUBLE_EQ(mask_big.minimal_margin_mm, big.minimal_margin_mm);
  EXPECT_DOUBLE_EQ(mask_big.coverage_min_pct, big.coverage_min_pct);
  // Lesion + 5 mm (r 10) inside a ball of 12: fully covered; lesion + 10 mm (r 15) partly.
  const MarginMetrics cover = computeMargins(lesion, {ball(Vec3(0, 0, 0), 12)});
  EXPECT_DOUBLE_EQ(cover.coverage_min_pct, 100);
  EXPECT_LT(cover.coverage_target_pct, 100);
  EXPECT_GT(cover.coverage_target_pct, 30);
  // Nothing ablated: saturated at -pad.
  const MarginMetrics none = computeMargins(lesion, std::vector<EllipsoidZone>{});
  EXPECT_DOUBLE_EQ(none.minimal_margin_mm, -15.0);
  EXPECT_DOUBLE_EQ(none.coverage_min_pct, 0);
  // Errors.
  EXPECT_THROW((void)computeMargins(Mask(g, 0), {ball(Vec3(0, 0, 0), 8)}), NoDataError);
  EXPECT_THROW((void)computeMargins(lesion, Mask(grid(50), 0)), GeometryError);
}

TEST(CoverageMargins, UnionVolumeMatchesEllipsoid) {
  const EllipsoidZone z = thermal::previewZone(cooltip(), NeedlePose{Vec3(1, 2, 3), Vec3(1, 1, 2)});
  EXPECT_NEAR(unionVolumeMl({z}, 1.0), z.volumeMl(), 0.02 * z.volumeMl());
  EXPECT_NEAR(unionVolumeMl({z, z}, 1.0), unionVolumeMl({z}, 1.0), 1e-9);
  EXPECT_DOUBLE_EQ(unionVolumeMl({}), 0);
}

TEST(CoveragePlan, SmallLesionOneAblationAnalyticMargin) {
  const ImageGeometry g = grid(kN);
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 5);  // 10 mm diameter
  const auto t0 = std::chrono::steady_clock::now();
  const CoveragePlan plan = planCoverage(lesion, cooltip(), {kUp});
  std::cout << "[timing] 10 mm lesion plan: " << seconds(t0) << " s, " << plan.evaluations
            << " evaluations\n";
  ASSERT_EQ(plan.ablations, 1);
  EXPECT_EQ(plan.flag, CoverageFlag::kNone) << plan.reason;
  // Limiting semi-axis is across the needle: semi_across - radius.
  const double analytic = cooltip().semi_across_mm - 5.0;
  EXPECT_NEAR(plan.metrics.minimal_margin_mm, analytic, 1.0);
  EXPECT_DOUBLE_EQ(plan.metrics.coverage_min_pct, 100);
  // The 10 mm target margin needs semi_across >= 15 mm: the 3 cm tip's in-vivo zone (11 mm) does
  // not reach it, and the search stops at the minimum margin with one ablation.
  EXPECT_LT(plan.metrics.coverage_target_pct, 100);
  // Zone centre near the centroid; tip = centre - offset * w.
  const Placement& p = plan.placements.front();
  EXPECT_EQ(p.electrode, "cooltip-3cm");
  EXPECT_EQ(p.protocol, "impedance-12min");
  EXPECT_NEAR(p.pose.direction_lps.dot(kUp), 1.0, 1e-12);
  EXPECT_LT((p.zone.centre_lps - (p.pose.tip_lps + kUp * cooltip().centre_offset_mm)).norm(), 1e-9);
  EXPECT_LT(std::hypot(p.zone.centre_lps[0], p.zone.centre_lps[1]), 2.1);
  EXPECT_NEAR(plan.ablated_volume_ml, p.zone.volumeMl(), 0.03 * p.zone.volumeMl());
}

// A 24 mm lesion against the 3 cm tip's in-vivo zone (22 mm across).
TEST(CoveragePlan, LesionOf24MmNeedsSeveralAblations) {
  const ImageGeometry g = grid(kN);
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 12.0);
  const auto t0 = std::chrono::steady_clock::now();
  const CoveragePlan plan = planCoverage(lesion, cooltip(), {Vec3(0.2, -0.1, 1.0)});
  std::cout << "[timing] 24 mm lesion plan: " << seconds(t0) << " s, " << plan.evaluations
            << " evaluations; ablations " << plan.ablations << ", margin "
            << plan.metrics.minimal_margin_mm << " mm, lesion+5 covered "
            << plan.metrics.coverage_min_pct << " %, lesion+10 covered "
            << plan.metrics.coverage_target_pct << " %, union " << plan.ablated_volume_ml
            << " mL, flag " << coverageFlagName(plan.flag) << "\n";
  EXPECT_GE(plan.ablations, 2);
  EXPECT_LE(plan.ablations, 4);
  EXPECT_EQ(static_cast<std::size_t>(plan.ablations), plan.placements.size());
  // A single zone cannot even hold the lesion (semi_across < 12); the union does better.
  const MarginMetrics single = computeMargins(
      lesion,
      {thermal::previewZone(cooltip(), NeedlePose{-kUp * cooltip().centre_offset_mm, kUp})});
  EXPECT_LT(single.minimal_margin_mm, 0);
  EXPECT_GT(plan.metrics.minimal_margin_mm, single.minimal_margin_mm);
  if (plan.metrics.minimal_margin_mm >= 5) {
    EXPECT_EQ(plan.flag, CoverageFlag::kNone);
    EXPECT_DOUBLE_EQ(plan.metrics.coverage_min_pct, 100);
  } else {
    EXPECT_EQ(plan.flag, CoverageFlag::kTooLarge) << plan.reason;  // no vessel mask given
    EXPECT_EQ(plan.ablations, 4);
  }
  EXPECT_GT(plan.ablated_volume_ml, plan.placements.front().zone.volumeMl());
}

TEST(CoveragePlan, LesionOf60MmIsTooLarge) {
  const ImageGeometry g = grid(kN);
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 30);
  CoverageOptions o;
  o.max_ablations = 4;
  const CoveragePlan plan = planCoverage(lesion, cooltip(), {kUp}, o);
  EXPECT_EQ(plan.flag, CoverageFlag::kTooLarge);
  EXPECT_STREQ(coverageFlagName(plan.flag), "too large");
  EXPECT_FALSE(plan.reason.empty());
  EXPECT_EQ(plan.ablations, 1);  // best single placement, for reference
  EXPECT_LT(plan.metrics.minimal_margin_mm, 0);
}

TEST(CoveragePlan, NoTrajectoryIsNoSafePath) {
  const ImageGeometry g = grid(kN);
  const CoveragePlan plan = planCoverage(sphere(g, Vec3(0, 0, 0), 5), cooltip(), {});
  EXPECT_EQ(plan.flag, CoverageFlag::kNoSafePath);
  EXPECT_STREQ(coverageFlagName(plan.flag), "no safe path");
  EXPECT_TRUE(plan.placements.empty());
  EXPECT_EQ(plan.ablations, 0);
  EXPECT_DOUBLE_EQ(plan.ablated_volume_ml, 0);
  // Trajectories -> directions.
  Trajectory t;
  t.entry_lps = Vec3(0, 0, -100);
  t.target_lps = Vec3(0, 0, 0);
  Trajectory degenerate;
  const std::vector<Vec3> d = trajectoryDirections({t, degenerate});
  ASSERT_EQ(d.size(), 1U);
  EXPECT_NEAR((d[0] - kUp).norm(), 0, 1e-12);
}

TEST(CoveragePlan, ShortfallNextToLargeVesselIsFlagged) {
  const ImageGeometry g = grid(kN);
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 17.5);
  // A ring-shaped large vessel hugging the lesion's equator, where a single zone falls short.
  Mask vessel(g, 0);
  const Size3& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const double r = std::hypot(p[0], p[1]);
        vessel(i, j, k) = r >= 18.5 && r <= 22 && std::abs(p[2]) <= 2 ? 1 : 0;
      }
    }
  }
  CoverageOptions o;
  o.max_ablations = 1;
  o.packing_efficiency = 1e9;  // skip the volume check: the search itself falls short
  const CoveragePlan with = planCoverage(lesion, cooltip(), {kUp}, o, &vessel);
  EXPECT_EQ(with.flag, CoverageFlag::kVessel) << with.reason;
  EXPECT_STREQ(coverageFlagName(with.flag), "vessel");
  const CoveragePlan without = planCoverage(lesion, cooltip(), {kUp}, o);
  EXPECT_EQ(without.flag, CoverageFlag::kTooLarge);
  // A vessel far from the shortfall does not get the blame.
  const Mask far = sphere(g, Vec3(0, 0, 45), 2);
  EXPECT_EQ(planCoverage(lesion, cooltip(), {kUp}, o, &far).flag, CoverageFlag::kTooLarge);
  EXPECT_THROW(
      (void)planCoverage(lesion, cooltip(), {kUp}, o, &static_cast<const Mask&>(Mask(grid(50), 0))),
      GeometryError);
}

TEST(CoverageUncertainty, SigmaFromMeanError) {
  EXPECT_NEAR(sigmaFromMeanError(3.7), 2.3187, 1e-3);
  EXPECT_DOUBLE_EQ(UncertaintyOptions{}.mean_error_mm, 3.7);
  EXPECT_EQ(UncertaintyOptions{}.samples, 200);
}

TEST(CoverageUncertainty, ZeroErrorComfortableLesionIsCertain) {
  const ImageGeometry g = grid(kN);
  const Mask lesion = sphere(g, Vec3(0, 0, 0), 5);
  const CoveragePlan plan = planCoverage(lesion, cooltip(), {kUp});
  const MarginEvaluator eval(lesion);
  UncertaintyOptions o;
  o.mean_error_mm = 0;
  o.samples = 20;
  const UncertaintyResult r = targetingUncertainty(eval, plan.placements, o);
  EXPECT_DOUBLE_EQ(r.probability, 1.0);
  EXPECT_DOUBLE_EQ(r.p10_margin_mm, plan.metrics.minimal_margin_mm);
  EXPECT_THROW((void)targetingUncertainty(eval, plan.placements, UncertaintyOptions{0, 1, 3.7, {}}),
               UsageError);
  EXPECT_DOUBLE_EQ(targetingUncertainty(eval, {}, o).probability, 0.0);
}

TEST(CoverageUncertainty, MarginNearMinimumIsUncertainAndDeterministic) {
  const ImageGeometry g = grid(kN);
  // Radius chosen so that the centred zone leaves about 5.4 mm across the needle.
  const double radius = cooltip().semi_across_mm - 5.4;
  const Mask lesion = sphere(g, Vec3(0, 0, 0), radius);
  const NeedlePose pose{-kUp * cooltip().centre_offset_mm, kUp};
  const std::vector<Placement> placements{
      Placement{pose, "cooltip-3cm", "impedance-12min", thermal::previewZone(cooltip(), pose)}};
  const MarginEvaluator eval(lesion);
  const MarginMetrics nominal = eval.evaluate({placements[0].zone});
  EXPECT_GE(nominal.minimal_margin_mm, 5.0);
  EXPECT_LT(nominal.minimal_margin_mm, 6.0);
  std::cout << "[info] crop " << eval.crop().describe() << ", nominal margin "
            << nominal.minimal_margin_mm << " mm\n";

  UncertaintyOptions o;  // 200 samples, mean error 3.7 mm
  o.seed = 42;
  const auto t0 = std::chrono::steady_clock::now();
  const UncertaintyResult a = targetingUncertainty(eval, placements, o);
  std::cout << "[timing] Monte Carlo " << a.samples << " samples: " << seconds(t0) << " s ("
            << a.ms_per_sample << " ms/sample); P(margin >= 5) = " << a.probability
            << ", p10 margin " << a.p10_margin_mm << " mm, mean " << a.mean_margin_mm
            << " mm, sigma " << a.sigma_mm << " mm\n";
  // Almost any tip shift eats into the thinnest part of a 5.2 mm margin.
  EXPECT_LT(a.probability, 0.5);
  EXPECT_LT(a.p10_margin_mm, 5.0);
  EXPECT_LE(a.p10_margin_mm, a.mean_margin_mm);
  const UncertaintyResult b = targetingUncertainty(eval, placements, o);
  // A smaller lesion (about 9 mm margin) under the same error is much more likely to keep 5 mm.
  const MarginEvaluator comfortable(sphere(g, Vec3(0, 0, 0), cooltip().semi_across_mm - 9.4));
  const UncertaintyResult c = targetingUncertainty(comfortable, placements, o);
  std::cout << "[info] about 9 mm nominal margin: P(margin >= 5) = " << c.probability
            << ", p10 margin " << c.p10_margin_mm << " mm\n";
  EXPECT_GT(c.probability, a.probability + 0.3);
  EXPECT_DOUBLE_EQ(a.probability, b.probability);
  EXPECT_DOUBLE_EQ(a.p10_margin_mm, b.p10_margin_mm);
  EXPECT_DOUBLE_EQ(a.mean_margin_mm, b.mean_margin_mm);
}

// The published spread of zone sizes joins the tip error: with no tip error at all, a lesion
// whose nominal margin is comfortable can still lose it when the zone comes out smaller; the
// spread of another electrode changes nothing; the tip offsets do not depend on the spread.
TEST(CoverageUncertainty, ZoneSizeSpreadJoinsTheTipError) {
  const ImageGeometry g = grid(kN);
  const MarginEvaluator eval(sphere(g, Vec3(0, 0, 0), cooltip().semi_across_mm - 7.0));
  const NeedlePose pose{-kUp * cooltip().centre_offset_mm, kUp};
  const std::vector<Placement> placements{
      Placement{pose, "cooltip-3cm", "impedance-12min", thermal::previewZone(cooltip(), pose)}};
  UncertaintyOptions o;
  o.mean_error_mm = 0;
  o.samples = 100;
  const UncertaintyResult exact = targetingUncertainty(eval, placements, o);
  EXPECT_DOUBLE_EQ(exact.probability, 1.0);
  o.zone_size_cv = {{"other-electrode", 0.3}};
  const UncertaintyResult other = targetingUncertainty(eval, placements, o);
  EXPECT_DOUBLE_EQ(other.probability, 1.0);
  EXPECT_DOUBLE_EQ(other.mean_margin_mm, exact.mean_margin_mm);
  o.zone_size_cv = {{"cooltip-3cm", 0.15}};
  const UncertaintyResult spread = targetingUncertainty(eval, placements, o);
  std::cout << "[info] nominal margin " << exact.mean_margin_mm
            << " mm; zone-size CV 15 %: P(margin >= 5) = " << spread.probability << ", p10 "
            << spread.p10_margin_mm << " mm\n";
  EXPECT_LT(spread.probability, 0.95);
  EXPECT_GT(spread.probability, 0.5);
  EXPECT_LT(spread.p10_margin_mm, exact.p10_margin_mm - 1.0);
  // With the tip error on, the tip offsets are those of the run without the spread: a zero
  // spread listed explicitly gives the same figures as none.
  o.mean_error_mm = 3.7;
  o.zone_size_cv = {};
  const UncertaintyResult tip_only = targetingUncertainty(eval, placements, o);
  o.zone_size_cv = {{"cooltip-3cm", 0.0}};
  EXPECT_DOUBLE_EQ(targetingUncertainty(eval, placements, o).mean_margin_mm,
                   tip_only.mean_margin_mm);
  o.zone_size_cv = {{"cooltip-3cm", 1.5}};
  EXPECT_THROW((void)targetingUncertainty(eval, placements, o), UsageError);
}

TEST(CoverageUncertainty, PlanIsDeterministic) {
  const ImageGeometry g = grid(kN);
  const Mask lesion = sphere(g, Vec3(1, -2, 0.5), 8);
  const Vec3 dir(0.3, 0.2, 1.0);
  const CoveragePlan a = planCoverage(lesion, cooltip(), {dir, kUp});
  const CoveragePlan b = planCoverage(lesion, cooltip(), {dir, kUp});
  ASSERT_EQ(a.placements.size(), b.placements.size());
  for (std::size_t i = 0; i < a.placements.size(); ++i) {
    EXPECT_EQ(a.placements[i].pose.tip_lps, b.placements[i].pose.tip_lps);
  }
  EXPECT_DOUBLE_EQ(a.metrics.minimal_margin_mm, b.metrics.minimal_margin_mm);
}

}  // namespace
}  // namespace rfa::planning
