#include "rfa/report/margin_image.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <system_error>

#include "cairo_util.h"
#include "format.h"
#include "rfa/core/error.h"
#include "slice_sampling.h"

namespace rfa::report {
namespace {

constexpr double kPadMm = 15.0;
constexpr double kMinFieldMm = 40.0;

// Nearest voxel index of a continuous one, or -1 outside the grid.
long nearestIndex(double v, std::size_t n) {
  const long r = std::lround(v);
  return (r < 0 || r >= static_cast<long>(n)) ? -1 : r;
}

}  // namespace

std::array<double, 2> MarginImage::pixelOf(double i, double j) const {
  return {(i - i0) / di - 0.5, (j - j0) / dj - 0.5};
}

Rgb marginColour(double margin_mm, double threshold_mm) {
  if (margin_mm < 0.0) return {220, 30, 30};
  if (margin_mm >= threshold_mm) return {40, 200, 70};
  const double t = threshold_mm > 0 ? margin_mm / threshold_mm : 1.0;  // 0..1: orange -> yellow
  return {255, static_cast<std::uint8_t>(std::lround(120 + 110 * t)), 20};
}

MarginImage renderMarginImage(const ImageVolume& image, const Mask& zone, const Mask& lesion,
                              const Volume<float>& margin_map, const Vec3& point_lps,
                              const MarginImageOptions& options) {
  const ImageGeometry& g = image.geometry();
  if (!g.sameGrid(zone.geometry()) || !g.sameGrid(lesion.geometry()) ||
      !g.sameGrid(margin_map.geometry())) {
    throw GeometryError("margin image: the image, zone, lesion and margin map must share one grid");
  }
  if (options.size_px < 32 || options.size_px > 2048) {
    throw UsageError("margin image: size must be 32..2048 pixels (got " +
                     std::to_string(options.size_px) + ")");
  }
  if (!(options.window > 0)) throw UsageError("margin image: the window must be > 0");
  const Size3& n = g.size();
  const Vec3 p = g.lpsToIndex(point_lps);
  const long k_near = nearestIndex(p.z(), n[2]);
  if (nearestIndex(p.x(), n[0]) < 0 || nearestIndex(p.y(), n[1]) < 0 || k_near < 0) {
    throw GeometryError("margin image: the point (" + detail::num(point_lps.x(), 1) + ", " +
                        detail::num(point_lps.y(), 1) + ", " + detail::num(point_lps.z(), 1) +
                        ") mm lies outside the image");
  }
  const auto k = static_cast<std::size_t>(k_near);

  // The lesion's extent in the slice.
  std::size_t lo_i = n[0], hi_i = 0, lo_j = n[1], hi_j = 0;
  for (std::size_t j = 0; j < n[1]; ++j) {
    for (std::size_t i = 0; i < n[0]; ++i) {
      if (lesion(i, j, k) == 0) continue;
      lo_i = std::min(lo_i, i);
      hi_i = std::max(hi_i, i);
      lo_j = std::min(lo_j, j);
      hi_j = std::max(hi_j, j);
    }
  }
  if (lo_i > hi_i) {
    throw NoDataError("margin image: the lesion has no voxel in slice " + std::to_string(k));
  }
  const Vec3& sp = g.spacing();
  const double ci = 0.5 * static_cast<double>(lo_i + hi_i);
  const double cj = 0.5 * static_cast<double>(lo_j + hi_j);
  const double extent_mm = std::max(static_cast<double>(hi_i - lo_i + 1) * sp.x(),
                                    static_cast<double>(hi_j - lo_j + 1) * sp.y());
  const double field_mm = std::max(kMinFieldMm, extent_mm + 2 * kPadMm);
  const int size = options.size_px;

  MarginImage out;
  out.slice = k;
  out.mm_per_px = field_mm / size;
  // Radiological display: mirror an axis that points to patient Right (-x) or Anterior (-y).
  const Mat3& dir = g.direction();
  const double si = dir(0, 0) < 0 ? -1.0 : 1.0;
  const double sj = dir(1, 1) < 0 ? -1.0 : 1.0;
  out.di = si * out.mm_per_px / sp.x();
  out.dj = sj * out.mm_per_px / sp.y();
  out.i0 = ci - out.di * size / 2.0;
  out.j0 = cj - out.dj * size / 2.0;

  RgbImage& pic = out.pixels;
  pic = RgbImage(size, size, Rgb{0, 0, 0});
  const double lo_hu = options.level - options.window / 2;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const double i = out.i0 + (x + 0.5) * out.di;
      const double j = out.j0 + (y + 0.5) * out.dj;
      const double hu = detail::bilinear(n, i, j, lo_hu, [&](std::size_t a, std::size_t b) {
        return static_cast<double>(image(a, b, k));
      });
      const double v = std::clamp((hu - lo_hu) / options.window, 0.0, 1.0);
      const auto grey = static_cast<std::uint8_t>(std::lround(255 * v));
      Rgb c{grey, grey, grey};
      const long ii = nearestIndex(i, n[0]);
      const long jj = nearestIndex(j, n[1]);
      if (ii >= 0 && jj >= 0) {
        const auto ui = static_cast<std::size_t>(ii);
        const auto uj = static_cast<std::size_t>(jj);
        const float m = margin_map(ui, uj, k);
        if (std::isfinite(m)) {
          c = blend(c, marginColour(m, options.threshold_mm), 0.85);
        } else if (lesion(ui, uj, k) != 0) {
          c = blend(c, kLesionColour, 0.25);
        }
      }
      pic.set(x, y, c);
    }
  }
  // Zone outline: pixels whose nearest voxel differs in zone membership from the next pixel's.
  auto inZone = [&](double i, double j) {
    const long ii = nearestIndex(i, n[0]);
    const long jj = nearestIndex(j, n[1]);
    return ii >= 0 && jj >= 0 &&
           zone(static_cast<std::size_t>(ii), static_cast<std::size_t>(jj), k) != 0;
  };
  const Rgb outline{80, 220, 255};
  for (int y = 0; y + 1 < size; ++y) {
    for (int x = 0; x + 1 < size; ++x) {
      const double i = out.i0 + (x + 0.5) * out.di;
      const double j = out.j0 + (y + 0.5) * out.dj;
      const bool a = inZone(i, j);
      if (a != inZone(i + out.di, j) || a != inZone(i, j + out.dj)) pic.set(x, y, outline);
    }
  }
  for (std::size_t j = 0; j < n[1]; ++j) {
    for (std::size_t i = 0; i < n[0]; ++i) {
      if (std::isfinite(margin_map(i, j, k))) ++out.coloured_voxels;
    }
  }

  detail::ImageCanvas canvas(pic);
  cairo_t* cr = canvas.cr();
  const double font = std::max(9.0, size / 26.0);
  const Rgb white{255, 255, 255};
  // The minimal-margin point: a white cross.
  {
    const auto xy = out.pixelOf(p.x(), p.y());
    const double r = std::max(5.0, size / 40.0);
    cairo_new_path(cr);
    cairo_move_to(cr, xy[0] - r, xy[1]);
    cairo_line_to(cr, xy[0] + r, xy[1]);
    cairo_move_to(cr, xy[0], xy[1] - r);
    cairo_line_to(cr, xy[0], xy[1] + r);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 4);
    cairo_stroke_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 2);
    cairo_stroke(cr);
  }
  // 10 mm scale bar, bottom left.
  detail::scaleBar(cr, 12.0, size - 12.0, 10.0 / out.mm_per_px, font, "10 mm", false);
  // Colour key, right edge: red < 0, orange..yellow 0..threshold, green >= threshold.
  {
    const double kw = std::max(8.0, size / 36.0);
    const double kh = size * 0.45;
    const double kx = size - kw - 8.0;
    const double ky = size * 0.3;
    const double t = options.threshold_mm;
    const double lo = -2.0;
    const double hi = t + 3.0;
    for (int row = 0; row < static_cast<int>(kh); ++row) {
      const double m = hi - (hi - lo) * (row + 0.5) / kh;
      detail::setColour(cr, marginColour(m, t));
      cairo_rectangle(cr, kx, ky + row, kw, 1);
      cairo_fill(cr);
    }
    detail::setFont(cr, font * 0.85, false);
    auto label = [&](double m, const std::string& text) {
      const double yy = ky + kh * (hi - m) / (hi - lo);
      detail::haloText(cr, kx - 4 - detail::textWidth(cr, text), yy + font * 0.3, text, white);
    };
    label(t, ">= " + detail::num(t, 0) + " mm");
    label(0.0, "0 mm");
    label(lo + 0.5, "< 0");
  }
  if (!options.caption.empty()) {
    detail::setFont(cr, font, true);
    detail::haloText(cr, 8, 8 + font, options.caption, white);
  }
  detail::setFont(cr, font * 0.75, false);
  detail::haloText(
      cr, 8, 8 + 2.3 * font,
      "slice " + std::to_string(k + 1) + " of " + std::to_string(n[2]) + "  research use only",
      white);
  return out;
}

void writePng(const RgbImage& image, const std::filesystem::path& file) {
  if (image.width <= 0 || image.height <= 0)
    throw WriteError("PNG: empty image for " + file.string());
  RgbImage copy = image;  // cairo draws on (and may touch) the buffer it is given
  const std::filesystem::path tmp = file.string() + ".tmp";
  cairo_status_t status = CAIRO_STATUS_SUCCESS;
  {
    const int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, copy.width);
    cairo_surface_t* s =
        cairo_image_surface_create_for_data(reinterpret_cast<unsigned char*>(copy.pixels.data()),
                                            CAIRO_FORMAT_RGB24, copy.width, copy.height, stride);
    status = cairo_surface_write_to_png(s, tmp.c_str());
    cairo_surface_destroy(s);
  }
  std::error_code ec;
  if (status != CAIRO_STATUS_SUCCESS) {
    std::filesystem::remove(tmp, ec);
    throw WriteError("cannot write " + file.string() + ": " + cairo_status_to_string(status));
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw WriteError("cannot write " + file.string() + ": rename failed");
  }
}

}  // namespace rfa::report
