// rfaplan segment INPUT [--series UID] [--lesion-seed x,y,z]... [--liver-seed x,y,z]...
//                 [--liver-atlas DIR [--atlas-liver-label N]] -o OUTDIR
// A thin shell over workflow::segmentImage() (segment_job.h).
#include <chrono>
#include <iostream>

#include "cli_common.h"
#include "rfa/io/input.h"
#include "rfa/workflow/segment_job.h"

namespace rfa::cli {
namespace {
using Clock = std::chrono::steady_clock;
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
    workflow::SegmentRequest request;
    for (const auto& s : liver_seeds) {
      request.liver_seeds_lps.push_back(parseVec3("--liver-seed", s, false));
    }
    for (const auto& s : lesion_seeds) {
      request.lesion_seeds_lps.push_back(parseVec3("--lesion-seed", s, false));
    }
    request.auto_lesions = auto_lesions;
    request.modality = modality;
    request.liver_atlas = liver_atlas;
    request.atlas_liver_label = atlas_liver_label;
    request.atlas_progress = [](std::size_t done, std::size_t total) {
      std::cerr << "atlas " << done << "/" << total << " registered\n";
    };
    const auto t0 = Clock::now();
    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    workflow::SegmentResult result = workflow::segmentImage(img, input, request, secondsSince(t0));
    for (const auto& n : result.notes) std::cerr << "warning: " << n << "\n";
    const double liver_volume_ml = result.segmentation.liver.volume_ml;
    const std::size_t lesions = result.report["lesions"].size();
    workflow::writeSegmentResult(out, img.image, result, review_images);
    std::cout << "segmented " << img.source << ": liver " << liver_volume_ml << " mL, " << lesions
              << " lesion(s) -> " << out << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
