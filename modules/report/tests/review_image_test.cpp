// Review pictures of a segmentation (review_image.h): patient planes in the radiological
// convention whatever the storage, outlines in the overlay colour, the montage layout and the
// refusals.
#include "rfa/report/review_image.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>

#include "rfa/core/error.h"
#include "rfa/core/volume.h"

namespace rfa::report {
namespace {

// A 100 x 100 x 100 mm block of water (0 HU) with a bright 20 mm cube (1000 HU) on the patient's
// right (-x), anterior (-y) and superior (+z) of the centre, stored at 2 mm with `direction`.
struct Scene {
  ImageVolume image;
  Mask cube;
};

Scene scene(const Mat3& direction) {
  const Vec3 centre(0, 0, 0);
  // Origin chosen so that the grid covers [-50, 50] mm on each LPS axis.
  const Vec3 origin = centre - direction * Vec3(49, 49, 49);
  const ImageGeometry g({50, 50, 50}, Vec3(2, 2, 2), origin, direction);
  Scene s{ImageVolume(g, 0.0F), Mask(g, 0)};
  for (std::size_t k = 0; k < 50; ++k) {
    for (std::size_t j = 0; j < 50; ++j) {
      for (std::size_t i = 0; i < 50; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        if (p.x() > -35 && p.x() < -15 && p.y() > -35 && p.y() < -15 && p.z() > 15 && p.z() < 35) {
          s.image(i, j, k) = 1000.0F;
          s.cube(i, j, k) = 1;
        }
      }
    }
  }
  return s;
}

// True when the top-left quadrant is the bright one (the cube), well above the three others (which
// hold only the letters and the scale bar).
bool brightTopLeft(const RgbImage& p);

// Mean grey (red channel) of the picture's quadrant: left/right half, top/bottom half.
double quadrant(const RgbImage& p, bool right, bool bottom) {
  double sum = 0;
  int n = 0;
  for (int y = bottom ? p.height / 2 : 0; y < (bottom ? p.height : p.height / 2); ++y) {
    for (int x = right ? p.width / 2 : 0; x < (right ? p.width : p.width / 2); ++x) {
      sum += p.at(x, y).r;
      ++n;
    }
  }
  return sum / n;
}

bool brightTopLeft(const RgbImage& p) {
  const double tl = quadrant(p, false, false);
  const double others =
      std::max({quadrant(p, true, false), quadrant(p, false, true), quadrant(p, true, true)});
  return tl > 25.0 && tl > 2.0 * others;
}

TEST(ReviewImage, PatientPlanesInTheRadiologicalConventionWhateverTheStorage) {
  Mat3 prone;  // rows and columns reversed: a prone storage of the same anatomy
  prone << -1, 0, 0, 0, -1, 0, 0, 0, 1;
  for (const Mat3& dir : {Mat3(Mat3::Identity()), prone}) {
    const Scene s = scene(dir);
    ReviewPanelOptions o;
    o.size_px = 100;
    o.field_mm = 100;
    o.window = 1000;
    o.level = 500;
    // Axial through z = 25: the cube is on the patient's right (picture left) and anterior (top).
    const RgbImage axial = renderReviewPanel(s.image, ReviewPlane::kAxial, Vec3(0, 0, 25), {}, o);
    EXPECT_TRUE(brightTopLeft(axial));
    // Coronal through y = -25: right on the left, superior at the top.
    const RgbImage coronal =
        renderReviewPanel(s.image, ReviewPlane::kCoronal, Vec3(0, -25, 0), {}, o);
    EXPECT_TRUE(brightTopLeft(coronal));
    // Sagittal through x = -25: anterior on the left, superior at the top.
    const RgbImage sagittal =
        renderReviewPanel(s.image, ReviewPlane::kSagittal, Vec3(-25, 0, 0), {}, o);
    EXPECT_TRUE(brightTopLeft(sagittal));
  }
}

TEST(ReviewImage, OverlayOutlineInItsColourAndTheMontageLayout) {
  const Scene s = scene(Mat3::Identity());
  ReviewPanelOptions o;
  o.size_px = 100;
  o.field_mm = 100;
  const Rgb green{0, 255, 0};
  const RgbImage p =
      renderReviewPanel(s.image, ReviewPlane::kAxial, Vec3(0, 0, 25), {{&s.cube, green, 0.0}}, o);
  // The cube spans x, y in (-35, -15) mm: pixels 15..35; its outline is drawn on its border.
  int outline = 0;
  for (int y = 0; y < p.height; ++y) {
    for (int x = 0; x < p.width; ++x) outline += p.at(x, y) == green ? 1 : 0;
  }
  EXPECT_GT(outline, 4 * 15);
  EXPECT_EQ(p.at(25, 25).r, 255);  // inside, not on the outline: the grey of the cube
  EXPECT_EQ(p.at(16, 25), green);  // on the left edge

  const RgbImage m = montage({p, p, p, p}, 3);
  EXPECT_EQ(m.width, 3 * 100 + 2 * 4);
  EXPECT_EQ(m.height, 2 * 100 + 4);
  EXPECT_EQ(m.at(104 + 16, 25), green);  // the second panel

  const LabelMap labels = [&] {
    LabelMap l(s.cube.geometry(), 0);
    for (std::size_t n = 0; n < l.voxelCount(); ++n) l.data()[n] = s.cube.data()[n] != 0 ? 3 : 0;
    return l;
  }();
  const RgbImage lesion = renderLesionReview(s.image, labels, 3, nullptr, nullptr, "L3");
  EXPECT_EQ(lesion.height, 320);
  EXPECT_EQ(lesion.width, 3 * 320 + 2 * 4);
  const RgbImage liver = renderLiverReview(s.image, s.cube, &labels);
  EXPECT_EQ(liver.width, 3 * 320 + 2 * 4);
  EXPECT_EQ(liver.height, 3 * 320 + 2 * 4);
}

TEST(ReviewImage, Refusals) {
  const Scene s = scene(Mat3::Identity());
  ReviewPanelOptions o;
  o.size_px = 16;
  EXPECT_THROW((void)renderReviewPanel(s.image, ReviewPlane::kAxial, Vec3::Zero(), {}, o),
               UsageError);
  o.size_px = 100;
  o.field_mm = 0;
  EXPECT_THROW((void)renderReviewPanel(s.image, ReviewPlane::kAxial, Vec3::Zero(), {}, o),
               UsageError);
  EXPECT_THROW((void)montage({RgbImage(10, 10), RgbImage(12, 10)}, 2), UsageError);
  EXPECT_THROW((void)renderLiverReview(s.image, Mask(s.image.geometry(), 0), nullptr), NoDataError);
  const LabelMap empty(s.image.geometry(), 0);
  EXPECT_THROW((void)renderLesionReview(s.image, empty, 1, nullptr, nullptr, ""), NoDataError);
}

}  // namespace
}  // namespace rfa::report
