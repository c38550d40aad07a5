// cairo helpers of rfa::report (cairo_util.h).
#include "cairo_util.h"

#include <cstdint>
#include <stdexcept>

namespace rfa::report::detail {

std::string safeUtf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7F) ? ' ' : static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      out += '?';
      ++i;
      continue;
    }
    bool ok = i + n < text.size();
    for (std::size_t k = 1; ok && k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    const std::uint32_t min_cp = n == 1 ? 0x80u : (n == 2 ? 0x800u : 0x10000u);
    if (!ok || cp < min_cp || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
      out += '?';
      ++i;
      continue;
    }
    out.append(text, i, n + 1);
    i += n + 1;
  }
  return out;
}

void setFont(cairo_t* cr, double size, bool bold) {
  cairo_select_font_face(cr, kFontFamily, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

void setColour(cairo_t* cr, const Rgb& c, double alpha) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, alpha);
}

double textWidth(cairo_t* cr, const std::string& text) {
  const std::string s = safeUtf8(text);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

void haloText(cairo_t* cr, double x, double y, const std::string& text, const Rgb& fill) {
  const std::string s = safeUtf8(text);
  cairo_save(cr);
  cairo_move_to(cr, x, y);
  cairo_text_path(cr, s.c_str());
  cairo_set_source_rgba(cr, 0, 0, 0, 0.85);
  cairo_set_line_width(cr, 2.5);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke_preserve(cr);
  setColour(cr, fill);
  cairo_fill(cr);
  cairo_restore(cr);
}

void scaleBar(cairo_t* cr, double x0, double y, double length_px, double font,
              const std::string& text, bool label_right) {
  cairo_new_path(cr);
  cairo_rectangle(cr, x0 - 1, y - 3, length_px + 2, 6);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_fill(cr);
  cairo_rectangle(cr, x0, y - 2, length_px, 4);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill(cr);
  setFont(cr, font, true);
  const double x = label_right ? x0 + length_px - textWidth(cr, text) : x0;
  haloText(cr, x, y - 6, text, Rgb{255, 255, 255});
}

ImageCanvas::ImageCanvas(RgbImage& image) {
  const int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, image.width);
  if (stride != 4 * image.width || image.pixels.empty()) {
    throw std::logic_error("ImageCanvas: unexpected RGB24 stride or empty image");
  }
  surface_ =
      cairo_image_surface_create_for_data(reinterpret_cast<unsigned char*>(image.pixels.data()),
                                          CAIRO_FORMAT_RGB24, image.width, image.height, stride);
  cr_ = cairo_create(surface_);
  cairo_set_antialias(cr_, CAIRO_ANTIALIAS_DEFAULT);
}

ImageCanvas::~ImageCanvas() {
  cairo_destroy(cr_);
  cairo_surface_flush(surface_);
  cairo_surface_destroy(surface_);
}

}  // namespace rfa::report::detail
