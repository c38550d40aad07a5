// rfaplan segment INPUT [--series UID] [--lesion-seed x,y,z]... [--liver-seed x,y,z]... -o OUTDIR
#include <chrono>
#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/candidates.h"
#include "rfa/segmentation/lesion.h"
#include "rfa/segmentation/liver.h"
#include "rfa/segmentation/measurements.h"
#include "rfa/segmentation/vessels.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

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
  cmd->add_option("-o,--output", out, "Output folder")->required();
  cmd->callback([&exit_code] {
    nlohmann::json report;
    report["research_use_only"] = true;
    report["frame"] = "DICOM patient LPS, mm";
    report["input"] = input;
    auto t0 = Clock::now();
    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    const ImageVolume& ct = img.image;
    report["timing_s"]["load"] = since(t0);
    report["geometry"] = ct.geometry().describe();

    std::vector<Vec3> liver_points;
    for (const auto& s : liver_seeds) liver_points.push_back(parseVec3("--liver-seed", s, false));
    std::vector<Vec3> lesion_points;
    for (const auto& s : lesion_seeds)
      lesion_points.push_back(parseVec3("--lesion-seed", s, false));

    t0 = Clock::now();
    const Mask body = segmentation::segmentBody(ct);
    const Mask lung = segmentation::segmentLungs(ct, body);
    const Mask bone = segmentation::segmentBone(ct, body);
    report["timing_s"]["body_lung_bone"] = since(t0);

    t0 = Clock::now();
    const segmentation::LiverSegmentation liver = segmentation::segmentLiver(ct, {}, liver_points);
    report["timing_s"]["liver"] = since(t0);
    report["liver"] = {{"volume_ml", liver.volume_ml},
                       {"centroid_lps_mm", v3(liver.centroid_lps)},
                       {"intensity_model_hu", {{"mean", liver.mean_hu}, {"sd", liver.sd_hu}}},
                       {"seed_lps_mm", v3(liver.seed_lps)},
                       {"seed_from_user", liver.seed_from_user}};

    t0 = Clock::now();
    const segmentation::VesselSegmentation vessels = segmentation::segmentVessels(ct, liver.mask);
    std::size_t large = 0;
    for (const auto v : vessels.large.data()) large += v != 0 ? 1 : 0;
    report["timing_s"]["vessels"] = since(t0);
    report["vessels"] = {{"voxels", vessels.voxel_count},
                         {"voxels_diameter_ge_3mm", large},
                         {"parenchyma_hu", vessels.parenchyma_hu},
                         {"lumen_threshold_hu", vessels.threshold_hu}};

    t0 = Clock::now();
    LabelMap lesions(ct.geometry(), 0);
    nlohmann::json seeds = nlohmann::json::array();
    for (std::size_t n = 0; n < lesion_points.size(); ++n) {
      const auto label = static_cast<std::uint16_t>(n + 1);
      const segmentation::LesionSegmentation les =
          segmentation::segmentLesionFromSeed(ct, lesion_points[n], {}, &liver.mask);
      std::size_t taken = 0;
      for (std::size_t i = 0; i < les.mask.voxelCount(); ++i) {
        if (les.mask.data()[i] != 0 && lesions.data()[i] == 0) {  // earlier lesions keep overlaps
          lesions.data()[i] = label;
          ++taken;
        }
      }
      seeds.push_back({{"label", label},
                       {"source", "seed"},
                       {"seed_lps_mm", v3(lesion_points[n])},
                       {"hyperdense", les.hyperdense},
                       {"lesion_median_hu", les.lesion_median_hu},
                       {"surround_median_hu", les.surround_median_hu},
                       {"threshold_hu", les.threshold_hu},
                       {"reached_search_limit", les.reached_search_limit},
                       {"voxels_shared_with_earlier_lesions", les.voxel_count - taken}});
    }
    if (auto_lesions) {
      const auto candidates = segmentation::detectLesionCandidates(ct, liver.mask);
      for (const auto& c : candidates) {
        const auto label = static_cast<std::uint16_t>(seeds.size() + 1);
        std::size_t taken = 0;
        for (const std::size_t i : c.voxels) {
          if (lesions.data()[i] == 0) {
            lesions.data()[i] = label;
            ++taken;
          }
        }
        if (taken == 0) continue;  // the same lesion was already segmented from a seed
        seeds.push_back({{"label", label},
                         {"source", "automatic candidate"},
                         {"seed_lps_mm", v3(c.seed_lps)},
                         {"score", c.score},
                         {"hyperdense", c.hyperdense},
                         {"contrast_hu", c.contrast_hu},
                         {"contrast_to_noise", c.cnr},
                         {"compactness", c.compactness},
                         {"voxels_shared_with_earlier_lesions", c.voxels.size() - taken}});
      }
    }
    report["timing_s"]["lesions"] = since(t0);
    report["lesions"] = nlohmann::json::array();
    for (const auto& m : segmentation::measureLesions(lesions, vessels.radius_mm)) {
      nlohmann::json j = measurementJson(m);
      j["gap_to_vessel_diameter_ge_3mm_mm"] =
          m.vessel_gap_mm ? nlohmann::json(*m.vessel_gap_mm) : nlohmann::json(nullptr);
      j["segmentation"] = seeds[m.label - 1];
      report["lesions"].push_back(j);
    }

    const fs::path dir(out);
    io::writeVolumeFile(dir / "body.nrrd", body);
    io::writeVolumeFile(dir / "lung.nrrd", lung);
    io::writeVolumeFile(dir / "bone.nrrd", bone);
    io::writeVolumeFile(dir / "liver.nrrd", liver.mask);
    io::writeVolumeFile(dir / "lesions.nrrd", lesions);
    io::writeVolumeFile(dir / "vessels.nrrd", vessels.radius_mm);
    std::ofstream(dir / "lesions.json") << report.dump(2) << "\n";
    std::cout << "segmented " << img.source << ": liver " << liver.volume_ml << " mL, "
              << report["lesions"].size() << " lesion(s) -> " << out << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
