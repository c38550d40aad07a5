#pragma once
/// \file segment_job.h
/// \brief The `rfaplan segment` job as one library call: the whole-case segmentation of an image
/// (body, lung, bone, liver by the intensity model or by multi-atlas fusion, vessels with radius,
/// lesions from clicks and/or automatic candidates), its measurements, and the output folder
/// (label maps, lesions.json, optional review pictures). Research use only.
///
/// Frames and units: seeds and every position in lesions.json are DICOM patient LPS, mm; volumes
/// mL; times s. lesions.json is documented in README.md ("rfaplan segment").

#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/io/input.h"
#include "rfa/segmentation/case.h"
#include "rfa/segmentation/modality.h"

namespace rfa::workflow {

/// \brief What to segment with (the `rfaplan segment` options).
struct SegmentRequest {
  std::vector<Vec3> liver_seeds_lps;   ///< points inside the liver
  std::vector<Vec3> lesion_seeds_lps;  ///< points inside lesions (one lesion each)
  bool auto_lesions = false;           ///< also detect lesion candidates (CT)
  std::string modality;                ///< "CT", "MR" or "" (header, else a guess)
  /// Multi-atlas liver: a folder of labelled images (atlas::readAtlasFolder()); empty: the
  /// intensity model.
  std::filesystem::path liver_atlas;
  int atlas_liver_label = 1;
  /// Atlases registered so far out of the total (multi-atlas only); may be empty.
  std::function<void(std::size_t done, std::size_t total)> atlas_progress;
};

/// \brief A segmented image with its lesions.json document.
struct SegmentResult {
  segmentation::CaseSegmentation segmentation;
  segmentation::Modality modality = segmentation::Modality::kCT;
  std::vector<std::string> notes;  ///< how the modality was decided (warnings)
  nlohmann::json report;           ///< lesions.json
};

/// \brief Segments `image` (loaded from `input`, as given; `load_seconds` is recorded): the
/// modality (imageModality()), the atlas liver when asked, segmentation::segmentCase(), and the
/// lesions.json document (input, geometry, modality, timings, liver with its method, vessels, one
/// entry per lesion with its RECIST/3D measurements, vessel gap and how it was segmented).
/// \throws UsageError for an unknown modality; what atlas::readAtlasFolder(),
/// atlas::segmentLiverWithAtlases() and segmentCase() throw.
SegmentResult segmentImage(const io::LoadedImage& image, const std::string& input,
                           const SegmentRequest& request, double load_seconds = 0);

/// \brief Writes the segmentation folder `dir` (io::writeSegmentationFolder(): body, lung, bone,
/// liver, vessels, lesions), then `dir`/lesions.json atomically (core/atomic_file.h), and with
/// `review_images` the pictures `dir`/review/liver.png and lesion_<label>.png (report/
/// review_image.h; windowed automatically for MR). `result.segmentation` is moved from.
/// \throws WriteError naming the file.
void writeSegmentResult(const std::filesystem::path& dir, const ImageVolume& image,
                        SegmentResult& result, bool review_images);

}  // namespace rfa::workflow
