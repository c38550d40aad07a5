// The follow-up page's pure parts (followup_review.h) on hand-made time points: the margin bins
// and their colours (those of report::marginColour(), the confirm PNGs'), the rows (margins only
// for treated lesions, new lesions after the plan's), the timeline placement by date and for a
// plan in days, and the scene (surface voxels by bin; every treated lesion voxel coloured for 3D;
// untreated lesions left out). The review against the real command line is tests/gui
// (gui_followup).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rfa/report/margin_image.h"
#include "rfa/workflow/followup_review.h"

namespace rfa::workflow {
namespace {

TEST(MarginBins, LabelsAndColoursFollowTheConfirmColourMap) {
  const MarginBins bins{5.0};
  EXPECT_EQ(bins.count(), 7);
  EXPECT_EQ(bins.labelOf(-3.0), 1);
  EXPECT_EQ(bins.labelOf(0.0), 2);
  EXPECT_EQ(bins.labelOf(2.5), 4);
  EXPECT_EQ(bins.labelOf(4.99), 6);
  EXPECT_EQ(bins.labelOf(5.0), 7);
  EXPECT_EQ(bins.labelOf(12.0), 7);
  for (int b = 1; b <= bins.count(); ++b) {
    EXPECT_EQ(bins.labelOf(bins.valueOf(b)), b) << "bin " << b;
    const report::Rgb want = report::marginColour(bins.valueOf(b), 5.0);
    const SceneColour got = bins.colourOf(b);
    EXPECT_NEAR(got[0] * 255, want.r, 1e-9);
    EXPECT_NEAR(got[1] * 255, want.g, 1e-9);
    EXPECT_NEAR(got[2] * 255, want.b, 1e-9);
  }
  // Red below 0, green at the threshold.
  EXPECT_GT(bins.colourOf(1)[0], bins.colourOf(1)[1]);
  EXPECT_GT(bins.colourOf(7)[1], bins.colourOf(7)[0]);
  // A threshold that is not a whole number keeps every bin inside its range.
  const MarginBins half{2.5};
  EXPECT_EQ(half.count(), 5);
  EXPECT_EQ(half.labelOf(2.2), 4);
  EXPECT_EQ(half.labelOf(half.valueOf(4)), 4);
}

planning::TreatmentPlan twoLesionPlan() {
  planning::TreatmentPlan plan;
  planning::PlanLesion a;
  a.id = 1;
  a.session = 1;
  a.centroid_lps = Vec3(10, 0, 0);
  planning::PlanLesion b;
  b.id = 2;
  b.session = 0;
  b.centroid_lps = Vec3(-10, 0, 0);
  plan.lesions = {a, b};
  return plan;
}

followup::TimepointResult timepoint() {
  followup::TimepointResult tp;
  tp.sessions_done = 1;
  followup::LesionConfirmation c;
  c.lesion_id = 1;
  c.session = 1;
  c.margin.minimal_margin_mm = 3.2;
  c.margin.minimal_margin_uncorrected_mm = 2.9;
  c.margin.minimal_margin_point_lps = Vec3(12, 0, 0);
  c.margin.verdict = "insufficient margin";
  tp.confirmation.lesions = {c};
  followup::LesionMatch m1;
  m1.baseline_id = 1;
  m1.followup_id = 0;
  m1.status = "ablated";
  followup::LesionMatch m2;
  m2.baseline_id = 2;
  m2.followup_id = 1;
  m2.status = "stable";
  m2.baseline_diameter_mm = 12;
  m2.diameter_mm = 12.5;
  followup::LesionMatch m3;
  m3.baseline_id = 0;
  m3.followup_id = 2;
  m3.status = "new";
  m3.diameter_mm = 9;
  tp.response.lesions = {m1, m2, m3};
  tp.response.recist.category = "SD";
  tp.response.mrecist.category = "PR";
  return tp;
}

TEST(FollowupRows, MarginsForTreatedLesionsOnlyAndNewLesionsLast) {
  const std::vector<FollowupLesionRow> rows = followupRows(twoLesionPlan(), timepoint());
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].lesion_id, 1);
  EXPECT_TRUE(rows[0].treated);
  ASSERT_TRUE(rows[0].mam_mm.has_value());
  EXPECT_DOUBLE_EQ(*rows[0].mam_mm, 3.2);
  EXPECT_EQ(rows[0].verdict, "insufficient margin");
  ASSERT_TRUE(rows[0].mam_point_lps.has_value());
  EXPECT_EQ(rows[0].session, 1);
  EXPECT_EQ(rows[1].lesion_id, 2);
  EXPECT_FALSE(rows[1].treated);
  EXPECT_FALSE(rows[1].mam_mm.has_value());
  EXPECT_EQ(rows[1].status, "stable");
  ASSERT_TRUE(rows[1].centre_lps.has_value());
  EXPECT_EQ(rows[2].lesion_id, 0);
  EXPECT_EQ(rows[2].followup_id, 2);
  EXPECT_EQ(rows[2].status, "new");
}

TEST(FollowupRows, AMarginThatCouldNotBeMeasuredHasNoValue) {
  followup::TimepointResult tp = timepoint();
  tp.confirmation.lesions[0].margin.minimal_margin_mm = std::numeric_limits<double>::quiet_NaN();
  tp.confirmation.lesions[0].margin.verdict = "not assessable";
  const std::vector<FollowupLesionRow> rows = followupRows(twoLesionPlan(), tp);
  EXPECT_TRUE(rows[0].treated);
  EXPECT_FALSE(rows[0].mam_mm.has_value());
  EXPECT_EQ(rows[0].verdict, "not assessable");
}

planning::PlanEvent event(int day, const std::string& date, planning::EventKind kind, int session) {
  planning::PlanEvent e;
  e.day = day;
  e.date = date;
  e.kind = kind;
  e.session = session;
  e.text = "event";
  return e;
}

TEST(TimelineEntries, TheFollowupGoesInByDateOrAfterTheTechnicalSuccessImaging) {
  using planning::EventKind;
  planning::TreatmentPlan plan = twoLesionPlan();
  plan.timeline = {event(0, "2027-01-10", EventKind::kRfa, 1),
                   event(30, "2027-02-09", EventKind::kImagingTechnicalSuccess, 1),
                   event(40, "2027-02-19", EventKind::kSystemicCycle, 1),
                   event(60, "2027-03-11", EventKind::kRfa, 2),
                   event(91, "2027-04-11", EventKind::kImagingFollowup, 2)};
  followup::TimepointResult tp = timepoint();
  tp.study_date = "20270301";
  followup::NextSession next;
  next.sessions_done = 1;
  next.sessions_left = 2;
  next.targets.resize(1);
  std::vector<TimelineEntry> e = timelineEntries(plan, tp, next);
  ASSERT_EQ(e.size(), 7U);
  EXPECT_EQ(e[3].kind, "follow-up");
  EXPECT_EQ(e[3].date, "2027-03-01");
  EXPECT_NE(e[3].text.find("RECIST 1.1 SD, mRECIST PR"), std::string::npos) << e[3].text;
  EXPECT_EQ(e[4].kind, "rfa");
  EXPECT_TRUE(e[0].done);   // session 1's RFA
  EXPECT_FALSE(e[4].done);  // session 2's
  EXPECT_EQ(e.back().kind, "next session");
  EXPECT_EQ(e.back().session, 2);
  EXPECT_NE(e.back().text.find("1 target(s) left"), std::string::npos) << e.back().text;

  // A plan in days: after session 1's technical-success imaging and cycle, before session 2.
  for (planning::PlanEvent& ev : plan.timeline) ev.date.clear();
  e = timelineEntries(plan, tp, next);
  EXPECT_EQ(e[2].kind, "systemic-cycle");
  EXPECT_EQ(e[3].kind, "follow-up");
  EXPECT_EQ(e[4].kind, "rfa");
  EXPECT_NE(e[3].text.find("placed after the technical-success imaging"), std::string::npos);
  // With no later RFA, before the first follow-up imaging of the plan.
  plan.timeline.erase(plan.timeline.begin() + 3);
  e = timelineEntries(plan, tp, next);
  EXPECT_EQ(e[3].kind, "follow-up");
  EXPECT_EQ(e[4].kind, "imaging-followup");
}

TEST(FollowupScene, SurfaceVoxelsByBinAndTreatedLesionsFilledForThe3dView) {
  const ImageGeometry g({20, 20, 20}, Vec3(1, 1, 1), Vec3(0, 0, 0));
  FollowupReview r;
  r.planned.image.image = ImageVolume(g, 0.0F);
  LabelMap lesions(g, 0);
  Mask liver(g, 1);
  Volume<float> map(g, std::numeric_limits<float>::quiet_NaN());
  int treated_voxels = 0;
  for (std::size_t k = 0; k < 20; ++k) {
    for (std::size_t j = 0; j < 20; ++j) {
      for (std::size_t i = 0; i < 20; ++i) {
        const double d1 = std::hypot(std::hypot(i - 6.0, j - 10.0), k - 10.0);
        const double d2 = std::hypot(std::hypot(i - 15.0, j - 10.0), k - 10.0);
        if (d1 <= 3.5) {
          lesions(i, j, k) = 1;
          ++treated_voxels;
          // Surface voxels: margin 1 mm on the left half, 6 mm on the right.
          if (d1 > 2.5) map(i, j, k) = i < 6 ? 1.0F : 6.0F;
        } else if (d2 <= 2.5) {
          lesions(i, j, k) = 2;  // untreated
        }
      }
    }
  }
  r.planned.segmentation.lesions = lesions;
  r.planned.segmentation.liver = liver;
  followup::TimepointResult tp;
  tp.confirmation.threshold_mm = 5;
  tp.confirmation.margin_map = map;
  tp.confirmation.zones = LabelMap(g, 0);
  followup::LesionConfirmation c;
  c.lesion_id = 1;
  tp.confirmation.lesions = {c};
  r.timeline.timepoints = {tp};

  const CaseScene s = followupScene(r);
  const auto find = [&](const std::string& name) -> const SceneRegion* {
    for (const SceneRegion& reg : s.regions) {
      if (reg.name == name) return &reg;
    }
    return nullptr;
  };
  const SceneRegion* shell = find("margin map");
  const SceneRegion* filled = find("margin surface");
  ASSERT_NE(shell, nullptr);
  ASSERT_NE(filled, nullptr);
  ASSERT_TRUE(shell->labels && filled->labels);
  EXPECT_FALSE(shell->surface);
  EXPECT_TRUE(filled->surface);
  EXPECT_EQ(filled->opacity, 0.0);
  const MarginBins bins{5.0};
  int filled_voxels = 0;
  for (std::size_t k = 0; k < 20; ++k) {
    for (std::size_t j = 0; j < 20; ++j) {
      for (std::size_t i = 0; i < 20; ++i) {
        const float m = map(i, j, k);
        if (std::isfinite(m)) {
          EXPECT_EQ((*shell->labels)(i, j, k), bins.labelOf(m));
        } else {
          EXPECT_EQ((*shell->labels)(i, j, k), 0);
        }
        const std::uint16_t f = (*filled->labels)(i, j, k);
        if (lesions(i, j, k) == 1) {
          ++filled_voxels;
          EXPECT_NE(f, 0) << i << " " << j << " " << k;
          // Far on either side the nearest surface is that side's.
          if (i <= 3) {
            EXPECT_EQ(f, bins.labelOf(1.0));
          }
          if (i >= 9) {
            EXPECT_EQ(f, bins.labelOf(6.0));
          }
        } else {
          EXPECT_EQ(f, 0);  // untreated lesion 2 and the background stay out
        }
      }
    }
  }
  EXPECT_EQ(filled_voxels, treated_voxels);
  for (int b : {bins.labelOf(1.0), bins.labelOf(6.0)}) {
    ASSERT_EQ(shell->label_colours.count(b), 1U);
  }
}

}  // namespace
}  // namespace rfa::workflow
