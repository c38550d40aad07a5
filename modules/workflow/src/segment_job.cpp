// The `rfaplan segment` job (segment_job.h).
#include "rfa/workflow/segment_job.h"

#include <chrono>
#include <iomanip>
#include <sstream>
#include <utility>

#include "image_modality.h"
#include "rfa/atlas/atlas_liver.h"
#include "rfa/core/atomic_file.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/report/margin_image.h"
#include "rfa/report/review_image.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

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

SegmentResult segmentImage(const io::LoadedImage& image, const std::string& input,
                           const SegmentRequest& request, double load_seconds) {
  SegmentResult result;
  nlohmann::json& report = result.report;
  report["research_use_only"] = true;
  report["frame"] = "DICOM patient LPS, mm";
  report["input"] = input;
  const ImageVolume& ct = image.image;
  report["timing_s"]["load"] = load_seconds;
  report["geometry"] = ct.geometry().describe();

  segmentation::CaseSegmentationOptions options;
  options.liver_seeds_lps = request.liver_seeds_lps;
  options.lesion_seeds_lps = request.lesion_seeds_lps;
  options.auto_lesions = request.auto_lesions;
  options.modality = imageModality(image, request.modality, result.notes);
  result.modality = options.modality;
  report["modality"] = segmentation::toString(options.modality);
  nlohmann::json liver_method = "intensity model (automatic)";
  if (!request.liver_atlas.empty()) {
    const auto ta = std::chrono::steady_clock::now();
    const std::vector<atlas::Atlas> atlases =
        atlas::readAtlasFolder(request.liver_atlas, request.atlas_liver_label);
    report["timing_s"]["atlas_load"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ta).count();
    atlas::AtlasLiverOptions ao;
    ao.modality = options.modality;
    atlas::AtlasLiverSegmentation a = atlas::segmentLiverWithAtlases(
        ct, atlases, ao, [&request](std::size_t done, std::size_t total) {
          if (request.atlas_progress) request.atlas_progress(done, total);
        });
    report["timing_s"]["atlas_liver"] = a.seconds;
    liver_method = {{"method", "multi-atlas"},
                    {"atlas_folder", request.liver_atlas.string()},
                    {"atlases", nlohmann::json::array()},
                    {"core_median", a.core_median},
                    {"core_sd", a.core_sd}};
    for (const atlas::AtlasRun& r : a.atlases) {
      liver_method["atlases"].push_back({{"name", r.name},
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

  if (request.auto_lesions) report["candidates_dropped_on_vessels"] = seg.candidates_on_vessels;
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

  result.segmentation = std::move(seg);
  return result;
}

void writeSegmentResult(const fs::path& dir, const ImageVolume& image, SegmentResult& result,
                        bool review_images) {
  if (review_images) {
    writeReviewImages(image, result.segmentation, dir / "review",
                      result.modality == segmentation::Modality::kMR);
  }
  io::writeSegmentationFolder(dir, toSegmentationFolder(std::move(result.segmentation)));
  writeFileAtomically(dir / "lesions.json", result.report.dump(2) + "\n");
}

}  // namespace rfa::workflow
