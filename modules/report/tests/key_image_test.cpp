// Key images: the slice through the lesion, windowed, with the plan's overlays where they belong.
#include "rfa/report/key_image.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "report_fixture.h"
#include "rfa/core/error.h"

namespace rfa::report {
namespace {

using fixture::fixtureCase;

bool isGrey(const Rgb& c) {
  return c.r == c.g && c.g == c.b;
}

bool lesionLike(const Rgb& c) {  // translucent yellow over grey
  return c.r > c.b + 60 && c.g > c.b + 50;
}

Rgb pixelAt(const KeyImage& img, double x, double y) {
  return img.pixels.at(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
}

class KeyImageTest : public ::testing::Test {
 protected:
  planning::PlanCase c = fixtureCase();
  KeyImage render(int lesion, const KeyImageOptions& o = {}) {
    return renderKeyImage(c.image.image, &*c.segmentation.liver, *c.segmentation.lesions, c.plan,
                          lesion, o);
  }
};

TEST_F(KeyImageTest, SliceGeometryAndOrientation) {
  const KeyImage img = render(1);
  EXPECT_EQ(img.pixels.width, 300);
  EXPECT_EQ(img.pixels.height, 300);
  EXPECT_EQ(img.slice, 20u);  // z = 0
  EXPECT_EQ(img.slices, 40u);
  EXPECT_EQ(img.session, 1);
  EXPECT_NEAR(img.mm_per_px, 120.0 / 300, 1e-12);
  // Radiological display: patient Right on the left, Anterior at the top.
  EXPECT_EQ(img.edge_letters[0], "R");
  EXPECT_EQ(img.edge_letters[1], "L");
  EXPECT_EQ(img.edge_letters[2], "A");
  EXPECT_EQ(img.edge_letters[3], "P");
  const auto p = img.pixelOf(Vec3(-15, 0, 0));
  EXPECT_NEAR(p[0], 149.5, 1e-9);
  EXPECT_NEAR(p[1], 149.5, 1e-9);
  const auto q = img.pixelOf(Vec3(-5, -4, 7));  // 10 mm to the left, 4 mm anterior
  EXPECT_NEAR(q[0], 149.5 + 25, 1e-9);
  EXPECT_NEAR(q[1], 149.5 - 10, 1e-9);
  EXPECT_DOUBLE_EQ(img.window, 150);
  EXPECT_DOUBLE_EQ(img.level, 60);
}

TEST_F(KeyImageTest, LesionFillMarginAndZoneOutlinesWhereExpected) {
  const KeyImage img = render(1);
  const auto centre = img.pixelOf(c.plan.lesions[0].centroid_lps);
  // The needle runs along z: its tip projects onto the centroid (tip dot in the session colour).
  EXPECT_EQ(pixelAt(img, centre[0], centre[1]), sessionColour(1));
  // The lesion (radius 6 mm) is filled translucent yellow around it (3 mm out, every direction).
  const double px_per_mm = 1 / img.mm_per_px;
  int lesion_hits = 0;
  for (int a = 0; a < 16; ++a) {
    const double t = 2 * std::numbers::pi * a / 16;
    const Rgb p = pixelAt(img, centre[0] + 3 * px_per_mm * std::cos(t),
                          centre[1] + 3 * px_per_mm * std::sin(t));
    if (lesionLike(p)) ++lesion_hits;
  }
  EXPECT_EQ(lesion_hits, 16);
  // The zone cuts the slice in a circle of 15 mm about the centroid: its outline (2 px on the
  // inner side) lies on that ring.
  const double zone_r = 15 * px_per_mm;
  int zone_hits = 0;
  int margin_hits = 0;
  const int n = 72;
  for (int a = 0; a < n; ++a) {
    const double t = 2 * std::numbers::pi * a / n;
    bool zone = false;
    for (double r = zone_r - 2.5; r <= zone_r + 0.5 && !zone; r += 0.5) {
      zone = pixelAt(img, centre[0] + r * std::cos(t), centre[1] + r * std::sin(t)) ==
             sessionColour(1);
    }
    if (zone) ++zone_hits;
    // Lesion radius 6 mm + 5 mm minimum margin: the margin outline near 11 mm.
    bool margin = false;
    for (double r = 9.5 * px_per_mm; r <= 11.5 * px_per_mm && !margin; r += 0.5) {
      margin =
          pixelAt(img, centre[0] + r * std::cos(t), centre[1] + r * std::sin(t)) == kMarginColour;
    }
    if (margin) ++margin_hits;
  }
  EXPECT_GE(zone_hits, n * 9 / 10);
  EXPECT_GE(margin_hits, n * 9 / 10);
  // No zone colour well inside or well outside the ring (along the same rays, away from needles).
  int stray = 0;
  for (int a = 0; a < n; ++a) {
    const double t = 2 * std::numbers::pi * a / n;
    for (double r : {zone_r - 8, zone_r + 6}) {
      if (pixelAt(img, centre[0] + r * std::cos(t), centre[1] + r * std::sin(t)) ==
          sessionColour(1)) {
        ++stray;
      }
    }
  }
  EXPECT_LE(stray, 2);
}

TEST_F(KeyImageTest, BackgroundIsGreyWithTheWindow) {
  const KeyImage img = render(1);
  // Liver parenchyma 20 mm posterior of the lesion, far from every overlay: 60 HU in W150/L60.
  const auto p = img.pixelOf(Vec3(-15, 20, 0));
  const Rgb liver = pixelAt(img, p[0], p[1]);
  EXPECT_TRUE(isGrey(liver));
  EXPECT_EQ(liver.r, 128);
  // Body outside the liver (0 HU -> 26) and air outside the body (black).
  const auto b = img.pixelOf(Vec3(-52, 5, 0));
  EXPECT_EQ(pixelAt(img, b[0], b[1]), (Rgb{26, 26, 26}));
  const auto a = img.pixelOf(Vec3(-40, -50, 0));
  EXPECT_EQ(pixelAt(img, a[0], a[1]), (Rgb{0, 0, 0}));
  // Most of the picture is plain grey (overlays are outlines).
  std::size_t grey = 0;
  for (int y = 0; y < img.pixels.height; ++y) {
    for (int x = 0; x < img.pixels.width; ++x) grey += isGrey(img.pixels.at(x, y)) ? 1 : 0;
  }
  EXPECT_GT(grey, img.pixels.pixels.size() * 7 / 10);
  // Abdomen window: the same liver pixel is darker relative to the window (60 HU in W400/L40).
  KeyImageOptions o;
  o.window = 400;
  o.level = 40;
  const KeyImage abdomen = render(1, o);
  EXPECT_EQ(pixelAt(abdomen, p[0], p[1]).r, 140);
}

TEST_F(KeyImageTest, NeedleInThePlaneIsDrawnAndCounted) {
  const KeyImage img = render(2);  // slice z = -10, needle (0.6, 0.8, 0) in the plane
  EXPECT_EQ(img.slice, 15u);
  EXPECT_GE(img.needles_shown, 1);
  EXPECT_GE(img.zones_cut, 1);
  // Half-way between skin entry and tip, inside the field: the needle's colour.
  const planning::PlanPlacement& pl = c.plan.lesions[1].placements[0];
  const auto mid = img.pixelOf(pl.tip_lps - 20 * pl.direction_lps);
  const Rgb m = pixelAt(img, mid[0], mid[1]);
  EXPECT_FALSE(isGrey(m));
  EXPECT_GT(static_cast<int>(m.g), static_cast<int>(m.r) + 60);  // green of session 1
}

TEST_F(KeyImageTest, Errors) {
  EXPECT_THROW(render(99), UsageError);
  KeyImageOptions bad;
  bad.size_px = 8;
  EXPECT_THROW(render(1, bad), UsageError);
  const LabelMap other(ImageGeometry({10, 10, 10}, Vec3(1, 1, 1), Vec3(0, 0, 0)), 0);
  EXPECT_THROW(renderKeyImage(c.image.image, nullptr, other, c.plan, 1), GeometryError);
  planning::TreatmentPlan far = c.plan;
  far.lesions[0].centroid_lps = Vec3(500, 0, 0);
  EXPECT_THROW(renderKeyImage(c.image.image, nullptr, *c.segmentation.lesions, far, 1),
               GeometryError);
}

TEST_F(KeyImageTest, AutoWindowForMr) {
  KeyImageOptions o;
  o.auto_window = true;
  const KeyImage img = render(3, o);
  EXPECT_GT(img.window, 0);
  EXPECT_EQ(img.session, 2);
  EXPECT_EQ(img.zones_cut, 1);
}

}  // namespace
}  // namespace rfa::report
