// The software-rendered 3D overview: not blank, shaded, lesions where they project.
#include "rfa/report/overview3d.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "report_fixture.h"
#include "rfa/core/error.h"
#include "rfa/phantom/phantom.h"

namespace rfa::report {
namespace {

bool yellowish(const Rgb& c) {
  return c.r > c.b + 40 && c.g > c.b + 40 && c.r > 90;
}

std::size_t distinctColours(const RgbImage& img) {
  return std::set<std::uint32_t>(img.pixels.begin(), img.pixels.end()).size();
}

// Yellowish pixels within `half` pixels of (x, y).
int yellowAround(const RgbImage& img, double x, double y, int half) {
  int n = 0;
  for (int dy = -half; dy <= half; ++dy) {
    for (int dx = -half; dx <= half; ++dx) {
      const int xx = static_cast<int>(std::lround(x)) + dx;
      const int yy = static_cast<int>(std::lround(y)) + dy;
      if (img.contains(xx, yy) && yellowish(img.at(xx, yy))) ++n;
    }
  }
  return n;
}

TEST(Overview3d, SessionIsShadedWithItsLesionsVisible) {
  const planning::PlanCase c = fixture::fixtureCase();
  const auto t0 = std::chrono::steady_clock::now();
  const Overview3d ov =
      renderOverview3d(*c.segmentation.liver, *c.segmentation.lesions, c.plan, 1, {});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 10);
  EXPECT_EQ(ov.pixels.width, 360);
  EXPECT_EQ(ov.pixels.height, 300);
  // Not blank: shading makes many colours; the background is not everything.
  EXPECT_GT(distinctColours(ov.pixels), 300u);
  std::size_t background = 0;
  for (std::uint32_t p : ov.pixels.pixels) background += p == 0x16181Eu ? 1 : 0;
  EXPECT_LT(background, ov.pixels.pixels.size() * 9 / 10);
  EXPECT_GT(background, ov.pixels.pixels.size() / 20);
  // Both lesions of session 1 project where the overview says, and show the lesion colour there
  // (seen through the translucent liver and zone; the needle is drawn across the centre).
  ASSERT_EQ(ov.lesion_pixels.size(), 2u);
  for (const auto& [id, p] : ov.lesion_pixels) {
    EXPECT_TRUE(ov.pixels.contains(static_cast<int>(p[0]), static_cast<int>(p[1]))) << id;
    EXPECT_GE(yellowAround(ov.pixels, p[0], p[1], 3), 15) << "lesion " << id;
  }
  // Lesion 3 (session 2) is drawn in the other-lesion colour, not yellow, in this view.
  std::size_t yellow = 0;
  for (int y = 0; y < ov.pixels.height; ++y) {
    for (int x = 0; x < ov.pixels.width; ++x) yellow += yellowish(ov.pixels.at(x, y)) ? 1 : 0;
  }
  EXPECT_GT(yellow, 100u);
  // The zone colour of session 1 (green) dominates somewhere: zones are drawn.
  std::size_t greenish = 0;
  for (int y = 0; y < ov.pixels.height; ++y) {
    for (int x = 0; x < ov.pixels.width; ++x) {
      const Rgb p = ov.pixels.at(x, y);
      greenish += p.g > p.r + 30 && p.g > p.b + 20 ? 1 : 0;
    }
  }
  EXPECT_GT(greenish, 200u);
}

TEST(Overview3d, OtherSessionAndErrors) {
  const planning::PlanCase c = fixture::fixtureCase();
  const Overview3d ov2 =
      renderOverview3d(*c.segmentation.liver, *c.segmentation.lesions, c.plan, 2, {});
  ASSERT_EQ(ov2.lesion_pixels.size(), 1u);
  EXPECT_EQ(ov2.lesion_pixels.begin()->first, 3);
  EXPECT_THROW(renderOverview3d(*c.segmentation.liver, *c.segmentation.lesions, c.plan, 7, {}),
               UsageError);
  const LabelMap other(ImageGeometry({10, 10, 10}, Vec3(1, 1, 1), Vec3(0, 0, 0)), 0);
  EXPECT_THROW(renderOverview3d(*c.segmentation.liver, other, c.plan, 1, {}), GeometryError);
  Overview3dOptions bad;
  bad.width_px = 4;
  EXPECT_THROW(renderOverview3d(*c.segmentation.liver, *c.segmentation.lesions, c.plan, 1, bad),
               UsageError);
}

// On the phantom's anatomy (real liver shape, 1.5 mm voxels): every lesion visible.
TEST(Overview3d, PhantomLiverWithAllLesions) {
  phantom::PhantomOptions po;
  po.size = {160, 140, 60};
  po.spacing_mm = Vec3(2, 2, 2.5);
  po.lesions = 3;
  po.seed = 5;
  po.min_lesion_diameter_mm = 12;
  po.max_lesion_diameter_mm = 24;
  const phantom::Phantom ph = phantom::generatePhantom(po);
  planning::TreatmentPlan plan;
  for (const phantom::LesionTruth& t : ph.lesion_truth) {
    planning::PlanLesion l;
    l.id = t.label;
    l.centroid_lps = t.centroid_voxels_lps;
    l.diameter_mm = t.diameter_mm;
    plan.lesions.push_back(l);
  }
  const Overview3d ov = renderOverview3d(ph.liver, ph.lesions, plan, 0, {});
  EXPECT_GT(distinctColours(ov.pixels), 300u);
  ASSERT_EQ(ov.lesion_pixels.size(), ph.lesion_truth.size());
  int seen = 0;
  for (const auto& [id, p] : ov.lesion_pixels) seen += yellowAround(ov.pixels, p[0], p[1], 3) > 10;
  // A lesion may hide behind another; most are seen.
  EXPECT_GE(seen, static_cast<int>(ph.lesion_truth.size()) - 1);
}

}  // namespace
}  // namespace rfa::report
