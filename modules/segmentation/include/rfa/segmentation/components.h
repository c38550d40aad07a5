#pragma once
/// \file components.h
/// \brief Binary-mask building blocks: 3D connected components, largest component, small-component
/// removal, hole filling (3D and per axial slice) and binary morphology with a spherical
/// structuring element given in millimetres.
///
/// Masks are rfa::Mask (any non-zero voxel is foreground); every returned mask holds 0/1 and has
/// the input's grid (ImageGeometry, LPS mm) unchanged. "Axial slice" means one k-slice of the grid
/// (the acquisition plane). All algorithms are linear in the number of voxels: components and hole
/// filling use union-find over row runs (no recursion), morphology thresholds an exact Euclidean
/// distance transform (distance.h), so its cost does not depend on the radius.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::segmentation {

/// \brief Voxel neighbourhood of a component: 6 (faces) or 26 (faces, edges and corners). In one
/// axial slice these are 4- and 8-connectivity.
enum class Connectivity { k6 = 6, k26 = 26 };

/// \brief Labelled components of a mask.
struct ComponentLabels {
  LabelMap labels;  ///< 0 = background, 1..n = components, sorted by decreasing voxel count
                    ///< (ties: first voxel in memory order first)
  std::vector<std::size_t> voxel_counts;  ///< [0] = background voxels, [l] = voxels of label l
  [[nodiscard]] std::size_t count() const {
    return voxel_counts.empty() ? 0 : voxel_counts.size() - 1;
  }
};

/// \brief Connected components of the non-zero voxels.
/// \throws UnsupportedError if there are more than 65535 components (LabelMap is 16-bit); the
/// mask-returning functions below have no such limit.
ComponentLabels labelComponents(const Mask& mask, Connectivity connectivity = Connectivity::k26);

/// \brief The largest component (the first in memory order among equally large ones); an empty
/// mask gives an empty mask.
Mask largestComponent(const Mask& mask, Connectivity connectivity = Connectivity::k26);

/// \brief Keeps the components of at least `min_voxels` voxels.
Mask removeSmallComponents(const Mask& mask, std::size_t min_voxels,
                           Connectivity connectivity = Connectivity::k26);

/// \brief Number of voxels of the grid holding at least `volume_ml` millilitres (rounded up).
std::size_t voxelsForVolume(const ImageGeometry& geometry, double volume_ml);

/// \brief Fills the holes of the mask in 3D: background voxels whose 6-connected background
/// component does not touch the border of the grid.
Mask fillHoles(const Mask& mask);

/// \brief Fills the holes of every axial slice separately: background pixels whose 4-connected
/// background component in that slice does not touch the slice border. Parallel over slices.
Mask fillHolesPerSlice(const Mask& mask);

/// \brief Binary dilation by a ball of `radius_mm` (mm): a voxel is set if a foreground voxel
/// centre lies within radius_mm of its centre (distances with the grid spacing, so anisotropic
/// voxels give a true sphere; a voxel exactly at radius_mm is included). radius_mm <= 0 returns the
/// mask as 0/1. The grid is not enlarged: what would fall outside it is cut off.
Mask dilate(const Mask& mask, double radius_mm);

/// \brief Binary erosion by a ball of `radius_mm` (mm): a voxel stays set if no background voxel
/// centre of the grid lies within radius_mm of it. Outside the grid counts as foreground, so a mask
/// touching the border is not eroded from the border (erode(dilate(m)) then never loses voxels of
/// m).
Mask erode(const Mask& mask, double radius_mm);

/// \brief Binary closing erode(dilate(mask, r), r), computed on a grid padded by the radius so that
/// the mask continues as background beyond the grid (no border artefact). Contains the input.
Mask close(const Mask& mask, double radius_mm);

}  // namespace rfa::segmentation
