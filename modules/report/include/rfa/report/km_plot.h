#pragma once
/// \file km_plot.h
/// \brief Kaplan-Meier figures for a study report: one step curve per arm with censoring ticks
/// and optional 95% CI bands, the x axis in months, a title with a subtitle (e.g. the log-rank p
/// and the hazard ratio), a legend, and a numbers-at-risk table under the plot at 0, 6, 12, ...
/// months. Drawn with cairo on a PNG (image surface) or a PDF (vector) surface with one layout.
/// Research use only.
///
/// Units: the curves' times are days (rfa::outcomes' unit); the figure converts them to months
/// (days / 30.4375). PNG sizes are pixels; the PDF page has the same size in points.
///
/// Errors: writeKmPlotPng / writeKmPlotPdf throw UsageError for no series, an empty curve or a
/// size out of range, and WriteError naming the file when it cannot be written.

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "rfa/outcomes/survival.h"

namespace rfa::report {

/// One curve (one arm).
struct KmSeries {
  std::string label;  ///< legend and at-risk row label (e.g. the arm's name)
  outcomes::KaplanMeier km;
};

/// How to draw.
struct KmPlotOptions {
  std::string title;     ///< e.g. "Overall survival"
  std::string subtitle;  ///< e.g. "log-rank p = 0.041; HR (B vs A) 0.52 (0.28-0.97)"
  std::string y_label = "Survival probability";
  int width = 900;   ///< pixels / points, 300..4000
  int height = 640;  ///< 300..4000
  bool ci_bands = true;
  double tick_months = 6;  ///< x ticks and at-risk columns every this many months (> 0)
};

/// Where things are on the figure (pixels / points, x right, y down).
struct KmPlotLayout {
  double left = 0;                  ///< plot area (axes box) left edge
  double top = 0;                   ///< plot area top edge (S = 1)
  double width = 0;                 ///< plot area width
  double height = 0;                ///< plot area height
  double max_months = 0;            ///< x axis end (months; a multiple of tick_months)
  std::vector<double> tick_months;  ///< 0, tick, 2 tick, ..., max_months
  double table_top = 0;             ///< top of the numbers-at-risk table
  double row_height = 0;            ///< one row of the table per series
  /// \brief The picture point of (months, survival).
  [[nodiscard]] std::array<double, 2> pointOf(double months, double survival) const;
};

/// \brief The layout of a figure of `series` with `options`.
KmPlotLayout kmPlotLayout(const std::vector<KmSeries>& series, const KmPlotOptions& options = {});

/// \brief The numbers at risk of `km` at each time (days): subjects with time >= t (0 once every
/// subject's time is before t), as the KM rows' n_risk.
std::vector<int> numbersAtRisk(const outcomes::KaplanMeier& km, const std::vector<double>& days);

/// \brief Writes the figure as a PNG of width x height pixels.
void writeKmPlotPng(const std::filesystem::path& file, const std::vector<KmSeries>& series,
                    const KmPlotOptions& options = {});

/// \brief Writes the figure as a one-page PDF of width x height points.
void writeKmPlotPdf(const std::filesystem::path& file, const std::vector<KmSeries>& series,
                    const KmPlotOptions& options = {});

}  // namespace rfa::report
