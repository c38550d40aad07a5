// Benchmark: liver and lesion-from-seed segmentation on a CT (IRCADb 17 by default), with two
// baselines in the same run: one pass over the voxels (memory bandwidth) and ITK's
// ConnectedThresholdImageFilter region growing from the lesion seed over the full CT grid (inside
// the liver, with the threshold the rfaplan method chose: ITK's plain region growing, no
// statistics). usage: bench_segmentation [benchmark flags] CT_INPUT SEED_X,SEED_Y,SEED_Z
#include <benchmark/benchmark.h>

#include <cstdio>
#include <numeric>
#include <sstream>
#include <string>

#include "itk_region_growing.h"
#include "rfa/io/input.h"
#include "rfa/segmentation/lesion.h"
#include "rfa/segmentation/liver.h"

namespace {

rfa::ImageVolume g_ct;
rfa::Mask g_liver;
rfa::Vec3 g_seed;

void memoryPass(benchmark::State& state) {
  for (auto _ : state) {
    const auto d = g_ct.data();
    benchmark::DoNotOptimize(std::accumulate(d.begin(), d.end(), 0.0));
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * g_ct.voxelCount() * sizeof(float)));
}

void liver(benchmark::State& state) {
  for (auto _ : state) {
    const auto seg = rfa::segmentation::segmentLiver(g_ct);
    benchmark::DoNotOptimize(seg.volume_ml);
    state.counters["volume_ml"] = seg.volume_ml;
  }
}

void lesionFromSeed(benchmark::State& state) {
  for (auto _ : state) {
    const auto seg = rfa::segmentation::segmentLesionFromSeed(g_ct, g_seed, {}, &g_liver);
    benchmark::DoNotOptimize(seg.volume_ml);
    state.counters["volume_ml"] = seg.volume_ml;
  }
}

// The user's click (workstation, `segment --lesion-seed`): the lesion grown in the liver and
// beyond it (kept when it is the same mass), the liver extended with it.
void clickInLiver(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    rfa::Mask liver = g_liver;
    state.ResumeTiming();
    const auto seg = rfa::segmentation::segmentLesionInLiver(g_ct, g_seed, liver);
    benchmark::DoNotOptimize(seg.volume_ml);
    state.counters["volume_ml"] = seg.volume_ml;
  }
}

void itkConnectedThresholdFromSeed(benchmark::State& state) {
  // Same seed; the window the rfaplan lesion segmentation chose, so both grow the same kind of
  // region.
  const auto ref = rfa::segmentation::segmentLesionFromSeed(g_ct, g_seed, {}, &g_liver);
  const float lo = ref.hyperdense ? static_cast<float>(ref.threshold_hu) : -200.0F;
  const float hi = ref.hyperdense ? 3000.0F : static_cast<float>(ref.threshold_hu);
  const rfa::Vec3 idx = g_ct.geometry().lpsToIndex(g_seed);
  const std::array<long, 3> seed{std::lround(idx[0]), std::lround(idx[1]), std::lround(idx[2])};
  const auto& g = g_ct.geometry();
  // Restricted to the liver like the rfaplan call: voxels outside it are set outside the window.
  rfa::ImageVolume masked = g_ct;
  for (std::size_t i = 0; i < masked.voxelCount(); ++i) {
    if (g_liver.data()[i] == 0) masked.data()[i] = ref.hyperdense ? -1000.0F : 3000.0F;
  }
  for (auto _ : state) {
    const std::size_t n = rfa::bench::itkConnectedThreshold(
        masked.data().data(), g.size(), {g.spacing()[0], g.spacing()[1], g.spacing()[2]}, seed, lo,
        hi);
    benchmark::DoNotOptimize(n);
    state.counters["voxels"] = static_cast<double>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_segmentation [--benchmark_* flags] CT_INPUT X,Y,Z\n");
    return 2;
  }
  g_ct = rfa::io::loadImage(argv[1]).image;
  std::stringstream ss(argv[2]);
  std::string t;
  for (int a = 0; a < 3 && std::getline(ss, t, ','); ++a) g_seed[a] = std::stod(t);
  g_liver = rfa::segmentation::segmentLiver(g_ct).mask;
  benchmark::RegisterBenchmark("baseline_memory_pass", memoryPass)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("liver", liver)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("lesion_from_seed", lesionFromSeed)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("click_in_liver", clickInLiver)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("baseline_itk_connected_threshold", itkConnectedThresholdFromSeed)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
