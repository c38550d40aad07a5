#include "rfa/core/geometry.h"

#include <Eigen/LU>
#include <cmath>
#include <cstdio>

#include "rfa/core/error.h"

namespace rfa {

ImageGeometry::ImageGeometry() = default;

ImageGeometry::ImageGeometry(const Size3& size, const Vec3& spacing_mm, const Vec3& origin_lps,
                             const Mat3& direction_lps)
    : size_(size), spacing_(spacing_mm), origin_(origin_lps), direction_(direction_lps) {
  for (int a = 0; a < 3; ++a) {
    if (!std::isfinite(spacing_[a]) || spacing_[a] <= 0.0) {
      throw GeometryError("invalid voxel spacing " + std::to_string(spacing_[a]) + " mm on axis " +
                          std::to_string(a) + " (must be finite and > 0)");
    }
    const double n = direction_.col(a).norm();
    if (!std::isfinite(n) || std::abs(n - 1.0) > 1e-3) {
      throw GeometryError("direction column " + std::to_string(a) + " is not a unit vector (norm " +
                          std::to_string(n) + ")");
    }
  }
  if (!origin_.allFinite()) {
    throw GeometryError("origin is not finite");
  }
  index_to_lps_ = direction_ * spacing_.asDiagonal();
  const double det = index_to_lps_.determinant();
  if (!std::isfinite(det) || std::abs(det) < 1e-9) {
    throw GeometryError("direction matrix is singular (axes are parallel)");
  }
  lps_to_index_ = index_to_lps_.inverse();
}

double ImageGeometry::voxelVolumeMm3() const {
  return std::abs(index_to_lps_.determinant());
}

bool ImageGeometry::contains(const Index3& ijk) const {
  for (int a = 0; a < 3; ++a) {
    if (ijk[a] < 0 || static_cast<std::size_t>(ijk[a]) >= size_[a]) return false;
  }
  return true;
}

bool ImageGeometry::containsContinuous(const Vec3& index) const {
  for (int a = 0; a < 3; ++a) {
    if (index[a] < -0.5 || index[a] > static_cast<double>(size_[a]) - 0.5) return false;
  }
  return true;
}

bool ImageGeometry::isOrthonormal(double tol) const {
  return (direction_.transpose() * direction_ - Mat3::Identity()).cwiseAbs().maxCoeff() <= tol;
}

bool ImageGeometry::sameGrid(const ImageGeometry& other, double tol_mm) const {
  return size_ == other.size_ && (origin_ - other.origin_).cwiseAbs().maxCoeff() <= tol_mm &&
         (spacing_ - other.spacing_).cwiseAbs().maxCoeff() <= tol_mm &&
         (direction_ - other.direction_).cwiseAbs().maxCoeff() <= 1e-4;
}

Vec3 ImageGeometry::centerLps() const {
  Vec3 c;
  for (int a = 0; a < 3; ++a) c[a] = (static_cast<double>(size_[a]) - 1.0) / 2.0;
  return indexToLps(c);
}

std::string ImageGeometry::describe() const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%zux%zux%zu @ %.4gx%.4gx%.4g mm, origin LPS (%.2f, %.2f, %.2f) mm", size_[0],
                size_[1], size_[2], spacing_[0], spacing_[1], spacing_[2], origin_[0], origin_[1],
                origin_[2]);
  return buf;
}

}  // namespace rfa
