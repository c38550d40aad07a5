// Brush, eraser and undo/redo of lesion labels on a synthetic grid (exact voxel counts).
#include <gtest/gtest.h>

#include <cmath>

#include "rfa/core/error.h"
#include "rfa/workflow/lesion_edit.h"

namespace rfa::workflow {
namespace {

/// Lattice points of a ball of radius r voxels (unit spacing) centred on a lattice point.
std::size_t ballCount(int r) {
  std::size_t n = 0;
  for (int k = -r; k <= r; ++k) {
    for (int j = -r; j <= r; ++j) {
      for (int i = -r; i <= r; ++i) n += (i * i + j * j + k * k <= r * r) ? 1 : 0;
    }
  }
  return n;
}

CaseState makeCase() {
  CaseState s;
  // 40 x 40 x 30 voxels of 1 x 1 x 1 mm, first axis flipped (direction -x): frames matter.
  Mat3 d = Mat3::Identity();
  d(0, 0) = -1;
  const ImageGeometry g({40, 40, 30}, {1, 1, 1}, {10, -5, 20}, d);
  s.image.image = ImageVolume(g, 50.0F);
  Mask liver(g, 0);
  for (std::size_t k = 0; k < 30; ++k) {
    for (std::size_t j = 0; j < 40; ++j) {
      for (std::size_t i = 0; i < 20; ++i) liver(i, j, k) = 1;  // left half of the index grid
    }
  }
  s.segmentation.liver = std::move(liver);
  return s;
}

std::size_t countLabel(const CaseState& s, int label) {
  std::size_t n = 0;
  for (const auto v : s.segmentation.lesions->data()) n += v == label ? 1 : 0;
  return n;
}

TEST(LesionEdit, BrushPaintsABallInsideTheLiverOnly) {
  CaseState s = makeCase();
  const ImageGeometry& g = s.image.image.geometry();
  const Vec3 centre = g.indexToLps(Vec3(10, 20, 15));
  EXPECT_EQ(nextLesionLabel(s), 1);
  const std::size_t n = applyBrush(s, {centre, 3.0, 1, false});
  EXPECT_EQ(n, ballCount(3));
  EXPECT_EQ(countLabel(s, 1), ballCount(3));
  EXPECT_EQ(s.segmentation_record, "edited");
  EXPECT_EQ(nextLesionLabel(s), 2);
  // Across the liver border (index i = 19 | 20): only the liver half is painted.
  const std::size_t edge = applyBrush(s, {g.indexToLps(Vec3(20, 5, 5)), 2.0, 2, false});
  std::size_t expected = 0;
  for (int k = -2; k <= 2; ++k) {
    for (int j = -2; j <= 2; ++j) {
      for (int i = -2; i <= -1; ++i) expected += (i * i + j * j + k * k <= 4) ? 1 : 0;
    }
  }
  EXPECT_EQ(edge, expected);
  // Painting another label over lesion 1 never takes its voxels.
  EXPECT_EQ(applyBrush(s, {centre, 2.0, 3, false}), 0U);
  EXPECT_EQ(countLabel(s, 1), ballCount(3));
}

TEST(LesionEdit, EraserRemovesOneLabelOrAny) {
  CaseState s = makeCase();
  const ImageGeometry& g = s.image.image.geometry();
  applyBrush(s, {g.indexToLps(Vec3(10, 20, 15)), 3.0, 1, false});
  applyBrush(s, {g.indexToLps(Vec3(10, 26, 15)), 3.0, 2, false});
  const std::size_t two = countLabel(s, 2);
  // Erasing label 2 only, centred between them: label 1 untouched.
  const std::size_t erased = applyBrush(s, {g.indexToLps(Vec3(10, 23, 15)), 3.0, 2, true});
  EXPECT_GT(erased, 0U);
  EXPECT_EQ(countLabel(s, 1), ballCount(3));
  EXPECT_EQ(countLabel(s, 2), two - erased);
  // Erasing any label.
  applyBrush(s, {g.indexToLps(Vec3(10, 20, 15)), 5.0, 0, true});
  EXPECT_EQ(countLabel(s, 1), 0U);
}

TEST(LesionEdit, UndoRedoRestoresExactlyAndMarksThePlanStale) {
  CaseState s = makeCase();
  s.plan = planning::TreatmentPlan{};
  const ImageGeometry& g = s.image.image.geometry();
  LesionEditHistory h;
  EXPECT_FALSE(h.canUndo());
  h.begin(s, "brush L1");
  applyBrush(s, {g.indexToLps(Vec3(10, 20, 15)), 3.0, 1, false});
  ASSERT_TRUE(h.commit(s));
  const std::vector<std::uint16_t> after_first(s.segmentation.lesions->data().begin(),
                                               s.segmentation.lesions->data().end());
  h.begin(s, "eraser");
  applyBrush(s, {g.indexToLps(Vec3(10, 20, 15)), 1.0, 0, true});
  ASSERT_TRUE(h.commit(s));
  EXPECT_EQ(h.undoText(), "eraser");
  EXPECT_EQ(h.bytes(), 7 * (sizeof(std::size_t) + 4) + ballCount(3) * (sizeof(std::size_t) + 4));

  s.plan_stale = false;
  h.undo(s);
  EXPECT_TRUE(s.plan_stale);
  EXPECT_TRUE(
      std::equal(after_first.begin(), after_first.end(), s.segmentation.lesions->data().begin()));
  EXPECT_EQ(h.redoText(), "eraser");
  h.undo(s);
  EXPECT_EQ(countLabel(s, 1), 0U);
  EXPECT_FALSE(h.canUndo());
  EXPECT_THROW(h.undo(s), UsageError);
  h.redo(s);
  h.redo(s);
  EXPECT_EQ(countLabel(s, 1), ballCount(3) - 7);
  // An edit that changes nothing is not recorded; a new edit clears the redo list.
  h.undo(s);
  h.begin(s, "nothing");
  EXPECT_FALSE(h.commit(s));
  EXPECT_TRUE(h.canRedo());
  h.begin(s, "brush L2");
  applyBrush(s, {g.indexToLps(Vec3(5, 5, 5)), 1.0, 2, false});
  EXPECT_TRUE(h.commit(s));
  EXPECT_FALSE(h.canRedo());
}

TEST(LesionEdit, BadStrokes) {
  CaseState s = makeCase();
  EXPECT_THROW(applyBrush(s, {Vec3(0, 0, 0), 0.0, 1, false}), UsageError);
  EXPECT_THROW(applyBrush(s, {Vec3(0, 0, 0), 2.0, 0, false}), UsageError);
  EXPECT_THROW(applyBrush(s, {Vec3(0, 0, 0), 2.0, 70000, false}), UsageError);
  // Erasing with no lesion map: nothing to do. A dab outside the grid changes nothing.
  EXPECT_EQ(applyBrush(s, {Vec3(0, 0, 0), 2.0, 0, true}), 0U);
  EXPECT_EQ(applyBrush(s, {Vec3(500, 500, 500), 2.0, 1, false}), 0U);
}

}  // namespace
}  // namespace rfa::workflow
