// The margin colour map: a synthetic slice (liver 120 HU, zone 30 HU disc, lesion disc inside it)
// whose lesion surface voxels carry a short margin on the patient's left half and a long one on
// the right; the picture shows them orange/green where they lie, the zone outline, the radiological
// orientation, and survives a PNG round trip.
#include <cairo.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <limits>

#include "rfa/core/error.h"
#include "rfa/report/margin_image.h"
#include "test_support.h"

namespace rfa::report {
namespace {

struct Scene {
  ImageVolume image;
  Mask zone, lesion;
  Volume<float> map;
};

// 80 x 80 x 5 voxels of 1 mm, identity direction; zone radius 20 mm, lesion radius 8 mm, both
// centred at voxel (40, 40); surface voxels on the +x (patient left) side: margin 2 mm, the
// others 9 mm.
Scene scene() {
  const ImageGeometry g({80, 80, 5}, Vec3(1, 1, 1), Vec3(-40, -40, 0));
  Scene s{ImageVolume(g, 120.0F), Mask(g, 0), Mask(g, 0),
          Volume<float>(g, std::numeric_limits<float>::quiet_NaN())};
  for (std::size_t k = 0; k < 5; ++k) {
    for (std::size_t j = 0; j < 80; ++j) {
      for (std::size_t i = 0; i < 80; ++i) {
        const double r = std::hypot(static_cast<double>(i) - 40, static_cast<double>(j) - 40);
        if (r <= 20) {
          s.zone(i, j, k) = 1;
          s.image(i, j, k) = 30.0F;
        }
        if (r <= 8) s.lesion(i, j, k) = 1;
        if (r <= 8 && r > 7) s.map(i, j, k) = i > 40 ? 2.0F : 9.0F;
      }
    }
  }
  return s;
}

TEST(MarginImage, ColoursTheLesionSurfaceByMarginOnTheRightSide) {
  const Scene s = scene();
  MarginImageOptions o;
  o.caption = "L1  MAM 2.0 mm";
  const Vec3 point = s.image.geometry().indexToLps(Vec3(48, 40, 2));
  const MarginImage m = renderMarginImage(s.image, s.zone, s.lesion, s.map, point, o);
  EXPECT_EQ(m.slice, 2U);
  EXPECT_EQ(m.pixels.width, 360);
  EXPECT_GT(m.coloured_voxels, 20);
  // Patient left (+x, i > 40) is on the right of the picture: short margin, orange.
  auto pixel = [&m](const std::array<double, 2>& xy) {
    return m.pixels.at(static_cast<int>(std::lround(xy[0])), static_cast<int>(std::lround(xy[1])));
  };
  const auto left = m.pixelOf(47, 41);  // a surface voxel (radius 7.07 mm) on the patient's left
  const Rgb l = pixel(left);
  const auto right = m.pixelOf(33, 41);  // and its mirror on the right
  const Rgb r = pixel(right);
  std::printf("left-side voxel rgb %d %d %d at x %.0f; right-side rgb %d %d %d at x %.0f\n", l.r,
              l.g, l.b, left[0], r.r, r.g, r.b, right[0]);
  EXPECT_GT(left[0], right[0]);
  EXPECT_GT(l.r, 200);  // orange
  EXPECT_LT(l.b, 80);
  EXPECT_GT(r.g, 150);  // green
  EXPECT_LT(r.r, 120);
  // The zone outline (cyan) runs 20 mm anterior of the centre, between voxel rows 19 and 20.
  const auto edge = m.pixelOf(40, 19.5);
  bool cyan = false;
  for (int dy = -4; dy <= 4; ++dy) {
    const Rgb c = pixel({edge[0], edge[1] + dy});
    cyan = cyan || (c.b > 200 && c.g > 180 && c.r < 140);
  }
  EXPECT_TRUE(cyan);

  test::TempDir dir;
  const auto png = dir / "margin.png";
  writePng(m.pixels, png);
  cairo_surface_t* back = cairo_image_surface_create_from_png(png.string().c_str());
  ASSERT_EQ(cairo_surface_status(back), CAIRO_STATUS_SUCCESS);
  EXPECT_EQ(cairo_image_surface_get_width(back), 360);
  EXPECT_EQ(cairo_image_surface_get_height(back), 360);
  cairo_surface_destroy(back);
  EXPECT_FALSE(std::filesystem::exists(png.string() + ".tmp"));
}

TEST(MarginImage, ColourScaleAndBadInput) {
  EXPECT_EQ(marginColour(-1, 5).r, 220);
  EXPECT_EQ(marginColour(5, 5).g, 200);
  EXPECT_LT(marginColour(0, 5).g, marginColour(4.9, 5).g);  // orange -> yellow
  const Scene s = scene();
  const ImageGeometry other({10, 10, 5}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  EXPECT_THROW(renderMarginImage(s.image, Mask(other, 0), s.lesion, s.map, Vec3(0, 0, 2)),
               GeometryError);
  EXPECT_THROW(renderMarginImage(s.image, s.zone, s.lesion, s.map, Vec3(0, 0, 99)), GeometryError);
  MarginImageOptions tiny;
  tiny.size_px = 8;
  EXPECT_THROW(renderMarginImage(s.image, s.zone, s.lesion, s.map, Vec3(0, 0, 2), tiny),
               UsageError);
  const Mask empty(s.image.geometry(), 0);
  EXPECT_THROW(renderMarginImage(s.image, s.zone, empty, s.map, Vec3(0, 0, 2)), NoDataError);
  EXPECT_THROW(writePng(RgbImage(), "/nonexistent-dir/x.png"), WriteError);
  EXPECT_THROW(writePng(RgbImage(4, 4), "/nonexistent-dir/x.png"), WriteError);
}

}  // namespace
}  // namespace rfa::report
