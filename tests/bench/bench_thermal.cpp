// Bioheat stepping throughput against the memory-bandwidth roofline measured in the same process
// (a STREAM-style triad), and the wall time of a whole 12-min protocol on a 128^3 1 mm grid, on the
// CPU and (when an OpenGL 4.3 context exists) on the GLSL backend.
//
//   bench_thermal [--quick] [google-benchmark flags]
// --quick: small grids and a 60 s protocol (CI smoke: proves the benchmark runs, measures nothing).
//
// Bytes per voxel update of the first CPU kernel (neighbours from cache): T read 4, T' written 4
// (+4 write-allocate), q 4, material 1, Omega 4, T_max 4 read = 25 B. The roofline figure stays
// triad bandwidth / 25 B (the basis of docs/benchmarks.md's history). The vectorised kernel moves
// 20 B in a row without source and damage (T 4, T' 4 + 4, T_max 4 + 4), 28 B with both.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/simulation.h"

namespace {

using namespace rfa;           // NOLINT(google-build-using-namespace): benchmark file
using namespace rfa::thermal;  // NOLINT(google-build-using-namespace)

constexpr double kBytesPerUpdate = 25.0;
bool g_quick = false;
double g_triad_gbs = 0;

// STREAM triad a = b + s c over 3 x 64 MiB, parallel like the kernel; best of 5, GB/s counting
// 3 arrays read/written + write-allocate of a (4 x 4 B per element).
double measureTriad() {
  const std::size_t n = std::size_t{1} << 24;
  std::vector<float> a(n, 0.0F), b(n, 1.0F), c(n, 2.0F);
  const std::size_t chunks = 64;
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    parallelFor(chunks, [&](std::size_t ch) {
      const std::size_t lo = ch * n / chunks;
      const std::size_t hi = (ch + 1) * n / chunks;
      for (std::size_t i = lo; i < hi; ++i) a[i] = b[i] + 0.5F * c[i];
    });
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  benchmark::DoNotOptimize(a.data());
  return 16.0 * static_cast<double>(n) / best / 1e9;
}

// Liver starting at 33 C under 37 C arterial blood: every voxel changes every step, so the CPU
// backend computes every row (it skips rows whose neighbourhood did not change, which would make a
// per-voxel rate meaningless) - the dense rate the roofline compares.
HeatProblem liverProblem(std::size_t n) {
  HeatProblem p = makeHeatProblem({n, n, n}, Vec3(1, 1, 1), std::vector<std::uint8_t>(n * n * n, 0),
                                  MaterialTable::defaults(), DamageModel{}, 0);
  p.initial_temperature_c = 33.0F;
  return p;
}

void stepBenchmark(benchmark::State& state, BackendChoice choice) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const HeatProblem p = liverProblem(n);
  std::unique_ptr<HeatBackend> b;
  try {
    b = makeBackend(choice, p);
  } catch (const UnsupportedError& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::vector<float> q(p.voxelCount(), 0.0F);
  q[p.voxelCount() / 2] = 1e8F;  // keeps a hot spot so the damage branches run somewhere
  b->setSource(q);
  const int steps = g_quick ? 2 : 10;
  std::vector<float> probe;
  for (auto _ : state) {
    b->advance(steps);
    b->readTemperature(probe);  // forces completion (GL) and is part of the cost
  }
  const double updates =
      static_cast<double>(state.iterations()) * steps * static_cast<double>(p.voxelCount());
  state.counters["updates_per_s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  state.counters["GB_per_s_at_25B"] =
      benchmark::Counter(updates * kBytesPerUpdate / 1e9, benchmark::Counter::kIsRate);
  state.counters["triad_GB_per_s"] = g_triad_gbs;
  state.SetLabel(b->name());
}

void protocolBenchmark(benchmark::State& state, BackendChoice choice) {
  const ElectrodeCatalog catalog = loadElectrodeCatalog(defaultElectrodeDir());
  const Electrode& e = catalog.find("cooltip-3cm");
  const NeedlePose pose{Vec3(0, 0, 15), Vec3(0, 0, 1)};
  const std::size_t n = g_quick ? 48 : 128;
  const ImageGeometry grid(
      {n, n, n}, Vec3(1, 1, 1),
      Vec3(-0.5 * static_cast<double>(n - 1), -0.5 * static_cast<double>(n - 1),
           -0.5 * static_cast<double>(n - 1)));
  const TissueModel tissue = homogeneousLiver(grid);
  SimulationSettings s;
  s.backend = choice;
  if (g_quick) s.duration_s = 60.0;
  for (auto _ : state) {
    try {
      const SimulationResult r = simulateAblation(e, pose, s, &tissue);
      state.SetLabel(r.backend + ", zone " + std::to_string(r.zone_volume_ml) + " mL, " +
                     std::to_string(r.steps) + " steps, " + std::to_string(r.potential_solves) +
                     " potential solves / " + std::to_string(r.potential_iterations) + " CG its");
    } catch (const UnsupportedError& x) {
      state.SkipWithError(x.what());
      return;
    }
  }
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
  g_triad_gbs = measureTriad();
  std::cout << "triad bandwidth " << g_triad_gbs << " GB/s -> roofline "
            << g_triad_gbs / kBytesPerUpdate << " G voxel updates/s at " << kBytesPerUpdate
            << " B/update (" << rfa::workerCount() << " threads)\n";
  const std::vector<std::int64_t> sizes =
      g_quick ? std::vector<std::int64_t>{32} : std::vector<std::int64_t>{128, 256};
  for (const auto size : sizes) {
    benchmark::RegisterBenchmark("bioheat_step_cpu", stepBenchmark, BackendChoice::kCpu)
        ->Arg(size)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("bioheat_step_gl", stepBenchmark, BackendChoice::kGl)
        ->Arg(size)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("protocol_12min_128_cpu", protocolBenchmark, BackendChoice::kCpu)
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
  if (std::getenv("RFA_BENCH_GL_PROTOCOL") != nullptr || g_quick) {
    benchmark::RegisterBenchmark("protocol_12min_128_gl", protocolBenchmark, BackendChoice::kGl)
        ->Iterations(1)
        ->Unit(benchmark::kSecond)
        ->UseRealTime();
  }
  benchmark::Initialize(&n_args, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
