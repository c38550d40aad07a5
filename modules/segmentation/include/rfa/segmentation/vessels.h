#pragma once
/// \file vessels.h
/// \brief Segmentation of contrast-enhanced (bright) vessels in and around the liver on CT in
/// Hounsfield units, with a local radius estimate per voxel.
///
/// Frames and units: intensities in HU; lengths, sigmas and radii in mm (DICOM patient LPS grid);
/// every returned volume is on the grid of the CT (same ImageGeometry). "Radius" is always the
/// radius of the vessel lumen; a diameter is written as such (a 3 mm diameter vessel has a radius
/// of 1.5 mm). Distances use the grid spacing with the grid axes taken as orthogonal (exact except
/// for gantry-tilted CT).
///
/// Method (on a crop around `region` dilated by region_margin_mm, so the cost follows the region):
///  1. Parenchyma model: median and robust SD (1.4826 x MAD) of the CT inside `region`.
///  2. Multi-scale Frangi vesselness (Frangi et al., MICCAI 1998) for bright tubes: at each sigma
///     of `sigmas_mm` the scale-normalised (sigma^2) Hessian from separable sampled Gaussian
///     derivative kernels, closed-form eigenvalues |l1| <= |l2| <= |l3|, response 0 unless
///     l2, l3 < 0, else (1 - exp(-Ra^2 / 2 alpha^2)) exp(-Rb^2 / 2 beta^2)
///     (1 - exp(-S^2 / 2 c^2)); the maximum over the scales is kept (values in [0, 1]). It is
///     evaluated only inside the dilated region where the CT smoothed at that scale is at least
///     min_contrast_hu / 2 above the parenchyma (0 elsewhere).
///  3. Seeds: voxels of the dilated region with vesselness >= seed_vesselness, CT below
///     max_vessel_hu and not within bone_guard_mm of a voxel above it. The vessel intensity is the
///     median of the CT at the seeds, and the lumen threshold the half-maximum between parenchyma
///     and vessel (never below parenchyma + min_contrast_hu / 2).
///  4. Mask: voxels whose CT, smoothed by a Gaussian of lumen_smoothing_mm, is above the lumen
///     threshold and below max_vessel_hu, inside the dilated region, within grow_mm of a seed and
///     not within bone_guard_mm of a voxel above max_vessel_hu (ribs, spine); the 26-connected
///     components holding a seed and at least min_component_mm3 are kept, and their 3D holes
///     filled.
///  5. Radius: local thickness of the mask, the radius of the largest ball inside the mask that
///     covers the voxel (Hildebrand and Ruegsegger 1997), a ball's radius being the exact
///     Euclidean distance from its centre voxel to the nearest background voxel centre. No
///     correction: that distance exceeds the lumen radius by up to one voxel at the surface, and
///     the centre voxel lies up to half a voxel off the axis, which cancel on the phantom (median
///     bias -0.1 to +0.1 mm per radius). Bifurcations get the radius of the ball that fits in
///     the junction.
///
/// Validation (tests/vessels_test.cpp, phantom seed 3, liver truth as region, truth voxels in the
/// liver): 1.5 x 1.5 x 2 mm, noise 10 HU: recall 0.999 (radius >= 1.5 mm and >= 2.5 mm),
/// precision 1.000, |radius error| mean 0.28 mm, 90th percentile 0.60 mm, 52/52 segments found,
/// worst per-segment median |error| 0.53 mm; noise 20 HU: recall 0.99, precision 0.96, mean 0.36,
/// p90 0.85 mm; 2.4 x 2.4 x 2.8 mm: recall 1.0, precision 0.999, mean 0.48, p90 0.87, worst
/// segment 0.87 mm. The phantom has sharp vessel walls and no partial volume, so these are best
/// cases; real CT is not validated yet. About 2 s for the 256 x 256 x 100 phantom (2 cores).

#include <cstddef>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::segmentation {

/// \brief Parameters of segmentVessels(). Lengths in mm, intensities in HU.
struct VesselOptions {
  double region_margin_mm = 10.0;  ///< `region` is dilated by this (hilum, IVC at the liver edge)
  std::vector<double> sigmas_mm{1.0, 1.45, 2.1, 3.0, 4.3};  ///< Hessian scales (radii ~1.5-6)
  double alpha = 0.5;                                       ///< Frangi plate-vs-line sensitivity
  double beta = 0.5;                                        ///< Frangi blob-vs-line sensitivity
  double frangi_c_hu = 8.0;          ///< Frangi structure-norm scale (scale-normalised HU)
  double seed_vesselness = 0.25;     ///< least vesselness of a seed voxel
  double min_contrast_hu = 30.0;     ///< least vessel/parenchyma difference
  float max_vessel_hu = 450.0F;      ///< brighter voxels are bone or calcium, not lumen
  double bone_guard_mm = 2.0;        ///< lumen is not searched this close to such voxels
  double lumen_smoothing_mm = 0.75;  ///< Gaussian on the CT before the lumen threshold; 0 = none
  double grow_mm = 4.0;              ///< lumen voxels lie within this distance of a seed
  double min_component_mm3 = 40.0;   ///< smaller vessel components are dropped
  double large_radius_mm = 1.5;      ///< `large` holds radius >= this (1.5 mm = 3 mm diameter)
  bool keep_vesselness = true;       ///< fill VesselSegmentation::vesselness
};

/// \brief Result of segmentVessels(); volumes on the CT grid.
struct VesselSegmentation {
  Mask mask;                    ///< 0/1, every detected vessel voxel
  ImageVolume radius_mm;        ///< estimated lumen radius (mm) inside `mask`, 0 elsewhere
  Mask large;                   ///< 0/1, voxels of `mask` with radius_mm >= large_radius_mm
  ImageVolume vesselness;       ///< max Frangi response in [0, 1] (empty if !keep_vesselness)
  std::size_t voxel_count = 0;  ///< voxels of `mask`
  std::size_t seed_count = 0;   ///< seed voxels (method, 3)
  double parenchyma_hu = 0;     ///< median of the CT inside `region`
  double parenchyma_sd_hu = 0;  ///< 1.4826 x MAD of the CT inside `region`
  double vessel_hu = 0;         ///< median of the CT at the seeds
  double threshold_hu = 0;      ///< lumen threshold
};

/// \brief Segments the bright vessels of `ct_hu` (HU) in and around `region` (e.g. the liver
/// mask; non-zero = inside), on the CT grid.
/// \throws NoDataError when `ct_hu` or `region` is empty (no voxel set).
/// \throws GeometryError when `region` is not on the CT grid or an option is out of range
/// (no sigma, a sigma, threshold or radius <= 0 where it must be positive).
/// A region without vessels gives an empty mask (no error).
VesselSegmentation segmentVessels(const ImageVolume& ct_hu, const Mask& region,
                                  const VesselOptions& options = {});

}  // namespace rfa::segmentation
