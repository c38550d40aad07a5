// rfaplan demo [--out DIR] [--no-confirm]: runs every pipeline stage that exists on the bundled
// phantom case (phantom, load, convert, segment, plan).
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <utility>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/core/sha256.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_io.h"
#include "rfa/segmentation/case.h"
#include "rfa/workflow/case_state.h"

namespace rfa::cli {
namespace {

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
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the whole pipeline that exists on the built-in phantom case: phantom, DICOM load, "
      "conversion, segmentation, treatment plan");
  static std::string out = "rfaplan-demo";
  static std::uint64_t seed = 1;
  static bool no_confirm = false;
  cmd->add_option("--out", out, "Output folder")->capture_default_str();
  cmd->add_flag("--no-confirm", no_confirm,
                "Plan with the preview model only (skip the bioheat confirmation)");
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
    std::cout << "[1/5] phantom: " << p.ct.geometry().describe() << ", " << p.lesion_truth.size()
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
    std::cout << "[2/5] DICOM load: " << loaded.series.slices.size() << " slices, "
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
    std::cout << "[3/5] converted to " << nrrd.string() << "\n";

    // 4. Segmentation: body, lung, bone, automatic liver and vessels; each lesion from a click at
    // its true centre (as a user would click), scored against the phantom's truth.
    t0 = std::chrono::steady_clock::now();
    segmentation::CaseSegmentationOptions so;
    for (const auto& l : p.lesion_truth) so.lesion_seeds_lps.push_back(l.center_lps);
    segmentation::CaseSegmentation seg = segmentation::segmentCase(loaded.image, so);
    const double liver_dice = dice(seg.liver.mask, p.liver);
    nlohmann::json lesions = nlohmann::json::array();
    for (const auto& l : p.lesion_truth) {
      const auto label = static_cast<std::uint16_t>(l.label);
      std::size_t voxels = 0;
      for (const auto v : seg.lesions.data()) voxels += v == label ? 1 : 0;
      Mask mine(seg.lesions.geometry(), 0);
      for (std::size_t i = 0; i < mine.voxelCount(); ++i) {
        mine.data()[i] = seg.lesions.data()[i] == label ? 1 : 0;
      }
      lesions.push_back({{"label", l.label},
                         {"diameter_mm", l.diameter_mm},
                         {"volume_ml", static_cast<double>(voxels) *
                                           seg.lesions.geometry().voxelVolumeMm3() / 1000},
                         {"truth_volume_ml", l.volume_ml_voxels},
                         {"dice", dice(mine, p.lesions, label)}});
    }
    const fs::path seg_dir = fs::path(out) / "segmentation";
    const double liver_volume_ml = seg.liver.volume_ml;
    const io::SegmentationFolder folder = workflow::toSegmentationFolder(std::move(seg));
    io::writeSegmentationFolder(seg_dir, folder);
    report["steps"]["segmentation"] = {{"seconds", secondsSince(t0)},
                                       {"liver_dice", liver_dice},
                                       {"liver_volume_ml", liver_volume_ml},
                                       {"truth_liver_volume_ml", p.liver_volume_ml},
                                       {"lesions", lesions}};
    std::cout << "[4/5] segmentation: liver Dice " << liver_dice << " (" << liver_volume_ml
              << " mL); lesions from clicks:";
    for (const auto& l : lesions) {
      std::cout << " #" << l["label"] << " Dice " << l["dice"].get<double>();
    }
    std::cout << " -> " << seg_dir.string() << "\n";

    // 5. Treatment plan on that segmentation: paths, ablations (preview search, bioheat
    // confirmation), sessions, timeline.
    t0 = std::chrono::steady_clock::now();
    const thermal::ElectrodeCatalog catalog =
        thermal::loadElectrodeCatalog(thermal::defaultElectrodeDir());
    const std::vector<thermal::PreviewCalibration> calibrations =
        thermal::readPreviewCalibrations(thermal::defaultPreviewCalibrationFile());
    const planning::ProtocolProfile profile = planning::resolveProfile("batch-rfa");
    planning::PlanBuildOptions popt;
    const planning::PlanAnatomy anatomy = workflow::anatomyOf(folder);
    const planning::PlanEquipment equipment{&catalog, &calibrations};
    planning::TreatmentPlan plan = planning::planLesions(anatomy, profile, equipment, popt);
    if (!no_confirm) planning::confirmLesions(plan, anatomy, profile, equipment, popt);
    planning::planSessions(plan, profile, popt);
    plan.source.input = (fs::path(out) / "phantom").string();
    plan.source.series_instance_uid = loaded.series.series_instance_uid;
    plan.source.study_instance_uid = loaded.series.study.study_instance_uid;
    plan.source.patient_id = loaded.series.study.patient_id;
    plan.source.frame_of_reference_uid = loaded.series.frame_of_reference_uid;
    plan.source.modality = loaded.series.modality;
    const ImageGeometry& g = loaded.image.geometry();
    plan.source.size = g.size();
    plan.source.spacing_mm = g.spacing();
    plan.source.origin_lps_mm = g.origin();
    plan.source.direction = g.direction();
    plan.source.voxel_sha256 = voxelSha256(loaded.image);
    plan.source.segmentation = "segmentation/";
    plan.software = std::string("rfaplan ") + RFAPLAN_VERSION;
    const fs::path plan_file = fs::path(out) / "plan.json";
    planning::writePlanFile(plan_file, plan);
    nlohmann::json plan_report = {{"seconds", secondsSince(t0)},
                                  {"file", plan_file.string()},
                                  {"sessions", plan.sessions.size()},
                                  {"unplaced", plan.unplaced.size()},
                                  {"cumulative_liver_fraction", plan.cumulative_liver_fraction}};
    std::cout << "[5/5] plan: " << plan.sessions.size() << " session(s), "
              << plan.cumulative_volume_ml << " mL ablated; per lesion (bioheat-confirmed minimal "
              << "margin):";
    for (const auto& l : plan.lesions) {
      const double m =
          l.confirmation ? l.confirmation->margins.minimal_margin_mm : l.preview.minimal_margin_mm;
      std::cout << " #" << l.id << " " << std::round(10 * m) / 10 << " mm"
                << (l.flag == "none" ? "" : " (" + l.flag + ")");
      plan_report["lesions"].push_back(
          {{"id", l.id}, {"minimal_margin_mm", m}, {"flag", l.flag}, {"session", l.session}});
    }
    report["steps"]["plan"] = plan_report;
    std::cout << " -> " << plan_file.string() << "\n";
    std::cout << "\nNot yet in the demo (later issues): DICOM RT export, report, GUI.\n";
    std::ofstream(fs::path(out) / "demo.json") << report.dump(2) << "\n";
    std::cout << "summary: " << (fs::path(out) / "demo.json").string() << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
