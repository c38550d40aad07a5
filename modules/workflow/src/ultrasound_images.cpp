// The ultrasound view of a saved plan (ultrasound_images.h).
#include "rfa/workflow/ultrasound_images.h"

#include <nlohmann/json.hpp>
#include <system_error>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/report/margin_image.h"
#include "rfa/report/probe_image.h"
#include "rfa/ultrasound/probe.h"
#include "rfa/workflow/acoustic_windows.h"

namespace rfa::workflow {
namespace fs = std::filesystem;

std::vector<UltrasoundImage> writeUltrasoundImages(const fs::path& plan_file,
                                                   const fs::path& out_dir,
                                                   const UltrasoundImagesOptions& options) {
  if (options.size_px < 64 || options.size_px > 2048) {
    throw UsageError("ultrasound images: --size must be 64..2048 pixels");
  }
  planning::PlanCase c = planning::loadPlanCase(plan_file, options.inputs);
  planning::TreatmentPlan& plan = c.plan;
  if (options.lesion_id != 0) {
    bool found = false;
    for (const planning::PlanLesion& l : plan.lesions) {
      if (l.id != options.lesion_id) continue;
      found = true;
      if (l.placements.empty()) {
        throw UsageError("--lesion " + std::to_string(l.id) + ": the lesion has no placement");
      }
    }
    if (!found) {
      throw UsageError("--lesion " + std::to_string(options.lesion_id) +
                       ": the plan has no such lesion");
    }
  }
  // Windows the plan lacks are assessed now (not saved into the plan).
  std::vector<int> assessed;
  bool missing = false;
  for (const planning::PlanLesion& l : plan.lesions) {
    missing = missing || (!l.placements.empty() && !l.ultrasound);
  }
  if (missing) {
    const ultrasound::ProbeModel probe = ultrasound::loadProbe(
        options.probe.empty() ? std::string(ultrasound::kDefaultProbe) : options.probe);
    std::vector<LesionWindow> windows;
    for (LesionWindow& w : acousticWindows(plan, c.image.image, c.segmentation, probe)) {
      for (const planning::PlanLesion& l : plan.lesions) {
        if (l.id == w.lesion_id && !l.ultrasound) {
          assessed.push_back(l.id);
          windows.push_back(std::move(w));
          break;
        }
      }
    }
    recordAcousticWindows(plan, windows, probe.name);
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw WriteError("cannot create " + out_dir.string() + ": " + ec.message());

  const std::optional<Mask> vessels = io::vesselMaskOf(c.segmentation);
  std::vector<UltrasoundImage> out;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.placements.empty() || !l.ultrasound) continue;
    if (options.lesion_id != 0 && l.id != options.lesion_id) continue;
    UltrasoundImage u;
    u.lesion_id = l.id;
    u.summary = report::windowSummary(l);
    u.flags = l.ultrasound->flags;
    u.assessed_now = std::find(assessed.begin(), assessed.end(), l.id) != assessed.end();
    if (!l.ultrasound->access.empty()) {
      const report::ProbeImage img =
          report::renderProbeImage(c.image.image, *c.segmentation.lesions,
                                   c.segmentation.bone ? &*c.segmentation.bone : nullptr,
                                   c.segmentation.lung ? &*c.segmentation.lung : nullptr,
                                   vessels ? &*vessels : nullptr, plan, l.id, options.size_px);
      u.file = out_dir / ("lesion-" + std::to_string(l.id) + "-ultrasound.png");
      report::writePng(img.pixels, u.file);
      u.frame_ms = img.frame_ms;
    }
    const planning::PlanUltrasound& w = *l.ultrasound;
    nlohmann::ordered_json j;
    j["lesion"] = l.id;
    j["probe"] = w.probe;
    j["access"] = w.access;
    j["lesion_visible"] = w.lesion_visible;
    j["needle_visible"] = w.needle_visible;
    j["depth_mm"] = w.depth_mm;
    j["rotation_deg"] = w.rotation_deg;
    j["contact_lps_mm"] = {w.contact_lps.x(), w.contact_lps.y(), w.contact_lps.z()};
    j["axial_lps"] = {w.axial_lps.x(), w.axial_lps.y(), w.axial_lps.z()};
    j["lateral_lps"] = {w.lateral_lps.x(), w.lateral_lps.y(), w.lateral_lps.z()};
    j["flags"] = w.flags;
    j["paths_visible"] = w.paths_visible;
    j["paths_assessed"] = w.paths_assessed;
    j["assessed_now"] = u.assessed_now;
    j["image"] = u.file.empty() ? std::string() : u.file.filename().string();
    j["frame_ms"] = u.frame_ms;
    list.push_back(std::move(j));
    out.push_back(std::move(u));
  }
  nlohmann::ordered_json root;
  root["plan"] = plan_file.filename().string();
  root["frame"] = "DICOM patient LPS, mm";
  root["research_use_only"] = true;
  root["lesions"] = std::move(list);
  writeFileAtomically(out_dir / "ultrasound.json", root.dump(2) + "\n");
  return out;
}

}  // namespace rfa::workflow
