// Benchmark: the multi-atlas liver (rfa::atlas) on an MR volume with the labelled atlases of a
// folder, against two baselines in the same run: the intensity-model liver (segmentLiver, MR) on
// the same image, and one registration (the per-atlas unit of work).
// usage: bench_atlas_liver [benchmark flags] IMAGE ATLAS_FOLDER SKIP_ID [MAX_ATLASES]
//   SKIP_ID: the atlas id of IMAGE itself, left out (leave one out); MAX_ATLASES: use the first N.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "rfa/atlas/atlas_liver.h"
#include "rfa/io/input.h"
#include "rfa/segmentation/liver.h"

namespace {

rfa::ImageVolume g_image;
std::vector<rfa::atlas::Atlas> g_atlases;

rfa::atlas::AtlasLiverOptions options() {
  rfa::atlas::AtlasLiverOptions o;
  o.modality = rfa::segmentation::Modality::kMR;
  return o;
}

void intensityLiver(benchmark::State& state) {
  rfa::segmentation::LiverOptions o;
  o.modality = rfa::segmentation::Modality::kMR;
  for (auto _ : state) {
    const auto seg = rfa::segmentation::segmentLiver(g_image, o);
    benchmark::DoNotOptimize(seg.volume_ml);
    state.counters["volume_ml"] = seg.volume_ml;
  }
}

void oneAtlas(benchmark::State& state) {
  const std::vector<rfa::atlas::Atlas> one(g_atlases.begin(), g_atlases.begin() + 1);
  for (auto _ : state) {
    const auto seg = rfa::atlas::segmentLiverWithAtlases(g_image, one, options());
    benchmark::DoNotOptimize(seg.volume_ml);
  }
}

void atlasLiver(benchmark::State& state) {
  for (auto _ : state) {
    const auto seg = rfa::atlas::segmentLiverWithAtlases(g_image, g_atlases, options());
    benchmark::DoNotOptimize(seg.volume_ml);
    state.counters["volume_ml"] = seg.volume_ml;
    state.counters["atlases"] = static_cast<double>(g_atlases.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr,
                 "usage: bench_atlas_liver [--benchmark_* flags] IMAGE ATLAS_FOLDER SKIP_ID "
                 "[MAX_ATLASES]\n");
    return 2;
  }
  g_image = rfa::io::loadImage(argv[1]).image;
  g_atlases = rfa::atlas::readAtlasFolder(argv[2], 1, {argv[3]});
  if (argc == 5) {
    const auto n = static_cast<std::size_t>(std::stoul(argv[4]));
    if (n >= 1 && n < g_atlases.size()) g_atlases.resize(n);
  }
  benchmark::RegisterBenchmark("baseline_intensity_liver", intensityLiver)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("baseline_one_atlas", oneAtlas)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("atlas_liver", atlasLiver)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
