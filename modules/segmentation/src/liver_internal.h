#pragma once
// Building blocks of segmentLiver() (liver_filters.cpp): resampling between the CT grid and the
// coarser work grid, median filter and the histogram intensity model.
#include <optional>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/segmentation/components.h"

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

/// The peaks of the same smoothed histogram, highest first, at most `max_peaks`, each with its sd
/// as above; a peak within 2 sd of a higher one (a shoulder) is left out. Empty if fewer than
/// `min_count` values fall in the range.
std::vector<IntensityModel> histogramPeaks(const std::vector<float>& values, float lo, float hi,
                                           std::size_t min_count, std::size_t max_peaks);

/// Median and 1.4826 x median absolute deviation of `values` (not empty); reorders them.
IntensityModel robustModel(std::vector<float>& values);

/// The voxels of the work grid (canonical storage: index axis 2 runs to patient superior) that may
/// hold liver (liver_diaphragm.cpp): all but those more than `tolerance_mm` above the diaphragm.
/// The diaphragm of a column is the base of the first lung run met going down from the top (lungs:
/// air components of segmentLungs() that reach the top of the imaged body: the top slice, or a
/// voxel with no body above it; so not bowel gas); a column without
/// lung between two lung columns of its row at most `max_gap_mm` apart (the mediastinum: heart,
/// great vessels) takes the height interpolated linearly between them. Columns with neither, and
/// every column of a CT without lungs at its top, are left whole.
Mask belowDiaphragm(const ImageVolume& smooth_hu, const Mask& body, double tolerance_mm,
                    double max_gap_mm);

/// Parameters of fillLiverColumns().
struct ColumnFillOptions {
  float min_hu = 20.0F;               ///< nothing darker is filled (fat, air, fluid)
  float max_hu = 250.0F;              ///< brighter voxels are counted ...
  std::size_t max_bright_voxels = 2;  ///< ... and at most this many tolerated in one gap
  double max_gap_mm = 60.0;           ///< longest gap filled
  double reach_mm = 9.0;              ///< a run above the liver must end this close under the
                                      ///< top of `below` (at the lung)
  double diaphragm_mm = 4.0;          ///< left out at that run's end (the diaphragm)
  double min_fill_mm = 6.0;           ///< ... and what remains filled only when this thick
  double min_width_mm = 6.0;  ///< what (b) adds is opened in-plane by a disc this wide; 0 = not
};

/// `liver` (work grid, canonical storage: axial slices) with the gaps of its vertical columns
/// filled (liver_columns.cpp): (a) between two liver voxels of one column, when the gap is at most
/// `max_gap_mm` long, inside `below`, and soft tissue on `smooth_hu` (nothing below min_hu, at most
/// max_bright_voxels above max_hu); (b) from the column's top liver voxel upwards, where `below`
/// ends under the top of the volume (a lung above): the run of soft tissue above the liver (at most
/// `max_gap_mm`) must end at fat or air (not blood) within `reach_mm` of that end, i.e. at the
/// lung, and is filled except its last `diaphragm_mm` when at least `min_fill_mm` remains; of what
/// (b) adds, only what survives an in-plane (axial) opening by a disc `min_width_mm` wide is kept
/// (a bulge, not the crescent of body wall over a steep surface). Measured trade-off (docs/
/// validation.md): without the opening IRCADb 17's liver Dice is 0.942 and tumour 1 becomes a
/// candidate (Dice 0.55), but the phantom's liver takes in a shell of its body wall (0.987 / 0.948
/// with neighbours); with it 0.940, tumour 1 no candidate, phantom 0.995 / 0.956. A hypodense
/// lesion at the dome or between liver layers, which the liver's threshold leaves out and hole
/// filling cannot reach because it opens onto the diaphragm, joins the liver; where the liver
/// already reaches the diaphragm, nothing is added.
Mask fillLiverColumns(const Mask& liver, const ImageVolume& smooth_hu, const Mask& below,
                      const ColumnFillOptions& options);

/// `liver` (work grid, canonical storage: axial slices) without its vertical tubes
/// (liver_tubes.cpp): chains of axial sections (4-connected 2D components) linked slice to slice
/// (each the other's only overlap there, overlapping half of each), each at most `max_area_mm2`
/// and filling at least `min_fill` of its bounding ellipse, areas within `max_area_ratio` of each
/// other, at least `min_length_mm` long. Such a chain is the inferior vena cava (or the aorta)
/// that the mask follows out of the liver; the liver's own tip shrinks slice by slice.
Mask withoutVerticalTubes(const Mask& liver, double max_area_mm2, double min_length_mm,
                          double max_area_ratio, double min_fill);

/// Splits `mask` at its necks (liver_split.cpp): watershed of the distance to the background (mm,
/// 6-connected flooding from the deepest voxels down), two basins merged where they meet unless
/// the neck is narrow, i.e. its depth is below `neck_ratio` x the shallower basin's peak depth and
/// that peak rises at least `min_dynamic_mm` above it. Two organs touching through a thin bridge
/// (liver and spleen through the stomach wall, liver and heart through the diaphragm) become two
/// regions; one organ with a broad waist stays one. Labels sorted by decreasing voxel count, as
/// labelComponents(). \throws UnsupportedError for more than 65535 regions.
ComponentLabels splitAtNecks(const Mask& mask, double neck_ratio, double min_dynamic_mm);

}  // namespace rfa::segmentation::liver_detail
