// Frame times of the rfa::render views on a workstation-sized case, against the GL frame floor of
// this machine measured in the same run (an empty renderer in the same window).
//
//   bench_render [--quick] [google-benchmark flags]
//
// Case: synthetic CT 512 x 512 x 300 at 0.8 x 0.8 x 1 mm (body ellipse in air, liver, 4 lesions,
// aorta, vertebra, kidneys), a liver mask layer and a lesion label layer. Each benchmark renders a
// single view filling an off-screen window of 800 x 800 pixels (the same window for all four):
//   BM_EmptyFrame    empty renderer: Render + glFinish (the floor)
//   BM_MprScroll     axial SliceView: scrollSlices(1) + Render + glFinish
//   BM_VolumeRotate  VolumeView, GPU ray cast CT + liver/lesion surfaces: rotate(3, 0) + Render +
//   glFinish BM_SurfaceRotate VolumeView with the volume off (surfaces only): same
// --quick: 128 x 128 x 80 case, 256 x 256 window (CI smoke: proves it runs, measures nothing).
// Needs an X display with OpenGL 3.2 (run under xvfb-run for Mesa llvmpipe); skips otherwise.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include "rfa/core/error.h"
#include "rfa/render/offscreen.h"
#include "rfa/render/scene.h"
#include "rfa/render/views.h"

namespace {

using namespace rfa;          // NOLINT(google-build-using-namespace): benchmark file
using namespace rfa::render;  // NOLINT(google-build-using-namespace)

bool g_quick = false;

struct Case {
  std::shared_ptr<Scene> scene;
  std::unique_ptr<OffscreenWindow> window;
  std::unique_ptr<SliceView> axial;
  std::unique_ptr<VolumeView> volume;
  vtkSmartPointer<vtkRenderer> empty;
};

std::shared_ptr<Scene> makeScene() {
  const std::size_t n = g_quick ? 128 : 512, nz = g_quick ? 80 : 300;
  const Vec3 spacing = g_quick ? Vec3(3.2, 3.2, 3.75) : Vec3(0.8, 0.8, 1.0);
  const Vec3 origin(-0.5 * static_cast<double>(n - 1) * spacing.x(),
                    -0.5 * static_cast<double>(n - 1) * spacing.y(),
                    -0.5 * static_cast<double>(nz - 1) * spacing.z());
  const ImageGeometry g({n, n, nz}, spacing, origin);
  auto ct = std::make_shared<ImageVolume>(ImageVolume::uninitialized(g));
  auto liver = std::make_shared<Mask>(g, 0);
  auto lesions = std::make_shared<LabelMap>(g, 0);
  const std::vector<std::pair<Vec3, double>> lesion_spheres{
      {{-90, -10, 20}, 15}, {{-60, 20, -10}, 10}, {{-110, 10, -30}, 8}, {{-70, -30, 40}, 12}};
  const auto inside = [](const Vec3& p, const Vec3& c, const Vec3& r) {
    return ((p - c).array() / r.array()).square().sum() < 1.0;
  };
  for (std::size_t k = 0; k < nz; ++k) {
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = 0; i < n; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        float hu = -1000;
        const double ex = p.x() / 170, ey = p.y() / 120;
        if (ex * ex + ey * ey < 1) {
          hu = ex * ex + ey * ey > 0.85 ? -90.0F : 35.0F;  // fat rim, soft tissue
          if (inside(p, {-75, 0, 10}, {70, 60, 80})) {     // liver: patient right
            hu = 60;
            (*liver)(i, j, k) = 1;
            for (std::size_t l = 0; l < lesion_spheres.size(); ++l) {
              if ((p - lesion_spheres[l].first).norm() < lesion_spheres[l].second) {
                hu = 25;
                (*lesions)(i, j, k) = static_cast<std::uint16_t>(l + 1);
              }
            }
          }
          if (std::hypot(p.x() - 15, p.y() - 40) < 11) hu = 180;  // aorta (contrast)
          if (std::hypot(p.x(), p.y() - 75) < 18) hu = 650;       // vertebral body
          if (inside(p, {75, 55, -40}, {25, 30, 50}) || inside(p, {-60, 60, -60}, {25, 30, 50})) {
            hu = 150;  // kidneys
          }
        }
        // Deterministic texture (+-10 HU) so that the volume is not piecewise flat.
        hu += static_cast<float>(10.0 * std::sin(0.7 * static_cast<double>(i) +
                                                 1.3 * static_cast<double>(j) +
                                                 0.5 * static_cast<double>(k)));
        (*ct)(i, j, k) = hu;
      }
    }
  }
  auto scene = std::make_shared<Scene>(ct);
  LabelLayer liver_layer;
  liver_layer.name = "liver";
  liver_layer.mask = liver;
  liver_layer.colour = {0.85, 0.45, 0.3};
  liver_layer.surface_opacity = 0.35;
  scene->setLayer(liver_layer);
  LabelLayer lesion_layer;
  lesion_layer.name = "lesions";
  lesion_layer.labels = lesions;
  lesion_layer.colour = {1, 1, 0};
  lesion_layer.label_colours = {{1, {1, 0.2, 0.2}}, {2, {0.2, 1, 0.2}}, {3, {0.3, 0.5, 1}}};
  lesion_layer.opacity = 0.6;
  scene->setLayer(lesion_layer);
  scene->setNeedles({{"n1", Vec3(-160, -120, 20), Vec3(-90, -10, 20), {0.2, 1, 1}, true}});
  return scene;
}

/// The case and the window, built on first use (not timed). Null with `why` when no GL.
Case* theCase(std::string* why) {
  static std::unique_ptr<Case> c;
  static std::string reason;
  if (!c && reason.empty()) {
    if (!offscreenRenderingAvailable(&reason)) {
      reason = "no off-screen OpenGL: " + reason;
      return nullptr;
    }
    c = std::make_unique<Case>();
    c->scene = makeScene();
    const int px = g_quick ? 256 : 800;
    c->window = std::make_unique<OffscreenWindow>(px, px);
    c->axial = std::make_unique<SliceView>(Orientation::kAxial, c->scene);
    c->volume = std::make_unique<VolumeView>(c->scene);
    c->empty = vtkSmartPointer<vtkRenderer>::New();
    c->empty->SetBackground(0.1, 0.1, 0.1);
  }
  if (why != nullptr) *why = reason;
  return c.get();
}

/// Runs `frame` per iteration with `renderer` alone in the window (first frame untimed).
template <class F>
void runFrames(benchmark::State& state, vtkRenderer* renderer, F&& frame) {
  std::string why;
  Case* c = theCase(&why);
  if (c == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  try {
    c->window->addRenderer(renderer);
    c->window->render(true);  // uploads textures, builds surfaces
    for (auto _ : state) {
      frame(*c);
      c->window->render(true);
    }
    c->window->removeRenderer(renderer);
  } catch (const rfa::Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.counters["fps"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_EmptyFrame(benchmark::State& state) {
  Case* c = theCase(nullptr);
  runFrames(state, c != nullptr ? c->empty.Get() : nullptr, [](Case&) {});
}

void BM_MprScroll(benchmark::State& state) {
  Case* c = theCase(nullptr);
  int step = 1;
  runFrames(state, c != nullptr ? c->axial->renderer() : nullptr, [&step](Case& cs) {
    const Vec3 before = cs.axial->cursorLps();
    cs.axial->scrollSlices(step);
    if (cs.axial->cursorLps() == before) {  // at an end: bounce
      step = -step;
      cs.axial->scrollSlices(step);
    }
  });
}

void BM_VolumeRotate(benchmark::State& state) {
  Case* c = theCase(nullptr);
  if (c != nullptr) c->volume->setVolumeVisible(true);
  runFrames(state, c != nullptr ? c->volume->renderer() : nullptr,
            [](Case& cs) { cs.volume->rotate(3, 0); });
}

void BM_VolumeRotateCoarse(benchmark::State& state) {
  Case* c = theCase(nullptr);
  if (c != nullptr) {
    c->volume->setVolumeVisible(true);
    c->volume->setVolumeSampling(2.0, 2.0);
  }
  runFrames(state, c != nullptr ? c->volume->renderer() : nullptr,
            [](Case& cs) { cs.volume->rotate(3, 0); });
  if (c != nullptr) c->volume->setVolumeSampling(0, 1);
}

void BM_SurfaceRotate(benchmark::State& state) {
  Case* c = theCase(nullptr);
  if (c != nullptr) c->volume->setVolumeVisible(false);
  runFrames(state, c != nullptr ? c->volume->renderer() : nullptr,
            [](Case& cs) { cs.volume->rotate(3, 0); });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      g_quick = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n_args = static_cast<int>(args.size());
  std::string why;
  if (Case* c = theCase(&why)) {
    c->window->render(true);  // creates the GL context
    const char* caps = c->window->window()->ReportCapabilities();
    std::string renderer_line;
    if (caps != nullptr) {
      const std::string s(caps);
      const auto at = s.find("OpenGL renderer string:");
      if (at != std::string::npos) renderer_line = s.substr(at, s.find('\n', at) - at);
    }
    std::cout << "case " << c->scene->ct().geometry().describe() << ", window "
              << c->window->width() << "x" << c->window->height() << ", " << renderer_line << "\n";
  } else {
    std::cout << "skipping: " << why << "\n";
  }
  for (auto* b : {benchmark::RegisterBenchmark("BM_EmptyFrame", BM_EmptyFrame),
                  benchmark::RegisterBenchmark("BM_MprScroll", BM_MprScroll),
                  benchmark::RegisterBenchmark("BM_VolumeRotate", BM_VolumeRotate),
                  benchmark::RegisterBenchmark("BM_VolumeRotateCoarse", BM_VolumeRotateCoarse),
                  benchmark::RegisterBenchmark("BM_SurfaceRotate", BM_SurfaceRotate)}) {
    b->Unit(benchmark::kMillisecond)->UseRealTime();
    if (g_quick) b->Iterations(3);
  }
  benchmark::Initialize(&n_args, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
