// VolumeView under an off-screen GL window: volume rendering, surfaces, needles.
#include <cmath>

#include <gtest/gtest.h>

#include "render_fixture.h"
#include "rfa/render/offscreen.h"
#include "rfa/render/views.h"

namespace rfa::render::test {
namespace {

constexpr int kW = 200, kH = 200;

double greyVariance(const RgbImage& img) {
  double s = 0, s2 = 0;
  const double n = static_cast<double>(img.width) * img.height;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const double v = grey(img.at(x, y));
      s += v;
      s2 += v * v;
    }
  }
  return s2 / n - (s / n) * (s / n);
}

int countColour(const RgbImage& img, int channel) {
  int n = 0;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const auto c = img.at(x, y);
      const auto ch = static_cast<std::size_t>(channel);
      if (c[ch] > 120 && c[(ch + 1) % 3] < c[ch] / 2 && c[(ch + 2) % 3] < c[ch] / 2) ++n;
    }
  }
  return n;
}

/// A body: soft-tissue ellipse (40 HU) in air (-1000 HU) with a bone block (700 HU).
std::shared_ptr<ImageVolume> bodyCt(const ImageGeometry& g) {
  const Vec3 c = gridCentre();
  return fill<float>(g, [c](const Vec3& p) {
    const Vec3 d = p - c;
    if (boxAround(c + Vec3(0, 20, 0), Vec3(6, 4, 30)).contains(p)) return 700.0F;
    return (d.x() / 45) * (d.x() / 45) + (d.y() / 38) * (d.y() / 38) < 1 ? 40.0F : -1000.0F;
  });
}

class VolumeViewGl : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    RFA_REQUIRE_GL();
    const Mat3 d = GetParam() ? Mat3(Eigen::Vector3d(-1, 1, -1).asDiagonal()) : Mat3::Identity();
    geometry_ = testGeometry(d);
    scene_ = std::make_shared<Scene>(bodyCt(geometry_));
  }
  ImageGeometry geometry_;
  std::shared_ptr<Scene> scene_;
};

TEST_P(VolumeViewGl, VolumeSurfacesAndNeedle) {
  VolumeView view(scene_);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  win.render();
  const RgbImage with_volume = win.grab();
  EXPECT_GT(greyVariance(with_volume), 100.0);

  view.setVolumeVisible(false);
  EXPECT_FALSE(view.volumeVisible());
  win.render();
  {
    // Nothing but the background and the grey outline of the CT's extent.
    const RgbImage empty = win.grab();
    int coloured = 0, outline = 0;
    for (int y = 0; y < kH; ++y) {
      for (int x = 0; x < kW; ++x) {
        const auto c = empty.at(x, y);
        const int lo = std::min({c[0], c[1], c[2]});
        const int hi = std::max({c[0], c[1], c[2]});
        coloured += hi - lo > 40 ? 1 : 0;
        outline += lo > 80 ? 1 : 0;
      }
    }
    EXPECT_EQ(coloured, 0);
    EXPECT_GT(outline, 100) << "the outline of the CT";
  }

  // A red mask surface, patient left: right half of the anterior view.
  scene_->setLayer(maskLayer(
      "liver", boxMask(geometry_, boxAround(gridCentre() + Vec3(20, 0, 0), Vec3(8, 8, 12))),
      {1, 0, 0}));
  win.render();
  const RgbImage surf = win.grab();
  EXPECT_GT(greyVariance(surf), 20.0);
  int red_right = 0, red_left = 0;
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      const auto c = surf.at(x, y);
      if (c[0] > 80 && c[1] < c[0] / 2 && c[2] < c[0] / 2) (x > kW / 2 ? red_right : red_left)++;
    }
  }
  EXPECT_GT(red_right, 100);
  EXPECT_EQ(red_left, 0);

  // A green needle from anterior-right down to the centre: tube + tip sphere.
  scene_->setNeedles({needle("n1", gridCentre() + Vec3(-40, -60, 10), gridCentre(), {0, 1, 0})});
  win.render();
  EXPECT_GT(countColour(win.grab(), 1), 40);

  // Surfaces off: hiding the layer removes the red.
  scene_->setLayerVisible("liver", false);
  win.render();
  EXPECT_EQ(countColour(win.grab(), 0), 0);

  // Rotating and zooming still shows the volume.
  view.setVolumeVisible(true);
  view.rotate(90, 10);
  view.zoom(1.5);
  win.render();
  EXPECT_GT(greyVariance(win.grab()), 100.0);
  view.resetCamera();
}

TEST_P(VolumeViewGl, LabelSurfacesPerValue) {
  auto labels = fill<std::uint16_t>(geometry_, [](const Vec3& p) -> std::uint16_t {
    if (boxAround(gridCentre() + Vec3(-20, 0, 0), Vec3(6, 6, 8)).contains(p)) return 1;
    if (boxAround(gridCentre() + Vec3(20, 0, 0), Vec3(6, 6, 8)).contains(p)) return 2;
    return 0;
  });
  scene_->setLayer(labelLayer("zones", labels, {0, 0, 1}, {{1, {0, 1, 0}}}));
  VolumeView view(scene_);
  view.setVolumeVisible(false);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  win.render();
  const RgbImage img = win.grab();
  EXPECT_GT(countColour(img, 1), 50);  // label 1 green
  EXPECT_GT(countColour(img, 2), 50);  // label 2 default blue
}

// A label map holding only value 1 while colours are given for more values (the GUI's zones:
// one colour per session), drawn from a surface prepared off the rendering thread.
TEST_P(VolumeViewGl, PreparedSurfaceOfOneValueUsesItsColour) {
  auto labels = fill<std::uint16_t>(geometry_, [](const Vec3& p) -> std::uint16_t {
    return boxAround(gridCentre(), Vec3(8, 8, 10)).contains(p) ? 1 : 0;
  });
  LabelLayer layer = labelLayer("zones", labels, {0.5, 0.5, 0.5},
                                {{1, {0, 1, 0}}, {2, {0, 0, 1}}, {3, {1, 0, 1}}});
  layer.prepared_surface = prepareLayerSurface(layer);
  ASSERT_NE(layer.prepared_surface, nullptr);
  scene_->setLayer(layer);
  VolumeView view(scene_);
  view.setVolumeVisible(false);
  OffscreenWindow win(kW, kH);
  win.addRenderer(view.renderer());
  win.render();
  const RgbImage img = win.grab();
  EXPECT_GT(countColour(img, 1), 50);  // green
  EXPECT_EQ(countColour(img, 2), 0);   // no blue
}

std::string directionName(const ::testing::TestParamInfo<bool>& p) {
  return p.param ? "FlippedXZ" : "Identity";
}

INSTANTIATE_TEST_SUITE_P(Directions, VolumeViewGl, ::testing::Bool(), directionName);

}  // namespace
}  // namespace rfa::render::test
