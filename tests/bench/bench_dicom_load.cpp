// Benchmark: load a DICOM CT series with rfaplan (scan + sort + parallel decode) and with ITK's
// GDCMSeriesFileNames + ImageSeriesReader<float> + GDCMImageIO, in the same run, and print the
// ratio. usage: bench_dicom_load [benchmark flags] DIR [DIR...]
#include <benchmark/benchmark.h>
#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageSeriesReader.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"

namespace {

void loadWithRfaplan(benchmark::State& state, const std::string& dir) {
  for (auto _ : state) {
    const auto scan = rfa::io::scanDicom(dir);
    const auto loaded = rfa::io::loadSeries(scan.series.front());
    benchmark::DoNotOptimize(loaded.image.data().data());
    state.counters["voxels"] = static_cast<double>(loaded.image.voxelCount());
  }
}

void loadWithItk(benchmark::State& state, const std::string& dir) {
  using Image = itk::Image<float, 3>;
  for (auto _ : state) {
    auto names = itk::GDCMSeriesFileNames::New();
    names->SetUseSeriesDetails(true);
    names->SetDirectory(dir);
    const auto uids = names->GetSeriesUIDs();
    auto io = itk::GDCMImageIO::New();
    auto reader = itk::ImageSeriesReader<Image>::New();
    reader->SetImageIO(io);
    reader->SetFileNames(names->GetFileNames(uids.front()));
    reader->Update();
    benchmark::DoNotOptimize(reader->GetOutput()->GetBufferPointer());
    state.counters["voxels"] =
        static_cast<double>(reader->GetOutput()->GetLargestPossibleRegion().GetNumberOfPixels());
  }
}

// Keeps the mean wall time per iteration of every run, to print rfaplan/ITK ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    // Per-iteration runs (no repetitions) or the "mean" aggregate (with repetitions).
    for (const auto& r : runs) {
      const bool use = (r.run_type == Run::RT_Iteration && r.iterations > 0) ||
                       (r.run_type == Run::RT_Aggregate && r.aggregate_name == "mean");
      if (use) seconds_[r.run_name.function_name] = r.GetAdjustedRealTime() / 1000.0;  // ms -> s
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void printRatios(const std::vector<std::string>& dirs) const {
    for (const auto& d : dirs) {
      const auto a = seconds_.find("rfaplan_load/" + d);
      const auto b = seconds_.find("itk_gdcm_series_reader/" + d);
      if (a == seconds_.end() || b == seconds_.end()) continue;
      std::printf("RATIO %s: rfaplan %.3f s, ITK %.3f s, rfaplan/ITK = %.2f\n", d.c_str(),
                  a->second, b->second, a->second / b->second);
    }
  }

 private:
  std::map<std::string, double> seconds_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) dirs.emplace_back(argv[i]);
  if (dirs.empty()) {
    std::fprintf(stderr, "usage: bench_dicom_load [--benchmark_* flags] DICOM_DIR [DIR...]\n");
    return 2;
  }
  for (const auto& d : dirs) {
    if (!std::filesystem::is_directory(d)) {
      std::fprintf(stderr, "bench_dicom_load: not a folder: %s\n", d.c_str());
      return 3;
    }
    benchmark::RegisterBenchmark(("rfaplan_load/" + d).c_str(), loadWithRfaplan, d)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("itk_gdcm_series_reader/" + d).c_str(), loadWithItk, d)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printRatios(dirs);
  benchmark::Shutdown();
  return 0;
}
