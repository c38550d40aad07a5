// Multi-atlas liver (atlas_liver.h): mechanics on synthetic bodies with exact answers, and the
// ten CHAOS T2 livers of ../shared left out one at a time (read in place; skipped when absent).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rfa/atlas/atlas_liver.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "test_support.h"

namespace rfa::atlas {
namespace {

double dice(const Mask& a, const Mask& b) {
  std::size_t both = 0;
  std::size_t sum = 0;
  const auto x = a.data();
  const auto y = b.data();
  for (std::size_t v = 0; v < x.size(); ++v) {
    both += (x[v] != 0 && y[v] != 0) ? 1 : 0;
    sum += (x[v] != 0 ? 1 : 0) + (y[v] != 0 ? 1 : 0);
  }
  return sum == 0 ? 0.0 : 2.0 * static_cast<double>(both) / static_cast<double>(sum);
}

// A synthetic abdomen on a 2.5 mm grid (LPS mm, centred on 0): an elliptic body holding a liver on
// the patient's right (-x), a brighter spleen on the left and a spine behind; every structure's
// centre and size is scaled by `scale` and moved by `shift_mm`, intensities multiplied by `gain`,
// plus deterministic noise. The liver mask is exact (voxel centres inside its ellipsoid).
struct Synthetic {
  ImageVolume image;
  Mask liver;
};

bool inEllipsoid(const Vec3& p, const Vec3& c, const Vec3& r) {
  const Vec3 d = (p - c).cwiseQuotient(r);
  return d.squaredNorm() <= 1.0;
}

Synthetic syntheticAbdomen(double scale, const Vec3& shift_mm, float gain) {
  const ImageGeometry g({120, 100, 60}, Vec3(2.5, 2.5, 2.5), Vec3(-148.75, -123.75, -73.75));
  Synthetic s{ImageVolume(g, 0.0F), Mask(g, 0)};
  const auto at = [&](double x, double y, double z) -> Vec3 {
    return Vec3(x, y, z) * scale + shift_mm;
  };
  const auto size = [&](double x, double y, double z) -> Vec3 { return Vec3(x, y, z) * scale; };
  const Vec3 body_c = at(0, 0, 0);
  const Vec3 body_r = size(130, 95, 90);
  const Vec3 spleen_c = at(70, 25, 15);
  const Vec3 spleen_r = size(25, 30, 35);
  const Vec3 spine_c = at(0, 60, 0);
  const Vec3 spine_r = size(18, 18, 200);
  const Vec3 liver_c = at(-50, -15, 15);
  const Vec3 liver_r = size(60, 50, 45);
  std::uint32_t noise = 12345;
  for (std::size_t k = 0; k < 60; ++k) {
    for (std::size_t j = 0; j < 100; ++j) {
      for (std::size_t i = 0; i < 120; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        float v = 0.0F;
        if (inEllipsoid(p, body_c, body_r)) v = 100.0F;
        if (inEllipsoid(p, spleen_c, spleen_r)) v = 260.0F;
        if (inEllipsoid(p, spine_c, spine_r)) v = 400.0F;
        if (inEllipsoid(p, liver_c, liver_r)) {
          v = 200.0F;
          s.liver(i, j, k) = 1;
        }
        noise = noise * 1664525U + 1013904223U;
        const float n = static_cast<float>(noise >> 8U) / static_cast<float>(1U << 24U) - 0.5F;
        s.image(i, j, k) = gain * (v + (v > 0 ? 20.0F * n : 2.0F * n));
      }
    }
  }
  return s;
}

double volumeMl(const Mask& m) {
  std::size_t n = 0;
  for (const auto v : m.data()) n += v != 0 ? 1 : 0;
  return static_cast<double>(n) * m.geometry().voxelVolumeMm3() / 1000.0;
}

TEST(AtlasLiver, SyntheticAtlasesOfOtherSizesPositionsAndScalesFindTheLiver) {
  const Synthetic target = syntheticAbdomen(1.0, Vec3::Zero(), 1.0F);
  std::vector<Atlas> atlases;
  const double scales[] = {0.9, 1.1, 1.0};
  const Vec3 shifts[] = {Vec3(8, -6, 5), Vec3(-6, 5, -8), Vec3(0, 8, 6)};
  const float gains[] = {0.7F, 1.4F, 1.0F};
  for (int a = 0; a < 3; ++a) {
    Synthetic s = syntheticAbdomen(scales[a], shifts[a], gains[a]);
    atlases.push_back({"synthetic " + std::to_string(a), std::move(s.image), std::move(s.liver)});
  }
  AtlasLiverOptions o;
  o.modality = segmentation::Modality::kMR;  // any units: body from the background threshold
  const AtlasLiverSegmentation r = segmentLiverWithAtlases(target.image, atlases, o);
  ASSERT_TRUE(r.mask.geometry().sameGrid(target.image.geometry()));
  const double d = dice(r.mask, target.liver);
  std::cout << "synthetic: liver Dice " << d << ", " << r.volume_ml << " mL (truth "
            << volumeMl(target.liver) << " mL), " << r.seconds << " s\n";
  EXPECT_GE(d, 0.95);
  EXPECT_NEAR(r.volume_ml, volumeMl(target.liver), 0.05 * volumeMl(target.liver));
  ASSERT_EQ(r.atlases.size(), 3U);
  // The mapped atlas livers are the target's size (the atlases' own differ by -27 % / +33 %).
  for (const AtlasRun& run : r.atlases) {
    EXPECT_NEAR(run.mapped_liver_ml, volumeMl(target.liver), 0.1 * volumeMl(target.liver))
        << run.name;
    // The start kept is one of those tried (0 or a shift of AtlasLiverOptions::start_shifts_mm).
    const auto& tried = o.start_shifts_mm;
    EXPECT_TRUE(run.start_shift_mm == 0.0 ||
                std::find(tried.begin(), tried.end(), run.start_shift_mm) != tried.end())
        << run.name << ": " << run.start_shift_mm;
  }
  // Deterministic: one worker thread (RFA_THREADS=1) gives the same bits.
  const AtlasLiverSegmentation serial = [&] {
    const rfa::test::ScopedEnv one_thread("RFA_THREADS", "1");
    return segmentLiverWithAtlases(target.image, atlases, o);
  }();
  EXPECT_TRUE(
      std::equal(serial.vote.data().begin(), serial.vote.data().end(), r.vote.data().begin()));
  // Without local weighting (one vote per atlas) the same liver is found.
  o.local_weighting = false;
  EXPECT_GE(dice(segmentLiverWithAtlases(target.image, atlases, o).mask, target.liver), 0.95);
}

TEST(AtlasLiver, BadInputsGiveClearErrors) {
  const Synthetic target = syntheticAbdomen(1.0, Vec3::Zero(), 1.0F);
  EXPECT_THROW(segmentLiverWithAtlases(target.image, {}), UsageError);
  std::vector<Atlas> one{{"a", target.image, target.liver}};
  AtlasLiverOptions bad;
  bad.possible_fraction = 0.8;  // above sure_fraction
  EXPECT_THROW(segmentLiverWithAtlases(target.image, one, bad), UsageError);
  bad = AtlasLiverOptions{};
  bad.start_screen_iterations = -1;
  EXPECT_THROW(segmentLiverWithAtlases(target.image, one, bad), UsageError);
  bad = AtlasLiverOptions{};
  bad.start_shifts_mm = {20.0, std::numeric_limits<double>::infinity()};
  EXPECT_THROW(segmentLiverWithAtlases(target.image, one, bad), UsageError);
  one[0].liver = Mask(ImageGeometry({10, 10, 10}, Vec3(1, 1, 1), Vec3::Zero()), 1);
  EXPECT_THROW(segmentLiverWithAtlases(target.image, one), GeometryError);

  const rfa::test::TempDir tmp;
  const std::filesystem::path dir = tmp / "atlases";
  EXPECT_THROW(readAtlasFolder(dir / "missing"), NotFoundError);
  std::filesystem::create_directories(dir);
  EXPECT_THROW(readAtlasFolder(dir), NotFoundError);  // no pair
  io::writeVolumeFile(dir / "image_7.nrrd", target.image);
  io::writeVolumeFile(dir / "label_7.nrrd", Mask(target.image.geometry(), 0));
  EXPECT_THROW(readAtlasFolder(dir), NoDataError);  // no liver voxel
  io::writeVolumeFile(dir / "label_7.nrrd", target.liver);
  io::writeVolumeFile(dir / "image_10.nrrd", target.image);  // no label: not an atlas
  const std::vector<Atlas> read = readAtlasFolder(dir);
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0].name, "image_7.nrrd");
  EXPECT_EQ(dice(read[0].liver, target.liver), 1.0);
  EXPECT_THROW(readAtlasFolder(dir, 1, {"7"}), NotFoundError);  // the only pair left out
}

const std::vector<std::string> kChaosIds = {"1", "2", "3", "5", "8", "10", "13", "15", "19", "20"};

TEST(AtlasLiver, ChaosT2LeaveOneOut) {
  const auto root = rfa::test::sharedTestData("chaos-mr-t2");
  RFA_SKIP_IF_MISSING(root, "chaos-mr-t2");
  std::vector<std::string> targets = kChaosIds;
  if (const char* only = std::getenv("RFA_ATLAS_TARGETS")) {
    targets.clear();
    std::stringstream ss(only);
    for (std::string id; std::getline(ss, id, ',');) targets.push_back(id);
  }
  std::vector<double> dices;
  double slowest_s = 0;
  for (const std::string& id : targets) {
    const ImageVolume mr = io::loadImage(root / ("image_" + id + ".nii.gz")).image;
    const LabelMap labels = io::readLabelFile(root / ("label_" + id + ".nii.gz"));
    Mask truth(labels.geometry(), 0);
    for (std::size_t v = 0; v < truth.voxelCount(); ++v) {
      truth.data()[v] = labels.data()[v] == 1 ? 1 : 0;
    }
    const std::vector<Atlas> atlases = readAtlasFolder(root, 1, {id});
    ASSERT_EQ(atlases.size(), kChaosIds.size() - 1);
    AtlasLiverOptions o;
    o.modality = segmentation::Modality::kMR;
    const AtlasLiverSegmentation s = segmentLiverWithAtlases(mr, atlases, o);
    const double d = dice(s.mask, truth);
    dices.push_back(d);
    slowest_s = std::max(slowest_s, s.seconds);
    std::cout << "CHAOS T2 " << std::setw(2) << id << " (atlases: the other 9): liver Dice "
              << std::fixed << std::setprecision(3) << d << ", " << std::setprecision(0)
              << s.volume_ml << " mL, " << std::setprecision(1) << s.seconds << " s\n";
  }
  ASSERT_FALSE(dices.empty());
  std::sort(dices.begin(), dices.end());
  const std::size_t n = dices.size();
  const double median = n % 2 == 1 ? dices[n / 2] : 0.5 * (dices[n / 2 - 1] + dices[n / 2]);
  std::cout << "CHAOS T2 multi-atlas (leave one out): median liver Dice " << std::setprecision(3)
            << median << ", min " << dices.front() << "; slowest " << std::setprecision(1)
            << slowest_s << " s\n";
  RecordProperty("chaos_t2_atlas_median_dice", std::to_string(median));
  if (targets.size() != kChaosIds.size()) return;  // a subset (RFA_ATLAS_TARGETS): figures only
  // Measured 2026-12-06 (9 atlases each, locally weighted vote, affine starts shifted by 0 and
  // +-20/+-40 mm in z and chosen by the homogeneity of the mapped liver): median 0.856, min 0.725
  // (case 3). From the centroid start only: median 0.851, min 0.579 (case 15, whose field of
  // view sits ~3 cm lower: every atlas landed a slice or more too high); one vote per atlas
  // gave median 0.835, min 0.542; the intensity model alone (liver.h) 0.785, min 0.003.
  // Targets (issue 18): median >= 0.85 and none below 0.70, both met.
  EXPECT_GE(median, 0.85);
  EXPECT_GE(dices.front(), 0.70);
}

}  // namespace
}  // namespace rfa::atlas
