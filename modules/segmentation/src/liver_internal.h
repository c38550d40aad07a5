#pragma once
// Building blocks of segmentLiver() (liver_filters.cpp): resampling between the CT grid and the
// coarser work grid, median filter and the histogram intensity model.
#include <optional>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::segmentation::liver_detail {

/// The CT grid with spacing max(spacing_mm, CT spacing) per axis (same origin and direction).
ImageGeometry workGrid(const ImageGeometry& ct, double spacing_mm);

/// Mean of the CT voxels whose centres fall in each work voxel (box average), or the nearest CT
/// voxel where none does. `work` comes from workGrid(ct.geometry(), ...).
ImageVolume boxDownsample(const ImageVolume& ct, const ImageGeometry& work);

/// 3x3x3 median (neighbours outside the grid are left out). Parallel over slices.
ImageVolume median3(const ImageVolume& v);

/// Work-grid mask onto the fine grid: trilinear interpolation of 0/1, set where >= 0.5.
Mask upsampleMask(const Mask& coarse, const ImageGeometry& fine);

/// Intensity model of a tissue class.
struct IntensityModel {
  double mean = 0;
  double sd = 0;
};

/// Mode of the histogram (1 HU bins, smoothed) of `values` within [lo, hi], sd from the width at
/// half maximum of that peak. Empty if fewer than `min_count` values fall in the range.
std::optional<IntensityModel> histogramMode(const std::vector<float>& values, float lo, float hi,
                                            std::size_t min_count);

/// Median and 1.4826 x median absolute deviation of `values` (not empty); reorders them.
IntensityModel robustModel(std::vector<float>& values);

}  // namespace rfa::segmentation::liver_detail
