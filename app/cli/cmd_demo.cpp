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
#include "rfa/segmentation/lesion.h"
#include "rfa/segmentation/liver.h"

namespace rfa::cli {
namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Dice overlap of `a` (non-zero) with the voxels of `b` equal to `label` (0 = any non-zero).
template <class A, class B>
double dice(const Volume<A>& a, const Volume<B>& b, B label = 0) {
  std::size_t na = 0, nb = 0, both = 0;
  for (std::size_t i = 0; i < a.voxelCount(); ++i) {
    const bool x = a.data()[i] != 0;
    const bool y = label == 0 ? b.data()[i] != 0 : b.data()[i] == label;
    na += x ? 1 : 0;
    nb += y ? 1 : 0;
    both += x && y ? 1 : 0;
  }
  return na + nb == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
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
    std::cout << "[1/4] phantom: " << p.ct.geometry().describe() << ", " << p.lesion_truth.size()
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
    std::cout << "[2/4] DICOM load: " << loaded.series.slices.size() << " slices, "
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
    std::cout << "[3/4] converted to " << nrrd.string() << "\n";

    // 4. Segmentation: automatic liver; each lesion from a click at its true centre (as a user
    // would click), scored against the phantom's truth.
    t0 = std::chrono::steady_clock::now();
    const segmentation::LiverSegmentation liver = segmentation::segmentLiver(loaded.image);
    const double liver_dice = dice(liver.mask, p.liver);
    nlohmann::json lesions = nlohmann::json::array();
    const fs::path seg_dir = fs::path(out) / "segmentation";
    LabelMap lesion_labels(loaded.image.geometry(), 0);
    for (const auto& l : p.lesion_truth) {
      const auto seg =
          segmentation::segmentLesionFromSeed(loaded.image, l.center_lps, {}, &liver.mask);
      const double d = dice(seg.mask, p.lesions, static_cast<std::uint16_t>(l.label));
      for (std::size_t i = 0; i < seg.mask.voxelCount(); ++i) {
        if (seg.mask.data()[i] != 0 && lesion_labels.data()[i] == 0) {
          lesion_labels.data()[i] = static_cast<std::uint16_t>(l.label);
        }
      }
      lesions.push_back({{"label", l.label},
                         {"diameter_mm", l.diameter_mm},
                         {"volume_ml", seg.volume_ml},
                         {"truth_volume_ml", l.volume_ml_voxels},
                         {"dice", d}});
    }
    io::writeVolumeFile(seg_dir / "liver.nrrd", liver.mask);
    io::writeVolumeFile(seg_dir / "lesions.nrrd", lesion_labels);
    report["steps"]["segmentation"] = {{"seconds", secondsSince(t0)},
                                       {"liver_dice", liver_dice},
                                       {"liver_volume_ml", liver.volume_ml},
                                       {"truth_liver_volume_ml", p.liver_volume_ml},
                                       {"lesions", lesions}};
    std::cout << "[4/4] segmentation: liver Dice " << liver_dice << " (" << liver.volume_ml
              << " mL); lesions from clicks:";
    for (const auto& l : lesions) {
      std::cout << " #" << l["label"] << " Dice " << l["dice"].get<double>();
    }
    std::cout << " -> " << seg_dir.string() << "\n";
    std::cout
        << "\nNot yet in the demo (later issues): vessels, thermal simulation, planning, export.\n";

    std::ofstream(fs::path(out) / "demo.json") << report.dump(2) << "\n";
    std::cout << "summary: " << (fs::path(out) / "demo.json").string() << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
