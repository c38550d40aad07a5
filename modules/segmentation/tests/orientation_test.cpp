// The same anatomy stored another way (prone, feet-first, flipped columns, sagittal slices) gives
// the same segmentation in patient space: segmentCase() and the single-structure entry points run
// on one canonical storage (core/reorient.h). Copies are built at run time from the phantom and,
// when ../shared has it, from 3D-IRCADb-01 patient 17, and compared voxel for voxel in LPS.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "phantom_fixture.h"
#include "rfa/core/error.h"
#include "rfa/core/reorient.h"
#include "rfa/core/resample.h"
#include "rfa/io/input.h"
#include "rfa/segmentation/candidates.h"
#include "rfa/segmentation/case.h"
#include "rfa/segmentation/lesion.h"
#include "rfa/segmentation/liver.h"
#include "test_support.h"

namespace rfa::segmentation {
namespace {

using test::dice;

struct Storage {
  const char* name;
  AxisReorientation from_supine;  // how the copy stores the supine volume's axes
};

// Prone: rows and columns reversed (ImageOrientationPatient -1,0,0,0,-1,0). Feet-first with
// flipped columns: slices and columns reversed (a left-handed index frame). Sagittal: slices along
// x, columns along -z, rows along y.
std::vector<Storage> storages() {
  AxisReorientation prone;
  prone.reversed = {true, true, false};
  AxisReorientation feet_first_flipped;
  feet_first_flipped.reversed = {true, false, true};
  AxisReorientation sagittal;
  sagittal.source_axis = {2, 1, 0};
  sagittal.reversed = {true, false, false};
  return {{"prone", prone},
          {"feet-first, flipped columns", feet_first_flipped},
          {"sagittal", sagittal}};
}

// `copy` (on the copy's grid) compared with `supine` (on the supine grid) in patient space: both
// taken to canonical storage, where equal LPS positions have equal indices.
template <class T>
double worldDice(const Volume<T>& supine, const Volume<T>& copy, T label = 0) {
  const auto canon = [](const Volume<T>& v) {
    return reorientVolume(v, canonicalReorientation(v.geometry()));
  };
  const Volume<T> a = canon(supine);
  const Volume<T> b = canon(copy);
  EXPECT_TRUE(a.geometry().sameGrid(b.geometry(), 1e-3));
  Mask ma(a.geometry(), 0);
  Mask mb(a.geometry(), 0);
  for (std::size_t n = 0; n < a.voxelCount(); ++n) {
    ma.data()[n] = label == 0 ? (a.data()[n] != 0) : (a.data()[n] == label);
    mb.data()[n] = label == 0 ? (b.data()[n] != 0) : (b.data()[n] == label);
  }
  return dice(ma, mb);
}

void expectSameCase(const CaseSegmentation& supine, const CaseSegmentation& copy,
                    const std::string& name) {
  const double liver = worldDice(supine.liver.mask, copy.liver.mask);
  std::cout << name << ": liver Dice " << liver << " (" << supine.liver.volume_ml << " vs "
            << copy.liver.volume_ml << " mL)";
  EXPECT_GE(liver, 0.99) << name;
  EXPECT_GE(worldDice(supine.body, copy.body), 0.99) << name;
  EXPECT_GE(worldDice(supine.vessels.mask, copy.vessels.mask), 0.99) << name;
  ASSERT_EQ(supine.lesion_records.size(), copy.lesion_records.size()) << name;
  for (const LesionRecord& r : supine.lesion_records) {
    const double d = worldDice(supine.lesions, copy.lesions, static_cast<std::uint16_t>(r.label));
    std::cout << ", lesion " << r.label << " Dice " << d;
    EXPECT_GE(d, 0.99) << name << " lesion " << r.label;
    ASSERT_TRUE(r.measurement && copy.lesion_records[r.label - 1U].measurement) << name;
    const LesionMeasurement& a = *r.measurement;
    const LesionMeasurement& b = *copy.lesion_records[r.label - 1U].measurement;
    EXPECT_NEAR((a.centroid_lps - b.centroid_lps).norm(), 0.0, 0.5) << name;
    EXPECT_NEAR(a.volume_ml, b.volume_ml, 0.01 * a.volume_ml + 1e-6) << name;
  }
  std::cout << "\n";
}

TEST(Orientation, PhantomCaseIsTheSameInPatientSpaceWhateverTheStorage) {
  const phantom::Phantom& p = test::testPhantom();
  CaseSegmentationOptions o;
  for (const auto& l : p.lesion_truth) o.lesion_seeds_lps.push_back(l.center_lps);
  o.auto_lesions = true;
  const CaseSegmentation supine = segmentCase(p.ct, o);
  for (const Storage& s : storages()) {
    const ImageVolume copy = reorientVolume(p.ct, s.from_supine);
    ASSERT_FALSE(canonicalReorientation(copy.geometry()).identity()) << s.name;
    const CaseSegmentation c = segmentCase(copy, o);
    EXPECT_TRUE(c.liver.mask.geometry().sameGrid(copy.geometry())) << "results on the copy's grid";
    expectSameCase(supine, c, std::string("phantom, ") + s.name);
  }
}

TEST(Orientation, ClickAndCandidatesAreTheSameWhateverTheStorage) {
  const phantom::Phantom& p = test::testPhantom();
  const Mask liver = segmentLiver(p.ct).mask;
  const Vec3 click = p.lesion_truth.front().center_lps;
  const LesionSegmentation a = segmentLesionFromSeed(p.ct, click, {}, &liver);
  const std::vector<LesionCandidate> ca = detectLesionCandidates(p.ct, liver);
  for (const Storage& s : storages()) {
    const ImageVolume copy = reorientVolume(p.ct, s.from_supine);
    const Mask copy_liver = segmentLiver(copy).mask;
    EXPECT_GE(worldDice(liver, copy_liver), 0.99) << s.name;
    const LesionSegmentation b = segmentLesionFromSeed(copy, click, {}, &copy_liver);
    EXPECT_GE(worldDice(a.mask, b.mask), 0.99) << s.name;
    const std::vector<LesionCandidate> cb = detectLesionCandidates(copy, copy_liver);
    ASSERT_EQ(ca.size(), cb.size()) << s.name;
    for (std::size_t n = 0; n < ca.size(); ++n) {
      EXPECT_NEAR((ca[n].centroid_lps - cb[n].centroid_lps).norm(), 0.0, 0.5) << s.name;
      // The voxel lists are on the copy's grid: the same LPS positions.
      ASSERT_EQ(ca[n].voxels.size(), cb[n].voxels.size()) << s.name;
      Vec3 sum_a(0, 0, 0);
      Vec3 sum_b(0, 0, 0);
      const auto lps = [](const ImageGeometry& g, std::size_t v) {
        const Size3& z = g.size();
        return g.indexToLps(Vec3(static_cast<double>(v % z[0]),
                                 static_cast<double>((v / z[0]) % z[1]),
                                 static_cast<double>(v / (z[0] * z[1]))));
      };
      for (const std::size_t v : ca[n].voxels) sum_a += lps(p.ct.geometry(), v);
      for (const std::size_t v : cb[n].voxels) sum_b += lps(copy.geometry(), v);
      EXPECT_NEAR((sum_a - sum_b).norm() / static_cast<double>(ca[n].voxels.size()), 0.0, 1e-6)
          << s.name;
    }
  }
}

// IRCADb 17 (512 x 512 x 119, 0.743 x 0.743 x 1.6 mm): the automatic liver, its vessels and
// reference tumour 2 from a click at its reference centroid, supine and two other storages.
// (A click at tumour 1's centroid is refused in every storage: the automatic liver leaves most of
// that tumour out - an open item of the segmentation on real patients.)
TEST(Orientation, Ircadb17IsTheSameInPatientSpaceWhateverTheStorage) {
  const std::filesystem::path root = rfa::test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const ImageVolume ct = io::loadImage(root / "ct").image;
  CaseSegmentationOptions o;
  o.lesion_seeds_lps = {Vec3(206.02, 126.45, 147.56)};
  const auto t0 = std::chrono::steady_clock::now();
  const CaseSegmentation supine = segmentCase(ct, o);
  std::cout << "IRCADb 17 supine: "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s\n";
  const std::vector<Storage> all = storages();
  for (const Storage& s : {all[0], all[1]}) {
    const ImageVolume copy = reorientVolume(ct, s.from_supine);
    expectSameCase(supine, segmentCase(copy, o), std::string("IRCADb 17, ") + s.name);
  }
}

// The grid of `g` tilted by `deg` about the patient's left-right axis (an oblique axial
// acquisition), same spacing, centred on `g`'s centre and covering all of it.
ImageGeometry tiltedGrid(const ImageGeometry& g, double deg) {
  const double a = deg * M_PI / 180.0;
  Mat3 rot;
  rot << 1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a);
  const Mat3 dir = rot * g.direction();
  // Corners of `g` in the tilted frame.
  Vec3 lo = Vec3::Constant(1e300);
  Vec3 hi = Vec3::Constant(-1e300);
  for (int c = 0; c < 8; ++c) {
    const Vec3 idx((c & 1) ? static_cast<double>(g.size()[0]) - 1 : 0.0,
                   (c & 2) ? static_cast<double>(g.size()[1]) - 1 : 0.0,
                   (c & 4) ? static_cast<double>(g.size()[2]) - 1 : 0.0);
    const Vec3 q = dir.transpose() * (g.indexToLps(idx) - g.centerLps());
    lo = lo.cwiseMin(q);
    hi = hi.cwiseMax(q);
  }
  Size3 size{};
  for (int k = 0; k < 3; ++k) {
    size[static_cast<std::size_t>(k)] =
        static_cast<std::size_t>(std::ceil((hi[k] - lo[k]) / g.spacing()[k])) + 1;
  }
  const Vec3 origin = g.centerLps() + dir * lo;
  return ImageGeometry(size, g.spacing(), origin, dir);
}

// IRCADb 17 resampled (trilinear) onto a grid tilted by 20 degrees about the left-right axis (an
// oblique axial acquisition): the automatic liver and tumour 2 from its click, taken back to the
// supine grid (nearest) and compared with the supine result. The resampling itself costs agreement:
// the supine liver sent to the tilted grid and back (nearest both ways) is the floor the comparison
// is printed against.
TEST(Orientation, Ircadb17ObliqueCopyAgreesWithTheSupineResult) {
  const std::filesystem::path root = rfa::test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const ImageVolume ct = io::loadImage(root / "ct").image;
  const CaseSegmentation supine = segmentCase(ct, {});
  const ImageGeometry tilted = tiltedGrid(ct.geometry(), 20.0);
  const ImageVolume copy = resample(ct, tilted, Interpolation::kLinear, -1024.0F);
  const CaseSegmentation c = segmentCase(copy, {});
  const auto back = [&](const Mask& m) {
    return resample(m, ct.geometry(), Interpolation::kNearest, std::uint8_t{0});
  };
  const double liver = dice(supine.liver.mask, back(c.liver.mask));
  const double liver_floor =
      dice(supine.liver.mask,
           back(resample(supine.liver.mask, tilted, Interpolation::kNearest, std::uint8_t{0})));
  std::cout << "IRCADb 17 tilted 20 deg (" << tilted.describe() << "): liver Dice with the supine "
            << "result " << liver << " (resampling floor " << liver_floor << "; "
            << supine.liver.volume_ml << " vs " << c.liver.volume_ml << " mL)\n";
  // Tumour 2 from a click at its reference centroid, in each grid's own automatic liver.
  const Vec3 click(206.02, 126.45, 147.56);
  const LesionSegmentation a = segmentLesionFromSeed(ct, click, {}, &supine.liver.mask);
  // The click must succeed on the tilted copy (it was refused before oblique grids were resampled
  // to an axis-aligned one).
  const LesionSegmentation b = segmentLesionFromSeed(copy, click, {}, &c.liver.mask);
  const double lesion = dice(a.mask, back(b.mask));
  std::cout << "tumour 2 Dice with the supine result " << lesion << " (" << a.volume_ml << " vs "
            << b.volume_ml << " mL)\n";
  // Measured 2026-12-06 (docs/validation.md): liver 0.973 (floor 0.998), tumour 2 0.881; with the
  // dome fill and the centred work grid 0.963 (1847 vs 1790 mL) and 0.807: on the standard grid of
  // the tilted copy the lungs did not reach the top slice (padding), so no diaphragm and no dome
  // fill; with lungs reaching the top of the imaged body 0.975 (1810 mL) and 0.850. The target is
  // >= 0.99 (not met); these bounds keep what is reached from regressing.
  EXPECT_GE(liver, 0.97);
  EXPECT_GE(lesion, 0.83);
}

}  // namespace
}  // namespace rfa::segmentation
