// The exports of a saved plan (exportRtstruct, exportSeg, exportReport) on a small phantom: what
// each summary says is what the file holds; the loader notes are reported before the write and in
// the summary; a session the plan does not have and a missing plan file are refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/core/geometry.h"
#include "rfa/dicomexport/rtstruct.h"
#include "rfa/dicomexport/seg.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/exports.h"
#include "test_support.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

// One phantom, clicked, planned and saved as <tmp>/case/plan.json (segmentation and planning are
// the slow part, so the exports share one test).
class Exports : public ::testing::Test {
 protected:
  void SetUp() override {
    phantom::PhantomOptions o;
    o.size = {128, 128, 60};
    o.spacing_mm = Vec3(2.5, 2.5, 2.5);
    o.lesions = 2;
    o.min_lesion_diameter_mm = 15;
    o.max_lesion_diameter_mm = 25;
    const phantom::Phantom ph = phantom::generatePhantom(o);
    phantom::writePhantomFolder(ph, dir_ / "phantom");
    CaseState s = openCase(dir_ / "phantom");
    ensureAnatomy(s, false);
    for (const phantom::LesionTruth& t : ph.lesion_truth) (void)addLesionFromSeed(s, t.center_lps);
    PlanRequest r;
    r.base.uncertainty_samples = 10;
    planCase(s, r, "9.9.9");
    ASSERT_TRUE(s.plan);
    sessions_ = static_cast<int>(s.plan->sessions.size());
    ASSERT_GE(sessions_, 1);
    plan_file_ = dir_ / "case" / "plan.json";
    fs::create_directories(plan_file_.parent_path());
    (void)savePlan(s, plan_file_);
    ASSERT_TRUE(s.image.series);
    geometry_ = s.image.image.geometry();
    series_uid_ = s.image.series->series_instance_uid;
    frame_uid_ = s.image.series->frame_of_reference_uid;
  }

  test::TempDir dir_;
  fs::path plan_file_;
  int sessions_ = 0;
  ImageGeometry geometry_;  // of the planned series
  std::string series_uid_;
  std::string frame_uid_;
};

// notes == loader_notes then writer_notes, and the callback saw the loader notes.
void expectNotes(const ExportSummary& s, const std::vector<std::string>& called) {
  EXPECT_EQ(called, s.loader_notes);
  std::vector<std::string> all = s.loader_notes;
  all.insert(all.end(), s.writer_notes.begin(), s.writer_notes.end());
  EXPECT_EQ(s.notes, all);
}

TEST_F(Exports, RtstructSegAndReportOfASavedPlan) {
  std::vector<std::string> called;
  ExportOptions o;
  o.software = "rfaplan 9.9.9";
  o.on_loader_note = [&called](const std::string& n) { called.push_back(n); };
  const std::string& series_uid = series_uid_;

  // RT Structure Set: read back, the counts and UIDs are the summary's.
  const fs::path rtss_file = dir_ / "rtss.dcm";
  const ExportSummary rt = exportRtstruct(plan_file_, rtss_file, o);
  EXPECT_EQ(rt.file, rtss_file);
  expectNotes(rt, called);
  const dicomexport::RtstructFile rtss = dicomexport::readRtstructFile(rtss_file);
  EXPECT_GE(rt.rois, 3U);  // liver and two lesions at least
  EXPECT_EQ(rtss.rois.size(), rt.rois);
  EXPECT_EQ(rtss.contourCount(), rt.contours);
  EXPECT_GT(rt.points, rt.contours);
  EXPECT_EQ(rtss.sop_instance_uid, rt.sop_instance_uid);
  EXPECT_EQ(rt.series_instance_uid, series_uid);
  ASSERT_FALSE(rtss.references.empty());
  EXPECT_EQ(rtss.references[0].series_instance_uid, series_uid);
  EXPECT_NE(rt.text.find(std::to_string(rt.rois) + " ROIs"), std::string::npos) << rt.text;
  EXPECT_NE(rt.text.find(series_uid), std::string::npos) << rt.text;

  // One session only: fewer (or as many) ROIs.
  called.clear();
  ExportOptions one = o;
  one.session = 1;
  const ExportSummary rt1 = exportRtstruct(plan_file_, dir_ / "rtss-s1.dcm", one);
  EXPECT_LE(rt1.rois, rt.rois);
  EXPECT_EQ(dicomexport::readRtstructFile(dir_ / "rtss-s1.dcm").rois.size(), rt1.rois);

  // SEG: read back onto the planned series' grid, one segment per written ROI.
  called.clear();
  const fs::path seg_file = dir_ / "seg.dcm";
  const ExportSummary sg = exportSeg(plan_file_, seg_file, o);
  EXPECT_EQ(sg.file, seg_file);
  expectNotes(sg, called);
  const dicomexport::SegRead seg = dicomexport::readSegFile(seg_file, geometry_, frame_uid_);
  EXPECT_GE(sg.segments, 3);
  EXPECT_EQ(static_cast<int>(seg.segments.size()), sg.segments);
  EXPECT_GE(sg.frames, sg.segments);
  EXPECT_EQ(sg.series_instance_uid, series_uid);
  EXPECT_EQ(seg.referenced_series_uid, series_uid);
  EXPECT_TRUE(sg.sop_instance_uid.empty());

  // Report: the PDF exists, summary, a session section and methods.
  called.clear();
  const fs::path pdf = dir_ / "report.pdf";
  const ExportSummary rp = exportReport(plan_file_, pdf, o);
  expectNotes(rp, called);
  EXPECT_TRUE(rp.writer_notes.empty());
  ASSERT_TRUE(fs::exists(rp.file)) << rp.file;
  EXPECT_EQ(fs::file_size(rp.file), rp.bytes);
  EXPECT_GE(rp.pages, 2);
  EXPECT_EQ(rp.session_sections, static_cast<std::size_t>(sessions_));
  EXPECT_NE(rp.text.find(std::to_string(rp.pages) + " pages"), std::string::npos) << rp.text;

  // exportPlan() by kind is the same export (the GUI's and PACS send's one dispatch).
  const ExportSummary by_kind = exportPlan(ExportKind::kRtstruct, plan_file_, dir_ / "k.dcm", o);
  EXPECT_EQ(by_kind.rois, rt.rois);
  EXPECT_EQ(dicomexport::readRtstructFile(dir_ / "k.dcm").rois.size(), rt.rois);

  // A session the plan does not have: nothing is written.
  ExportOptions bad = o;
  bad.session = sessions_ + 1;
  EXPECT_THROW((void)exportRtstruct(plan_file_, dir_ / "bad.dcm", bad), UsageError);
  EXPECT_THROW((void)exportSeg(plan_file_, dir_ / "bad-seg.dcm", bad), UsageError);
  EXPECT_THROW((void)exportReport(plan_file_, dir_ / "bad.pdf", bad), UsageError);
  bad.session = -1;
  EXPECT_THROW((void)exportReport(plan_file_, dir_ / "bad.pdf", bad), UsageError);
  EXPECT_FALSE(fs::exists(dir_ / "bad.dcm"));
  EXPECT_FALSE(fs::exists(dir_ / "bad-seg.dcm"));
  EXPECT_FALSE(fs::exists(dir_ / "bad.pdf"));
}

// Export kinds by name: every kind round-trips; an unknown name is an error naming it, never a
// silent default (a PDF).
TEST(ExportsErrors, UnknownExportKindIsAnError) {
  for (const ExportKind k : {ExportKind::kRtstruct, ExportKind::kSeg, ExportKind::kReport}) {
    EXPECT_EQ(parseExportKind(exportKindName(k)), k);
  }
  try {
    (void)parseExportKind("pdf");
    ADD_FAILURE() << "no error for an unknown export kind";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'pdf'"), std::string::npos) << e.what();
  }
}

TEST(ExportsErrors, MissingPlanFileIsNotFound) {
  const test::TempDir dir;
  const fs::path missing = dir / "nope.json";
  EXPECT_THROW((void)exportRtstruct(missing, dir / "x.dcm"), NotFoundError);
  EXPECT_THROW((void)exportSeg(missing, dir / "x.dcm"), NotFoundError);
  EXPECT_THROW((void)exportReport(missing, dir / "x.pdf"), NotFoundError);
  EXPECT_FALSE(fs::exists(dir / "x.dcm"));
}

}  // namespace
}  // namespace rfa::workflow
