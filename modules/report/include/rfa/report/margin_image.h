#pragma once
/// \file margin_image.h
/// \brief The colour map of one lesion's minimal ablative margin, for the tumour board: the slice
/// of the (registered) follow-up through the point of the minimal margin, the ablation zone's
/// outline, the lesion's surface voxels coloured by their margin (followup::measureMargin's
/// margin map), the minimal-margin point, a 10 mm scale bar and the colour key. PNG via cairo.
///
/// Display: the slice is the grid's k plane through the point (axial for an axial series); the
/// picture's +x is the in-plane grid axis i, mirrored when it points to patient Right, and +y the
/// axis j, mirrored when it points Anterior, so an axial slice shows the patient's Right on the
/// left and Anterior at the top (radiological convention, as key_image.h). LPS mm throughout.
/// Research use only.

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"
#include "rfa/report/image.h"

namespace rfa::report {

/// \brief How to draw a margin colour map.
struct MarginImageOptions {
  int size_px = 360;          ///< width = height of the picture (32..2048)
  double window = 150;        ///< grey window width (liver window W 150 / L 60 HU)
  double level = 60;          ///< grey window centre
  double threshold_mm = 5.0;  ///< margin needed (green at and above it)
  std::string caption;        ///< drawn at the top left (e.g. "L3  MAM 4.2 mm")
};

/// \brief A rendered margin colour map.
struct MarginImage {
  RgbImage pixels;
  std::size_t slice = 0;    ///< grid slice index k shown
  double mm_per_px = 0;     ///< picture scale
  int coloured_voxels = 0;  ///< lesion surface voxels of the slice drawn with their margin
  /// \brief Picture coordinates (x right, y down) of a voxel centre (i, j) of the slice.
  [[nodiscard]] std::array<double, 2> pixelOf(double i, double j) const;
  // Mapping of the picture to the slice (set by renderMarginImage).
  double i0 = 0, j0 = 0;  ///< grid index at the picture's top left corner
  double di = 1, dj = 1;  ///< grid index per pixel along the picture's x and y
};

/// \brief Colour of a margin (mm): below 0 red (tumour outside the zone), 0..threshold orange to
/// yellow, at or above the threshold green.
Rgb marginColour(double margin_mm, double threshold_mm);

/// \brief Renders the colour map on the slice through `point_lps` (usually
/// MarginResult::minimal_margin_point_lps). `image`, `zone`, `lesion` and `margin_map` (mm, NaN
/// where there is no surface value) share one grid. The field covers the lesion's extent in the
/// slice + 15 mm each side (at least 40 mm), square.
/// \throws GeometryError when the grids differ or the point lies outside the grid; NoDataError
/// when the lesion has no voxel in that slice; UsageError for size_px outside 32..2048 or
/// window <= 0.
MarginImage renderMarginImage(const ImageVolume& image, const Mask& zone, const Mask& lesion,
                              const Volume<float>& margin_map, const Vec3& point_lps,
                              const MarginImageOptions& options = {});

/// \brief Writes `image` as a PNG file (temporary name, then renamed). \throws WriteError.
void writePng(const RgbImage& image, const std::filesystem::path& file);

}  // namespace rfa::report
