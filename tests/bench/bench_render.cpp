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
//   BM_MprUnchanged  axial SliceView: Render + glFinish with nothing changed (a repaint)
//   BM_MprZoom       axial SliceView: zoom (in/out) + Render + glFinish (camera only, same slice)
//   BM_VolumeRotate  VolumeView, GPU ray cast CT + liver/lesion surfaces: rotate(3, 0) + Render +
//   glFinish BM_SurfaceRotate VolumeView with the volume off (surfaces only): same
// GUI-sized case (BM_Gui*): CT 160 x 160 x 80 at 2.4 x 2.4 x 3 mm with 5 label layers (3 masks,
// 2 label maps), one axial SliceView in its own off-screen window of 480 x 410 pixels (the size of
// a slice view in the main window, four of which repaint together):
//   BM_GuiMprScroll, BM_GuiMprUnchanged, BM_GuiMprZoom  as above
// --quick: 128 x 128 x 80 case, 256 x 256 window (CI smoke: proves it runs, measures nothing).
// --dump DIR: writes PNGs of both cases' slice views in several states (orientations, cursors,
// zoom/pan, W/L, layer changes) and exits: compare two builds' pixels with any image diff.
// Needs an X display with OpenGL 3.2 (run under xvfb-run for Mesa llvmpipe); skips otherwise.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <filesystem>

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

/// The GUI-sized case: small CT, 5 layers, a slice-view-sized window.
struct GuiCase {
  std::shared_ptr<Scene> scene;
  std::unique_ptr<OffscreenWindow> window;
  std::unique_ptr<SliceView> axial;
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

/// 160 x 160 x 80 CT (2.4 x 2.4 x 3 mm, optionally a permuted/flipped direction) with 5 layers.
std::shared_ptr<Scene> makeGuiScene(const Mat3& direction = Mat3::Identity()) {
  const std::size_t n = 160, nz = 80;
  const Vec3 spacing(2.4, 2.4, 3.0);
  const Vec3 half(0.5 * static_cast<double>(n - 1) * spacing.x(),
                  0.5 * static_cast<double>(n - 1) * spacing.y(),
                  0.5 * static_cast<double>(nz - 1) * spacing.z());
  const Vec3 origin = -(direction * half);
  const ImageGeometry g({n, n, nz}, spacing, origin, direction);
  auto ct = std::make_shared<ImageVolume>(ImageVolume::uninitialized(g));
  auto liver = std::make_shared<Mask>(g, 0);
  auto aorta = std::make_shared<Mask>(g, 0);
  auto margin = std::make_shared<Mask>(g, 0);
  auto lesions = std::make_shared<LabelMap>(g, 0);
  auto zones = std::make_shared<LabelMap>(g, 0);
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
          hu = ex * ex + ey * ey > 0.85 ? -90.0F : 35.0F;
          if (inside(p, {-75, 0, 10}, {70, 60, 80})) {
            hu = 60;
            (*liver)(i, j, k) = 1;
            if ((p - Vec3(-90, -10, 20)).norm() < 15) (*lesions)(i, j, k) = 1;
            if ((p - Vec3(-60, 20, -10)).norm() < 10) (*lesions)(i, j, k) = 2;
            if ((p - Vec3(-110, 10, -30)).norm() < 8) (*lesions)(i, j, k) = 3;
            const double dz = (p - Vec3(-90, -10, 20)).norm();
            if (dz < 20) (*zones)(i, j, k) = 1;
            if (dz < 25 && dz >= 20) (*zones)(i, j, k) = 2;
            if (dz < 30 && dz >= 25) (*margin)(i, j, k) = 1;
          }
          if (std::hypot(p.x() - 15, p.y() - 40) < 11) {
            hu = 180;
            (*aorta)(i, j, k) = 1;
          }
          if (std::hypot(p.x(), p.y() - 75) < 18) hu = 650;
        }
        hu += static_cast<float>(10.0 * std::sin(0.7 * static_cast<double>(i) +
                                                 1.3 * static_cast<double>(j) +
                                                 0.5 * static_cast<double>(k)));
        (*ct)(i, j, k) = hu;
      }
    }
  }
  auto scene = std::make_shared<Scene>(ct);
  const auto add = [&](const char* name, std::shared_ptr<const Mask> m,
                       std::shared_ptr<const LabelMap> l, Rgb colour, double opacity,
                       std::map<int, Rgb> colours = {}) {
    LabelLayer layer;
    layer.name = name;
    layer.mask = std::move(m);
    layer.labels = std::move(l);
    layer.colour = colour;
    layer.label_colours = std::move(colours);
    layer.opacity = opacity;
    scene->setLayer(layer);
  };
  add("liver", liver, nullptr, {0.85, 0.45, 0.3}, 0.4);
  add("aorta", aorta, nullptr, {0.9, 0.1, 0.1}, 0.5);
  add("lesions", nullptr, lesions, {1, 1, 0}, 0.6, {{1, {1, 0.2, 0.2}}, {2, {0.2, 1, 0.2}}});
  add("zones", nullptr, zones, {0.2, 0.4, 1}, 0.35, {{2, {0.6, 0.2, 1}}});
  add("margin", margin, nullptr, {0.1, 1, 1}, 0.25);
  scene->setNeedles({{"n1", Vec3(-160, -120, 20), Vec3(-90, -10, 20), {0.2, 1, 1}, true}});
  return scene;
}

GuiCase* theGuiCase() {
  static std::unique_ptr<GuiCase> c;
  if (!c && offscreenRenderingAvailable(nullptr)) {
    c = std::make_unique<GuiCase>();
    c->scene = makeGuiScene();
    c->window = std::make_unique<OffscreenWindow>(g_quick ? 240 : 480, g_quick ? 205 : 410);
    c->axial = std::make_unique<SliceView>(Orientation::kAxial, c->scene);
    c->axial->resetCamera();
  }
  return c.get();
}

/// Runs `frame` per iteration with `renderer` alone in `window` (first frame untimed).
template <class F>
void runFramesIn(benchmark::State& state, OffscreenWindow& window, vtkRenderer* renderer,
                 F&& frame) {
  try {
    window.addRenderer(renderer);
    window.render(true);  // uploads textures, builds surfaces
    for (auto _ : state) {
      frame();
      window.render(true);
    }
    window.removeRenderer(renderer);
  } catch (const rfa::Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.counters["fps"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
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
  runFramesIn(state, *c->window, renderer, [&] { frame(*c); });
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

void BM_MprUnchanged(benchmark::State& state) {
  Case* c = theCase(nullptr);
  runFrames(state, c != nullptr ? c->axial->renderer() : nullptr, [](Case&) {});
}

void BM_MprZoom(benchmark::State& state) {
  Case* c = theCase(nullptr);
  bool in = true;
  runFrames(state, c != nullptr ? c->axial->renderer() : nullptr, [&in](Case& cs) {
    cs.axial->zoom(in ? 1.1 : 1 / 1.1);
    in = !in;
  });
}

template <class F>
void runGui(benchmark::State& state, F&& frame) {
  GuiCase* c = theGuiCase();
  if (c == nullptr) {
    state.SkipWithError("no off-screen OpenGL");
    return;
  }
  runFramesIn(state, *c->window, c->axial->renderer(), [&] { frame(*c); });
}

void BM_GuiMprScroll(benchmark::State& state) {
  int step = 1;
  runGui(state, [&step](GuiCase& cs) {
    const Vec3 before = cs.axial->cursorLps();
    cs.axial->scrollSlices(step);
    if (cs.axial->cursorLps() == before) {
      step = -step;
      cs.axial->scrollSlices(step);
    }
  });
}

void BM_GuiMprUnchanged(benchmark::State& state) {
  runGui(state, [](GuiCase&) {});
}

void BM_GuiMprZoom(benchmark::State& state) {
  bool in = true;
  runGui(state, [&in](GuiCase& cs) {
    cs.axial->zoom(in ? 1.1 : 1 / 1.1);
    in = !in;
  });
}

/// --dump DIR: PNGs of slice views in several states (for pixel comparisons between builds).
int dump(const std::filesystem::path& dir) {
  std::string why;
  if (!offscreenRenderingAvailable(&why)) {
    std::cerr << "no GL: " << why << "\n";
    return 1;
  }
  std::filesystem::create_directories(dir);
  int count = 0;
  const auto shots = [&](const std::string& tag, const std::shared_ptr<Scene>& scene, int w,
                         int h) {
    for (Orientation o : {Orientation::kAxial, Orientation::kCoronal, Orientation::kSagittal}) {
      const std::string on = o == Orientation::kAxial     ? "ax"
                             : o == Orientation::kCoronal ? "co"
                                                          : "sa";
      SliceView view(o, scene);
      OffscreenWindow win(w, h);
      win.addRenderer(view.renderer());
      view.resetCamera();
      const auto shot = [&](const std::string& state) {
        win.render(true);
        writePng(win.grab(), dir / (tag + "_" + on + "_" + state + ".png"));
        ++count;
      };
      shot("0_reset");
      shot("1_again");
      view.scrollSlices(7);
      shot("2_scroll7");
      view.setCursorLps(scene->ct().geometry().centerLps() + Vec3(-80, -5, 15));
      shot("3_cursor");
      view.zoom(2.3);
      view.pan(17, -9);
      shot("4_zoompan");
      view.zoom(0.2);
      shot("5_zoomout");
      view.resetCamera();
      view.setWindowLevel(presetWindowLevel("liver"));
      view.setCrosshairVisible(false);
      shot("6_wl");
      const auto names = scene->layerNames();
      if (!names.empty()) {
        const double opacity = scene->layer(names.front())->opacity;
        scene->setLayerOpacity(names.front(), 0.9);
        scene->setLayerVisible(names.back(), false);
        shot("7_layers");
        scene->setLayerOpacity(names.front(), opacity);
        scene->setLayerVisible(names.back(), true);
      }
      view.scrollSlices(-1000);
      shot("8_first");
      view.scrollSlices(2000);
      shot("9_last");
    }
  };
  {
    const bool q = g_quick;
    g_quick = true;  // the small workstation case: 128^2 x 80, 2 layers
    shots("ws", makeScene(), 400, 400);
    g_quick = q;
  }
  shots("gui", makeGuiScene(), 480, 410);
  Mat3 d;
  d << 0, 1, 0, -1, 0, 0, 0, 0, -1;  // i -> -y, j -> +x, k -> -z
  shots("perm", makeGuiScene(d), 300, 260);
  std::cout << "wrote " << count << " PNGs to " << dir << "\n";
  return 0;
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
    if (std::strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
      return dump(argv[i + 1]);
    }
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
                  benchmark::RegisterBenchmark("BM_MprUnchanged", BM_MprUnchanged),
                  benchmark::RegisterBenchmark("BM_MprZoom", BM_MprZoom),
                  benchmark::RegisterBenchmark("BM_GuiMprScroll", BM_GuiMprScroll),
                  benchmark::RegisterBenchmark("BM_GuiMprUnchanged", BM_GuiMprUnchanged),
                  benchmark::RegisterBenchmark("BM_GuiMprZoom", BM_GuiMprZoom),
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
