// The window search for a planned needle on the rib case: the search finds a pose that sees the
// whole lesion and the needle, while a probe slid over the rib loses the lesion in its shadow and
// is reported intercostal; no skin, no window.
#include <gtest/gtest.h>

#include "rfa/ultrasound/window_search.h"
#include "rib_case.h"

namespace rfa::ultrasound {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the shared case

const Vec3 kEntry(60, kSkinY, 75);  // the needle: skin entry beside the rib, tip at the lesion

TEST(WindowSearch, FindsAPoseThatSeesTheLesionAndTheNeedle) {
  const Case c;
  const AcousticMedium m{&c.ct};
  const ProbeModel probe = loadProbe("curvilinear-abdominal");
  const std::optional<ProbeWindow> best = bestNeedleWindow(m, probe, c.lesions, 1, kEntry, kLesion);
  ASSERT_TRUE(best.has_value());
  EXPECT_GE(best->view.lesion_visible, 0.98);
  EXPECT_GE(best->view.needle_visible, 0.95);
  EXPECT_GT(best->view.lesion_points, 50U);
  // The probe is on the skin and aimed at the tip; the needle lies in its plane.
  EXPECT_NEAR(best->pose.contact_lps.y(), kSkinY - 0.5, 1.0);
  EXPECT_NEAR(best->pose.elevation().dot((kLesion - kEntry).normalized()), 0.0, 1e-9);

  // Slid 15 mm across the needle, over the rib: the lesion is lost in the rib's shadow.
  WindowSearchOptions over;
  over.rotations_deg = {0};
  over.offsets_mm = {-15};
  const std::optional<ProbeWindow> rib =
      bestNeedleWindow(m, probe, c.lesions, 1, kEntry, kLesion, over);
  ASSERT_TRUE(rib.has_value());
  EXPECT_NEAR(rib->pose.contact_lps.z(), kRib.z(), 2.0);
  EXPECT_LT(rib->view.lesion_visible, 0.5);
  EXPECT_EQ(rib->view.main_blocker, Blocker::kBone);
  EXPECT_EQ(rib->access, "intercostal");
  EXPECT_GT(best->score, rib->score);
}

TEST(WindowSearch, NoSkinNoWindow) {
  Case c;
  for (float& v : c.ct.data()) v = -1000.0F;
  const AcousticMedium m{&c.ct};
  EXPECT_FALSE(bestNeedleWindow(m, loadProbe("linear"), c.lesions, 1, kEntry, kLesion).has_value());
}

}  // namespace
}  // namespace rfa::ultrasound
