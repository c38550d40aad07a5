// rfaplan phantom --out DIR [--lesions N] [--seed S] [--size X,Y,Z] [--spacing mm] [--noise HU]
//   [--lesion-diameters MIN,MAX]
#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"

namespace rfa::cli {
namespace {

// "MIN,MAX" lesion diameters in mm. \throws UsageError unless 3 <= MIN <= MAX <= 60.
std::pair<double, double> parseDiameterRange(const std::string& text) {
  const std::string bad = "--lesion-diameters " + text + ": ";
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const double d = std::stod(item, &used);
      if (used != item.size() || !std::isfinite(d)) throw std::invalid_argument(item);
      v.push_back(d);
    } catch (const std::exception&) {
      throw UsageError(bad + "expected MIN,MAX in mm (two numbers)");
    }
  }
  if (v.size() != 2) throw UsageError(bad + "expected MIN,MAX in mm (two numbers)");
  if (!(v[0] >= 3.0 && v[0] <= v[1] && v[1] <= 60.0)) {
    throw UsageError(bad + "must satisfy 3 <= MIN <= MAX <= 60 mm");
  }
  return {v[0], v[1]};
}

}  // namespace

void addPhantomCommand(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("phantom", "Write a synthetic abdominal CT phantom with ground truth");
  static std::string out;
  static phantom::PhantomOptions opt;
  static std::string size_text = "256,256,100";
  static std::string spacing_text = "1.5,1.5,2.0";
  static std::string diameters_text = "6,46";
  cmd->add_option("--out", out, "Output folder (DIR/ct, DIR/truth/*.nrrd, DIR/truth.json)")
      ->required();
  cmd->add_option("--lesions", opt.lesions, "Number of lesions (0-12)")
      ->check(CLI::Range(0, 12))
      ->capture_default_str();
  cmd->add_option("--seed", opt.seed, "Random seed (same seed, same phantom)")
      ->capture_default_str();
  cmd->add_option("--size", size_text, "Voxels X,Y,Z")->capture_default_str();
  cmd->add_option("--spacing", spacing_text, "Voxel spacing in mm: one value or X,Y,Z")
      ->capture_default_str();
  cmd->add_option("--noise", opt.noise_sigma_hu, "Image noise sigma (HU)")
      ->check(CLI::Range(0.0, 200.0))
      ->capture_default_str();
  cmd->add_flag("--neighbours", opt.neighbours,
                "Also paint the organs around the liver at liver-like contrast-phase intensities "
                "(heart, spleen with a bridge, kidney, vena cava, aorta, stomach and bowel with "
                "oral contrast): the hard case for the liver's boundary");
  static std::string modality = "CT";
  cmd->add_option("--modality", modality,
                  "CT (Hounsfield units, portal venous) or MR (T2-weighted fat-suppressed signal "
                  "with a receive-coil bias, written as MR Image Storage)")
      ->check(CLI::IsMember({"CT", "MR"}))
      ->capture_default_str();
  cmd->add_option("--lesion-diameters", diameters_text,
                  "Lesion diameter range MIN,MAX in mm (3 <= MIN <= MAX <= 60): log-spaced over "
                  "the lesions, +-8 % jitter")
      ->capture_default_str();
  cmd->callback([&exit_code] {
    std::tie(opt.min_lesion_diameter_mm, opt.max_lesion_diameter_mm) =
        parseDiameterRange(diameters_text);
    const Vec3 size = parseVec3("--size", size_text, false);
    for (int a = 0; a < 3; ++a) {
      if (size[a] < 1 || size[a] > 2048 || size[a] != std::floor(size[a])) {
        throw Error(ExitCode::kUsage,
                    "--size " + size_text + ": each value must be an integer in 1..2048");
      }
      opt.size[a] = static_cast<std::size_t>(size[a]);
    }
    opt.spacing_mm = parseVec3("--spacing", spacing_text, true);
    for (int a = 0; a < 3; ++a) {
      if (!(opt.spacing_mm[a] > 0.0) || opt.spacing_mm[a] > 20.0) {
        throw Error(ExitCode::kUsage,
                    "--spacing " + spacing_text + ": each value must be in (0, 20] mm");
      }
    }
    opt.mr_t2 = modality == "MR";
    const auto t0 = std::chrono::steady_clock::now();
    const phantom::Phantom p = phantom::generatePhantom(opt);
    phantom::writePhantomFolder(p, out);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "phantom written to " << out << " (" << p.ct.geometry().describe() << ", "
              << p.lesion_truth.size() << " lesions, liver " << p.liver_volume_ml << " mL, " << s
              << " s)\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
