#pragma once
/// \file atlas_liver_step.h
/// \brief The workstation's "Liver from atlases": the multi-atlas liver (rfa::atlas) on an open
/// case, the same library calls as `rfaplan segment --liver-atlas`. Research use only.
///
/// Frames and units: the case's image grid (DICOM patient LPS, mm); volumes in mL, times in s.
#include <cstddef>
#include <filesystem>

#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// \brief What liverFromAtlases() did.
struct AtlasLiverSummary {
  std::size_t atlases = 0;  ///< atlases registered
  double volume_ml = 0;     ///< the new liver
  double seconds = 0;       ///< registration and fusion
};

/// \brief Replaces the case's liver by the multi-atlas liver: the atlases of `atlas_folder`
/// (atlas::readAtlasFolder, liver = `liver_label`) registered to the case's image and fused
/// (atlas::segmentLiverWithAtlases, the case's modality), then the anatomy around it from
/// segmentation::segmentCase with that liver (body, lungs, bone, vessels; no seeds, no
/// candidates). The existing lesions are kept. Progress stage "atlases" (fraction of the atlases
/// registered), then "segmentation". plan_stale becomes true when there is a plan;
/// segmentation_record becomes "edited". On a throw (a Cancelled from the progress included)
/// `state` is unchanged.
/// \throws what readAtlasFolder(), segmentLiverWithAtlases() and segmentCase() throw (e.g.
/// NotFoundError for a folder without image/label pairs).
AtlasLiverSummary liverFromAtlases(CaseState& state, const std::filesystem::path& atlas_folder,
                                   int liver_label = 1, const Progress& progress = {});

}  // namespace rfa::workflow
