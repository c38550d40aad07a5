// Automatic liver segmentation on the phantom (exact truth), on IRCADb 1.17 (reference mask) and
// on volumes without a liver.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "phantom_fixture.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/segmentation/liver.h"
#include "test_support.h"

namespace rfa::segmentation {
namespace {

using test::dice;
using test::hd95Mm;

std::size_t countSet(const Mask& m) {
  std::size_t n = 0;
  for (const std::uint8_t v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

// Voxels of `part` that `mask` covers, as a fraction of `part`.
double coverage(const Mask& mask, const Mask& part) {
  std::size_t both = 0;
  for (std::size_t n = 0; n < part.voxelCount(); ++n) {
    both += part.data()[n] != 0 && mask.data()[n] != 0 ? 1 : 0;
  }
  return static_cast<double>(both) / static_cast<double>(countSet(part));
}

struct Timed {
  LiverSegmentation result;
  double seconds = 0;
};

Timed timedSegment(const ImageVolume& ct, std::span<const Vec3> seeds = {}) {
  const auto t0 = std::chrono::steady_clock::now();
  Timed t{segmentLiver(ct, {}, seeds), 0.0};
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

void report(const std::string& what, const Timed& t, double d, double truth_ml) {
  std::cout << what << ": Dice " << d << ", volume " << t.result.volume_ml << " mL (truth "
            << truth_ml << " mL), model " << t.result.mean_hu << " +- " << t.result.sd_hu
            << " HU, time " << t.seconds << " s\n";
}

phantom::Phantom otherPhantom() {
  phantom::PhantomOptions o;
  o.size = {160, 160, 70};
  o.spacing_mm = {2.4, 2.4, 2.8};
  o.lesions = 6;
  o.seed = 21;
  return phantom::generatePhantom(o);
}

TEST(LiverSegmentation, PhantomDefaultOptionsMatchesTruth) {
  const phantom::Phantom& p = test::testPhantom();
  const Timed t = timedSegment(p.ct);
  const double d = dice(t.result.mask, p.liver);
  report("phantom seed 7", t, d, p.liver_volume_ml);
  EXPECT_TRUE(t.result.mask.geometry().sameGrid(p.ct.geometry()));
  EXPECT_GE(d, 0.97);
  EXPECT_NEAR(t.result.mean_hu, 110.0, 10.0);
  EXPECT_FALSE(t.result.seed_from_user);
  EXPECT_NEAR(t.result.volume_ml, p.liver_volume_ml, 0.05 * p.liver_volume_ml);
  // Lesions and vessels inside the liver are part of it; the gallbladder is not.
  EXPECT_GE(coverage(t.result.mask,
                     [&] {
                       Mask l(p.lesions.geometry(), 0);
                       for (std::size_t n = 0; n < l.voxelCount(); ++n) {
                         l.data()[n] = p.lesions.data()[n] != 0 ? 1 : 0;
                       }
                       return l;
                     }()),
            0.9);
  EXPECT_LE(coverage(t.result.mask, p.gallbladder), 0.1);
}

TEST(LiverSegmentation, PhantomOtherSeedMatchesTruth) {
  const phantom::Phantom p = otherPhantom();
  const Timed t = timedSegment(p.ct);
  const double d = dice(t.result.mask, p.liver);
  report("phantom seed 21", t, d, p.liver_volume_ml);
  EXPECT_GE(d, 0.97);
}

TEST(LiverSegmentation, SeedsGuideTheSegmentation) {
  const phantom::Phantom& p = test::testPhantom();
  const Timed automatic = timedSegment(p.ct);
  const std::vector<Vec3> seeds{automatic.result.seed_lps};
  const Timed seeded = timedSegment(p.ct, seeds);
  const double d = dice(seeded.result.mask, p.liver);
  report("phantom seeded", seeded, d, p.liver_volume_ml);
  EXPECT_TRUE(seeded.result.seed_from_user);
  EXPECT_TRUE(seeded.result.seed_lps.isApprox(seeds.front()));
  EXPECT_GE(d, 0.97);
  // A seed outside the body is refused.
  const std::vector<Vec3> outside{p.ct.geometry().origin()};
  EXPECT_THROW(segmentLiver(p.ct, {}, outside), NoDataError);
}

// The phantom mirrored left-right: without seeds the liver-like organ is on the wrong side and is
// refused; a seed in it is followed.
TEST(LiverSegmentation, MirroredPhantomNeedsASeed) {
  const phantom::Phantom& p = test::testPhantom();
  ImageVolume ct(p.ct.geometry());
  Mask truth(p.ct.geometry());
  const Size3& s = ct.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        ct(s[0] - 1 - i, j, k) = p.ct(i, j, k);
        truth(s[0] - 1 - i, j, k) = p.liver(i, j, k);
      }
    }
  }
  try {
    (void)segmentLiver(ct);
    ADD_FAILURE() << "a liver on the patient-left side was accepted without a seed";
  } catch (const NoDataError& e) {
    EXPECT_NE(std::string(e.what()).find("no liver found"), std::string::npos) << e.what();
  }
  const Vec3 seed = timedSegment(p.ct).result.seed_lps;
  const Vec3 centre = ct.geometry().centerLps();
  const std::vector<Vec3> seeds{Vec3(2.0 * centre.x() - seed.x(), seed.y(), seed.z())};
  EXPECT_GE(dice(segmentLiver(ct, {}, seeds).mask, truth), 0.97);
}

// A body-shaped elliptic cylinder (300 x 220 mm) of `hu` in air, with a little noise.
ImageVolume cylinder(float hu) {
  const ImageGeometry g({128, 128, 40}, Vec3(2.5, 2.5, 3.0), Vec3(-160, -160, 0));
  ImageVolume v(g, -1000.0F);
  std::uint32_t state = 12345U;
  for (std::size_t k = 0; k < 40; ++k) {
    for (std::size_t j = 0; j < 128; ++j) {
      for (std::size_t i = 0; i < 128; ++i) {
        const Vec3 p = g.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j), 0.0));
        state = state * 1664525U + 1013904223U;
        const float noise = static_cast<float>(state >> 16U) / 65536.0F * 20.0F - 10.0F;
        const double e = (p.x() / 150.0) * (p.x() / 150.0) + (p.y() / 110.0) * (p.y() / 110.0);
        if (e <= 1.0) v(i, j, k) = hu + noise;
      }
    }
  }
  return v;
}

void expectNoLiver(const ImageVolume& ct) {
  try {
    (void)segmentLiver(ct);
    ADD_FAILURE() << "a liver was returned";
  } catch (const NoDataError& e) {
    EXPECT_NE(std::string(e.what()).find("no liver found"), std::string::npos) << e.what();
  }
}

TEST(LiverSegmentation, AllWaterVolumeHasNoLiver) {
  expectNoLiver(cylinder(0.0F));
}

TEST(LiverSegmentation, HomogeneousSoftTissueHasNoLiver) {
  expectNoLiver(cylinder(100.0F));
}

TEST(LiverSegmentation, AllAirVolumeHasNoLiver) {
  expectNoLiver(ImageVolume(ImageGeometry({64, 64, 20}, Vec3(3, 3, 3), Vec3(0, 0, 0)), -1000.0F));
  expectNoLiver(ImageVolume{});
}

TEST(LiverSegmentation, Ircadb17MatchesReferenceMask) {
  const auto root = rfa::test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const ImageVolume ct = io::loadImage(root / "ct").image;
  const LabelMap labels = io::readLabelFile(root / "labels_nrrd" / "liver.nrrd");
  ASSERT_TRUE(labels.geometry().sameGrid(ct.geometry()));
  Mask truth(labels.geometry(), 0);
  for (std::size_t n = 0; n < truth.voxelCount(); ++n) {
    truth.data()[n] = labels.data()[n] != 0 ? 1 : 0;
  }
  const double truth_ml =
      static_cast<double>(countSet(truth)) * ct.geometry().voxelVolumeMm3() / 1000.0;
  const Timed t = timedSegment(ct);
  const double d = dice(t.result.mask, truth);
  report("IRCADb 1.17", t, d, truth_ml);
  const double hd95 = hd95Mm(t.result.mask, truth);
  std::cout << "IRCADb 1.17: liver HD95 " << hd95 << " mm\n";
  RecordProperty("dice_liver_ircadb17", std::to_string(d));
  RecordProperty("hd95_liver_ircadb17_mm", std::to_string(hd95));
  // Measured 2026-12-06: 0.930 (1795 mL) with the split at necks, the diaphragm and the vena cava
  // steps (0.927 before); 0.940 (1847 mL) with the dome fill and the centred work grid (tumours 1
  // and 2 76 % and 85 % inside the liver, 35 % and 72 % before). The target is 0.95 (the
  // intra-hepatic vena cava, which the reference leaves out, is the largest remaining difference:
  // about 80 mL).
  EXPECT_GE(d, 0.935);
  EXPECT_NEAR(t.result.volume_ml, truth_ml, 0.10 * truth_ml);
  EXPECT_LT(t.seconds, 20.0);
}

// The TotalSegmentator example (a low-dose, non-contrast CT of the upper abdomen, 3 mm voxels, 30
// slices) against the peer tool's liver label (5): the method on a CT it was not developed on.
TEST(LiverSegmentation, TotalSegmentatorExampleAgainstThePeerToolsLiver) {
  const auto root = rfa::test::sharedTestData("totalsegmentator-example");
  RFA_SKIP_IF_MISSING(root, "totalsegmentator-example");
  const ImageVolume ct = io::loadImage(root / "example_ct_sm.nii.gz").image;
  const LabelMap labels = io::readLabelFile(root / "example_seg.nii.gz");
  ASSERT_TRUE(labels.geometry().sameGrid(ct.geometry()));
  Mask truth(labels.geometry(), 0);
  for (std::size_t n = 0; n < truth.voxelCount(); ++n) {
    truth.data()[n] = labels.data()[n] == 5 ? 1 : 0;
  }
  const double truth_ml =
      static_cast<double>(countSet(truth)) * ct.geometry().voxelVolumeMm3() / 1000.0;
  const Timed t = timedSegment(ct);
  const double d = dice(t.result.mask, truth);
  const double hd95 = hd95Mm(t.result.mask, truth);
  report("TotalSegmentator example", t, d, truth_ml);
  std::cout << "TotalSegmentator example: liver HD95 " << hd95 << " mm\n";
  RecordProperty("dice_liver_totalsegmentator_example", std::to_string(d));
  // Measured 2026-12-06: Dice 0.862, HD95 28 mm (1271 vs 1043 mL: on this unenhanced CT, 46 HU,
  // the automatic liver takes in pancreas, stomach wall and bowel of the same density next to
  // it, some as islands far from it); no target was set for this case.
  EXPECT_GE(d, 0.83);
  EXPECT_NEAR(t.result.volume_ml, truth_ml, 0.25 * truth_ml);
}

}  // namespace
}  // namespace rfa::segmentation
