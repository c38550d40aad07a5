#include "rfa/report/km_plot.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "cairo_util.h"
#include "rfa/core/error.h"

namespace rfa::report {

namespace {

constexpr double kDaysPerMonth = 30.4375;
const Rgb kPalette[] = {{31, 119, 180},  {214, 39, 40},  {44, 160, 44},
                        {148, 103, 189}, {255, 127, 14}, {140, 86, 75}};

Rgb colourOf(std::size_t i) {
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

void check(const std::vector<KmSeries>& series, const KmPlotOptions& o) {
  if (series.empty()) throw UsageError("Kaplan-Meier plot: no curve to draw");
  for (const KmSeries& s : series) {
    if (s.km.rows.empty())
      throw UsageError("Kaplan-Meier plot: curve \"" + s.label + "\" is empty");
  }
  if (o.width < 300 || o.width > 4000 || o.height < 300 || o.height > 4000) {
    throw UsageError("Kaplan-Meier plot: size must be 300..4000 (got " + std::to_string(o.width) +
                     " x " + std::to_string(o.height) + ")");
  }
  if (!(o.tick_months > 0)) throw UsageError("Kaplan-Meier plot: tick_months must be > 0");
}

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

void text(cairo_t* cr, double x, double y, const std::string& t, double align = 0.0) {
  const std::string s = detail::safeUtf8(t);
  cairo_move_to(cr, x - align * detail::textWidth(cr, s), y);
  cairo_show_text(cr, s.c_str());
}

// A step function through (0, 1) and the rows' (time, value) pairs, as picture points; NaN values
// end the path.
std::vector<std::array<double, 2>> steps(const KmPlotLayout& l, const outcomes::KaplanMeier& km,
                                         int which /* 0 S, 1 lower, 2 upper */) {
  std::vector<std::array<double, 2>> pts;
  double prev = 1.0;
  pts.push_back(l.pointOf(0, 1));
  for (const outcomes::KaplanMeierRow& r : km.rows) {
    const double v = which == 0 ? r.survival : which == 1 ? r.lower : r.upper;
    const double m = r.time / kDaysPerMonth;
    pts.push_back(l.pointOf(m, prev));
    if (!std::isfinite(v)) break;
    pts.push_back(l.pointOf(m, v));
    prev = v;
  }
  return pts;
}

void draw(cairo_t* cr, const std::vector<KmSeries>& series, const KmPlotOptions& o) {
  const KmPlotLayout l = kmPlotLayout(series, o);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  // Title and subtitle.
  cairo_set_source_rgb(cr, 0, 0, 0);
  detail::setFont(cr, 20, true);
  text(cr, l.left, 30, o.title);
  detail::setFont(cr, 13);
  text(cr, l.left, 52, o.subtitle);
  // Grid and axes.
  cairo_set_line_width(cr, 1);
  detail::setFont(cr, 12);
  for (int k = 0; k <= 10; k += 2) {
    const double s = k / 10.0;
    const auto p = l.pointOf(0, s);
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, l.left, p[1]);
    cairo_line_to(cr, l.left + l.width, p[1]);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, l.left - 8, p[1] + 4, format("%.1f", s), 1.0);
  }
  for (const double m : l.tick_months) {
    const auto p = l.pointOf(m, 0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, p[0], p[1]);
    cairo_line_to(cr, p[0], p[1] + 5);
    cairo_stroke(cr);
    text(cr, p[0], p[1] + 19, format("%.0f", m), 0.5);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, l.left, l.top, l.width, l.height);
  cairo_stroke(cr);
  text(cr, l.left + l.width / 2, l.top + l.height + 38, "Months from the first ablation", 0.5);
  cairo_save(cr);
  cairo_move_to(cr, 22, l.top + l.height / 2 + detail::textWidth(cr, o.y_label) / 2);
  cairo_rotate(cr, -std::numbers::pi / 2);
  cairo_show_text(cr, detail::safeUtf8(o.y_label).c_str());
  cairo_restore(cr);

  cairo_save(cr);
  cairo_rectangle(cr, l.left - 8, l.top - 8, l.width + 16, l.height + 10);  // room for ticks
  cairo_clip(cr);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const outcomes::KaplanMeier& km = series[i].km;
    const Rgb c = colourOf(i);
    if (o.ci_bands) {
      // The band between the lower and upper step functions, as far as both are defined.
      const auto lo = steps(l, km, 1);
      const auto hi = steps(l, km, 2);
      const std::size_t n = std::min(lo.size(), hi.size());
      if (n >= 2) {
        cairo_move_to(cr, hi[0][0], hi[0][1]);
        for (std::size_t k = 1; k < n; ++k) cairo_line_to(cr, hi[k][0], hi[k][1]);
        for (std::size_t k = n; k-- > 0;) cairo_line_to(cr, lo[k][0], lo[k][1]);
        cairo_close_path(cr);
        detail::setColour(cr, c, 0.15);
        cairo_fill(cr);
      }
    }
    const auto pts = steps(l, km, 0);
    cairo_move_to(cr, pts[0][0], pts[0][1]);
    for (std::size_t k = 1; k < pts.size(); ++k) cairo_line_to(cr, pts[k][0], pts[k][1]);
    detail::setColour(cr, c);
    cairo_set_line_width(cr, 2.5);
    cairo_stroke(cr);
    // Censoring ticks.
    cairo_set_line_width(cr, 1.5);
    for (const outcomes::KaplanMeierRow& r : km.rows) {
      if (r.n_censor > 0) {
        const auto p = l.pointOf(r.time / kDaysPerMonth, r.survival);
        cairo_move_to(cr, p[0], p[1] - 6);
        cairo_line_to(cr, p[0], p[1] + 6);
        cairo_stroke(cr);
      }
    }
  }
  cairo_restore(cr);

  // Legend (top right of the plot area).
  detail::setFont(cr, 13);
  double ly = l.top + 20;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double lx = l.left + l.width - 200;
    detail::setColour(cr, colourOf(i));
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, lx, ly - 4);
    cairo_line_to(cr, lx + 24, ly - 4);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, lx + 30, ly, series[i].label + " (n=" + std::to_string(series[i].km.n) + ")");
    ly += 18;
  }

  // Numbers at risk.
  std::vector<double> days;
  for (const double m : l.tick_months) days.push_back(m * kDaysPerMonth);
  detail::setFont(cr, 12, true);
  cairo_set_source_rgb(cr, 0, 0, 0);
  text(cr, 10, l.table_top, "Number at risk");
  detail::setFont(cr, 12);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double y = l.table_top + l.row_height * static_cast<double>(i + 1);
    detail::setColour(cr, colourOf(i));
    // The arm's name in the margin left of the first column (half of a 2-digit number wide):
    // a smaller font for a long name, down to 7 pt, then cut with an ellipsis.
    const double room = l.left - 10 - 14;
    double size = 12;
    detail::setFont(cr, size);
    while (size > 7 && detail::textWidth(cr, series[i].label) > room) {
      size -= 0.5;
      detail::setFont(cr, size);
    }
    std::string label = series[i].label;
    if (detail::textWidth(cr, label) > room) {
      while (label.size() > 1 && detail::textWidth(cr, label + "\u2026") > room) label.pop_back();
      label += "\u2026";
    }
    text(cr, 10, y, label);
    detail::setFont(cr, 12);
    const std::vector<int> at_risk = numbersAtRisk(series[i].km, days);
    for (std::size_t k = 0; k < at_risk.size(); ++k) {
      text(cr, l.pointOf(l.tick_months[k], 0)[0], y, std::to_string(at_risk[k]), 0.5);
    }
  }
}

void finish(cairo_surface_t* s, cairo_t* cr, const std::filesystem::path& file) {
  const cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  if (st != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    throw WriteError("cannot draw " + file.string() + ": " + cairo_status_to_string(st));
  }
}

}  // namespace

std::array<double, 2> KmPlotLayout::pointOf(double months, double survival) const {
  return {left + width * months / max_months, top + height * (1.0 - survival)};
}

KmPlotLayout kmPlotLayout(const std::vector<KmSeries>& series, const KmPlotOptions& o) {
  check(series, o);
  KmPlotLayout l;
  double max_days = 0;
  for (const KmSeries& s : series) max_days = std::max(max_days, s.km.rows.back().time);
  const double months = max_days / kDaysPerMonth;
  l.max_months = std::max(1.0, std::ceil(months / o.tick_months - 1e-9)) * o.tick_months;
  for (int k = 0; k * o.tick_months <= l.max_months + 1e-9; ++k) {
    l.tick_months.push_back(k * o.tick_months);
  }
  l.row_height = 18;
  const double table_height = l.row_height * static_cast<double>(series.size() + 1) + 10;
  // Room left of the plot for the at-risk table's arm names (about 6.5 px per character at
  // 12 pt), 80 to 200 px; draw() shrinks or cuts a name that still does not fit.
  std::size_t longest = 0;
  for (const KmSeries& s : series) longest = std::max(longest, s.label.size());
  l.left = std::clamp(24.0 + 6.5 * static_cast<double>(longest), 80.0, 200.0);
  l.top = 75;
  l.width = o.width - l.left - 30;
  l.height = o.height - l.top - 60 - table_height;
  l.table_top = l.top + l.height + 70;
  if (l.height < 80) {
    throw UsageError("Kaplan-Meier plot: height " + std::to_string(o.height) + " too small for " +
                     std::to_string(series.size()) + " at-risk rows");
  }
  return l;
}

std::vector<int> numbersAtRisk(const outcomes::KaplanMeier& km, const std::vector<double>& days) {
  std::vector<int> out;
  for (const double t : days) {
    int n = 0;
    for (const outcomes::KaplanMeierRow& r : km.rows) {
      if (r.time >= t) {
        n = r.n_risk;
        break;
      }
    }
    out.push_back(n);
  }
  return out;
}

void writeKmPlotPng(const std::filesystem::path& file, const std::vector<KmSeries>& series,
                    const KmPlotOptions& options) {
  check(series, options);
  cairo_surface_t* s =
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, options.width, options.height);
  cairo_t* cr = cairo_create(s);
  draw(cr, series, options);
  finish(s, cr, file);
  cairo_surface_flush(s);
  const cairo_status_t st = cairo_surface_write_to_png(s, file.c_str());
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS) {
    throw WriteError("cannot write " + file.string() + ": " + cairo_status_to_string(st));
  }
}

void writeKmPlotPdf(const std::filesystem::path& file, const std::vector<KmSeries>& series,
                    const KmPlotOptions& options) {
  check(series, options);
  cairo_surface_t* s = cairo_pdf_surface_create(file.c_str(), options.width, options.height);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    const cairo_status_t st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    throw WriteError("cannot write " + file.string() + ": " + cairo_status_to_string(st));
  }
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
                                 detail::safeUtf8(options.title).c_str());
  cairo_t* cr = cairo_create(s);
  draw(cr, series, options);
  cairo_show_page(cr);
  finish(s, cr, file);
  cairo_surface_finish(s);
  const cairo_status_t st = cairo_surface_status(s);
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS) {
    throw WriteError("cannot write " + file.string() + ": " + cairo_status_to_string(st));
  }
}

}  // namespace rfa::report
