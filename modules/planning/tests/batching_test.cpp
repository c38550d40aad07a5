// planBatches(): grouping by window and closeness, session sizes, profile capacity, volume limits,
// infeasible lesions, priorities, errors.
#include "rfa/planning/batching.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "rfa/core/error.h"

namespace rfa::planning {
namespace {

ProtocolProfile batchProfile() {
  ProtocolProfile p;
  p.name = "test-batch";
  p.sessions = {3, 2, 6};
  p.safety.max_ablated_liver_fraction = 1.0 / 3.0;
  return p;
}

BatchLesion lesion(int id, const Vec3& c, const Vec3& dir, double d_mm, double vol_ml = 20) {
  BatchLesion l;
  l.id = id;
  l.centroid_lps = c;
  l.entry_direction_lps = dir.normalized();
  l.diameter_mm = d_mm;
  l.ablated_volume_ml = vol_ml;
  return l;
}

void print(const BatchPlan& p) {
  for (const BatchSession& s : p.sessions) {
    std::cout << "session " << s.index << ":";
    for (const int id : s.lesion_ids) std::cout << " " << id;
    std::cout << "\n";
    for (const std::string& r : s.reasons) std::cout << "   - " << r << "\n";
  }
  for (const UnplacedLesion& u : p.unplaced)
    std::cout << "unplaced " << u.id << ": " << u.reason << "\n";
  for (const std::string& n : p.notes) std::cout << "note: " << n << "\n";
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Four lesions reached from an anterior window on the left, three from a right lateral window.
std::vector<BatchLesion> twoWindows() {
  const Vec3 anterior(0, 1, 0);  // entry in front, needle pointing posteriorly (+y)
  const Vec3 lateral(1, 0, 0);   // entry on the patient's right, needle pointing left (+x)
  return {lesion(1, Vec3(40, 0, 0), anterior, 25),    lesion(2, Vec3(50, 10, 20), anterior, 15),
          lesion(3, Vec3(30, -10, 10), anterior, 12), lesion(4, Vec3(45, 5, -15), anterior, 11),
          lesion(5, Vec3(-80, 0, 0), lateral, 20),    lesion(6, Vec3(-90, 10, 15), lateral, 14),
          lesion(7, Vec3(-85, -5, -10), lateral, 10)};
}

TEST(Batching, GroupsBySharedWindowAndCloseness) {
  const BatchPlan p = planBatches(twoWindows(), batchProfile(), 1600);
  print(p);
  ASSERT_EQ(p.sessions.size(), 2U);
  EXPECT_TRUE(p.fits_profile);
  EXPECT_TRUE(p.unplaced.empty());
  // Session 1 is seeded by the largest lesion (1) and takes its window: 1-4; session 2: 5-7.
  EXPECT_EQ(p.sessions[0].lesion_ids.front(), 1);
  for (const int id : {1, 2, 3, 4}) EXPECT_TRUE(contains(p.sessions[0].lesion_ids, id)) << id;
  for (const int id : {5, 6, 7}) EXPECT_TRUE(contains(p.sessions[1].lesion_ids, id)) << id;
  EXPECT_NEAR(p.cumulative_volume_ml, 140, 1e-9);
  ASSERT_GE(p.sessions[0].reasons.size(), 3U);
  EXPECT_NE(p.sessions[0].reasons[1].find("one acoustic window"), std::string::npos);
}

TEST(Batching, SessionsStayWithinTwoToSixAndProfileCapacityGivesAPartialPlan) {
  std::vector<BatchLesion> many;
  for (int i = 1; i <= 20; ++i) {
    many.push_back(lesion(i, Vec3(i * 7.0, 0, 0), Vec3(0, 1, 0), 5.0 + i, 5));
  }
  const BatchPlan p = planBatches(many, batchProfile(), 1600);
  print(p);
  ASSERT_EQ(p.sessions.size(), 3U);
  for (const BatchSession& s : p.sessions) EXPECT_EQ(s.lesion_ids.size(), 6U);
  ASSERT_EQ(p.unplaced.size(), 2U);
  // The two smallest (lowest priority) are left out, with the profile's limit as the reason.
  EXPECT_TRUE(p.unplaced[0].id == 1 || p.unplaced[0].id == 2);
  EXPECT_NE(p.unplaced[0].reason.find("3 x 6"), std::string::npos) << p.unplaced[0].reason;
  EXPECT_FALSE(p.fits_profile);
  ASSERT_FALSE(p.notes.empty());

  // Seven lesions: two sessions of 4 and 3, never a lone lesion.
  many.resize(7);
  const BatchPlan q = planBatches(many, batchProfile(), 1600);
  ASSERT_EQ(q.sessions.size(), 2U);
  EXPECT_EQ(q.sessions[0].lesion_ids.size() + q.sessions[1].lesion_ids.size(), 7U);
  for (const BatchSession& s : q.sessions) EXPECT_GE(s.lesion_ids.size(), 3U);
}

TEST(Batching, VolumeLimitsAreHonouredPerSessionAndInTotal) {
  // Liver 900 mL: 1/3 = 300 mL in total. Seven lesions of 100 mL each: three fit.
  std::vector<BatchLesion> big;
  for (int i = 1; i <= 7; ++i)
    big.push_back(lesion(i, Vec3(i * 10.0, 0, 0), Vec3(0, 1, 0), 30, 100));
  const BatchPlan p = planBatches(big, batchProfile(), 900);
  print(p);
  EXPECT_LE(p.cumulative_volume_ml, 300 + 1e-9);
  for (const BatchSession& s : p.sessions) EXPECT_LE(s.liver_fraction, 1.0 / 3.0 + 1e-12);
  std::size_t placed = 0;
  for (const BatchSession& s : p.sessions) placed += s.lesion_ids.size();
  EXPECT_EQ(placed, 3U);
  EXPECT_EQ(placed + p.unplaced.size(), 7U);
  EXPECT_FALSE(p.fits_profile);
  EXPECT_NE(p.unplaced.back().reason.find("liver"), std::string::npos) << p.unplaced.back().reason;
}

TEST(Batching, InfeasibleLesionsKeepTheirReasonAndPriorityCounts) {
  std::vector<BatchLesion> l = twoWindows();
  l[2].feasible = false;
  l[2].infeasible_reason = "no safe path: every entry crosses a rib or the lung";
  // A small lesion next to a major vessel outranks larger ones.
  l[6].near_major_vessel = true;
  l[6].grew = true;
  const BatchPlan p = planBatches(l, batchProfile(), 1600);
  print(p);
  ASSERT_EQ(p.unplaced.size(), 1U);
  EXPECT_EQ(p.unplaced[0].id, 3);
  EXPECT_EQ(p.unplaced[0].reason, l[2].infeasible_reason);
  EXPECT_TRUE(p.fits_profile);  // every feasible lesion placed
  EXPECT_EQ(p.sessions[0].lesion_ids.front(), 7);
  EXPECT_NE(p.sessions[0].reasons[0].find("major vessel"), std::string::npos);
}

TEST(Batching, ALoneLesionIsTreatedAloneAndBadInputsThrow) {
  const BatchPlan one =
      planBatches({lesion(4, Vec3(0, 0, 0), Vec3(0, 1, 0), 18)}, batchProfile(), 1500);
  ASSERT_EQ(one.sessions.size(), 1U);
  EXPECT_EQ(one.sessions[0].lesion_ids, std::vector<int>{4});
  ASSERT_FALSE(one.notes.empty());
  EXPECT_TRUE(planBatches({}, batchProfile(), 1500).sessions.empty());
  EXPECT_THROW((void)planBatches(twoWindows(), batchProfile(), 0), UsageError);
  std::vector<BatchLesion> dup = twoWindows();
  dup[1].id = 1;
  EXPECT_THROW((void)planBatches(dup, batchProfile(), 1500), UsageError);
}

}  // namespace
}  // namespace rfa::planning
