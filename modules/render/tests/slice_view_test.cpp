// SliceView under an off-screen GL window: radiological orientation, coordinates, overlays, W/L.
#include <cmath>

#include <gtest/gtest.h>

#include "render_fixture.h"
#include "rfa/core/error.h"
#include "rfa/core/slice_plane.h"
#include "rfa/render/offscreen.h"
#include "rfa/render/views.h"

namespace rfa::render::test {
namespace {

constexpr int kW = 200, kH = 200;

/// Colour at the display pixel of an LPS point (origin bottom-left -> row from the top).
std::array<std::uint8_t, 3> colourAt(const RgbImage& img, const SliceView& v, const Vec3& p) {
  const auto d = v.lpsToDisplay(p);
  return img.at(static_cast<int>(std::lround(d[0])), kH - 1 - static_cast<int>(std::lround(d[1])));
}

bool bright(const std::array<std::uint8_t, 3>& c) {
  return grey(c) > 200;
}

/// Renders a view of `scene` after resetCamera(); `screen(dx, dy)` = pixel `dx` right and `dy` up
/// from the window centre.
struct Shot {
  RgbImage img;
  [[nodiscard]] std::array<std::uint8_t, 3> screen(int dx, int dy) const {
    return img.at(kW / 2 + dx, kH / 2 - dy);
  }
};

Shot shoot(const std::shared_ptr<Scene>& scene, Orientation o) {
  SliceView view(o, scene);
  view.setCrosshairVisible(false);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  win.render();
  return {win.grab()};
}

class Orientations : public ::testing::TestWithParam<int> {
 protected:
  static Mat3 direction(int which) {
    Mat3 d = Mat3::Identity();
    if (which == 1) d = Eigen::Vector3d(-1, 1, -1).asDiagonal();  // flipped x and z
    if (which == 2) d << 0, 1, 0, -1, 0, 0, 0, 0, 1;              // i -> -y (anterior), j -> +x
    return d;
  }
};

// ~2 px/mm after resetCamera in 200x200: the markers (15..25 mm off the centre) are at ~40 px.
TEST_P(Orientations, RadiologicalConvention) {
  RFA_REQUIRE_GL();
  const ImageGeometry g = testGeometry(direction(GetParam()));
  auto scene = std::make_shared<Scene>(markerCt(g));
  {
    const Shot axial = shoot(scene, Orientation::kAxial);  // from the feet: L right, A up
    EXPECT_TRUE(bright(axial.screen(40, 0)));
    EXPECT_FALSE(bright(axial.screen(-40, 0)));
    EXPECT_TRUE(bright(axial.screen(0, 40)));
    EXPECT_FALSE(bright(axial.screen(0, -40)));
    EXPECT_FALSE(bright(axial.screen(0, 0)));
  }
  {
    const Shot coronal = shoot(scene, Orientation::kCoronal);  // from the front: L right, S up
    EXPECT_TRUE(bright(coronal.screen(40, 0)));
    EXPECT_FALSE(bright(coronal.screen(-40, 0)));
    EXPECT_TRUE(bright(coronal.screen(0, 40)));
    EXPECT_FALSE(bright(coronal.screen(0, -40)));
  }
  {
    const Shot sagittal = shoot(scene, Orientation::kSagittal);  // from the left: A left, S up
    EXPECT_TRUE(bright(sagittal.screen(-40, 0)));
    EXPECT_FALSE(bright(sagittal.screen(40, 0)));
    EXPECT_TRUE(bright(sagittal.screen(0, 40)));
    EXPECT_FALSE(bright(sagittal.screen(0, -40)));
  }
}

std::string directionName(const ::testing::TestParamInfo<int>& p) {
  return p.param == 0 ? "Identity" : p.param == 1 ? "FlippedXZ" : "SwappedIJ";
}

INSTANTIATE_TEST_SUITE_P(Directions, Orientations, ::testing::Values(0, 1, 2), directionName);

class SliceViewGl : public ::testing::Test {
 protected:
  void SetUp() override {
    RFA_REQUIRE_GL();
    geometry_ = testGeometry();
    scene_ = std::make_shared<Scene>(markerCt(geometry_));
    scene_->setLayer(maskLayer("liver", boxMask(geometry_, maskBox()), {1, 0, 0}, 1.0));
  }
  ImageGeometry geometry_;
  std::shared_ptr<Scene> scene_;
};

TEST_F(SliceViewGl, DisplayLpsRoundTrip) {
  SliceView view(Orientation::kCoronal, scene_);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  view.zoom(1.7);
  view.pan(13, -7);
  for (const auto& [x, y] : std::vector<std::array<double, 2>>{{0, 0}, {37.5, 120}, {199, 3}}) {
    const Vec3 p = view.displayToLps(x, y);
    EXPECT_NEAR(p.y(), view.cursorLps().y(), 1e-6);  // on the coronal plane
    const auto d = view.lpsToDisplay(p);
    EXPECT_NEAR(d[0], x, 1e-6);
    EXPECT_NEAR(d[1], y, 1e-6);
  }
  // Screen right = patient left (+x), screen up = superior (+z), about 2 px/mm * 1.7.
  const Vec3 a = view.displayToLps(100, 100), b = view.displayToLps(110, 120);
  EXPECT_GT(b.x() - a.x(), 0);
  EXPECT_GT(b.z() - a.z(), 0);
  EXPECT_NEAR(std::abs(b.x() - a.x()) * 2, std::abs(b.z() - a.z()), 1e-6);
}

TEST_F(SliceViewGl, LayerColourAtTheMaskAndNotFarAway) {
  SliceView view(Orientation::kAxial, scene_);
  view.setCrosshairVisible(false);
  view.setCursorLps(maskBox().centre());
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  win.render();
  const RgbImage img = win.grab();
  const auto in = colourAt(img, view, maskBox().centre());
  EXPECT_GT(in[0], 200);
  EXPECT_LT(in[1], 60);
  EXPECT_LT(in[2], 60);
  const auto out = colourAt(img, view, maskBox().centre() + Vec3(-12, -12, 0));
  EXPECT_NEAR(out[0], out[1], 3) << "grey CT, no red, 12 mm away";

  scene_->setLayerVisible("liver", false);  // the view syncs itself when rendering
  win.render();
  const auto hidden = colourAt(win.grab(), view, maskBox().centre());
  EXPECT_NEAR(hidden[0], hidden[1], 3);

  scene_->setLayerVisible("liver", true);
  scene_->setLayerOpacity("liver", 0.5);
  win.render();
  const auto half = colourAt(win.grab(), view, maskBox().centre());
  EXPECT_GT(half[0], half[1] + 60);  // red blended on grey
  EXPECT_GT(half[1], 20);
}

TEST_F(SliceViewGl, LabelLayerColoursPerValue) {
  auto labels = fill<std::uint16_t>(geometry_, [](const Vec3& p) -> std::uint16_t {
    if (boxAround(gridCentre() + Vec3(-20, -20, 0), Vec3(4, 4, 4)).contains(p)) return 1;
    if (boxAround(gridCentre() + Vec3(20, 20, 0), Vec3(4, 4, 4)).contains(p)) return 7;
    return 0;
  });
  scene_->setLayer(labelLayer("lesions", labels, {0, 0, 1}, {{1, {0, 1, 0}}}, 1.0));
  SliceView view(Orientation::kAxial, scene_);
  view.setCrosshairVisible(false);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  win.render();
  const RgbImage img = win.grab();
  const auto one = colourAt(img, view, gridCentre() + Vec3(-20, -20, 0));
  const auto seven = colourAt(img, view, gridCentre() + Vec3(20, 20, 0));
  EXPECT_GT(one[1], 200);
  EXPECT_LT(one[0], 60);
  EXPECT_GT(seven[2], 200);  // default colour
  EXPECT_LT(seven[1], 60);
}

TEST_F(SliceViewGl, WindowLevelChangesGrey) {
  SliceView view(Orientation::kAxial, scene_);
  view.setCrosshairVisible(false);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  const Vec3 background = gridCentre() + Vec3(-20, -20, 0);  // 0 HU
  win.render();
  const int abdomen = grey(colourAt(win.grab(), view, background));
  EXPECT_NEAR(abdomen, 0.4 * 255, 4);  // (0 - (40 - 200)) / 400
  view.setWindowLevel(presetWindowLevel("bone"));
  win.render();
  EXPECT_NEAR(grey(colourAt(win.grab(), view, background)), 500.0 / 1800 * 255, 4);
  view.setWindowLevel(presetWindowLevel("liver"));
  win.render();
  EXPECT_LT(grey(colourAt(win.grab(), view, background)), 4);
}

TEST_F(SliceViewGl, ScrollMovesTheSliceAndCrosshairShows) {
  SliceView view(Orientation::kCoronal, scene_);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  const Vec3 c = view.cursorLps();
  view.scrollSlices(1);
  EXPECT_NEAR(view.cursorLps().y() - c.y(), 1.5, 1e-9);
  view.scrollSlices(-1);
  // The crosshair (yellow) passes through the cursor.
  win.render();
  const auto d = view.lpsToDisplay(view.cursorLps() + Vec3(-30, 0, 0));
  EXPECT_TRUE(anyNear(win.grab(), static_cast<int>(std::lround(d[0])),
                      kH - 1 - static_cast<int>(std::lround(d[1])), 2,
                      [](const auto& px) { return px[0] > 150 && px[1] > 120 && px[2] < 100; }));
  view.setCrosshairVisible(false);
  win.render();
  EXPECT_FALSE(anyNear(win.grab(), static_cast<int>(std::lround(d[0])),
                       kH - 1 - static_cast<int>(std::lround(d[1])), 2,
                       [](const auto& px) { return px[0] > 150 && px[1] > 120 && px[2] < 100; }));
  // Scrolling onto the superior marker slab in the axial view shows it at the centre.
  SliceView axial(Orientation::kAxial, scene_);
  axial.setCrosshairVisible(false);
  win.removeRenderer(view.renderer());
  win.addRenderer(axial.renderer());
  axial.resetCamera();
  axial.scrollSlices(8);  // 20 mm superior
  win.render();
  EXPECT_GT(grey(colourAt(win.grab(), axial, axial.cursorLps())), 200);
}

TEST_F(SliceViewGl, RulerShowsOnItsSliceOnly) {
  SliceView view(Orientation::kAxial, scene_);
  view.setCrosshairVisible(false);
  const Vec3 c = gridCentre();
  view.setCursorLps(c);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  EXPECT_FALSE(view.rulerLengthMm().has_value());
  const Vec3 a = c + Vec3(-15, -10, 0), b = c + Vec3(15, 10, 0);
  view.setRuler(std::array<Vec3, 2>{a, b});
  ASSERT_TRUE(view.rulerLengthMm().has_value());
  EXPECT_NEAR(*view.rulerLengthMm(), std::sqrt(30.0 * 30.0 + 20.0 * 20.0), 1e-9);
  win.render();
  auto cyan = [](const std::array<std::uint8_t, 3>& p) {
    return p[0] < 120 && p[1] > 180 && p[2] > 180;
  };
  const Vec3 mid = 0.5 * (a + b);
  EXPECT_TRUE(cyan(colourAt(win.grab(), view, mid))) << "the ruler at its midpoint";
  // Two slices further the ruler is not drawn.
  view.scrollSlices(2);
  win.render();
  EXPECT_FALSE(cyan(colourAt(win.grab(), view, mid + 2 * kSpacingLps.z() * Vec3(0, 0, 1))));
  view.scrollSlices(-2);
  view.setRuler(std::nullopt);
  win.render();
  EXPECT_FALSE(cyan(colourAt(win.grab(), view, mid)));
  EXPECT_FALSE(view.rulerLengthMm().has_value());
}

TEST_F(SliceViewGl, NeedleProjectedLine) {
  scene_->setNeedles(
      {needle("n1", gridCentre() + Vec3(-30, -30, 10), gridCentre() + Vec3(-5, -5, 0), {0, 1, 0})});
  SliceView view(Orientation::kAxial, scene_);
  view.setCrosshairVisible(false);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  win.render();
  const RgbImage img = win.grab();
  const auto green = [](const std::array<std::uint8_t, 3>& c) { return c[1] > 180 && c[0] < 80; };
  const auto mid = view.lpsToDisplay(gridCentre() + Vec3(-15, -15, 0));
  EXPECT_TRUE(anyNear(img, static_cast<int>(std::lround(mid[0])),
                      kH - 1 - static_cast<int>(std::lround(mid[1])), 2, green));
  const auto off = view.lpsToDisplay(gridCentre() + Vec3(-15, 15, 0));  // mirrored: no needle
  EXPECT_FALSE(anyNear(img, static_cast<int>(std::lround(off[0])),
                       kH - 1 - static_cast<int>(std::lround(off[1])), 2, green));
}

TEST_F(SliceViewGl, OverlappingLayersBlendInDrawingOrder) {
  // Two half-transparent layers on the same voxels: red first, then blue, over 0 HU grey (102).
  scene_->setLayerOpacity("liver", 0.5);
  scene_->setLayer(maskLayer("blue", boxMask(geometry_, maskBox()), {0, 0, 1}, 0.5));
  SliceView view(Orientation::kAxial, scene_);
  view.setCrosshairVisible(false);
  view.setCursorLps(maskBox().centre());
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  win.render();
  const auto c = colourAt(win.grab(), view, maskBox().centre());
  const double grey0 = 0.4 * 255;
  const double r1 = 0.5 * 255 + 0.5 * grey0, g1 = 0.5 * grey0;  // red over grey
  EXPECT_NEAR(c[0], 0.5 * r1, 4);                               // blue over that
  EXPECT_NEAR(c[1], 0.5 * g1, 4);
  EXPECT_NEAR(c[2], 0.5 * 255 + 0.5 * g1, 4);
}

TEST_F(SliceViewGl, OverlayFollowsTheSliceAndLayerChanges) {
  SliceView view(Orientation::kAxial, scene_);
  view.setCrosshairVisible(false);
  view.setCursorLps(maskBox().centre());
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  const auto red = [&] {
    win.render();
    const auto c = colourAt(win.grab(), view, maskBox().centre());
    return c[0] > 200 && c[1] < 60;
  };
  EXPECT_TRUE(red());
  EXPECT_TRUE(red()) << "unchanged re-render";
  view.scrollSlices(4);  // 10 mm superior: above the mask box (+-6 mm)
  EXPECT_FALSE(red());
  view.scrollSlices(-4);
  EXPECT_TRUE(red());
  view.zoom(1.5);
  view.pan(5, 3);
  EXPECT_TRUE(red()) << "camera change, same slice";
  scene_->setLayer(maskLayer("liver", boxMask(geometry_, boxAround(gridCentre(), Vec3(1, 1, 1))),
                             {1, 0, 0}, 1.0));  // new data: the box is gone
  EXPECT_FALSE(red());
}

TEST(SliceViewOblique, LayerColourOnAnObliqueGrid) {
  RFA_REQUIRE_GL();
  // Grid rotated 20 degrees about z: the slices are resliced (no grid-aligned fast path).
  const double a = 20.0 * 3.14159265358979 / 180.0;
  Mat3 d;
  d << std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1;
  const ImageGeometry g({64, 64, 40}, Vec3(1.5, 1.5, 2.5), Vec3(-40, -60, -50), d);
  auto scene = std::make_shared<Scene>(fill<float>(g, [](const Vec3&) { return 0.0F; }));
  const Box box = boxAround(g.centerLps(), Vec3(8, 8, 8));
  scene->setLayer(maskLayer("m", boxMask(g, box), {1, 0, 0}, 1.0));
  SliceView view(Orientation::kAxial, scene);
  view.setCrosshairVisible(false);
  view.setCursorLps(box.centre());
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  view.resetCamera();
  win.render();
  const RgbImage img = win.grab();
  const auto in = colourAt(img, view, box.centre());
  EXPECT_GT(in[0], 200);
  EXPECT_LT(in[1], 60);
  const auto out = colourAt(img, view, box.centre() + Vec3(15, 15, 0));
  EXPECT_NEAR(out[0], out[1], 3);
}

// A needle plane (the in-plane ultrasound view of a needle, core/slice_plane.h): the needle runs
// down the screen from its entry (top) to its tip, at every rotation about the shaft; a layer the
// plane cuts shows its colour; the presets of presetPlane() are the Orientation views' frames.
TEST_F(SliceViewGl, NeedlePlaneViewShowsTheWholeNeedleAtEveryRotation) {
  const Vec3 entry = gridCentre() + Vec3(-30, -30, 10);
  const Vec3 tip = maskBox().centre();
  scene_->setNeedles({needle("n1", entry, tip, {0, 1, 0})});
  SliceView view(needlePlane(entry, tip, 0), scene_);
  EXPECT_TRUE(view.oblique());
  view.setCrosshairVisible(false);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  const auto green = [](const std::array<std::uint8_t, 3>& c) { return c[1] > 180 && c[0] < 80; };
  for (const double deg : {0.0, 45.0, 90.0, 135.0, 180.0}) {
    view.setPlane(needlePlane(entry, tip, deg));
    EXPECT_NEAR((view.plane().origin_lps - tip).norm(), 0.0, 1e-9) << deg;
    win.render();
    const RgbImage img = win.grab();
    const auto e = view.lpsToDisplay(entry);
    const auto t = view.lpsToDisplay(tip);
    EXPECT_NEAR(e[0], t[0], 1e-6) << deg;  // vertical on the screen
    EXPECT_GT(e[1], t[1]) << deg;          // the skin at the top
    for (const double f : {0.25, 0.5, 0.75}) {
      const auto d = view.lpsToDisplay(entry + f * (tip - entry));
      EXPECT_TRUE(anyNear(img, static_cast<int>(std::lround(d[0])),
                          kH - 1 - static_cast<int>(std::lround(d[1])), 2, green))
          << deg << " at " << f;
    }
    // The tip is in the mask box: the red layer shows around it, off the needle line.
    const auto beside = colourAt(img, view, tip + 3.0 * view.plane().right());
    EXPECT_GT(beside[0], 200) << deg;
  }
  EXPECT_THROW(view.setPlane(SlicePlane{}), UsageError);  // identity frame: normal != up x right
  SliceView axial(Orientation::kAxial, scene_);
  EXPECT_FALSE(axial.oblique());
  EXPECT_THROW(axial.setPlane(needlePlane(entry, tip, 0)), UsageError);
  const SlicePlane preset = presetPlane(SlicePreset::kAxial, axial.cursorLps());
  EXPECT_EQ(axial.plane().frame, preset.frame);
}

}  // namespace
}  // namespace rfa::render::test
