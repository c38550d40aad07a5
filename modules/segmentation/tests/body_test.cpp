// Body, lung and bone masks on the phantom against its exact truth, and the error cases.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <string>

#include "phantom_fixture.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/components.h"

namespace rfa::segmentation {
namespace {

using test::dice;
using test::testPhantom;

std::size_t countSet(const Mask& m) {
  std::size_t n = 0;
  for (const std::uint8_t v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

TEST(BodyMasks, MatchThePhantomTruth) {
  const phantom::Phantom& p = testPhantom();
  const Mask body = segmentBody(p.ct);
  const Mask lungs = segmentLungs(p.ct, body);
  const Mask bone = segmentBone(p.ct, body);
  EXPECT_TRUE(body.geometry().sameGrid(p.ct.geometry()));
  const double d_body = dice(body, p.body);
  const double d_lung = dice(lungs, p.lung);
  const double d_bone = dice(bone, p.bone);
  RecordProperty("dice_body", std::to_string(d_body));
  RecordProperty("dice_lung", std::to_string(d_lung));
  RecordProperty("dice_bone", std::to_string(d_bone));
  std::cout << "Dice body " << d_body << ", lung " << d_lung << ", bone " << d_bone << "\n";
  ASSERT_GT(countSet(p.lung), 1000U);  // the truth has lungs to compare with
  EXPECT_GE(d_body, 0.97);
  EXPECT_GE(d_lung, 0.90);
  EXPECT_GE(d_bone, 0.90);
  // The overloads that segment the body themselves give the same masks.
  EXPECT_EQ(dice(segmentLungs(p.ct), lungs), 1.0);
  EXPECT_EQ(dice(segmentBone(p.ct), bone), 1.0);
}

TEST(BodyMasks, SmallGasPocketIsNotLung) {
  const phantom::Phantom& p = testPhantom();
  ImageVolume ct = p.ct;
  // A 7 x 7 x 5 voxel (about 5.6 mL) gas pocket in the abdomen, below the lungs, away from them.
  const std::size_t i0 = 95;
  const std::size_t j0 = 75;
  const std::size_t k0 = 8;
  for (std::size_t k = k0; k < k0 + 5; ++k) {
    for (std::size_t j = j0; j < j0 + 7; ++j) {
      for (std::size_t i = i0; i < i0 + 7; ++i) {
        ASSERT_EQ(p.lung(i, j, k), 0);
        ASSERT_EQ(p.body(i, j, k), 1);
        ct(i, j, k) = -950.0F;
      }
    }
  }
  const Mask body = segmentBody(ct);
  EXPECT_EQ(body(i0 + 3, j0 + 3, k0 + 2), 1);  // holes in the body are filled
  EXPECT_EQ(segmentLungs(ct, body)(i0 + 3, j0 + 3, k0 + 2), 0);
  LungOptions keep_small;
  keep_small.min_component_ml = 1.0;
  EXPECT_EQ(segmentLungs(ct, body, keep_small)(i0 + 3, j0 + 3, k0 + 2), 1);
}

TEST(BodyMasks, AllAirHasNoBody) {
  const ImageVolume air(ImageGeometry({40, 40, 20}, Vec3(2, 2, 3), Vec3::Zero()), -1000.0F);
  EXPECT_THROW(segmentBody(air), NoDataError);
  EXPECT_THROW(segmentLungs(air), NoDataError);
  try {
    segmentBody(air);
  } catch (const NoDataError& e) {
    EXPECT_NE(std::string(e.what()).find("no body found"), std::string::npos) << e.what();
  }
  // A small object (a 10 x 10 x 10 voxel = 12 mL cube of water) is not a body either.
  ImageVolume cube = air;
  for (std::size_t k = 5; k < 15; ++k) {
    for (std::size_t j = 10; j < 20; ++j) {
      for (std::size_t i = 10; i < 20; ++i) cube(i, j, k) = 0.0F;
    }
  }
  EXPECT_THROW(segmentBody(cube), NoDataError);
  BodyOptions small;
  small.min_body_ml = 10.0;
  EXPECT_EQ(countSet(segmentBody(cube, small)), 1000U);
  EXPECT_THROW(segmentBody(ImageVolume{}), NoDataError);
}

TEST(BodyMasks, GridMismatchThrows) {
  const phantom::Phantom& p = testPhantom();
  const Mask other(ImageGeometry({10, 10, 10}, Vec3(1, 1, 1), Vec3::Zero()), 1);
  EXPECT_THROW(segmentLungs(p.ct, other), GeometryError);
  EXPECT_THROW(segmentBone(p.ct, other), GeometryError);
}

}  // namespace
}  // namespace rfa::segmentation
