// Kaplan-Meier figures: the PNG is drawn in each arm's colour where its curve is (read back
// from the file at the layout's points) and white elsewhere in empty areas, the numbers at risk
// equal the KM n_risk at 0, 6, 12, ... months, the PDF is a PDF, and bad input is refused.
#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/outcomes/survival.h"
#include "rfa/report/km_plot.h"
#include "test_support.h"

namespace rfa::report {
namespace {

namespace fs = std::filesystem;
using outcomes::Subject;

constexpr double kDaysPerMonth = 30.4375;

outcomes::KaplanMeier curve(const std::vector<int>& signed_days) {
  std::vector<Subject> s;
  for (const int t : signed_days) {
    Subject x;
    x.time = std::abs(t);
    x.event = t > 0;
    s.push_back(x);
  }
  return outcomes::kaplanMeier(s);
}

// Two arms (negative = censored).
std::vector<KmSeries> twoArms() {
  return {{"A", curve({60, 150, -200, 300, 420, -500, 610, -700})},
          {"B", curve({40, 90, 100, -180, 250, 260, -400, 330})}};
}

struct Png {
  int width = 0;
  int height = 0;
  std::vector<std::uint32_t> px;
  [[nodiscard]] std::uint32_t at(double x, double y) const {
    const int ix = static_cast<int>(std::lround(x));
    const int iy = static_cast<int>(std::lround(y));
    return px[static_cast<std::size_t>(iy) * static_cast<std::size_t>(width) +
              static_cast<std::size_t>(ix)] &
           0xffffffU;
  }
};

Png readPng(const fs::path& file) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(file.c_str());
  EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS) << file;
  Png p;
  p.width = cairo_image_surface_get_width(s);
  p.height = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  for (int y = 0; y < p.height; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + y * stride);
    p.px.insert(p.px.end(), row, row + p.width);
  }
  cairo_surface_destroy(s);
  return p;
}

// The arm colours of the palette (RGB24).
constexpr std::uint32_t kBlue = (31U << 16) | (119U << 8) | 180U;
constexpr std::uint32_t kRed = (214U << 16) | (39U << 8) | 40U;

TEST(KmPlot, CurvesAreDrawnInTheirColoursAtTheLayoutPoints) {
  test::TempDir tmp;
  const std::vector<KmSeries> arms = twoArms();
  KmPlotOptions o;
  o.title = "Overall survival";
  o.subtitle = "log-rank p = 0.5";
  o.ci_bands = false;  // exact curve colours
  writeKmPlotPng(tmp / "km.png", arms, o);
  const Png png = readPng(tmp / "km.png");
  ASSERT_EQ(png.width, o.width);
  ASSERT_EQ(png.height, o.height);
  const KmPlotLayout l = kmPlotLayout(arms, o);
  EXPECT_DOUBLE_EQ(l.max_months, 24);  // 700 days = 23.0 months -> 24
  // The middle of each horizontal step (before the next row) is in the arm's colour.
  const std::uint32_t colours[] = {kBlue, kRed};
  for (std::size_t a = 0; a < arms.size(); ++a) {
    double prev_t = 0;
    double prev_s = 1;
    int checked = 0;
    for (const outcomes::KaplanMeierRow& r : arms[a].km.rows) {
      if (r.time - prev_t > 25) {  // a step long enough not to cross the other curve's ticks
        const auto p = l.pointOf((prev_t + r.time) / 2 / kDaysPerMonth, prev_s);
        const std::uint32_t got = png.at(p[0], p[1]);
        if (got == colours[a]) ++checked;
      }
      prev_t = r.time;
      prev_s = r.survival;
    }
    EXPECT_GE(checked, 3) << "arm " << arms[a].label;
  }
  // Empty corner of the plot area (low survival, early time) is white.
  const auto empty = l.pointOf(1, 0.05);
  EXPECT_EQ(png.at(empty[0], empty[1]), 0xffffffU);
  // The at-risk table rows are not blank.
  int dark = 0;
  for (int y = static_cast<int>(l.table_top); y < static_cast<int>(l.table_top + 3 * l.row_height);
       ++y) {
    for (int x = 0; x < png.width; ++x) dark += png.at(x, y) != 0xffffffU ? 1 : 0;
  }
  EXPECT_GT(dark, 200);
  // With CI bands the PNG is written too, and the curve stays drawn over them.
  o.ci_bands = true;
  writeKmPlotPng(tmp / "ci.png", arms, o);
  const Png ci = readPng(tmp / "ci.png");
  const auto p = l.pointOf(30 / kDaysPerMonth, 1.0);
  EXPECT_NE(ci.at(p[0], p[1]), 0xffffffU);
}

TEST(KmPlot, NumbersAtRiskEqualTheKaplanMeierNRisk) {
  const std::vector<KmSeries> arms = twoArms();
  const KmPlotLayout l = kmPlotLayout(arms);
  ASSERT_EQ(l.tick_months, (std::vector<double>{0, 6, 12, 18, 24}));
  std::vector<double> days;
  for (const double m : l.tick_months) days.push_back(m * kDaysPerMonth);
  for (const KmSeries& s : arms) {
    const std::vector<int> n = numbersAtRisk(s.km, days);
    ASSERT_EQ(n.size(), days.size());
    for (std::size_t k = 0; k < days.size(); ++k) {
      const auto est = s.km.survivalAt(days[k]);
      EXPECT_EQ(n[k], est ? est->n_risk : 0) << s.label << " at " << days[k];
    }
    EXPECT_EQ(n[0], s.km.n);
  }
  // By hand for arm A: times >= 0, 182.6, 365.25, 547.9, 730.5 days.
  EXPECT_EQ(numbersAtRisk(arms[0].km, days), (std::vector<int>{8, 6, 4, 2, 0}));
}

TEST(KmPlot, PdfIsWrittenAndBadInputRefused) {
  test::TempDir tmp;
  writeKmPlotPdf(tmp / "km.pdf", twoArms(), {});
  std::ifstream in(tmp / "km.pdf", std::ios::binary);
  std::string head(5, '\0');
  in.read(head.data(), 5);
  EXPECT_EQ(head, "%PDF-");
  EXPECT_GT(fs::file_size(tmp / "km.pdf"), 1000U);
  EXPECT_THROW(writeKmPlotPng(tmp / "x.png", {}, {}), UsageError);
  KmPlotOptions tiny;
  tiny.width = 10;
  EXPECT_THROW(writeKmPlotPng(tmp / "x.png", twoArms(), tiny), UsageError);
  EXPECT_THROW(writeKmPlotPng(tmp / "no" / "such" / "x.png", twoArms(), {}), WriteError);
}

}  // namespace
}  // namespace rfa::report
