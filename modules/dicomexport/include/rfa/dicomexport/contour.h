#pragma once
/// \file contour.h
/// \brief Planar contours of a mask, slice by slice, and back (RT Structure Set ROI Contour data).
///
/// Contours run along the voxel edges of each k-slice (a "staircase" through the corners of the
/// voxels, in DICOM patient LPS mm), straight runs as one segment: one closed polygon per island
/// (4-connected), its holes joined to it by zero-width "keyhole" channels a quarter voxel off a
/// voxel row; an island inside a hole is a polygon of its own. The polygons of a slice thus
/// enclose disjoint areas: whether a reader unites the contours of a slice (plastimatch's default)
/// or combines them with XOR (even-odd), a voxel whose centre is inside gives exactly the mask
/// again (voxel centres never lie on these edges).

#include <cstddef>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"

namespace rfa::dicomexport {

/// \brief One closed planar polygon on slice `k` of the grid it was made on or filled into.
struct SliceContour {
  std::size_t k = 0;             ///< slice index of the grid
  std::vector<Vec3> points_lps;  ///< vertices, LPS mm; closing edge implied (last -> first)
};

/// \brief The closed contours of `mask` (any direction matrix, gantry tilt included), slice by
/// slice in ascending k; within a slice, in the order their first edge is met scanning rows.
/// Diagonal-only neighbours give separate polygons that touch at a corner.
[[nodiscard]] std::vector<SliceContour> contoursOfMask(const Mask& mask);

/// \brief How contours were filled into a grid.
struct FillReport {
  std::size_t filled = 0;       ///< contours filled into a slice
  std::size_t off_grid = 0;     ///< contours outside the grid (not filled)
  double max_plane_offset = 0;  ///< largest |k - nearest slice| of a vertex, in slice spacings
  std::size_t snapped = 0;      ///< contours more than 0.05 slice spacings off their slice
  std::size_t degenerate = 0;   ///< contours with fewer than 3 vertices (not filled)
};

/// \brief Fills closed polygons (LPS mm) into a 0/1 mask on `grid`: each polygon goes to the
/// slice nearest its vertices and the polygons of one slice are combined with the even-odd rule
/// (holes and islands as separate polygons), a voxel set when its centre is inside.
/// \throws GeometryError naming `what` and the contour (its number from 1 and first vertex) when
/// a contour's vertices are not in one slice plane of `grid` (they span more than half a slice
/// spacing, e.g. a sagittal contour on an axial series).
[[nodiscard]] Mask fillContours(const ImageGeometry& grid,
                                const std::vector<std::vector<Vec3>>& polygons_lps,
                                const std::string& what, FillReport* report = nullptr);

}  // namespace rfa::dicomexport
