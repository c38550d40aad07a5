// A click in or against the liver (segmentLesionInLiver, the path of `rfaplan segment
// --lesion-seed` and the workstation's click): a mass at the capsule that the automatic liver left
// out is segmented and the liver extended with it. IRCADb 17 through segmentCase (automatic liver,
// no reference mask given to the algorithm), read in place from ../shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <vector>

#include "phantom_fixture.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/segmentation/case.h"
#include "rfa/segmentation/distance.h"
#include "rfa/segmentation/lesion.h"
#include "test_support.h"

namespace rfa::segmentation {
namespace {

using test::dice;

Mask nonZero(const LabelMap& l, std::uint16_t label = 0) {
  Mask m(l.geometry(), 0);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) {
    m.data()[n] = label == 0 ? (l.data()[n] != 0) : (l.data()[n] == label);
  }
  return m;
}

// IRCADb 17's CT and its reference liver and tumours (read in place from ../shared).
struct Ircadb17 {
  explicit Ircadb17(const std::filesystem::path& root)
      : ct(io::loadImage(root / "ct").image),
        liver(nonZero(io::readLabelFile(root / "labels_nrrd" / "liver.nrrd"))),
        tumour1(nonZero(io::readLabelFile(root / "labels_nrrd" / "livertumor1.nrrd"))),
        tumour2(nonZero(io::readLabelFile(root / "labels_nrrd" / "livertumor2.nrrd"))) {}
  ImageVolume ct;
  Mask liver;
  Mask tumour1;
  Mask tumour2;
};

TEST(LesionInLiver, PhantomClickInsideTheLiverIsUnchanged) {
  const phantom::Phantom& p = test::testPhantom();
  Mask liver = p.liver;
  const Mask before = liver;
  const Vec3 click = p.lesion_truth.front().center_lps;
  const LesionSegmentation a = segmentLesionFromSeed(p.ct, click, {}, &before);
  const LesionSegmentation b = segmentLesionInLiver(p.ct, click, liver);
  EXPECT_TRUE(std::equal(a.mask.data().begin(), a.mask.data().end(), b.mask.data().begin()));
  // The liver already held the lesion.
  EXPECT_GE(dice(liver, before), 0.999);
}

TEST(LesionInLiver, PhantomClickFarFromTheLiverIsRefusedAsBefore) {
  const phantom::Phantom& p = test::testPhantom();
  Mask liver = p.liver;
  // A corner voxel: air outside the body, far from the liver.
  EXPECT_THROW((void)segmentLesionInLiver(p.ct, p.ct.geometry().indexToLps(Vec3(1, 1, 1)), liver),
               NoDataError);
}

// Reference tumour 1 (85.6 mL) is partly left out of the automatic liver (about half of its
// voxels), so a click at its centre used to be refused. Now the click at each centroid succeeds
// and the liver takes the tumour in; random interior clicks are measured too.
TEST(LesionInLiver, Ircadb17ClicksOnBothTumoursSucceedAndTheLiverHoldsThem) {
  const std::filesystem::path root = rfa::test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const Ircadb17 data(root);
  CaseSegmentationOptions o;
  o.lesion_seeds_lps = {Vec3(101.77, 138.39, 157.15), Vec3(206.02, 126.45, 147.56)};
  const CaseSegmentation c = segmentCase(data.ct, o);
  const double d1 = dice(nonZero(c.lesions, 1), data.tumour1);
  const double d2 = dice(nonZero(c.lesions, 2), data.tumour2);
  const double dl = dice(c.liver.mask, data.liver);
  std::cout << "IRCADb 17 clicks at the reference centroids: tumour 1 Dice " << d1 << " (HD95 "
            << test::hd95Mm(nonZero(c.lesions, 1), data.tumour1) << " mm), tumour 2 Dice " << d2
            << " (HD95 " << test::hd95Mm(nonZero(c.lesions, 2), data.tumour2) << " mm); liver Dice "
            << dl << " (" << c.liver.volume_ml << " mL, reference 1860.6 mL)\n";
  // Measured 2026-12-06: tumour 1 0.736 (refused before), tumour 2 0.671 (the same as before: its
  // click lies inside the automatic liver), liver 0.939 (0.927 before: tumour 1 now in it). With
  // the liver that stops at its neighbours (split at necks, below the diaphragm, no vena cava):
  // tumour 1 0.736, tumour 2 0.634 (the liver lost a rim next to it), liver 0.943. The targets
  // (median Dice >= 0.80 per tumour) are not met; these bounds keep what is reached. With the dome
  // fill and the centred work grid (the automatic liver holds 76 % of tumour 1 and 85 % of tumour
  // 2): tumour 1 0.550 (the click is now inside the liver, so the growth stays in it and misses the
  // part left out), tumour 2 0.735, liver 0.940. Since the mass grown beyond the liver replaces
  // the one grown inside it when it is the same mass (same_mass.h): tumour 1 0.736, tumour 2
  // 0.735, liver 0.945.
  EXPECT_GE(d1, 0.70);
  EXPECT_GE(d2, 0.70);
  EXPECT_GE(dl, 0.94);

  // Ten random interior clicks per tumour (>= 3 mm inside the reference), each on the automatic
  // liver alone (as the workstation's click after the automatic segmentation).
  const CaseSegmentation base = segmentCase(data.ct, {});
  std::mt19937 rng(17);
  for (const auto& [name, ref] :
       {std::pair{"tumour 1", &data.tumour1}, std::pair{"tumour 2", &data.tumour2}}) {
    Mask outside(ref->geometry(), 0);
    for (std::size_t n = 0; n < outside.voxelCount(); ++n) outside.data()[n] = ref->data()[n] == 0;
    const Volume<float> sq = squaredDistanceMm2(outside);  // to the nearest voxel outside
    std::vector<std::size_t> deep;
    for (std::size_t n = 0; n < sq.voxelCount(); ++n) {
      if (sq.data()[n] >= 9.0F) deep.push_back(n);
    }
    ASSERT_FALSE(deep.empty());
    std::vector<double> dices;
    int refused = 0;
    for (int t = 0; t < 10; ++t) {
      const std::size_t v =
          deep[std::uniform_int_distribution<std::size_t>(0, deep.size() - 1)(rng)];
      const Size3& z = data.ct.geometry().size();
      const Vec3 click = data.ct.geometry().indexToLps(
          Vec3(static_cast<double>(v % z[0]), static_cast<double>((v / z[0]) % z[1]),
               static_cast<double>(v / (z[0] * z[1]))));
      Mask liver = base.liver.mask;
      try {
        dices.push_back(dice(segmentLesionInLiver(data.ct, click, liver).mask, *ref));
      } catch (const Error& e) {
        ++refused;
        std::cout << name << ": click " << click.transpose() << " refused: " << e.what() << "\n";
      }
    }
    std::sort(dices.begin(), dices.end());
    const double median = dices.empty() ? 0.0 : dices[dices.size() / 2];
    std::cout << name << ": " << dices.size()
              << " of 10 random interior clicks segmented, median Dice " << median << " (min "
              << (dices.empty() ? 0.0 : dices.front()) << ")\n";
    // Measured: tumour 1 8 of 10 (median Dice 0.27), tumour 2 9 of 10 (median 0.64); with the dome
    // fill tumour 1 8 of 10 (median 0.51), tumour 2 9 of 10 (median 0.73); with the mass grown
    // beyond the liver, tumour 1 median 0.52 (most of its clicks grow > 2x beyond it: refused as
    // leaks), tumour 2 unchanged. The target
    // is every click with median Dice >= 0.80 (not met: docs/validation.md).
    EXPECT_LE(refused, 2) << name;
  }
}

// `rfaplan segment --auto-lesions` on IRCADb 17 (automatic liver, automatic candidates, nothing
// given): each reference tumour is matched to the candidate that overlaps it most.
TEST(LesionInLiver, Ircadb17AutomaticCandidatesFindBothTumours) {
  const std::filesystem::path root = rfa::test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const Ircadb17 data(root);
  CaseSegmentationOptions o;
  o.auto_lesions = true;
  const CaseSegmentation c = segmentCase(data.ct, o);
  ASSERT_FALSE(c.lesion_records.empty());
  std::vector<double> best(2, 0.0);
  std::vector<bool> best_confident(2, false);
  for (const LesionRecord& r : c.lesion_records) {
    const Mask m = nonZero(c.lesions, static_cast<std::uint16_t>(r.label));
    std::size_t in_liver = 0;
    std::size_t count = 0;
    for (std::size_t n = 0; n < m.voxelCount(); ++n) {
      if (m.data()[n] == 0) continue;
      ++count;
      in_liver += data.liver.data()[n] != 0 ? 1 : 0;
    }
    // No candidate outside the reference liver: most of each lies in it.
    EXPECT_GE(static_cast<double>(in_liver), 0.5 * static_cast<double>(count))
        << "candidate " << r.label << ": " << r.triage;
    const double d[2] = {dice(m, data.tumour1), dice(m, data.tumour2)};
    for (std::size_t t = 0; t < 2; ++t) {
      if (d[t] > best[t]) {
        best[t] = d[t];
        best_confident[t] = r.confident;
      }
    }
  }
  std::cout << "IRCADb 17 automatic candidates: " << c.lesion_records.size()
            << "; best Dice with tumour 1 " << best[0] << (best_confident[0] ? " (confident)" : "")
            << ", tumour 2 " << best[1] << (best_confident[1] ? " (confident)" : "") << "\n";
  // Measured 2026-12-06 with the dome fill and the centred work grid: 6 candidates, tumour 1 0.554
  // and tumour 2 0.721, both confident; the other 4 are hyperdense 4-5 mm spots, to review (before
  // the dome fill: tumour 1 not found, tumour 2 0.59 to review). The target is >= 0.70 for each
  // (tumour 1 NOT met: heterogeneous and calcified, a quarter of it outside the automatic liver).
  // Since a hypodense candidate is also grown from its seed beyond the liver and kept when it is
  // the same mass (same_mass.h): tumour 1 0.758, tumour 2 0.721: both met.
  EXPECT_GE(best[0], 0.70);
  EXPECT_GE(best[1], 0.70);
}

}  // namespace
}  // namespace rfa::segmentation
