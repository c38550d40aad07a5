#pragma once
/// \file body.h
/// \brief Threshold-based masks of the body, the lungs and the bones on CT (Hounsfield units).
///
/// Each function takes a CT ImageVolume in HU and returns a 0/1 Mask on the same grid (same
/// ImageGeometry, LPS mm). Volumes are in mL (1 mL = 1000 mm^3), thresholds in HU. "Axial slice"
/// is one k-slice of the grid (the acquisition plane). The functions are deterministic; the
/// heavy passes run on rfa::parallelFor.

#include "rfa/core/volume.h"

namespace rfa::segmentation {

/// \brief Parameters of segmentBody().
struct BodyOptions {
  float air_threshold_hu = -400.0F;  ///< voxels above this (HU) are tissue
  double min_body_ml = 1000.0;       ///< smallest acceptable body (mL)
};

/// \brief Everything inside the skin: voxels above `air_threshold_hu`, the largest 6-connected
/// component (drops the table and air noise unless they touch the body), then holes filled in every
/// axial slice (lungs, bowel gas). A body cut by the edge of the field of view keeps the air that
/// reaches the cut open in that slice.
/// \throws NoDataError "no body found" when the volume is empty or no component above the
/// threshold reaches `min_body_ml`.
Mask segmentBody(const ImageVolume& ct_hu, const BodyOptions& options = {});

/// \brief Parameters of segmentLungs().
struct LungOptions {
  float air_threshold_hu = -500.0F;  ///< lung parenchyma is below this (HU)
  double min_component_ml = 50.0;    ///< air components smaller than this (mL) are bowel gas etc.
  bool fill_holes_per_slice = true;  ///< add the vessels/nodules enclosed by lung in each slice
};

/// \brief Lungs: air below `air_threshold_hu` inside `body` (from segmentBody() on the same grid),
/// 6-connected components of at least `min_component_ml`, then (by default) holes filled per axial
/// slice. A CT without lungs in the field of view gives an empty mask (no exception).
/// \throws GeometryError if `body` is not on the grid of `ct_hu`.
Mask segmentLungs(const ImageVolume& ct_hu, const Mask& body, const LungOptions& options = {});
/// \brief As above with the body from segmentBody(ct_hu). \throws NoDataError as segmentBody().
Mask segmentLungs(const ImageVolume& ct_hu, const LungOptions& options = {});

/// \brief Parameters of segmentBone().
struct BoneOptions {
  float threshold_hu = 250.0F;    ///< cortical bone is above this (HU)
  double min_component_ml = 0.5;  ///< smaller 26-connected components (mL) are dropped
  float marrow_min_hu = 100.0F;   ///< enclosed voxels at least this dense (HU) count as bone
  bool fill_marrow = true;        ///< fill per axial slice the holes of the bone mask that are
                                  ///< >= marrow_min_hu (cancellous bone inside the cortex; the
                                  ///< spinal canal, fluid and fat stay out)
};

/// \brief Bones: voxels above `threshold_hu` inside `body`, marrow filled (see BoneOptions), then
/// components below `min_component_ml` removed (calcifications, contrast specks, noise). Contrast
/// agent above the threshold (arterial phase, oral contrast) is not told apart from bone.
/// \throws GeometryError if `body` is not on the grid of `ct_hu`.
Mask segmentBone(const ImageVolume& ct_hu, const Mask& body, const BoneOptions& options = {});
/// \brief As above with the body from segmentBody(ct_hu). \throws NoDataError as segmentBody().
Mask segmentBone(const ImageVolume& ct_hu, const BoneOptions& options = {});

}  // namespace rfa::segmentation
