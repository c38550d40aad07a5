// The workstation's "Liver from atlases" (atlas_liver_step.h) on a CHAOS T2 volume with two other
// CHAOS volumes as atlases (../shared, read in place through links; skipped when absent).
#include "rfa/workflow/atlas_liver_step.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "rfa/core/error.h"
#include "test_support.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

double volumeMl(const Mask& m) {
  std::size_t n = 0;
  for (const auto v : m.data()) n += v != 0 ? 1 : 0;
  return static_cast<double>(n) * m.geometry().voxelVolumeMm3() / 1000.0;
}

TEST(LiverFromAtlases, ReplacesTheLiverKeepsTheRestAndLeavesTheCaseAloneOnErrors) {
  const auto root = rfa::test::sharedTestData("chaos-mr-t2");
  RFA_SKIP_IF_MISSING(root, "chaos-mr-t2");
  const rfa::test::TempDir tmp;
  const fs::path atlases = tmp / "atlases";
  fs::create_directories(atlases);
  for (const std::string id : {"1", "20"}) {
    for (const std::string kind : {"image_", "label_"}) {
      fs::create_symlink(root / (kind + id + ".nii.gz"), atlases / (kind + id + ".nii.gz"));
    }
  }
  CaseState state = openCase(root / "image_19.nii.gz");
  ASSERT_EQ(state.modality, segmentation::Modality::kMR);

  // A folder without atlases: NotFoundError, the case untouched (still no segmentation).
  EXPECT_THROW(liverFromAtlases(state, tmp / "empty-or-missing"), NotFoundError);
  EXPECT_FALSE(state.segmentation.liver.has_value());

  ensureAnatomy(state, false);  // the intensity model first, as the workstation does on open
  const double before_ml = volumeMl(*state.segmentation.liver);
  double last = -1;
  const AtlasLiverSummary s =
      liverFromAtlases(state, atlases, 1, [&last](const std::string& stage, double f) {
        if (stage == "atlases") last = f;
      });
  EXPECT_EQ(s.atlases, 2U);
  EXPECT_DOUBLE_EQ(last, 1.0);
  ASSERT_TRUE(state.segmentation.liver.has_value());
  const double after_ml = volumeMl(*state.segmentation.liver);
  EXPECT_NEAR(after_ml, s.volume_ml, 1.0);
  EXPECT_NE(after_ml, before_ml);
  // The expert liver of case 19 holds 1854 mL (Dice figures: the atlas module's tests).
  EXPECT_NEAR(after_ml, 1854.0, 0.25 * 1854.0);
  EXPECT_TRUE(state.segmentation.body.has_value());
  EXPECT_EQ(state.segmentation_record, "edited");
}

}  // namespace
}  // namespace rfa::workflow
