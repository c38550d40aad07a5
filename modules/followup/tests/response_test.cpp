// Lesion matching and RECIST 1.1 / mRECIST categories on hand-made measurements.
#include <gtest/gtest.h>

#include "rfa/core/error.h"
#include "rfa/followup/response.h"

namespace rfa::followup {
namespace {

MeasuredLesion lesion(int id, const Vec3& c, double d) {
  MeasuredLesion l;
  l.id = id;
  l.centroid_lps = c;
  l.diameter_mm = d;
  return l;
}

const LesionMatch& row(const ResponseAssessment& a, int baseline_id, int followup_id = 0) {
  for (const LesionMatch& m : a.lesions) {
    if (baseline_id != 0 && m.baseline_id == baseline_id) return m;
    if (baseline_id == 0 && m.baseline_id == 0 && m.followup_id == followup_id) return m;
  }
  throw std::runtime_error("no row");
}

TEST(Response, VanishedShrunkGrownStableAndNew) {
  const std::vector<MeasuredLesion> base{
      lesion(1, Vec3(0, 0, 0), 30), lesion(2, Vec3(60, 0, 0), 20), lesion(3, Vec3(0, 60, 0), 12),
      lesion(4, Vec3(0, 0, 60), 15)};
  // Lesion 1 shrank (30 -> 18 mm) and moved 4 mm; 2 vanished; 3 grew; 4 stable; one new far away.
  const std::vector<MeasuredLesion> fu{lesion(7, Vec3(4, 0, 0), 18), lesion(8, Vec3(0, 61, 0), 16),
                                       lesion(9, Vec3(1, 0, 60), 15.5),
                                       lesion(10, Vec3(-60, 0, 0), 11)};
  const ResponseAssessment a = assessResponse(base, fu);
  EXPECT_EQ(row(a, 1).status, "shrunk");
  EXPECT_EQ(row(a, 1).followup_id, 7);
  EXPECT_NEAR(row(a, 1).change_pct, -40.0, 1e-9);
  EXPECT_EQ(row(a, 2).status, "vanished");
  EXPECT_EQ(row(a, 3).status, "grown");
  EXPECT_EQ(row(a, 4).status, "stable");
  EXPECT_EQ(row(a, 0, 10).status, "new");
  EXPECT_EQ(a.new_lesions, 1);
  // Targets: the two largest measurable (30, 20 mm): sum 50 -> 18 + 0 = 18 (-64 %), but a new
  // lesion makes it PD in both.
  EXPECT_EQ(a.target_ids, (std::vector<int>{1, 2}));
  EXPECT_NEAR(a.recist.sum_mm, 18.0, 1e-9);
  EXPECT_NEAR(a.recist.baseline_sum_mm, 50.0, 1e-9);
  EXPECT_EQ(a.recist.category, "PD");
  EXPECT_EQ(a.mrecist.category, "PD");
  EXPECT_NE(a.recist.reason.find("new lesion"), std::string::npos);
}

TEST(Response, PartialAndCompleteResponseWithoutNewLesions) {
  const std::vector<MeasuredLesion> base{lesion(1, Vec3(0, 0, 0), 30),
                                         lesion(2, Vec3(60, 0, 0), 20)};
  const ResponseAssessment pr =
      assessResponse(base, {lesion(5, Vec3(1, 0, 0), 20), lesion(6, Vec3(60, 1, 0), 12)});
  EXPECT_EQ(pr.recist.category, "PR");  // 32 vs 50: -36 %
  const ResponseAssessment cr = assessResponse(base, {});
  EXPECT_EQ(cr.recist.category, "CR");
  EXPECT_EQ(row(cr, 1).status, "vanished");
  const ResponseAssessment sd =
      assessResponse(base, {lesion(5, Vec3(1, 0, 0), 28), lesion(6, Vec3(60, 1, 0), 19)});
  EXPECT_EQ(sd.recist.category, "SD");
  // Growth from a nadir of 30 mm to 40 mm (+33 %, +10 mm): PD although below the baseline sum.
  const ResponseAssessment pd = assessResponse(
      base, {lesion(5, Vec3(1, 0, 0), 25), lesion(6, Vec3(60, 1, 0), 15)}, {}, 30.0, 30.0);
  EXPECT_EQ(pd.recist.category, "PD");
  EXPECT_NE(pd.recist.reason.find("nadir"), std::string::npos);
}

TEST(Response, TreatedLesionsAndLocalProgression) {
  MeasuredLesion t1 = lesion(1, Vec3(0, 0, 0), 25);
  t1.treated = true;
  t1.zone_diameter_mm = 45;  // ablated: RECIST sees the 45 mm zone, mRECIST no viable tumour
  MeasuredLesion t2 = lesion(2, Vec3(80, 0, 0), 20);
  t2.treated = true;
  t2.zone_diameter_mm = 35;
  MeasuredLesion fu_ltp = lesion(9, Vec3(80, 22, 0), 8);
  fu_ltp.zone_distance_mm = 2.0;
  fu_ltp.nearest_zone_lesion = 2;
  const ResponseAssessment a = assessResponse({t1, t2}, {fu_ltp});
  EXPECT_EQ(row(a, 1).status, "ablated");
  EXPECT_NEAR(row(a, 1).viable_diameter_mm, 0.0, 1e-12);
  EXPECT_EQ(row(a, 2).status, "residual");
  EXPECT_EQ(row(a, 0, 9).status, "local tumour progression");
  EXPECT_EQ(row(a, 0, 9).related_lesion, 2);
  EXPECT_EQ(a.local_progressions, 1);
  EXPECT_EQ(a.new_lesions, 0);
  EXPECT_EQ(a.mrecist.category, "PD");
  // Without the nodule: RECIST measures the zones (80 vs 45 mm: PD by size), mRECIST viable 0: CR.
  const ResponseAssessment b = assessResponse({t1, t2}, {});
  EXPECT_EQ(b.recist.category, "PD");
  EXPECT_EQ(b.mrecist.category, "CR");
}

TEST(Response, SmallLesionsAreNotTargetsAndIdsMustBeUnique) {
  const std::vector<MeasuredLesion> base{lesion(1, Vec3(0, 0, 0), 8), lesion(2, Vec3(50, 0, 0), 9)};
  const ResponseAssessment a = assessResponse(base, {lesion(3, Vec3(0, 0, 1), 8)});
  EXPECT_TRUE(a.target_ids.empty());
  EXPECT_EQ(a.recist.category, "not evaluable");
  EXPECT_THROW(assessResponse({lesion(1, Vec3(0, 0, 0), 8), lesion(1, Vec3(9, 0, 0), 8)}, {}),
               UsageError);
}

}  // namespace
}  // namespace rfa::followup
