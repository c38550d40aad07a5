// Acoustic shadows against analytic geometry: a CT with air above a skin plane, a rib (a bone
// cylinder across the patient) 10 mm under the skin and a lesion behind it. A probe straight over
// the rib cannot see what lies behind the rib (its shadow is the rib's outline projected along the
// scan lines); an oblique window beside it sees the whole lesion.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numbers>

#include "rfa/core/error.h"
#include "rfa/ultrasound/fan.h"
#include "rib_case.h"

namespace rfa::ultrasound {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the shared case

ProbeModel linearProbe() {
  ProbeModel p;
  p.name = "test-linear";
  p.kind = ProbeKind::kLinear;
  p.width_mm = 40;
  p.depth_mm = 150;
  p.slice_thickness_mm = 4;
  return p;
}

ProbeModel convexProbe() {
  ProbeModel p;
  p.name = "test-convex";
  p.kind = ProbeKind::kCurvilinear;
  p.radius_mm = 50;
  p.aperture_deg = 70;
  p.depth_mm = 200;
  p.slice_thickness_mm = 4;
  return p;
}

// Sagittal-like probe plane x = 60: axial +y (into the body), lateral +z.
ProbePose overTheRib() {
  ProbePose pose;
  pose.contact_lps = Vec3(60, kSkinY - 0.5, 60);
  pose.axial = Vec3(0, 1, 0);
  pose.lateral = Vec3(0, 0, 1);
  return pose;
}

TEST(Fan, LinearProbeOverARibShadowsExactlyBehindIt) {
  const Case c;
  const AcousticMedium m{&c.ct};
  const Fan fan(m, linearProbe(), overTheRib());
  // Each scan line z = 60 + s meets the rib at y = 30 - sqrt(25 - s^2) when |s| < 5.
  for (const ScanLine& l : fan.lines()) {
    const double s = l.start_lps.z() - kRib.z();
    if (std::abs(s) <= 4.0) {
      EXPECT_EQ(l.blocker, Blocker::kBone) << s;
      const double expected = kRib.y() - std::sqrt(25.0 - s * s) - l.start_lps.y();
      EXPECT_NEAR(l.clear_mm, expected, 1.0) << s;
    } else if (std::abs(s) >= 6.0) {
      EXPECT_EQ(l.blocker, Blocker::kNone) << s;  // the CT's posterior edge
      EXPECT_NEAR(l.clear_mm, 99.0 - l.start_lps.y(), 1.0) << s;
    }
  }
  // Lesion points in the plane: shadowed exactly where they lie behind the rib.
  std::size_t in_plane = 0;
  std::size_t behind = 0;
  const ImageGeometry& g = c.g;
  for (std::size_t k = 0; k < 120; ++k) {
    for (std::size_t j = 0; j < 100; ++j) {
      for (std::size_t i = 0; i < 40; ++i) {
        if (c.lesions(i, j, k) == 0) continue;
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const PointView v = fan.classify(p);
        if (v == PointView::kOutOfPlane) continue;
        ++in_plane;
        const double s = std::abs(p.z() - kRib.z());
        behind += s <= kRibRadius ? 1 : 0;  // the voxelised rib includes its boundary voxels
        if (s <= 4.0) {
          EXPECT_EQ(v, PointView::kShadowed) << p.transpose();
        } else if (s >= 6.0) {
          EXPECT_EQ(v, PointView::kVisible) << p.transpose();
        }
      }
    }
  }
  // The needle from the skin (z 75) to the lesion centre (z 60) passes under the rib's shadow
  // (|z - 60| < 5) over its last third.
  const WindowView w = viewOf(fan, c.lesions, 1, std::array<Vec3, 2>{Vec3(60, 20, 75), kLesion});
  EXPECT_EQ(w.lesion_points, in_plane);
  EXPECT_NEAR(w.lesion_visible, 1.0 - static_cast<double>(behind) / static_cast<double>(in_plane),
              0.03);
  EXPECT_NEAR(w.needle_visible, 10.0 / 15.0, 0.03);
  EXPECT_EQ(w.main_blocker, Blocker::kBone);
  EXPECT_GT(w.lesion_depth_mm, 40.0);
}

TEST(Fan, ConvexProbeShadowIsTheRibsAngleSeenFromTheApex) {
  const Case c;
  const AcousticMedium m{&c.ct};
  const ProbePose pose = overTheRib();
  const Fan fan(m, convexProbe(), pose);
  const Vec3 apex = pose.contact_lps - 50.0 * pose.axial;
  const double to_rib = std::hypot(kRib.y() - apex.y(), kRib.z() - apex.z());
  const double half_deg = std::asin(kRibRadius / to_rib) * 180.0 / std::numbers::pi;  // 4.7
  int checked = 0;
  for (double dz = -14; dz <= 14; dz += 0.5) {
    for (double y = 45; y <= 90; y += 5) {
      const Vec3 p(60, y, kRib.z() + dz);
      const double phi = std::atan2(dz, y - apex.y()) * 180.0 / std::numbers::pi;
      const PointView v = fan.classify(p);
      if (std::abs(phi) <= half_deg - 1.0) {
        EXPECT_EQ(v, PointView::kShadowed) << p.transpose() << " phi " << phi;
        ++checked;
      } else if (std::abs(phi) >= half_deg + 1.0) {
        EXPECT_EQ(v, PointView::kVisible) << p.transpose() << " phi " << phi;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 400);
  EXPECT_EQ(fan.classify(Vec3(70, 60, 60)), PointView::kOutOfPlane);       // 10 mm off the plane
  EXPECT_EQ(fan.classify(Vec3(60, 60, 60 + 80)), PointView::kOutsideFan);  // beside the sector
}

TEST(Fan, AnObliqueWindowBesideTheRibSeesTheWholeLesion) {
  const Case c;
  const AcousticMedium m{&c.ct};
  ProbePose pose;
  pose.contact_lps = Vec3(60, kSkinY - 0.5, 95);
  pose.axial = (kLesion - pose.contact_lps).normalized();
  pose.lateral = Vec3(0, -pose.axial.z(), pose.axial.y());
  const Fan fan(m, convexProbe(), pose);
  const WindowView w = viewOf(fan, c.lesions, 1);
  EXPECT_GT(w.lesion_points, 100U);
  EXPECT_DOUBLE_EQ(w.lesion_visible, 1.0);
  EXPECT_NEAR(w.lesion_depth_mm, (kLesion - pose.contact_lps).norm(), 3.0);
}

TEST(Fan, NoContactAndBadPoses) {
  const Case c;
  const AcousticMedium m{&c.ct};
  ProbePose air = overTheRib();
  air.contact_lps.y() = 5;  // 15 mm above the skin
  const Fan fan(m, linearProbe(), air);
  for (const ScanLine& l : fan.lines()) EXPECT_EQ(l.blocker, Blocker::kNoContact);
  EXPECT_DOUBLE_EQ(viewOf(fan, c.lesions, 1).lesion_visible, 0.0);
  ProbePose bad = overTheRib();
  bad.lateral = Vec3(0, 1, 1);
  EXPECT_THROW(Fan(m, linearProbe(), bad), UsageError);
  EXPECT_THROW(Fan(AcousticMedium{}, linearProbe(), overTheRib()), UsageError);
}

}  // namespace
}  // namespace rfa::ultrasound
