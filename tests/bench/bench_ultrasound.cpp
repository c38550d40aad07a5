// Simulated ultrasound frame time (ultrasound/bmode.h) on a 512 x 512 fan, against the cheapest
// image of the same plane measured in the same run: a nearest-voxel reslice of the CT onto the same
// 512 x 512 pixels (one CT read per pixel, no acoustics). Scene: the 1 mm phantom (512 x 512 x 200
// grid region) with ribs, lung and vessels, the convex abdominal probe on the right flank aimed at
// the liver through the ribs (shadows in the fan), so the frame has tissue, bone and gas.
//
//   bench_ultrasound [--quick] [google-benchmark flags]
// --quick: a small phantom (CI smoke: proves the benchmark runs, measures nothing).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <memory>
#include <vector>

#include "rfa/core/parallel.h"
#include "rfa/phantom/phantom.h"
#include "rfa/ultrasound/bmode.h"
#include "rfa/ultrasound/probe.h"

namespace {

using namespace rfa;  // NOLINT(google-build-using-namespace): benchmark file

bool g_quick = false;

struct Scene {
  phantom::Phantom ph;
  Mask fluid;
  ultrasound::ProbeModel probe;
  ultrasound::ProbePose pose;
};

const Scene& scene() {
  static const std::unique_ptr<Scene> s = [] {
    auto out = std::make_unique<Scene>();
    phantom::PhantomOptions o;
    o.lesions = 4;
    if (g_quick) {
      o.size = {160, 140, 60};
      o.spacing_mm = Vec3(2, 2, 3);
    } else {
      o.size = {512, 512, 200};
      o.spacing_mm = Vec3(0.8, 0.8, 1.0);
    }
    out->ph = phantom::generatePhantom(o);
    out->fluid = Mask(out->ph.ct.geometry(), 0);
    for (std::size_t i = 0; i < out->fluid.voxelCount(); ++i) {
      out->fluid.data()[i] = out->ph.vessel_radius.data()[i] > 0 ? 1 : 0;
    }
    out->probe = ultrasound::loadProbe("curvilinear-abdominal");
    // The probe on the patient's right flank (-x side in LPS is the right), at the liver's
    // centre height, beam towards the liver's centroid, image plane axial.
    const ImageGeometry& g = out->ph.ct.geometry();
    Vec3 centre(0, 0, 0);
    std::size_t n = 0;
    const auto& sz = g.size();
    for (std::size_t k = 0; k < sz[2]; ++k) {
      for (std::size_t j = 0; j < sz[1]; ++j) {
        for (std::size_t i = 0; i < sz[0]; ++i) {
          if (out->ph.liver(i, j, k) == 0) continue;
          centre += g.indexToLps(
              Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
          ++n;
        }
      }
    }
    centre /= static_cast<double>(n);
    // Walk from the liver centre towards the right (-x) until leaving the body: the skin.
    Vec3 skin = centre;
    for (double t = 0; t < 400; t += 0.5) {
      const Vec3 p = centre - Vec3(t, 0, 0);
      const Vec3 idx = g.lpsToIndex(p);
      const long i = std::lround(idx.x());
      const long j = std::lround(idx.y());
      const long k = std::lround(idx.z());
      if (i < 0 || j < 0 || k < 0 || i >= static_cast<long>(sz[0]) ||
          j >= static_cast<long>(sz[1]) || k >= static_cast<long>(sz[2]) ||
          out->ph.body(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                       static_cast<std::size_t>(k)) == 0) {
        skin = p;
        break;
      }
    }
    out->pose.contact_lps = skin;
    out->pose.axial = Vec3(1, 0, 0);
    out->pose.lateral = Vec3(0, 1, 0);
    return out;
  }();
  return *s;
}

void BM_BMode512(benchmark::State& state) {
  const Scene& s = scene();
  ultrasound::AcousticMedium m;
  m.ct = &s.ph.ct;
  m.bone = &s.ph.bone;
  m.gas = &s.ph.lung;
  ultrasound::BModeOptions o;
  o.fluid = &s.fluid;
  for (auto _ : state) {
    const ultrasound::BModeImage img = ultrasound::simulateBMode(m, s.probe, s.pose, o);
    benchmark::DoNotOptimize(img.grey.data());
  }
  state.counters["px"] = 512.0 * 512.0;
  state.counters["threads"] = static_cast<double>(workerCount());
}

// The same 512 x 512 pixel grid of the plane, one nearest CT voxel per pixel (rows in parallel).
void BM_Reslice512(benchmark::State& state) {
  const Scene& s = scene();
  ultrasound::AcousticMedium m;
  m.ct = &s.ph.ct;
  const ultrasound::BModeImage ref = ultrasound::simulateBMode(m, s.probe, s.pose, {});
  const ImageGeometry& g = s.ph.ct.geometry();
  const auto& sz = g.size();
  std::vector<float> out(512U * 512U, 0.0F);
  for (auto _ : state) {
    parallelFor(512, [&](std::size_t row) {
      for (std::size_t col = 0; col < 512; ++col) {
        const Vec3 idx =
            g.lpsToIndex(ref.lpsOf(static_cast<double>(col), static_cast<double>(row)));
        const long i = std::lround(idx.x());
        const long j = std::lround(idx.y());
        const long k = std::lround(idx.z());
        float v = -1000.0F;
        if (i >= 0 && j >= 0 && k >= 0 && i < static_cast<long>(sz[0]) &&
            j < static_cast<long>(sz[1]) && k < static_cast<long>(sz[2])) {
          v = s.ph.ct(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                      static_cast<std::size_t>(k));
        }
        out[row * 512U + col] = v;
      }
    });
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["px"] = 512.0 * 512.0;
}

BENCHMARK(BM_BMode512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Reslice512)->Unit(benchmark::kMillisecond)->UseRealTime();

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
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  (void)scene();
  std::cerr << "scene: phantom " << scene().ph.ct.geometry().describe() << ", probe at "
            << scene().pose.contact_lps.transpose() << " (LPS mm)\n";
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
