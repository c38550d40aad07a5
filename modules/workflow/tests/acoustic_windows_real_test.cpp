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
#include "rfa/report/probe_image.h"
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

  // The same case planned as `rfaplan plan` does by default: the planner prefers needles in a
  // visible probe plane, and the plan records each tumour's window; then the simulated ultrasound
  // of each recorded window, with the tumour outlined.
  PlanRequest us = r;
  us.ultrasound_probe = "curvilinear-abdominal";
  const PlanTimings t = planCase(s, us, "test");
  ASSERT_TRUE(s.plan.has_value());
  const std::optional<Mask> vessels = io::vesselMaskOf(s.segmentation);
  int recorded = 0;
  for (const planning::PlanLesion& l : s.plan->lesions) {
    if (l.placements.empty()) continue;
    ASSERT_TRUE(l.ultrasound.has_value()) << "tumour " << l.id;
    const planning::PlanUltrasound& u = *l.ultrasound;
    EXPECT_GT(u.paths_assessed, 0);
    EXPECT_LE(u.paths_visible, u.paths_assessed);
    ++recorded;
    std::string flags;
    for (const std::string& f : u.flags) flags += "; " + f;
    if (u.access.empty()) {
      std::printf(
          "IRCADb 17 tumour %d (planned with ultrasound): %d/%d paths visible, no window%s\n", l.id,
          u.paths_visible, u.paths_assessed, flags.c_str());
      continue;
    }
    const report::ProbeImage img = report::renderProbeImage(
        s.image.image, *s.segmentation.lesions, &*s.segmentation.bone, &*s.segmentation.lung,
        vessels ? &*vessels : nullptr, *s.plan, l.id, 512);
    int outline = 0;
    for (const std::uint32_t px : img.pixels.pixels) {
      outline += px == ((255U << 16U) | (220U << 8U) | 40U) ? 1 : 0;
    }
    std::printf(
        "IRCADb 17 tumour %d (planned with ultrasound): %d/%d safe paths in a visible probe "
        "plane%s; "
        "%s window, rotation %.0f deg: tumour %.2f, needle %.2f visible, depth %.0f mm%s; "
        "simulated image %.0f ms, %d outline px, %d needle(s) drawn\n",
        l.id, u.paths_visible, u.paths_assessed, u.preferred ? " (used)" : "", u.access.c_str(),
        u.rotation_deg, u.lesion_visible, u.needle_visible, u.depth_mm, flags.c_str(), img.frame_ms,
        outline, img.needles_shown);
    EXPECT_GT(outline, 10) << "tumour " << l.id << " not outlined in its probe plane";
    EXPECT_GE(img.needles_shown, 1) << "tumour " << l.id;
  }
  EXPECT_EQ(recorded, 2);
  std::printf("IRCADb 17: planning with the ultrasound preference %.1f s, windows %.1f s\n",
              t.lesions_s, t.ultrasound_s);
  expectNeedlesInTheirProbePlanes(*s.plan);
}

}  // namespace
}  // namespace rfa::workflow
