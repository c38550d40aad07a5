// Scene and view construction without a display.
#include <gtest/gtest.h>

#include "render_fixture.h"
#include "rfa/core/error.h"
#include "rfa/render/scene.h"
#include "rfa/render/views.h"

namespace rfa::render::test {
namespace {

std::shared_ptr<Scene> smallScene() {
  const ImageGeometry g = testGeometry();
  return std::make_shared<Scene>(markerCt(g));
}

TEST(Scene, EmptyCtThrowsNoData) {
  EXPECT_THROW(Scene(nullptr), NoDataError);
  EXPECT_THROW(Scene(std::make_shared<ImageVolume>()), NoDataError);
}

TEST(Scene, LayersAddReplaceRemoveInOrder) {
  auto scene = smallScene();
  const auto g = scene->ct().geometry();
  const std::uint64_t r0 = scene->revision();
  LabelLayer liver = maskLayer("liver", boxMask(g, maskBox()));
  scene->setLayer(liver);
  LabelLayer lesions = labelLayer("lesions", std::make_shared<LabelMap>(g));
  scene->setLayer(lesions);
  EXPECT_GT(scene->revision(), r0);
  EXPECT_EQ(scene->layerNames(), (std::vector<std::string>{"liver", "lesions"}));
  liver.opacity = 0.7;
  scene->setLayer(liver);  // replace keeps the drawing order
  EXPECT_EQ(scene->layerNames(), (std::vector<std::string>{"liver", "lesions"}));
  ASSERT_NE(scene->layer("liver"), nullptr);
  EXPECT_DOUBLE_EQ(scene->layer("liver")->opacity, 0.7);
  const std::uint64_t r1 = scene->revision();
  scene->setLayerVisible("liver", false);
  EXPECT_GT(scene->revision(), r1);
  EXPECT_FALSE(scene->layer("liver")->visible);
  scene->setLayerOpacity("liver", 3.0);
  EXPECT_DOUBLE_EQ(scene->layer("liver")->opacity, 1.0);
  scene->removeLayer("liver");
  EXPECT_EQ(scene->layerNames(), (std::vector<std::string>{"lesions"}));
  EXPECT_EQ(scene->layer("liver"), nullptr);
  scene->removeLayer("never-there");  // no-op
}

TEST(Scene, OffGridLayerThrowsGeometryErrorNamingIt) {
  auto scene = smallScene();
  const ImageGeometry other({64, 56, 41}, kSpacingLps, kStart);
  try {
    scene->setLayer(labelLayer("zones", std::make_shared<LabelMap>(other)));
    FAIL() << "expected GeometryError";
  } catch (const GeometryError& e) {
    EXPECT_NE(std::string(e.what()).find("zones"), std::string::npos) << e.what();
  }
  const ImageGeometry shifted({64, 56, 40}, kSpacingLps, kStart + Vec3(1, 0, 0));
  EXPECT_THROW(scene->setLayer(maskLayer("x", std::make_shared<Mask>(shifted))), GeometryError);
  LabelLayer none;
  none.name = "none";
  EXPECT_THROW(scene->setLayer(none), UsageError);
  EXPECT_TRUE(scene->layerNames().empty());
}

TEST(Scene, UnknownLayerThrowsNotFound) {
  auto scene = smallScene();
  EXPECT_THROW(scene->setLayerVisible("nope", false), NotFoundError);
  EXPECT_THROW(scene->setLayerOpacity("nope", 0.5), NotFoundError);
}

TEST(Scene, Needles) {
  auto scene = smallScene();
  scene->setNeedles({needle("n1", {0, -100, 0}, {0, 0, 0}, {})});
  ASSERT_EQ(scene->needles().size(), 1U);
  EXPECT_EQ(scene->needles()[0].name, "n1");
}

TEST(WindowLevel, Presets) {
  EXPECT_DOUBLE_EQ(presetWindowLevel("liver").window, 150);
  EXPECT_DOUBLE_EQ(presetWindowLevel("liver").level, 90);
  EXPECT_DOUBLE_EQ(presetWindowLevel("abdomen").window, 400);
  EXPECT_DOUBLE_EQ(presetWindowLevel("bone").level, 400);
  try {
    (void)presetWindowLevel("lung");
    FAIL() << "expected NotFoundError";
  } catch (const NotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("abdomen"), std::string::npos) << e.what();
  }
}

TEST(SliceViewNoGl, CursorClampAndScroll) {
  auto scene = smallScene();
  SliceView axial(Orientation::kAxial, scene);
  EXPECT_TRUE(axial.cursorLps().isApprox(gridCentre(), 1e-9));
  const Vec3 c = axial.cursorLps();
  axial.scrollSlices(1);
  EXPECT_NEAR(axial.cursorLps().z() - c.z(), 2.5, 1e-9);  // towards superior, one spacing
  axial.scrollSlices(-1000);
  EXPECT_NEAR(axial.cursorLps().z(), -60, 1e-9);  // clamped to the first slice
  axial.setCursorLps({1000, -1000, 0});
  EXPECT_NEAR(axial.cursorLps().x(), -50 + 63 * 1.5, 1e-9);
  EXPECT_NEAR(axial.cursorLps().y(), -40, 1e-9);
  SliceView sagittal(Orientation::kSagittal, scene);
  const Vec3 s0 = sagittal.cursorLps();
  sagittal.scrollSlices(2);  // away from the viewer (who is at patient left): towards the right
  EXPECT_NEAR(sagittal.cursorLps().x() - s0.x(), -3.0, 1e-9);
  EXPECT_THROW((void)axial.displayToLps(1, 1), UsageError);  // not in a window
  axial.setWindowLevel({0, 10});
  EXPECT_DOUBLE_EQ(axial.windowLevel().window, 1.0);
}

TEST(SliceViewNoGl, ScrollWithFlippedAxisStillMovesSuperior) {
  const ImageGeometry g = testGeometry(Eigen::Vector3d(-1, 1, -1).asDiagonal());
  auto scene = std::make_shared<Scene>(markerCt(g));
  SliceView axial(Orientation::kAxial, scene);
  const Vec3 c = axial.cursorLps();
  axial.scrollSlices(1);
  EXPECT_NEAR(axial.cursorLps().z() - c.z(), 2.5, 1e-9);
  SliceView coronal(Orientation::kCoronal, scene);
  const Vec3 c2 = coronal.cursorLps();
  coronal.scrollSlices(1);
  EXPECT_NEAR(coronal.cursorLps().y() - c2.y(), 1.5, 1e-9);  // towards posterior
}

}  // namespace
}  // namespace rfa::render::test
