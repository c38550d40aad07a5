#pragma once
/// \file geometry.h
/// \brief Voxel grid geometry in DICOM patient LPS millimetres.
///
/// A voxel with continuous index (i, j, k) has its centre at
///   p_LPS = origin + direction * diag(spacing) * (i, j, k)^T
/// where `origin` is the centre of voxel (0,0,0) (DICOM ImagePositionPatient (0020,0032) of the
/// first slice), the columns of `direction` are the unit LPS directions of the i (column), j (row)
/// and k (slice) axes (DICOM ImageOrientationPatient (0020,0037) and the slice normal), and
/// `spacing` is in mm. `direction` must be invertible; it need not be orthogonal (a gantry-tilted
/// CT keeps its shear).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "rfa/core/points.h"

namespace rfa {

/// \brief Grid size in voxels along i (columns), j (rows), k (slices).
using Size3 = std::array<std::size_t, 3>;
/// \brief Integer voxel index (i, j, k).
using Index3 = std::array<std::int64_t, 3>;

/// \brief Geometry of a 3D voxel grid in LPS mm. Value type, cheap to copy.
class ImageGeometry {
 public:
  /// \brief Empty grid (0 voxels), unit spacing, identity direction.
  ImageGeometry();
  /// \brief \throws GeometryError if a spacing is not finite and > 0, or `direction` is singular or
  /// has a column that is not unit length (tolerance 1e-3).
  ImageGeometry(const Size3& size, const Vec3& spacing_mm, const Vec3& origin_lps,
                const Mat3& direction_lps = Mat3::Identity());

  [[nodiscard]] const Size3& size() const { return size_; }
  [[nodiscard]] const Vec3& spacing() const { return spacing_; }      ///< mm
  [[nodiscard]] const Vec3& origin() const { return origin_; }        ///< LPS mm, centre of voxel 0
  [[nodiscard]] const Mat3& direction() const { return direction_; }  ///< columns: LPS unit axes
  [[nodiscard]] std::size_t voxelCount() const { return size_[0] * size_[1] * size_[2]; }
  [[nodiscard]] double voxelVolumeMm3() const;  ///< |det(direction * diag(spacing))| in mm^3

  /// \brief Continuous voxel index -> LPS mm.
  [[nodiscard]] Vec3 indexToLps(const Vec3& index) const { return origin_ + index_to_lps_ * index; }
  /// \brief LPS mm -> continuous voxel index (may lie outside the grid).
  [[nodiscard]] Vec3 lpsToIndex(const Vec3& lps) const { return lps_to_index_ * (lps - origin_); }
  /// \brief The 3x3 matrix direction * diag(spacing).
  [[nodiscard]] const Mat3& indexToLpsMatrix() const { return index_to_lps_; }
  /// \brief The inverse of indexToLpsMatrix().
  [[nodiscard]] const Mat3& lpsToIndexMatrix() const { return lps_to_index_; }

  /// \brief True if the integer index lies inside the grid.
  [[nodiscard]] bool contains(const Index3& ijk) const;
  /// \brief True if the continuous index lies within [-0.5, n-0.5] on every axis.
  [[nodiscard]] bool containsContinuous(const Vec3& index) const;
  /// \brief True if the direction columns are orthonormal within `tol`.
  [[nodiscard]] bool isOrthonormal(double tol = 1e-4) const;
  /// \brief Same size, and origin/spacing/direction equal within `tol_mm` (mm) and 1e-4.
  [[nodiscard]] bool sameGrid(const ImageGeometry& other, double tol_mm = 1e-3) const;
  /// \brief Centre of the grid in LPS mm.
  [[nodiscard]] Vec3 centerLps() const;
  /// \brief One-line human description ("512x512x119 @ 0.743x0.743x1.6 mm, origin (..)").
  [[nodiscard]] std::string describe() const;

 private:
  Size3 size_{0, 0, 0};
  Vec3 spacing_{1, 1, 1};
  Vec3 origin_{0, 0, 0};
  Mat3 direction_{Mat3::Identity()};
  Mat3 index_to_lps_{Mat3::Identity()};
  Mat3 lps_to_index_{Mat3::Identity()};
};

}  // namespace rfa
