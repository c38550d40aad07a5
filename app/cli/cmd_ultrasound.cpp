// rfaplan ultrasound PLAN --out DIR [--lesion N] [--size PX] [--probe NAME]
// A thin shell over rfa::workflow::writeUltrasoundImages: per lesion the probe window of its first
// needle and the simulated ultrasound of that plane, as PNG + ultrasound.json.
#include <chrono>
#include <iostream>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/workflow/ultrasound_images.h"

namespace rfa::cli {

void addUltrasoundCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "ultrasound",
      "Per lesion of a plan: the best probe window of its first needle (access, visible fractions, "
      "flags) and the simulated ultrasound image of that probe plane with the lesion, zones and "
      "needle drawn (PNG). RESEARCH USE ONLY");
  static std::string plan_file;
  static std::string out;
  static std::string series;
  static std::string segmentation;
  static std::string probe;
  static int lesion = 0;
  static int size = 512;
  cmd->add_option("PLAN", plan_file, "Plan JSON written by 'rfaplan plan'")->required();
  cmd->add_option("-o,--out", out, "Output folder (PNG per lesion + ultrasound.json)")->required();
  cmd->add_option("--lesion", lesion, "Only this lesion (id); default: every lesion");
  cmd->add_option("--size", size, "Image width and height, pixels (64-2048)")
      ->capture_default_str();
  cmd->add_option("--probe", probe,
                  "Probe for lesions the plan has no window for (default: curvilinear-abdominal)");
  cmd->add_option("--series", series, "The image series planned on (default: as recorded)");
  cmd->add_option("--segmentation", segmentation, "Its segmentation folder (default: as recorded)");
  cmd->footer(
      "Exit codes: 0 written, 2 bad option (a lesion the plan does not have), 3 plan, series or "
      "segmentation not found, 5 malformed plan, 6 segmentation on another grid, 8 cannot "
      "write, 9 the series found is not the one planned.");
  cmd->callback([&exit_code] {
    const auto t0 = std::chrono::steady_clock::now();
    workflow::UltrasoundImagesOptions o;
    o.inputs.series = series;
    o.inputs.segmentation = segmentation;
    o.lesion_id = lesion;
    o.size_px = size;
    o.probe = probe;
    const std::vector<workflow::UltrasoundImage> images =
        workflow::writeUltrasoundImages(plan_file, out, o);
    for (const workflow::UltrasoundImage& u : images) {
      std::cout << "lesion " << u.lesion_id << ": " << u.summary;
      for (const std::string& f : u.flags) std::cout << "; " << f;
      if (u.assessed_now) std::cout << " (assessed now: the plan has no window)";
      if (!u.file.empty()) {
        std::cout << "\n  " << u.file.string() << " (simulated in " << fixed(u.frame_ms, 0)
                  << " ms)";
      }
      std::cout << "\n";
    }
    std::cout << images.size() << " lesion(s) in " << fixed(secondsSince(t0), 1) << " s; "
              << (std::filesystem::path(out) / "ultrasound.json").string() << "\n";
    std::cout << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
