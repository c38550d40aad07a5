#pragma once
// Small RAII wrappers around cairo (private to rfa::report): a cairo context drawing on an
// RgbImage in place, font selection and UTF-8 safe text.
#include <cairo.h>

#include <string>

#include "rfa/report/image.h"

namespace rfa::report::detail {

/// The font family every text of the report uses (fontconfig falls back to any sans-serif).
inline constexpr const char* kFontFamily = "DejaVu Sans";

/// `text` as valid UTF-8 without control characters (invalid bytes become '?', controls ' '):
/// cairo's toy text API refuses invalid UTF-8 and would put the context in an error state.
std::string safeUtf8(const std::string& text);

/// Selects the report font at `size` (user units), bold or not.
void setFont(cairo_t* cr, double size, bool bold = false);

/// Sets the source colour from an Rgb (alpha 1 or `alpha`).
void setColour(cairo_t* cr, const Rgb& c, double alpha = 1.0);

/// Width of `text` in the current font (user units).
double textWidth(cairo_t* cr, const std::string& text);

/// Draws `text` with its baseline starting at (x, y) in `fill`, with a dark halo for legibility
/// over images.
void haloText(cairo_t* cr, double x, double y, const std::string& text, const Rgb& fill);

/// A white bar of `length_px` from (x0, y) to the right, outlined in black, labelled `text` above
/// it in a bold font of `font` size, left-aligned with the bar or (label_right) right-aligned.
void scaleBar(cairo_t* cr, double x0, double y, double length_px, double font,
              const std::string& text, bool label_right);

/// A cairo context drawing on `image` in place (CAIRO_FORMAT_RGB24); flushed on destruction.
class ImageCanvas {
 public:
  explicit ImageCanvas(RgbImage& image);
  ~ImageCanvas();
  ImageCanvas(const ImageCanvas&) = delete;
  ImageCanvas& operator=(const ImageCanvas&) = delete;
  [[nodiscard]] cairo_t* cr() const { return cr_; }

 private:
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

}  // namespace rfa::report::detail
