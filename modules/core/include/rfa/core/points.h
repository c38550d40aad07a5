#pragma once
/// \file points.h
/// \brief Point and vector types with their frame in the name.
///
/// Everything rfaplan stores is DICOM patient LPS in millimetres: +x towards the patient's Left,
/// +y towards Posterior, +z towards Superior. VTK display code and NIfTI use RAS (+x towards the
/// patient's Right, +y Anterior, +z Superior), so RAS = (-x_LPS, -y_LPS, z_LPS). The one conversion
/// lives here and is tested; nothing else flips signs inline.

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <Eigen/LU>

namespace rfa {

using Vec3 = Eigen::Vector3d;  ///< generic 3-vector (frame given by the variable's name/doc)
using Mat3 = Eigen::Matrix3d;  ///< 3x3 matrix

/// \brief Converts a point or direction from LPS to RAS (flips x and y). mm in, mm out.
inline Vec3 lpsToRas(const Vec3& lps) {
  return {-lps.x(), -lps.y(), lps.z()};
}
/// \brief Converts a point or direction from RAS to LPS (flips x and y). mm in, mm out.
inline Vec3 rasToLps(const Vec3& ras) {
  return {-ras.x(), -ras.y(), ras.z()};
}

}  // namespace rfa
