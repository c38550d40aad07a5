// Off-screen rendering helpers and PNG output.
#include <unistd.h>
#include <filesystem>

#include <gtest/gtest.h>
#include <vtkImageData.h>
#include <vtkPNGReader.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include "render_fixture.h"
#include "rfa/core/error.h"
#include "rfa/render/offscreen.h"
#include "rfa/render/views.h"

namespace rfa::render::test {
namespace {

std::filesystem::path tempDir() {
  auto d =
      std::filesystem::temp_directory_path() / ("rfa_render_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

TEST(Offscreen, AvailabilityHasAReason) {
  std::string why;
  if (!offscreenRenderingAvailable(&why)) {
    EXPECT_FALSE(why.empty());
    EXPECT_THROW(renderOffscreen({}, 10, 10), UsageError);
    auto r = vtkSmartPointer<vtkRenderer>::New();
    EXPECT_THROW(renderOffscreen({r.Get()}, 10, 10), UnsupportedError);
    GTEST_SKIP() << "no off-screen OpenGL: " << why;
  }
  EXPECT_TRUE(why.empty());
}

TEST(Offscreen, RenderTwoViewportsThenWritePng) {
  RFA_REQUIRE_GL();
  auto scene = std::make_shared<Scene>(markerCt(testGeometry()));
  SliceView axial(Orientation::kAxial, scene);
  SliceView coronal(Orientation::kCoronal, scene);
  axial.renderer()->SetViewport(0, 0, 0.5, 1);
  coronal.renderer()->SetViewport(0.5, 0, 1, 1);
  axial.resetCamera();
  const RgbImage img = renderOffscreen({axial.renderer(), coronal.renderer()}, 320, 160);
  ASSERT_EQ(img.width, 320);
  ASSERT_EQ(img.height, 160);
  ASSERT_EQ(img.rgb.size(), 320U * 160U * 3U);
  EXPECT_THROW((void)img.at(320, 0), UsageError);
  // Renderers can be reused in another window afterwards.
  const RgbImage again = renderOffscreen({axial.renderer()}, 100, 80);
  EXPECT_EQ(again.width, 100);

  const auto dir = tempDir();
  const auto file = dir / "views.png";
  writePng(img, file);
  auto reader = vtkSmartPointer<vtkPNGReader>::New();
  reader->SetFileName(file.c_str());
  reader->Update();
  int dims[3];
  reader->GetOutput()->GetDimensions(dims);
  EXPECT_EQ(dims[0], 320);
  EXPECT_EQ(dims[1], 160);
  // Row 0 of RgbImage is the top row: VTK's image row (height - 1).
  for (const auto& [x, y] : std::vector<std::array<int, 2>>{{5, 5}, {100, 80}, {250, 150}}) {
    const auto c = img.at(x, y);
    for (int ch = 0; ch < 3; ++ch) {
      EXPECT_EQ(reader->GetOutput()->GetScalarComponentAsDouble(x, 160 - 1 - y, 0, ch),
                c[static_cast<std::size_t>(ch)]);
    }
  }
  EXPECT_THROW(writePng(img, dir / "missing-folder" / "x.png"), WriteError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rfa::render::test
