// rfaplan demo [--out DIR]: runs every pipeline stage that exists on the bundled phantom case.
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"

namespace rfa::cli {
namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void addDemoCommand(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("demo", "Run the whole pipeline that exists on the built-in phantom case");
  static std::string out = "rfaplan-demo";
  static std::uint64_t seed = 1;
  cmd->add_option("--out", out, "Output folder")->capture_default_str();
  cmd->add_option("--seed", seed, "Phantom seed")->capture_default_str();
  cmd->callback([&exit_code] {
    namespace fs = std::filesystem;
    std::cout << kResearchBanner << "\n\n";
    nlohmann::json report;
    report["research_use_only"] = true;
    report["frame"] = "DICOM patient LPS, mm";

    // 1. Phantom case (DICOM CT + truth).
    auto t0 = std::chrono::steady_clock::now();
    phantom::PhantomOptions opt;
    opt.seed = seed;
    const phantom::Phantom p = phantom::generatePhantom(opt);
    phantom::writePhantomFolder(p, fs::path(out) / "phantom");
    report["steps"]["phantom"] = {{"seconds", secondsSince(t0)},
                                  {"folder", (fs::path(out) / "phantom").string()},
                                  {"lesions", p.lesion_truth.size()},
                                  {"liver_volume_ml", p.liver_volume_ml}};
    std::cout << "[1/3] phantom: " << p.ct.geometry().describe() << ", " << p.lesion_truth.size()
              << " lesions -> " << out << "/phantom\n";

    // 2. DICOM discovery and loading, checked against the voxels that were written.
    t0 = std::chrono::steady_clock::now();
    const io::ScanResult scan = io::scanDicom(fs::path(out) / "phantom" / "ct");
    if (scan.series.size() != 1)
      throw Error(ExitCode::kInternal, "demo: expected 1 series in the phantom");
    const io::LoadedSeries loaded = io::loadSeries(scan.series.front());
    double max_diff = 0;
    const auto a = loaded.image.data();
    const auto b = p.ct.data();
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double expect = std::clamp(std::round(static_cast<double>(b[i])), -1024.0, 3071.0);
      max_diff = std::max(max_diff, std::abs(static_cast<double>(a[i]) - expect));
    }
    const bool geometry_ok = loaded.image.geometry().sameGrid(p.ct.geometry(), 1e-3);
    report["steps"]["load"] = {{"seconds", secondsSince(t0)},
                               {"series", seriesToJson(loaded.series)},
                               {"max_abs_hu_difference_vs_truth", max_diff},
                               {"geometry_matches_truth", geometry_ok}};
    std::cout << "[2/3] DICOM load: " << loaded.series.slices.size() << " slices, "
              << loaded.image.geometry().describe() << "; max |HU - truth| = " << max_diff
              << (geometry_ok ? ", geometry matches" : ", GEOMETRY MISMATCH") << "\n";
    if (max_diff > 0 || !geometry_ok) {
      throw Error(ExitCode::kInternal, "demo: loaded phantom differs from what was written");
    }

    // 3. Conversion to a volume file.
    t0 = std::chrono::steady_clock::now();
    const fs::path nrrd = fs::path(out) / "ct.nrrd";
    io::writeVolumeFile(nrrd, loaded.image);
    report["steps"]["convert"] = {{"seconds", secondsSince(t0)}, {"file", nrrd.string()}};
    std::cout << "[3/3] converted to " << nrrd.string() << "\n";
    std::cout << "\nNot yet in the demo (later issues): segmentation, thermal simulation, "
                 "planning, export.\n";

    std::ofstream(fs::path(out) / "demo.json") << report.dump(2) << "\n";
    std::cout << "summary: " << (fs::path(out) / "demo.json").string() << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
