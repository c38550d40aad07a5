// The report as a PDF: written atomically, the page count poppler sees, the texts every page
// carries, and the key images really drawn where the layout put them (pdftoppm + PNG decoding).
#include "rfa/report/report.h"

#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "report_fixture.h"
#include "rfa/core/error.h"
#include "test_support.h"

namespace rfa::report {
namespace {
namespace fs = std::filesystem;

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Pages rendered by `pdftoppm -r dpi -png pdf prefix`: page number -> PNG file.
std::map<int, fs::path> renderPages(const fs::path& pdf, const fs::path& dir, int dpi) {
  fs::create_directories(dir);
  const test::RunResult r = test::run(
      {"pdftoppm", "-r", std::to_string(dpi), "-png", pdf.string(), (dir / "page").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<int, fs::path> pages;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();  // page-1.png or page-01.png
    if (!name.starts_with("page-") || e.path().extension() != ".png") continue;
    pages[std::stoi(name.substr(5, name.size() - 9))] = e.path();
  }
  return pages;
}

// Mean and variance of the luminance in a box (pixels) of a PNG.
struct BoxStats {
  double mean = 0;
  double variance = 0;
  std::size_t pixels = 0;
};

BoxStats boxStats(const fs::path& png, double x0, double y0, double x1, double y1) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(png.string().c_str());
  EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS) << png;
  BoxStats st;
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return st;
  }
  cairo_surface_flush(s);
  const int w = cairo_image_surface_get_width(s);
  const int h = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  double sum = 0;
  double sum2 = 0;
  for (int y = std::max(0, static_cast<int>(y0)); y < std::min(h, static_cast<int>(y1)); ++y) {
    for (int x = std::max(0, static_cast<int>(x0)); x < std::min(w, static_cast<int>(x1)); ++x) {
      std::uint32_t p = 0;
      std::memcpy(&p, data + static_cast<std::ptrdiff_t>(y) * stride + 4 * x, 4);
      const double lum =
          0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF);
      sum += lum;
      sum2 += lum * lum;
      ++st.pixels;
    }
  }
  cairo_surface_destroy(s);
  if (st.pixels > 0) {
    st.mean = sum / static_cast<double>(st.pixels);
    st.variance = sum2 / static_cast<double>(st.pixels) - st.mean * st.mean;
  }
  return st;
}

void requirePoppler() {
  for (const char* p : {"pdftoppm", "pdftotext"}) {
    ASSERT_TRUE(test::haveProgram(p))
        << p << " not found: install poppler-utils (packaging/install-deps.sh installs it)";
  }
}

class ReportPdf : public ::testing::Test {
 protected:
  test::TempDir tmp;
  planning::PlanCase c = fixture::fixtureCase();
  ReportOptions options() const {
    ReportOptions o;
    o.software = "rfaplan 9.9.9-test";
    return o;
  }
};

TEST_F(ReportPdf, EveryPageRenderedWithHeaderAndKeyImages) {
  ASSERT_NO_FATAL_FAILURE(requirePoppler());
  const fs::path out = tmp / "report.pdf";
  const ReportResult r = writeReport(c, out, options());
  if (const char* keep = std::getenv("RFA_KEEP_REPORT")) fs::copy_file(out, keep);  // to look at
  EXPECT_EQ(r.file, out);
  ASSERT_TRUE(fs::exists(out));
  EXPECT_EQ(r.bytes, fs::file_size(out));
  EXPECT_TRUE(readText(out).starts_with("%PDF-"));
  // Atomic write: nothing else left in the folder.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++files;
  EXPECT_EQ(files, 1u);

  // Summary, at least one page per session, the unscheduled lesion, methods.
  EXPECT_GE(r.pages, 5);
  EXPECT_EQ(r.sessions, (std::vector<int>{1, 2}));
  std::map<std::string, int> kinds;
  std::map<int, int> key_by_lesion;
  for (const ReportPicture& p : r.pictures) {
    ++kinds[p.kind];
    if (p.kind == "key") ++key_by_lesion[p.lesion_id];
    EXPECT_GE(p.page, 2);
    EXPECT_LE(p.page, r.pages);
    EXPECT_GE(p.x_pt, 0);
    EXPECT_LE(p.x_pt + p.width_pt, kPageWidthPt);
    EXPECT_LE(p.y_pt + p.height_pt, kPageHeightPt);
  }
  EXPECT_EQ(kinds["key"], 4);
  EXPECT_EQ(kinds["overview"], 2);
  EXPECT_EQ(key_by_lesion, (std::map<int, int>{{1, 1}, {2, 1}, {3, 1}, {4, 1}}));

  // poppler sees the same number of pages.
  constexpr int kDpi = 50;
  const std::map<int, fs::path> pages = renderPages(out, tmp / "png", kDpi);
  ASSERT_EQ(static_cast<int>(pages.size()), r.pages);

  // Each picture's box on its page is not blank (CT texture, overlays); the page margin is.
  const double scale = kDpi / 72.0;
  for (const ReportPicture& p : r.pictures) {
    const BoxStats in =
        boxStats(pages.at(p.page), (p.x_pt + 2) * scale, (p.y_pt + 2) * scale,
                 (p.x_pt + p.width_pt - 2) * scale, (p.y_pt + p.height_pt - 2) * scale);
    EXPECT_GT(in.pixels, 1000u);
    EXPECT_GT(in.variance, 200) << p.kind << " L" << p.lesion_id << " page " << p.page;
    EXPECT_LT(in.mean, 200) << p.kind << " L" << p.lesion_id;  // not a white page
  }
  const BoxStats margin = boxStats(pages.at(1), 0, 300 * scale, 30 * scale, 700 * scale);
  EXPECT_LT(margin.variance, 1);
  EXPECT_GT(margin.mean, 250);

  // Texts: header on every page, page N of M, patient, study, plan, tables.
  const test::RunResult t = test::run({"pdftotext", "-layout", out.string(), "-"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::vector<std::string> page_texts;
  std::stringstream all(t.out);
  std::string page_text;
  while (std::getline(all, page_text, '\f')) page_texts.push_back(page_text);
  ASSERT_GE(static_cast<int>(page_texts.size()), r.pages);
  for (int i = 0; i < r.pages; ++i) {
    const std::string& s = page_texts[static_cast<std::size_t>(i)];
    SCOPED_TRACE("page " + std::to_string(i + 1));
    EXPECT_NE(s.find("RESEARCH USE ONLY, not for clinical use"), std::string::npos);
    EXPECT_NE(s.find("page " + std::to_string(i + 1) + " of " + std::to_string(r.pages)),
              std::string::npos);
    EXPECT_NE(s.find("DOE, Jane"), std::string::npos);
    EXPECT_NE(s.find("ANON-7"), std::string::npos);
    EXPECT_NE(s.find("2025-03-01"), std::string::npos);
    EXPECT_NE(s.find("plan.json, revision 3"), std::string::npos);
  }
  const std::string& summary = page_texts[0];
  for (const char* needle :
       {"Treatment plan summary", "batch-rfa", "minimum 5.0 mm", "target 10.0",
        "not run: preview ellipsoids only", "Liver volume", "NO: best partial", "Sessions",
        "postpone", "approved", "no safe path", "Timeline", "2025-04-28"}) {
    EXPECT_NE(summary.find(needle), std::string::npos) << needle;
  }
  EXPECT_NE(t.out.find("PLT 42e9/L < 50e9/L"), std::string::npos);
  EXPECT_NE(t.out.find("the two largest lesions first"), std::string::npos);
  EXPECT_NE(t.out.find("vessel: a 6 mm"), std::string::npos);
  EXPECT_NE(t.out.find("Methods and assumptions"), std::string::npos);
  EXPECT_NE(t.out.find("heat sink"), std::string::npos);
  EXPECT_NE(t.out.find("rfaplan 9.9.9-test"), std::string::npos);
}

TEST_F(ReportPdf, OneSession) {
  ASSERT_NO_FATAL_FAILURE(requirePoppler());
  ReportOptions o = options();
  o.session = 2;
  o.overview3d = false;
  const ReportResult r = writeReport(c, tmp / "s2.pdf", o);
  EXPECT_EQ(r.sessions, (std::vector<int>{2}));
  ASSERT_EQ(r.pictures.size(), 1u);
  EXPECT_EQ(r.pictures[0].lesion_id, 3);
  EXPECT_EQ(r.pictures[0].session, 2);
  EXPECT_EQ(r.pages, 3);  // summary, session 2, methods
  EXPECT_EQ(static_cast<int>(renderPages(tmp / "s2.pdf", tmp / "png", 20).size()), r.pages);
}

TEST_F(ReportPdf, Errors) {
  ReportOptions o = options();
  o.session = 9;
  try {
    (void)writeReport(c, tmp / "x.pdf", o);
    ADD_FAILURE() << "no error for session 9";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("2 session(s)"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp / "x.pdf"));
  EXPECT_THROW((void)writeReport(c, tmp / "missing-folder" / "r.pdf", options()), WriteError);
  planning::PlanCase no_lesions = c;
  no_lesions.segmentation.lesions.reset();
  EXPECT_THROW((void)renderReportPdf(no_lesions, options()), NoDataError);
}

TEST_F(ReportPdf, OddTextsDoNotBreakThePdf) {
  // Latin-1 bytes in a DICOM name (invalid UTF-8), very long words and a plan without sessions.
  c.image.series->study.patient_name = std::string("M\xfcller^J\xf6rg");
  c.plan.notes.push_back(std::string(400, 'x'));
  c.plan.sessions.clear();
  for (planning::PlanLesion& l : c.plan.lesions) l.session = 0;
  ReportResult r;
  const std::string pdf = renderReportPdf(c, options(), &r);
  EXPECT_TRUE(pdf.starts_with("%PDF-"));
  EXPECT_GE(r.pages, 3);
  EXPECT_TRUE(r.sessions.empty());
}

}  // namespace
}  // namespace rfa::report
