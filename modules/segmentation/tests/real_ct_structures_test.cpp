// Body, bone and vessels on real CT: 3D-IRCADb-01 patient 17 against its reference masks
// (masks_dicom_other_organs.tar.xz: skin, bone, portal vein, venous system, artery), extracted to a
// temporary folder and read in place otherwise; skipped when ../shared is absent. The references
// are manual outlines: "skin" is the body region, vessels are lumen outlines.
#include <gtest/gtest.h>

#include <iostream>

#include "phantom_fixture.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/vessels.h"
#include "test_support.h"

namespace rfa::segmentation {
namespace {

struct Reference {
  ImageVolume ct;
  Mask liver, skin, bone, veins, artery;
};

Mask nonZero(const ImageVolume& v) {
  Mask m(v.geometry(), 0);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) m.data()[n] = v.data()[n] > 0 ? 1 : 0;
  return m;
}

const Reference* reference() {
  static const std::unique_ptr<Reference> ref = []() -> std::unique_ptr<Reference> {
    const std::filesystem::path root = rfa::test::sharedTestData("ircadb1-17");
    const std::filesystem::path tar = root / "masks_dicom_other_organs.tar.xz";
    if (!std::filesystem::exists(tar) || !rfa::test::haveProgram("tar")) return nullptr;
    static rfa::test::TempDir dir;
    const rfa::test::RunResult r =
        rfa::test::run({"tar", "-xJf", tar.string(), "-C", dir.path().string()});
    if (r.exit_code != 0) return nullptr;
    auto out = std::make_unique<Reference>();
    out->ct = io::loadImage(root / "ct").image;
    const LabelMap liver = io::readLabelFile(root / "labels_nrrd" / "liver.nrrd");
    out->liver = Mask(liver.geometry(), 0);
    for (std::size_t n = 0; n < out->liver.voxelCount(); ++n) {
      out->liver.data()[n] = liver.data()[n] != 0 ? 1 : 0;
    }
    out->skin = nonZero(io::loadImage(dir / "skin").image);
    out->bone = nonZero(io::loadImage(dir / "bone").image);
    const Mask portal = nonZero(io::loadImage(dir / "portalvein").image);
    out->veins = nonZero(io::loadImage(dir / "venoussystem").image);
    for (std::size_t n = 0; n < portal.voxelCount(); ++n) out->veins.data()[n] |= portal.data()[n];
    out->artery = nonZero(io::loadImage(dir / "artery").image);
    return out;
  }();
  return ref.get();
}

#define RFA_SKIP_WITHOUT_IRCADB()                                                                \
  do {                                                                                           \
    if (reference() == nullptr) GTEST_SKIP() << "ircadb1-17 reference masks absent (or no tar)"; \
  } while (0)

double fraction(const Mask& a, const Mask& within) {
  std::size_t n = 0;
  std::size_t in = 0;
  for (std::size_t v = 0; v < a.voxelCount(); ++v) {
    if (a.data()[v] == 0) continue;
    ++n;
    in += within.data()[v];
  }
  return n == 0 ? 0.0 : static_cast<double>(in) / static_cast<double>(n);
}

TEST(IrcadbStructures, BodyAndBoneAgreeWithTheReference) {
  RFA_SKIP_WITHOUT_IRCADB();
  const Reference& r = *reference();
  const Mask body = segmentBody(r.ct);
  const Mask bone = segmentBone(r.ct, body);
  const double body_dice = test::dice(body, r.skin);
  const double bone_dice = test::dice(bone, r.bone);
  std::cout << "IRCADb 17: body Dice " << body_dice << ", bone Dice " << bone_dice
            << " (bone precision " << fraction(bone, dilate(r.bone, 1.5))
            << " within 1.5 mm, recall " << fraction(r.bone, dilate(bone, 1.5)) << ")\n";
  // Issue 3 sets no figure here; these guard the measured values (docs/validation.md): body 0.998,
  // bone 0.74 (the reference includes marrow and cartilage below our cortical threshold).
  EXPECT_GE(body_dice, 0.99);
  EXPECT_GE(bone_dice, 0.70);
}

TEST(IrcadbStructures, VesselsInTheLiverAreTheReferenceVeins) {
  RFA_SKIP_WITHOUT_IRCADB();
  const Reference& r = *reference();
  const VesselSegmentation v = segmentVessels(r.ct, r.liver);
  // Reference veins (portal + hepatic/caval) inside the liver, and all reference vessels grown by
  // 1.5 mm (outlines differ by a voxel or two).
  Mask ref_in_liver = r.veins;
  for (std::size_t n = 0; n < ref_in_liver.voxelCount(); ++n) {
    ref_in_liver.data()[n] &= r.liver.data()[n];
  }
  Mask any_ref = r.veins;
  for (std::size_t n = 0; n < any_ref.voxelCount(); ++n) any_ref.data()[n] |= r.artery.data()[n];
  const Mask near_ref = dilate(any_ref, 1.5);
  const double precision_large = fraction(v.large, near_ref);
  const double precision_all = fraction(v.mask, near_ref);
  const double recall = fraction(ref_in_liver, dilate(v.mask, 1.5));
  const double recall_large_lumen = fraction(ref_in_liver, dilate(v.large, 1.5));
  Mask large_in_liver = v.large;
  for (std::size_t n = 0; n < large_in_liver.voxelCount(); ++n) {
    large_in_liver.data()[n] &= r.liver.data()[n];
  }
  const double precision_large_in_liver = fraction(large_in_liver, near_ref);
  std::cout << "  >= 3 mm vessel voxels in the liver: precision " << precision_large_in_liver
            << "; share of >= 3 mm voxels in the liver " << fraction(v.large, r.liver) << "\n";
  std::cout << "IRCADb 17 vessels: " << v.voxel_count << " voxels; precision (within 1.5 mm of a "
            << "reference vessel) all " << precision_all << ", >= 3 mm " << precision_large
            << "; recall of the reference veins in the liver " << recall << " (by >= 3 mm vessels "
            << recall_large_lumen << ")\n";
  // Guards of the measured values (docs/validation.md): in the liver, 0.73 of the >= 3 mm vessel
  // voxels lie within 1.5 mm of a reference vessel, and 0.89 of the reference veins are found.
  EXPECT_GE(precision_large_in_liver, 0.65);
  EXPECT_GE(recall, 0.80);
}

}  // namespace
}  // namespace rfa::segmentation
