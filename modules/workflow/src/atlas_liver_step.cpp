#include "rfa/workflow/atlas_liver_step.h"

#include <utility>

#include "rfa/atlas/atlas_liver.h"

namespace rfa::workflow {

AtlasLiverSummary liverFromAtlases(CaseState& state, const std::filesystem::path& atlas_folder,
                                   int liver_label, const Progress& progress) {
  const std::vector<atlas::Atlas> atlases = atlas::readAtlasFolder(atlas_folder, liver_label);
  atlas::AtlasLiverOptions o;
  o.modality = state.modality;
  if (progress) progress("atlases", 0.0);
  atlas::AtlasLiverSegmentation a = atlas::segmentLiverWithAtlases(
      state.image.image, atlases, o, [&progress](std::size_t done, std::size_t total) {
        if (progress) progress("atlases", static_cast<double>(done) / static_cast<double>(total));
      });
  const AtlasLiverSummary summary{atlases.size(), a.volume_ml, a.seconds};

  if (progress) progress("segmentation", 0.0);
  segmentation::CaseSegmentationOptions options;
  options.modality = state.modality;
  options.liver_mask = std::move(a.mask);
  io::SegmentationFolder fresh =
      toSegmentationFolder(segmentation::segmentCase(state.image.image, options));
  if (progress) progress("segmentation", 1.0);

  // Nothing above changed `state`; from here on nothing throws.
  io::SegmentationFolder& seg = state.segmentation;
  seg.body = std::move(fresh.body);
  seg.lung = std::move(fresh.lung);
  seg.bone = std::move(fresh.bone);
  seg.liver = std::move(fresh.liver);
  seg.vessel_radius_mm = std::move(fresh.vessel_radius_mm);
  if (!seg.lesions) seg.lesions = std::move(fresh.lesions);
  if (state.plan) state.plan_stale = true;
  state.segmentation_record = "edited";
  return summary;
}

}  // namespace rfa::workflow
