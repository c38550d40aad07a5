#pragma once
// Private to rfa::segmentation: the filters behind segmentVessels() (vessels.h).
#include <array>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::segmentation::vessel_detail {

/// Frangi parameters: alpha, beta (dimensionless) and c (scale-normalised HU).
struct FrangiParameters {
  double alpha = 0.5;
  double beta = 0.5;
  double c_hu = 8.0;
};

/// Frangi vesselness for bright tubes at every sigma of `sigmas_mm` (mm; per-axis sigma in voxels
/// from the spacing), evaluated on the voxels of `active` (same grid as `image`) where the image
/// smoothed at that sigma is at least `min_smoothed_hu`: the maximum over the scales, in [0, 1],
/// 0 elsewhere.
ImageVolume multiScaleVesselness(const ImageVolume& image, const Mask& active,
                                 const std::vector<double>& sigmas_mm,
                                 const FrangiParameters& parameters, float min_smoothed_hu);

/// Separable Gaussian of `sigma_mm` (mm; clamped borders); a copy when sigma_mm <= 0.
ImageVolume gaussianSmooth(const ImageVolume& image, double sigma_mm);

/// Eigenvalues of the symmetric 3x3 matrix [a b c; b d e; c e f], sorted by increasing absolute
/// value (closed form, trigonometric).
std::array<double, 3> symmetricEigenvalues(double a, double b, double c, double d, double e,
                                           double f);

/// Local thickness of `mask` as a radius (mm): for every voxel of the mask the largest distance
/// D(c) from a mask voxel c to the nearest background voxel centre such that |p - c| < D(c);
/// 0 outside the mask. Distances with the grid spacing.
ImageVolume localThicknessRadius(const Mask& mask);

}  // namespace rfa::segmentation::vessel_detail
