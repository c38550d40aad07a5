#pragma once
/// \file surface.h
/// \brief The boundary surface of a voxel mask as a triangle mesh, for the navigation export
/// (OpenIGTLink POLYDATA). Research use only.
///
/// The surface is made of the voxel faces between a voxel of the mask and one outside it (or the
/// grid's border): each face is a quad of voxel corners split into two triangles. Corners are
/// shared between the faces that meet there, so the mesh of a mask whose voxels touch their
/// neighbours through faces (a rasterised ball, an ellipsoid) is closed: every edge belongs to
/// exactly two triangles. Where two voxels of the mask touch only along an edge, that edge has
/// four triangles (the surface is then not a 2-manifold there, as with any voxel boundary).
/// Triangles are ordered counter-clockwise seen from outside the mask (outward normals by the
/// right-hand rule), also on grids whose index axes are left-handed in LPS.
///
/// Frame and units: points are DICOM patient LPS millimetres, at the voxel corners (the centres
/// of the mask's voxels +- half a voxel along each index axis, through the grid's direction
/// matrix: exact for oblique grids too). No smoothing and no decimation: the volume the surface
/// encloses is exactly the mask's voxel count times the voxel volume.

#include <array>
#include <cstdint>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"

namespace rfa::navigation {

/// \brief Triangles over shared points (LPS mm).
struct TriangleMesh {
  std::vector<Vec3> points_lps;                         ///< LPS mm
  std::vector<std::array<std::uint32_t, 3>> triangles;  ///< indices into points_lps
};

/// \brief The voxel-face boundary surface of the non-zero voxels of `mask` (see the file
/// comment). An empty mask gives an empty mesh. Never throws for a valid mask (std::bad_alloc
/// aside).
TriangleMesh maskSurface(const Mask& mask);

}  // namespace rfa::navigation
