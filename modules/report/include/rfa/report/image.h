#pragma once
/// \file image.h
/// \brief The report's raster pictures (key images, 3D overviews) as plain RGB pixels, and the
/// colours every picture and legend of the report shares (those of the plan's ROIs, plan_rois.h).

#include <cstdint>
#include <vector>

#include "rfa/dicomexport/plan_rois.h"

namespace rfa::report {

/// \brief An sRGB colour, 8 bits per channel.
struct Rgb {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// \brief The colour of an ROI of the plan (dicomexport/plan_rois.h) as an Rgb.
constexpr Rgb toRgb(const dicomexport::RoiColour& c) {
  return {c[0], c[1], c[2]};
}

inline constexpr Rgb kLiverColour = toRgb(dicomexport::kLiverColour);    ///< liver (ROI "Liver")
inline constexpr Rgb kLesionColour = toRgb(dicomexport::kLesionColour);  ///< lesion (GTV) fill
inline constexpr Rgb kMarginColour = toRgb(dicomexport::kMarginColour);  ///< lesion + margin (PTV)
inline constexpr Rgb kOtherLesionColour{150, 200, 235};  ///< lesions of other sessions (3D view)

/// \brief Colour of a session's ablation zones and needles: 1 green, 2 blue, 3 magenta, any other
/// (unscheduled) grey, as the plan's ROIs.
Rgb sessionColour(int session);

/// \brief Alpha blend: `alpha` of `top` over `bottom`, alpha in [0, 1].
Rgb blend(const Rgb& bottom, const Rgb& top, double alpha);

/// \brief An RGB picture, rows top to bottom, pixels left to right, each 0x00RRGGBB (the memory
/// layout of a cairo CAIRO_FORMAT_RGB24 surface with stride 4 x width).
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint32_t> pixels;

  RgbImage() = default;
  /// \brief A `width` x `height` picture filled with `fill`.
  RgbImage(int w, int h, Rgb fill = {});
  /// \brief Pixel (x, y); no bounds check.
  [[nodiscard]] Rgb at(int x, int y) const;
  /// \brief Sets pixel (x, y); no bounds check.
  void set(int x, int y, const Rgb& c);
  [[nodiscard]] bool contains(int x, int y) const {
    return x >= 0 && y >= 0 && x < width && y < height;
  }
};

}  // namespace rfa::report
