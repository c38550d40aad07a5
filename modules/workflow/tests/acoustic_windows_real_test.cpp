// Acoustic windows on a real CT with real ribs and lungs: IRCADb 17 (../shared, read in place;
// skipped when absent). Bone, lung and body from the automatic segmentation; liver and the two
// tumours from the expert masks (the windows of the true tumours, not a segmentation check); the
// plan (preview) of `rfaplan plan`; then each tumour's best probe window. The figures are recorded
// in docs/validation.md ("Acoustic windows").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "needle_plane_check.h"
#include "rfa/io/volume_file.h"
#include "rfa/workflow/acoustic_windows.h"
#include "test_support.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

TEST(AcousticWindowsReal, Ircadb17TumoursHaveAWindowPerNeedle) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "runs in the release suite: under ASan the segmentation of the 512x512x119 CT "
                  "alone takes minutes (the window code is covered by the phantom tests)";
#endif
  const fs::path root = rfa::test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  CaseState s = openCase(root / "ct");
  ensureAnatomy(s, false);
  const LabelMap liver = io::readLabelFile(root / "labels_nrrd" / "liver.nrrd");
  Mask liver_mask(liver.geometry(), 0);
  for (std::size_t i = 0; i < liver.voxelCount(); ++i) {
    liver_mask.data()[i] = liver.data()[i] != 0 ? 1 : 0;
  }
  s.segmentation.liver = std::move(liver_mask);
  s.segmentation.lesions = io::readLabelFile(root / "labels_nrrd" / "tumor_instances_1_2.nrrd");
  ASSERT_TRUE(s.segmentation.bone.has_value());
  ASSERT_TRUE(s.segmentation.lung.has_value());
  PlanRequest r;
  r.base.uncertainty_samples = 0;
  planCase(s, r, "test");
  const std::vector<LesionWindow> windows =
      acousticWindows(s, ultrasound::loadProbe("curvilinear-abdominal"));
  ASSERT_EQ(windows.size(), 2U);
  for (const LesionWindow& w : windows) {
    ASSERT_TRUE(w.window.has_value()) << "tumour " << w.lesion_id;
    const ultrasound::WindowView& v = w.window->view;
    std::printf(
        "IRCADb 17 tumour %d: %s window, rotation %.0f deg, offset %.0f mm: tumour %.2f "
        "visible (%zu points in the plane), needle %.2f, depth %.0f mm%s%s\n",
        w.lesion_id, w.window->access.c_str(), w.window->rotation_deg, w.window->offset_mm,
        v.lesion_visible, v.lesion_points, v.needle_visible, v.lesion_depth_mm,
        w.flags.empty() ? "" : "; flags: ", w.flags.empty() ? "" : w.flags.front().c_str());
    EXPECT_GT(v.lesion_points, 0U);
    EXPECT_GE(v.lesion_visible, 0.0);
    EXPECT_LE(v.lesion_visible, 1.0);
  }
  expectNeedlesInTheirProbePlanes(*s.plan);
}

}  // namespace
}  // namespace rfa::workflow
