// 'rfaplan report' end to end: the real binary on a small phantom planned with 'rfaplan plan'
// (preview only; lesions of 8-20 mm keep the plan to a few seconds), the PDF checked with poppler
// (page count), and the documented exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli_support.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using test::contains;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

// Pages as rendered by pdftoppm (one PNG per page).
int renderedPages(const fs::path& pdf, const fs::path& dir) {
  fs::create_directories(dir);
  const RunResult r =
      test::run({"pdftoppm", "-r", "20", "-png", pdf.string(), (dir / "p").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".png" ? 1 : 0;
  return n;
}

// "report PATH: N pages (...)" -> N (-1 when absent). No std::regex: GCC 12's <regex> trips
// -Wmaybe-uninitialized at -O1 under the sanitizers.
int printedPages(const std::string& out) {
  const std::size_t at = out.find("report ");
  const std::size_t end = out.find(" pages", at == std::string::npos ? 0 : at);
  if (at == std::string::npos || end == std::string::npos) return -1;
  const std::size_t colon = out.rfind(": ", end);
  if (colon == std::string::npos || colon < at) return -1;
  const std::string digits = out.substr(colon + 2, end - colon - 2);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(digits);
}

class CliReport : public ::testing::Test {
 protected:
  TempDir tmp;
  fs::path ph = tmp / "ph";
  fs::path plan = tmp / "plan.json";
  void SetUp() override {
    ASSERT_TRUE(test::haveProgram("pdftoppm"))
        << "pdftoppm not found: install poppler-utils (packaging/install-deps.sh installs it)";
    const RunResult p =
        rfaplan({"phantom", "--out", ph.string(), "--size", "160,140,100", "--spacing", "2",
                 "--lesions", "3", "--seed", "5", "--lesion-diameters", "8,20"});
    ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
    const RunResult r = rfaplan(
        {"plan", ph.string(), "-o", plan.string(), "--no-confirm", "--uncertainty-samples", "10"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_TRUE(fs::is_directory(tmp / "plan-segmentation"));
  }
};

TEST_F(CliReport, WritesTheReportPdf) {
  const fs::path pdf = tmp / "r.pdf";
  const RunResult r = rfaplan({"report", plan.string(), "-o", pdf.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "RESEARCH USE ONLY")) << r.out;
  EXPECT_TRUE(contains(r.out, pdf.string())) << r.out;
  const int pages = printedPages(r.out);
  ASSERT_GE(pages, 3) << r.out;  // summary, >= 1 session, methods
  EXPECT_EQ(renderedPages(pdf, tmp / "png"), pages);

  // One session only: fewer pages; a session the plan does not have: usage error, no file.
  const RunResult one =
      rfaplan({"report", plan.string(), "-o", (tmp / "s1.pdf").string(), "--session", "1"});
  ASSERT_EQ(one.exit_code, 0) << one.out << one.err;
  const int one_pages = printedPages(one.out);
  EXPECT_GE(one_pages, 3);
  EXPECT_LE(one_pages, pages);
  EXPECT_EQ(renderedPages(tmp / "s1.pdf", tmp / "png1"), one_pages);
  const RunResult bad =
      rfaplan({"report", plan.string(), "-o", (tmp / "s9.pdf").string(), "--session", "9"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_TRUE(contains(bad.err, "--session 9")) << bad.err;
  EXPECT_FALSE(fs::exists(tmp / "s9.pdf"));
}

TEST_F(CliReport, MovedSeriesAndMissingInputs) {
  const fs::path moved = tmp / "ph-moved";
  fs::rename(ph, moved);
  const fs::path pdf = tmp / "r.pdf";
  const RunResult r = rfaplan({"report", plan.string(), "-o", pdf.string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, ph.string())) << r.err;  // the path recorded in the plan
  EXPECT_TRUE(contains(r.err, "--series")) << r.err;
  EXPECT_FALSE(fs::exists(pdf));

  const RunResult given =
      rfaplan({"report", plan.string(), "-o", pdf.string(), "--series", moved.string(),
               "--segmentation", (tmp / "plan-segmentation").string()});
  ASSERT_EQ(given.exit_code, 0) << given.out << given.err;
  EXPECT_EQ(renderedPages(pdf, tmp / "png"), printedPages(given.out));

  const RunResult missing = rfaplan({"report", (tmp / "nope.json").string(), "-o", pdf.string()});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  const RunResult no_output = rfaplan({"report", plan.string()});
  EXPECT_EQ(no_output.exit_code, 2) << no_output.err;
  const RunResult unwritable =
      rfaplan({"report", plan.string(), "-o", (tmp / "no-such-folder" / "r.pdf").string(),
               "--series", moved.string()});
  EXPECT_EQ(unwritable.exit_code, 8) << unwritable.err;
}

// 'rfaplan ultrasound': per lesion with a placement the probe-plane PNG and ultrasound.json (the
// plan's windows: `plan` assessed them by default), then the windows assessed on the spot for a
// plan made with --no-ultrasound; a lesion the plan does not have: exit 2; no plan: exit 3.
TEST_F(CliReport, UltrasoundImagesOfThePlan) {
  const fs::path out = tmp / "us";
  const RunResult r = rfaplan({"ultrasound", plan.string(), "-o", out.string(), "--size", "256"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "RESEARCH USE ONLY")) << r.out;
  ASSERT_TRUE(fs::is_regular_file(out / "ultrasound.json"));
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(out)) pngs += e.path().extension() == ".png" ? 1 : 0;
  EXPECT_GT(pngs, 0) << r.out;
  EXPECT_TRUE(contains(r.out, " window")) << r.out;
  EXPECT_FALSE(contains(r.out, "assessed now")) << "plan records the windows by default: " << r.out;

  const fs::path bare = tmp / "bare.json";
  const RunResult p = rfaplan({"plan", ph.string(), "-o", bare.string(), "--no-confirm",
                               "--uncertainty-samples", "0", "--no-ultrasound", "--segmentation",
                               (tmp / "plan-segmentation").string()});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  const RunResult now = rfaplan({"ultrasound", bare.string(), "-o", (tmp / "us2").string()});
  ASSERT_EQ(now.exit_code, 0) << now.out << now.err;
  EXPECT_TRUE(contains(now.out, "assessed now")) << now.out;

  EXPECT_EQ(rfaplan({"ultrasound", plan.string(), "-o", (tmp / "x").string(), "--lesion", "99"})
                .exit_code,
            2);
  EXPECT_EQ(rfaplan({"ultrasound", (tmp / "none.json").string(), "-o", (tmp / "y").string()})
                .exit_code,
            3);
}

}  // namespace
}  // namespace rfa
