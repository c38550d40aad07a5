// rfaplan segment INPUT [--series UID] [--lesion-seed x,y,z]... [--liver-seed x,y,z]...
//                 [--liver-atlas DIR [--atlas-liver-label N]] -o OUTDIR
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <utility>

#include "cli_common.h"
#include "rfa/atlas/atlas_liver.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/report/margin_image.h"
#include "rfa/report/review_image.h"
#include "rfa/segmentation/case.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/image_modality.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

nlohmann::json v3(const Vec3& v) {
  return nlohmann::json::array({v.x(), v.y(), v.z()});
}

nlohmann::json measurementJson(const segmentation::LesionMeasurement& m) {
  nlohmann::json j;
  j["label"] = m.label;
  j["volume_ml"] = m.volume_ml;
  j["centroid_lps_mm"] = v3(m.centroid_lps);
  j["recist_long_axial_mm"] = m.axial_long_mm;
  j["recist_short_axial_mm"] = m.axial_short_mm;
  j["recist_slice_index"] = m.axial_slice;
  j["recist_long_axis_lps_mm"] = {v3(m.axial_long.a), v3(m.axial_long.b)};
  j["longest_3d_mm"] = m.longest_3d_mm;
  j["longest_3d_axis_lps_mm"] = {v3(m.longest_3d.a), v3(m.longest_3d.b)};
  return j;
}

// The "segmentation" object of one lesion in lesions.json.
nlohmann::json recordJson(const segmentation::LesionRecord& r) {
  nlohmann::json j = {{"label", r.label},
                      {"source", r.source},
                      {"seed_lps_mm", v3(r.seed_lps)},
                      {"hyperdense", r.hyperdense},
                      {"voxels_shared_with_earlier_lesions", r.voxels_shared_with_earlier_lesions}};
  const auto put = [&j](const char* key, const auto& value) {
    if (value) j[key] = *value;
  };
  put("lesion_median_hu", r.lesion_median_hu);
  put("surround_median_hu", r.surround_median_hu);
  put("threshold_hu", r.threshold_hu);
  put("reached_search_limit", r.reached_search_limit);
  put("score", r.score);
  put("contrast_hu", r.contrast_hu);
  put("contrast_to_noise", r.contrast_to_noise);
  put("compactness", r.compactness);
  if (r.source == "automatic candidate") {
    j["confident"] = r.confident;  // planned without a look by `rfaplan plan`
    j["triage"] = r.triage;
  }
  return j;
}

// OUTDIR/review/liver.png and lesion_<label>.png (review_image.h).
void writeReviewImages(const ImageVolume& ct, const segmentation::CaseSegmentation& seg,
                       const fs::path& dir, bool auto_window) {
  fs::create_directories(dir);
  report::writePng(report::renderLiverReview(ct, seg.liver.mask, &seg.lesions, auto_window),
                   dir / "liver.png");
  for (const segmentation::LesionRecord& rec : seg.lesion_records) {
    if (!rec.measurement) continue;
    std::ostringstream caption;
    caption << "L" << rec.label << " " << rec.source;
    if (rec.score) caption << " score " << std::fixed << std::setprecision(2) << *rec.score;
    if (rec.source == "automatic candidate" && !rec.confident) caption << " TO REVIEW";
    caption << "  " << std::fixed << std::setprecision(1) << rec.measurement->volume_ml << " mL";
    report::writePng(report::renderLesionReview(ct, seg.lesions, rec.label, &seg.liver.mask,
                                                &seg.vessels.mask, caption.str(), auto_window),
                     dir / ("lesion_" + std::to_string(rec.label) + ".png"));
  }
}

}  // namespace

void addSegmentCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "segment",
      "Segment body, lung, bone, liver, vessels (with radius) and lesions; measure the lesions");
  static std::string input;
  static std::string series;
  static std::string out;
  static std::vector<std::string> lesion_seeds;
  static std::vector<std::string> liver_seeds;
  static bool auto_lesions = false;
  static bool review_images = false;
  static std::string modality;
  static std::string liver_atlas;
  static int atlas_liver_label = 1;
  cmd->add_option("INPUT", input, "DICOM folder/file, phantom folder or volume file")->required();
  cmd->add_option("--series", series, "SeriesInstanceUID (or id from 'rfaplan series')");
  cmd->add_option("--lesion-seed", lesion_seeds,
                  "Point inside a lesion, x,y,z in LPS mm (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--liver-seed", liver_seeds,
                  "Point inside the liver, x,y,z in LPS mm (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag(
      "--auto-lesions", auto_lesions,
      "Also detect lesion candidates in the liver automatically (each with a score, to accept or "
      "reject); they get the labels after the seeded lesions");
  cmd->add_option("--modality", modality,
                  "CT or MR (default: the DICOM header; for volume files a guess from the "
                  "intensities). MR: body and liver, lesions from clicks; no lungs, bone, vessels "
                  "or automatic candidates");
  cmd->add_option("--liver-atlas", liver_atlas,
                  "Multi-atlas liver: a folder of labelled images of other patients "
                  "(image_<id> + label_<id>, .nii.gz/.nii/.nrrd, same modality), registered to "
                  "INPUT and fused instead of the intensity model (about 1.5 s per atlas)");
  cmd->add_option("--atlas-liver-label", atlas_liver_label,
                  "Value of the liver in the atlas label files (default 1)");
  cmd->add_flag("--review-images", review_images,
                "Also write review pictures (PNG) under OUTDIR/review/: liver.png (the liver on "
                "coronal and axial planes) and lesion_<label>.png (each lesion on its axial, "
                "coronal and sagittal planes, with the liver and vessels outlined)");
  cmd->add_option("-o,--output", out, "Output folder")->required();
  cmd->callback([&exit_code] {
    nlohmann::json report;
    report["research_use_only"] = true;
    report["frame"] = "DICOM patient LPS, mm";
    report["input"] = input;
    const auto t0 = Clock::now();
    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    const ImageVolume& ct = img.image;
    report["timing_s"]["load"] = secondsSince(t0);
    report["geometry"] = ct.geometry().describe();

    segmentation::CaseSegmentationOptions options;
    for (const auto& s : liver_seeds) {
      options.liver_seeds_lps.push_back(parseVec3("--liver-seed", s, false));
    }
    for (const auto& s : lesion_seeds) {
      options.lesion_seeds_lps.push_back(parseVec3("--lesion-seed", s, false));
    }
    options.auto_lesions = auto_lesions;
    std::vector<std::string> notes;
    options.modality = workflow::imageModality(img, modality, notes);
    for (const auto& n : notes) std::cerr << "warning: " << n << "\n";
    report["modality"] = segmentation::toString(options.modality);
    nlohmann::json liver_method = "intensity model (automatic)";
    if (!liver_atlas.empty()) {
      const auto ta = Clock::now();
      const std::vector<atlas::Atlas> atlases =
          atlas::readAtlasFolder(liver_atlas, atlas_liver_label);
      report["timing_s"]["atlas_load"] = secondsSince(ta);
      atlas::AtlasLiverOptions ao;
      ao.modality = options.modality;
      atlas::AtlasLiverSegmentation a =
          atlas::segmentLiverWithAtlases(ct, atlases, ao, [](std::size_t done, std::size_t total) {
            std::cerr << "atlas " << done << "/" << total << " registered\n";
          });
      report["timing_s"]["atlas_liver"] = a.seconds;
      liver_method = {{"method", "multi-atlas"},
                      {"atlas_folder", liver_atlas},
                      {"atlases", nlohmann::json::array()},
                      {"core_median", a.core_median},
                      {"core_sd", a.core_sd}};
      for (const atlas::AtlasRun& r : a.atlases) {
        liver_method["atlases"].push_back(
            {{"name", r.name},
             {"seconds", r.seconds},
             {"start_shift_mm", r.start_shift_mm},
             {"mapped_liver_ml", r.mapped_liver_ml}});
      }
      options.liver_mask = std::move(a.mask);
    }
    segmentation::CaseSegmentation seg = segmentation::segmentCase(ct, options);
    for (const auto& [step, seconds] : seg.timing_s) report["timing_s"][step] = seconds;

    const segmentation::LiverSegmentation& liver = seg.liver;
    report["liver"] = {
        {"volume_ml", liver.volume_ml},
        {"centroid_lps_mm", v3(liver.centroid_lps)},
        {options.modality == segmentation::Modality::kMR ? "intensity_model_mr_normalised"
                                                         : "intensity_model_hu",
         {{"mean", liver.mean_hu}, {"sd", liver.sd_hu}}},
        {"seed_lps_mm", v3(liver.seed_lps)},
        {"seed_from_user", liver.seed_from_user},
        {"segmented_by", liver_method}};
    const segmentation::VesselSegmentation& vessels = seg.vessels;
    std::size_t large = 0;
    for (const auto v : vessels.large.data()) large += v != 0 ? 1 : 0;
    report["vessels"] = {{"voxels", vessels.voxel_count},
                         {"voxels_diameter_ge_3mm", large},
                         {"parenchyma_hu", vessels.parenchyma_hu},
                         {"lumen_threshold_hu", vessels.threshold_hu}};

    if (auto_lesions) report["candidates_dropped_on_vessels"] = seg.candidates_on_vessels;
    report["lesions"] = nlohmann::json::array();
    for (const segmentation::LesionRecord& rec : seg.lesion_records) {
      if (!rec.measurement) continue;  // no voxel of its own (inside earlier lesions)
      const segmentation::LesionMeasurement& m = *rec.measurement;
      nlohmann::json j = measurementJson(m);
      j["gap_to_vessel_diameter_ge_3mm_mm"] =
          m.vessel_gap_mm ? nlohmann::json(*m.vessel_gap_mm) : nlohmann::json(nullptr);
      j["segmentation"] = recordJson(rec);
      report["lesions"].push_back(j);
    }

    const fs::path dir(out);
    const double liver_volume_ml = liver.volume_ml;
    if (review_images) {
      writeReviewImages(ct, seg, dir / "review", options.modality == segmentation::Modality::kMR);
    }
    io::writeSegmentationFolder(dir, workflow::toSegmentationFolder(std::move(seg)));
    std::ofstream(dir / "lesions.json") << report.dump(2) << "\n";
    std::cout << "segmented " << img.source << ": liver " << liver_volume_ml << " mL, "
              << report["lesions"].size() << " lesion(s) -> " << out << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
