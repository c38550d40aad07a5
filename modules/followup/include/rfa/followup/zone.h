#pragma once
/// \file zone.h
/// \brief Semi-automatic segmentation of an ablation zone on the follow-up image, guided by the
/// zone the plan expected: the non-enhancing, hypodense region around a treated target.
/// Research use only.
///
/// Frames and units: the follow-up image must already be on the planning grid (registration.h,
/// resampleToFixed()); every mask is on that grid, DICOM patient LPS mm; intensities in the
/// image's units (HU for CT), volumes in mL.
///
/// Method (segmentAblationZone()): search region = expected zone dilated by search_margin_mm,
/// inside the liver; the image is median filtered (3x3x3) there; the parenchyma level is the
/// median of the liver in a shell 8-20 mm outside the expected zone, the zone level the median of
/// the expected zone's core (eroded by 3 mm, or its darkest half when the zone missed); threshold
/// min(halfway, zone level + 3.5 robust SD of the core) (coagulation is homogeneous; residual
/// tumour is brighter). Voxels below the threshold connected to the core form the zone, which is
/// opened (1 mm), grown by one voxel into voxels below the halfway level (the partial-volume edge
/// of the boundary), closed (2 mm) and hole-filled. Contrast below min_contrast gives an empty zone
/// and a warning (no hypodense region: not treated, or the wrong phase).

#include <string>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::followup {

/// \brief Settings of segmentAblationZone().
struct ZoneSegmentationOptions {
  double search_margin_mm = 15.0;  ///< how far beyond the expected zone the real one may reach
  double min_contrast = 25.0;      ///< parenchyma minus zone level needed (image units, HU)
  double opening_mm = 1.0;
  double closing_mm = 2.0;
};

/// \brief The segmented zone and how it was found.
struct ZoneSegmentation {
  Mask zone;  ///< on the planning grid
  /// Partial-volume occupancy of the zone, 0..1, on the planning grid: 1 inside `zone` farther
  /// than one voxel from its boundary, (parenchyma_level - image) / (parenchyma_level -
  /// zone_level) clamped to 0..1 in the liver voxels within one voxel of the boundary (inside or
  /// outside) except within one voxel of the liver's edge (there the mask: 1 in `zone`, 0 out),
  /// 0 elsewhere. Its 0.5 level is the sub-voxel zone surface that measureMargin() uses:
  /// the binary mask alone snaps the surface to whole voxels of the planning grid. Empty when no
  /// zone was segmented.
  Volume<float> occupancy;
  double parenchyma_level = 0;  ///< median image value of the surrounding liver
  double zone_level = 0;        ///< median image value of the expected zone's core
  double threshold = 0;
  double volume_ml = 0;
  double expected_volume_ml = 0;
  double dice_with_expected = 0;  ///< overlap with the expected zone, 0..1
  std::vector<std::string> warnings;
};

/// \brief Segments the ablation zone of one treated target. `followup` is on the planning grid;
/// `expected_zone` (the union of the plan's zones for the target, e.g. rasterised
/// thermal::EllipsoidZone) and `liver` on the same grid.
/// \throws GeometryError when the grids differ; NoDataError when `expected_zone` is empty.
ZoneSegmentation segmentAblationZone(const ImageVolume& followup, const Mask& expected_zone,
                                     const Mask& liver,
                                     const ZoneSegmentationOptions& options = {});

}  // namespace rfa::followup
