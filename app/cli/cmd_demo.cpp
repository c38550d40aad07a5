// rfaplan demo [--out DIR] [--no-confirm] [--no-followup] [--no-gui]: the whole pipeline on the
// built-in phantom case, as a user would run it: phantom CT, DICOM load, conversion, segmentation,
// treatment plan, DICOM RT Structure Set + SEG, tumour-board PDF, a follow-up CT of session 1 with
// its margin confirmation ('rfaplan phantom-followup' and 'rfaplan confirm' run as child
// processes), and a screenshot of the workstation ('rfaplan-gui --screenshot', on the user's
// display or a private Xvfb). DIR/demo.json lists every output.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <utility>

#include "child_process.h"
#include "cli_common.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/followup/confirm.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/phantom/phantom_folder.h"
#include "rfa/phantom/synthetic_followup.h"
#include "rfa/segmentation/case.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/exports.h"

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

// The outputs of the demo, each with what it is (demo.json "outputs").
struct Outputs {
  nlohmann::json list = nlohmann::json::array();
  void add(const std::filesystem::path& path, const std::string& what) {
    list.push_back({{"path", path.string()}, {"what", what}});
  }
};

// Where the demo writes: its folder, the plan file in it, the child steps' logs.
struct DemoFolders {
  std::filesystem::path out;
  std::filesystem::path plan_file;
  std::filesystem::path logs;
};

// Step 8: a synthetic post-ablation CT of session 1 with exact truth ('rfaplan phantom-followup'),
// then the margin confirmation on it ('rfaplan confirm'), both run as the user runs them; the
// measured minimal ablative margins next to the true ones. Returns the step's demo.json entry.
// \throws Error (kInternal) naming the log of a child step that failed.
nlohmann::json runFollowupStep(const DemoFolders& d, Outputs& outputs, const std::string& step) {
  namespace fs = std::filesystem;
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path self = selfExecutable();
  const fs::path fdir = d.out / "followup";
  const fs::path cdir = d.out / "confirm";
  const std::vector<std::vector<std::string>> commands = {
      {self.string(), "phantom-followup", d.plan_file.string(), "--phantom",
       (d.out / "phantom").string(), "--out", fdir.string(), "--session", "1"},
      {self.string(), "confirm", d.plan_file.string(), (fdir / "ct").string(), "--session", "1",
       "-o", cdir.string()}};
  nlohmann::json ran = nlohmann::json::array();
  for (const auto& argv : commands) {
    const fs::path log = d.logs / (argv[1] + ".log");
    std::string line = "rfaplan";
    for (std::size_t k = 1; k < argv.size(); ++k) line += " " + argv[k];
    ran.push_back({{"command", line}, {"log", log.string()}});
    const int rc = runChild(argv, log);
    if (rc != 0) {
      throw Error(ExitCode::kInternal, "demo: '" + line + "' failed with exit code " +
                                           std::to_string(rc) + " (see " + log.string() + ")");
    }
  }
  const std::map<int, double> true_mam = phantom::readSyntheticFollowupMargins(fdir);
  const std::vector<followup::MarginsRow> margins =
      followup::readMarginsFile(cdir / "margins.json");
  nlohmann::json per_lesion = nlohmann::json::array();
  std::cout << step << "follow-up of session 1 -> " << fdir.string()
            << "; margins confirmed (measured vs true MAM):";
  for (const followup::MarginsRow& l : margins) {
    nlohmann::json row = {{"lesion", l.lesion},
                          {"minimal_margin_mm", l.minimal_margin_mm},
                          {"verdict", l.verdict},
                          {"technical_success", l.technical_success}};
    std::cout << " #" << l.lesion << " " << fixed(l.minimal_margin_mm, 1);
    if (const auto t = true_mam.find(l.lesion); t != true_mam.end()) {
      row["true_minimal_margin_mm"] = t->second;
      std::cout << " vs " << fixed(t->second, 1);
    }
    std::cout << " mm (" << l.verdict << ")";
    per_lesion.push_back(row);
  }
  std::cout << " -> " << cdir.string() << "\n";
  outputs.add(fdir / "ct", "follow-up CT of session 1 (DICOM, synthetic, known deformation)");
  outputs.add(fdir / "truth.json", "follow-up truth: zones, true minimal ablative margins");
  outputs.add(cdir / "margins.json", "margin confirmation: MAM per lesion, verdicts");
  outputs.add(cdir,
              "margin colour maps margin_L<id>.png, zones and margin maps (NRRD), registration");
  return {{"seconds", secondsSince(t0)},
          {"commands", ran},
          {"folder", fdir.string()},
          {"confirmation", cdir.string()},
          {"lesions", per_lesion}};
}

// Step 9: a screenshot of the plan in rfaplan-gui (MPR + 3D) on $DISPLAY or a private Xvfb;
// skipped, with the reason, when told to, when rfaplan-gui is not built beside this program or
// when there is neither a display nor Xvfb. Returns the step's demo.json entry.
// \throws Error (kInternal) naming the log when rfaplan-gui fails.
nlohmann::json runScreenshotStep(const DemoFolders& d, bool no_gui, Outputs& outputs,
                                 const std::string& step) {
  namespace fs = std::filesystem;
  const std::optional<fs::path> gui = findGuiExecutable();
  const char* display_env = std::getenv("DISPLAY");
  const bool have_display = display_env != nullptr && *display_env != '\0';
  const std::optional<fs::path> xvfb = findOnPath("Xvfb");
  std::string skipped;
  if (no_gui) {
    skipped = "--no-gui";
  } else if (!gui) {
    skipped = "rfaplan-gui is not built or installed next to " + selfExecutable().string();
  } else if (!have_display && !xvfb) {
    skipped = "no display (DISPLAY unset) and no Xvfb (apt install xvfb)";
  }
  if (!skipped.empty()) {
    std::cout << step << "workstation screenshot: skipped (" << skipped << ")\n";
    return {{"skipped", skipped}};
  }
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path png = d.out / "gui-mpr.png";
  const fs::path log = d.logs / "rfaplan-gui.log";
  std::optional<XvfbDisplay> private_display;
  std::string display;
  std::vector<std::pair<std::string, std::string>> env;
  if (have_display) {
    display = display_env;
  } else {
    private_display.emplace(*xvfb, d.logs / "xvfb.log");
    display = private_display->display() + " (private Xvfb)";
    env.emplace_back("DISPLAY", private_display->display());
  }
  const int rc = runChild({gui->string(), "--screenshot", png.string(), "--layout", "mpr", "--size",
                           "1600x1000", d.plan_file.string()},
                          log, env);
  private_display.reset();
  if (rc != 0) {
    throw Error(ExitCode::kInternal, "demo: rfaplan-gui --screenshot failed with exit code " +
                                         std::to_string(rc) + " (see " + log.string() + ")");
  }
  outputs.add(png, "screenshot of the workstation (rfaplan-gui) with the plan");
  std::cout << step << "workstation screenshot on " << display << " -> " << png.string() << "\n";
  return {{"seconds", secondsSince(t0)},
          {"file", png.string()},
          {"display", display},
          {"log", log.string()}};
}

}  // namespace

void addDemoCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the whole pipeline on the built-in phantom case: phantom CT, DICOM load, conversion, "
      "segmentation, treatment plan, RT Structure Set + SEG, PDF report, follow-up CT with margin "
      "confirmation, workstation screenshot. OUT/demo.json lists every output");
  static std::string out = "rfaplan-demo";
  static std::uint64_t seed = 1;
  static bool no_confirm = false;
  static bool no_followup = false;
  static bool no_gui = false;
  cmd->add_option("--out", out, "Output folder")->capture_default_str();
  cmd->add_flag("--no-confirm", no_confirm,
                "Plan with the preview model only (skip the bioheat confirmation)");
  cmd->add_flag("--no-followup", no_followup, "Skip the follow-up CT and its margin confirmation");
  cmd->add_flag("--no-gui", no_gui, "Skip the workstation screenshot");
  cmd->footer(
      "Exit codes: 0 every step ran (a step skipped for want of rfaplan-gui or a display is "
      "recorded in demo.json with the reason), 1 a step gave a wrong result (e.g. the DICOM read "
      "back differs from what was written) or a child step failed (its log is named), 8 cannot "
      "write.");
  cmd->add_option("--seed", seed, "Phantom seed")->capture_default_str();
  cmd->callback([&exit_code] {
    namespace fs = std::filesystem;
    std::cout << kResearchBanner << "\n\n";
    nlohmann::json report;
    report["research_use_only"] = true;
    report["frame"] = "DICOM patient LPS, mm";
    Outputs outputs;
    constexpr int kSteps = 9;
    const auto step = [](int n) {
      return "[" + std::to_string(n) + "/" + std::to_string(kSteps) + "] ";
    };
    const fs::path logs = fs::path(out) / "logs";

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
    outputs.add(fs::path(out) / "phantom" / "ct", "phantom CT series (DICOM)");
    outputs.add(fs::path(out) / "phantom" / "truth", "phantom ground truth (NRRD label maps)");
    outputs.add(fs::path(out) / "phantom" / "truth.json",
                "phantom ground truth (lesions, vessels)");
    std::cout << step(1) << "phantom: " << p.ct.geometry().describe() << ", "
              << p.lesion_truth.size() << " lesions -> " << out << "/phantom\n";

    // 2. DICOM discovery and loading, checked against the voxels that were written.
    t0 = std::chrono::steady_clock::now();
    const io::ScanResult scan = io::scanDicom(fs::path(out) / "phantom" / "ct");
    if (scan.series.size() != 1)
      throw Error(ExitCode::kInternal, "demo: expected 1 series in the phantom");
    const io::LoadedSeries loaded = io::loadSeries(scan.series.front());
    double max_diff = 0;
    const ImageVolume stored = phantom::storedCtValues(p.ct);  // what the series holds
    const auto a = loaded.image.data();
    const auto b = stored.data();
    for (std::size_t i = 0; i < a.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(static_cast<double>(a[i]) - b[i]));
    }
    const bool geometry_ok = loaded.image.geometry().sameGrid(p.ct.geometry(), 1e-3);
    report["steps"]["load"] = {{"seconds", secondsSince(t0)},
                               {"series", seriesToJson(loaded.series)},
                               {"max_abs_hu_difference_vs_truth", max_diff},
                               {"geometry_matches_truth", geometry_ok}};
    std::cout << step(2) << "DICOM load: " << loaded.series.slices.size() << " slices, "
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
    outputs.add(nrrd, "the CT as a volume file (NRRD)");
    std::cout << step(3) << "converted to " << nrrd.string() << "\n";

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
    outputs.add(seg_dir, "segmentation: body, lung, bone, liver, vessels, lesions (NRRD)");
    std::cout << step(4) << "segmentation: liver Dice " << liver_dice << " (" << liver_volume_ml
              << " mL); lesions from clicks:";
    for (const auto& l : lesions) {
      std::cout << " #" << l["label"] << " Dice " << l["dice"].get<double>();
    }
    std::cout << " -> " << seg_dir.string() << "\n";

    // 5. Treatment plan on that segmentation: paths, ablations (preview search, bioheat
    // confirmation), sessions, timeline.
    t0 = std::chrono::steady_clock::now();
    workflow::CaseState state;
    state.input = (fs::path(out) / "phantom").string();
    state.image_input = state.input;
    state.image.image = loaded.image;
    state.image.series = loaded.series;
    state.image.source = "DICOM series " + loaded.series.series_instance_uid;
    state.segmentation = folder;
    state.segmentation_record = "segmentation/";
    workflow::PlanRequest request;
    request.confirm = !no_confirm;
    (void)workflow::planCase(state, request, RFAPLAN_VERSION);
    const fs::path plan_file = fs::path(out) / "plan.json";
    (void)workflow::savePlan(state, plan_file);
    const planning::TreatmentPlan& plan = *state.plan;
    nlohmann::json plan_report = {{"seconds", secondsSince(t0)},
                                  {"file", plan_file.string()},
                                  {"sessions", plan.sessions.size()},
                                  {"unplaced", plan.unplaced.size()},
                                  {"cumulative_liver_fraction", plan.cumulative_liver_fraction}};
    outputs.add(plan_file, "treatment plan (JSON, docs/plan-format.md)");
    std::cout << step(5) << "plan: " << plan.sessions.size() << " session(s), "
              << plan.cumulative_volume_ml << " mL ablated; per lesion ("
              << (no_confirm ? "preview-model" : "bioheat-confirmed") << " minimal margin):";
    for (const auto& l : plan.lesions) {
      const double m =
          l.confirmation ? l.confirmation->margins.minimal_margin_mm : l.preview.minimal_margin_mm;
      std::cout << " #" << l.id << " " << std::round(10 * m) / 10 << " mm"
                << (l.flag == planning::LesionFlag::kNone
                        ? ""
                        : " (" + planning::toString(l.flag) + ")");
      plan_report["lesions"].push_back({{"id", l.id},
                                        {"minimal_margin_mm", m},
                                        {"flag", planning::toString(l.flag)},
                                        {"session", l.session}});
    }
    report["steps"]["plan"] = plan_report;
    std::cout << " -> " << plan_file.string() << "\n";

    // 6. DICOM RT Structure Set and SEG of the plan, from the saved plan file (as the export
    // commands and the workstation's File > Export do).
    t0 = std::chrono::steady_clock::now();
    workflow::ExportOptions eo;
    eo.software = plan.software;
    const fs::path rtss = fs::path(out) / "export" / "rtss.dcm";
    const fs::path segf = fs::path(out) / "export" / "seg.dcm";
    fs::create_directories(rtss.parent_path());
    const workflow::ExportSummary rs = workflow::exportRtstruct(plan_file, rtss, eo);
    const workflow::ExportSummary ss = workflow::exportSeg(plan_file, segf, eo);
    report["steps"]["dicom_export"] = {
        {"seconds", secondsSince(t0)},
        {"rtstruct",
         {{"file", rtss.string()},
          {"rois", rs.rois},
          {"contours", rs.contours},
          {"sop_instance_uid", rs.sop_instance_uid}}},
        {"seg", {{"file", segf.string()}, {"segments", ss.segments}, {"frames", ss.frames}}},
        {"referenced_series", rs.series_instance_uid}};
    outputs.add(rtss, "DICOM RT Structure Set of the plan");
    outputs.add(segf, "DICOM Segmentation (SEG) of the plan");
    std::cout << step(6) << "DICOM export: RT Structure Set " << rs.rois << " ROIs, " << rs.contours
              << " contours -> " << rtss.string() << "; SEG " << ss.segments << " segments, "
              << ss.frames << " frames -> " << segf.string() << "\n";

    // 7. Tumour-board report (PDF).
    t0 = std::chrono::steady_clock::now();
    const fs::path pdf = fs::path(out) / "report.pdf";
    const workflow::ExportSummary ps = workflow::exportReport(plan_file, pdf, eo);
    report["steps"]["report"] = {{"seconds", secondsSince(t0)},
                                 {"file", ps.file.string()},
                                 {"pages", ps.pages},
                                 {"bytes", ps.bytes}};
    outputs.add(ps.file, "tumour-board report (PDF)");
    std::cout << step(7) << "report: " << ps.pages << " pages -> " << ps.file.string() << "\n";

    // 8. Follow-up of session 1 with its margin confirmation; 9. the workstation screenshot.
    const DemoFolders where{fs::path(out), plan_file, logs};
    if (no_followup) {
      report["steps"]["followup"] = {{"skipped", "--no-followup"}};
      std::cout << step(8) << "follow-up: skipped (--no-followup)\n";
    } else {
      report["steps"]["followup"] = runFollowupStep(where, outputs, step(8));
    }
    report["steps"]["gui_screenshot"] = runScreenshotStep(where, no_gui, outputs, step(9));

    const fs::path summary = fs::path(out) / "demo.json";
    outputs.add(summary, "this summary: every step's figures and outputs");
    report["outputs"] = outputs.list;
    writeFileAtomically(summary, report.dump(2) + "\n");
    std::cout << "\nWhere to look (" << out << "/):\n";
    for (const auto& o : outputs.list) {
      std::cout << "  " << o["path"].get<std::string>() << "  " << o["what"].get<std::string>()
                << "\n";
    }
    std::cout << "Open the plan in the workstation: rfaplan-gui " << plan_file.string() << "\n"
              << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
