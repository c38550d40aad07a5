// The steps that stop the liver at its neighbours (liver_internal.h), on shapes with known
// answers: two organs joined by a bridge (splitAtNecks), a tube hanging from an organ
// (withoutVerticalTubes), lungs over a diaphragm with a heart between them (belowDiaphragm); and
// the whole case on the phantom with its neighbour organs painted.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <iostream>

#include "../src/liver_internal.h"
#include "phantom_fixture.h"
#include "rfa/core/volume.h"
#include "rfa/phantom/phantom.h"
#include "rfa/segmentation/case.h"
#include "rfa/segmentation/liver.h"

namespace rfa::segmentation::liver_detail {
namespace {

// A 2 mm grid, LPS axis-aligned (canonical storage: k runs to patient superior).
Mask grid(std::size_t nx, std::size_t ny, std::size_t nz, double dz = 2.0) {
  return Mask(ImageGeometry({nx, ny, nz}, Vec3(2, 2, dz), Vec3::Zero()), 0);
}

// Sets the voxels within `r` mm of `c` (voxel index units scaled by the spacing).
void ball(Mask& m, const Vec3& c_mm, double r) {
  const Size3& s = m.size();
  const Vec3 sp = m.geometry().spacing();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const Vec3 p(static_cast<double>(i) * sp.x(), static_cast<double>(j) * sp.y(),
                     static_cast<double>(k) * sp.z());
        if ((p - c_mm).norm() <= r) m(i, j, k) = 1;
      }
    }
  }
}

std::size_t count(const Mask& m) {
  std::size_t n = 0;
  for (const auto v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

TEST(LiverNeighbours, TwoOrgansJoinedByABridgeAreSplitAtTheBridge) {
  Mask m = grid(80, 40, 40);
  ball(m, Vec3(40, 40, 40), 30);   // "liver", depth 30 mm
  ball(m, Vec3(120, 40, 40), 20);  // "spleen", depth 20 mm
  // A bridge 8 mm across (depth 4 mm) between them.
  for (std::size_t i = 30; i < 52; ++i) {
    for (std::size_t j = 18; j < 22; ++j) {
      for (std::size_t k = 18; k < 22; ++k) m(i, j, k) = 1;
    }
  }
  const ComponentLabels l = splitAtNecks(m, 0.4, 4.0);
  ASSERT_EQ(l.count(), 2U);
  EXPECT_NE(l.labels(20, 20, 20), l.labels(60, 20, 20));
  EXPECT_EQ(l.labels(20, 20, 20), 1);  // the larger region first
  // The cut lies in the bridge: every voxel within the spleen ball is the spleen's.
  EXPECT_EQ(l.labels(52, 20, 20), l.labels(60, 20, 20));
}

TEST(LiverNeighbours, ABroadWaistStaysOneRegion) {
  Mask m = grid(80, 40, 40);
  ball(m, Vec3(50, 40, 40), 28);
  ball(m, Vec3(85, 40, 40), 22);  // overlapping: a waist about 35 mm across
  const ComponentLabels l = splitAtNecks(m, 0.4, 4.0);
  EXPECT_EQ(l.count(), 1U);
}

TEST(LiverNeighbours, AVerticalTubeLeavingTheOrganIsDropped) {
  Mask m = grid(60, 60, 60);
  ball(m, Vec3(60, 60, 80), 36);  // organ, 72 mm across, its bottom at z = 44 mm
  // A tube 20 mm across from the bottom of the grid up into the organ (z 0..60 mm).
  for (std::size_t k = 0; k < 30; ++k) {
    for (std::size_t j = 0; j < 60; ++j) {
      for (std::size_t i = 0; i < 60; ++i) {
        const double dx = static_cast<double>(i) * 2 - 80;
        const double dy = static_cast<double>(j) * 2 - 60;
        if (std::hypot(dx, dy) <= 10) m(i, j, k) = 1;
      }
    }
  }
  const Mask out = withoutVerticalTubes(m, 1200, 30, 1.8, 0.5);
  EXPECT_EQ(out(40, 30, 2), 0);  // the tube far below the organ is gone
  EXPECT_EQ(out(40, 30, 12), 0);
  EXPECT_EQ(out(30, 30, 40), 1);  // the organ stays whole
  Mask organ = grid(60, 60, 60);
  ball(organ, Vec3(60, 60, 80), 36);
  const Mask organ_out = withoutVerticalTubes(organ, 1200, 30, 1.8, 0.5);
  EXPECT_EQ(count(organ_out), count(organ));  // its own tip shrinks slice by slice: kept
}

TEST(LiverNeighbours, NothingAboveTheDiaphragmOrInTheMediastinum) {
  // Body: the whole grid at soft tissue (0 HU); lungs: two air blocks (-900 HU) in the top half,
  // right (i < 30) and left (i >= 50), reaching the top slice; between them (i 30..49) the
  // mediastinum. The lungs' bases lie at slice 30 on the right and 24 on the left.
  const ImageGeometry g({80, 40, 60}, Vec3(2, 2, 2), Vec3::Zero());
  ImageVolume ct(g, 0.0F);
  Mask body(g, 1);
  for (std::size_t k = 0; k < 60; ++k) {
    for (std::size_t j = 0; j < 40; ++j) {
      for (std::size_t i = 0; i < 80; ++i) {
        if ((i < 30 && k >= 30) || (i >= 50 && k >= 24)) ct(i, j, k) = -900.0F;
      }
    }
  }
  const Mask allowed = belowDiaphragm(ct, body, 4.0, 160.0);
  EXPECT_EQ(allowed(10, 20, 30), 1);  // the lowest lung slice, right: within the tolerance
  EXPECT_EQ(allowed(10, 20, 32), 1);
  EXPECT_EQ(allowed(10, 20, 33), 0);  // 6 mm above the right base
  EXPECT_EQ(allowed(10, 20, 10), 1);  // below the right base
  EXPECT_EQ(allowed(60, 20, 27), 0);  // above the left base (24) + 4 mm
  // Mediastinum at i = 40: base interpolated between 30 (i = 29) and 24 (i = 50): about 27.
  EXPECT_EQ(allowed(40, 20, 26), 1);
  EXPECT_EQ(allowed(40, 20, 40), 0);  // the heart
  // A CT without lungs at its top: nothing excluded.
  const ImageVolume soft(g, 0.0F);
  EXPECT_EQ(count(belowDiaphragm(soft, body, 4.0, 160.0)), g.voxelCount());
  // The same lungs under 6 slices of padding outside the body (the top of an oblique series on the
  // standard grid): they reach the top of the imaged body, so they are still lungs.
  const ImageGeometry tall({80, 40, 66}, Vec3(2, 2, 2), Vec3::Zero());
  ImageVolume padded(tall, -1000.0F);
  Mask padded_body(tall, 0);
  for (std::size_t k = 0; k < 60; ++k) {
    for (std::size_t j = 0; j < 40; ++j) {
      for (std::size_t i = 0; i < 80; ++i) {
        padded(i, j, k) = ct(i, j, k);
        padded_body(i, j, k) = 1;
      }
    }
  }
  const Mask padded_allowed = belowDiaphragm(padded, padded_body, 4.0, 160.0);
  EXPECT_EQ(padded_allowed(10, 20, 32), 1);
  EXPECT_EQ(padded_allowed(10, 20, 33), 0);
  EXPECT_EQ(padded_allowed(60, 20, 27), 0);
  // Gas with tissue above it (bowel, stomach) is not a lung: nothing excluded.
  ImageVolume gas(g, 0.0F);
  for (std::size_t k = 20; k < 30; ++k) {
    for (std::size_t j = 10; j < 30; ++j) {
      for (std::size_t i = 10; i < 30; ++i) gas(i, j, k) = -900.0F;
    }
  }
  EXPECT_EQ(count(belowDiaphragm(gas, body, 4.0, 160.0)), g.voxelCount());
}

TEST(LiverNeighbours, ALesionAtTheDomeJoinsTheLiverTheDiaphragmHeartAndBodyWallDoNot) {
  // Liver (100 HU) in slices 0..19 of a 2 mm grid; lung (-800 HU) from slice 30 up, except where
  // said; `below` (the diaphragm step) ends 2 slices above each column's lung.
  const ImageGeometry g({40, 40, 40}, Vec3(2, 2, 2), Vec3::Zero());
  ImageVolume ct(g, -800.0F);
  Mask liver(g, 0);
  Mask below(g, 0);
  const auto in = [](std::size_t v, std::size_t lo, std::size_t hi) { return v >= lo && v <= hi; };
  for (std::size_t j = 0; j < 40; ++j) {
    for (std::size_t i = 0; i < 40; ++i) {
      std::size_t lung = 30;
      for (std::size_t k = 0; k < 20; ++k) {
        ct(i, j, k) = 100.0F;
        liver(i, j, k) = 1;
      }
      if (in(i, 10, 29) && in(j, 10, 29)) {  // A: a 40 mm wide lesion (60 HU) at the dome
        for (std::size_t k = 20; k < 30; ++k) ct(i, j, k) = 60.0F;
      } else if (in(i, 34, 35) && in(j, 10, 29)) {  // C: a 4 mm wide strip of muscle (50 HU)
        for (std::size_t k = 20; k < 30; ++k) ct(i, j, k) = 50.0F;
      } else if (in(i, 2, 6) && in(j, 10, 29)) {  // D: tissue, then blood (heart) under the lung
        for (std::size_t k = 20; k < 26; ++k) ct(i, j, k) = 60.0F;
        for (std::size_t k = 26; k < 30; ++k) ct(i, j, k) = 200.0F;
      } else {  // B: the liver reaches the diaphragm (4 mm of muscle) and the lung
        for (std::size_t k = 20; k < 22; ++k) ct(i, j, k) = 50.0F;
        lung = 22;
      }
      for (std::size_t k = 0; k < 40; ++k) below(i, j, k) = k < lung + 2 ? 1 : 0;
      if (in(i, 10, 29) && in(j, 32, 38)) {  // E: a gap of lesion between liver layers
        for (std::size_t k = 8; k < 12; ++k) {
          ct(i, j, k) = 60.0F;
          liver(i, j, k) = 0;
        }
      }
      if (in(i, 10, 29) && in(j, 2, 6)) {  // F: a gap of fat between liver layers
        for (std::size_t k = 8; k < 12; ++k) {
          ct(i, j, k) = -100.0F;
          liver(i, j, k) = 0;
        }
      }
    }
  }
  ColumnFillOptions o;
  o.max_hu = 130.0F;
  const Mask out = fillLiverColumns(liver, ct, below, o);
  // A: filled from the liver up to 4 mm (the diaphragm) under the lung: slices 20..27.
  EXPECT_EQ(out(20, 20, 20), 1);
  EXPECT_EQ(out(20, 20, 27), 1);
  EXPECT_EQ(out(20, 20, 28), 0);
  EXPECT_EQ(out(10, 10, 25), 1);  // up to the lesion's edge
  EXPECT_EQ(out(20, 20, 30), 0);  // never the lung
  EXPECT_EQ(out(30, 20, 20), 0);  // B: the diaphragm over the liver is not liver
  EXPECT_EQ(out(34, 20, 22), 0);  // C: a strip narrower than min_width_mm
  EXPECT_EQ(out(4, 20, 22), 0);   // D: the run ends at blood, not at the lung
  EXPECT_EQ(out(20, 35, 9), 1);   // E: the lesion between liver layers
  EXPECT_EQ(out(20, 4, 9), 0);    // F: not fat
  // Exactly A (20 x 20 columns x 8 slices) and E (20 x 7 x 4) were added.
  EXPECT_EQ(count(out) - count(liver), 20U * 20U * 8U + 20U * 7U * 4U);
  // Off: the liver's top in every column is left as it was when no lung lies above.
  const Mask whole(g, 1);
  ImageVolume no_lung = ct;
  for (float& v : no_lung.data()) v = v < -500.0F ? 50.0F : v;
  EXPECT_EQ(count(fillLiverColumns(liver, no_lung, whole, o)), count(liver) + 20U * 7U * 4U);
}

}  // namespace
}  // namespace rfa::segmentation::liver_detail

// The whole case on the phantom with its neighbours painted (PhantomOptions::neighbours: heart
// above the dome, spleen joined by a bridge, kidney, vena cava, aorta, stomach and bowel with oral
// contrast, all near the liver's intensity), against the exact truth.
namespace rfa::segmentation {
namespace {

TEST(LiverNeighboursPhantom, LiverStopsAtTheOrgansAroundItAndOnlyLesionsAreConfident) {
  for (const bool neighbours : {false, true}) {
    phantom::PhantomOptions o;
    o.size = {192, 192, 80};
    o.spacing_mm = Vec3(2, 2, 2.5);
    o.lesions = 4;
    o.seed = 2;
    o.neighbours = neighbours;
    const phantom::Phantom p = phantom::generatePhantom(o);
    CaseSegmentationOptions co;
    co.auto_lesions = true;
    const CaseSegmentation c = segmentCase(p.ct, co);
    const double d = test::dice(c.liver.mask, p.liver);
    std::cout << (neighbours ? "with" : "without") << " neighbours: liver Dice " << d << " ("
              << c.liver.volume_ml << " mL, truth " << p.liver_volume_ml << " mL), "
              << c.lesion_records.size() << " candidates\n";
    // Measured 2026-12-06: without the organs 0.997; with them 0.967 (1845 vs 1736 mL); with them
    // and without the three neighbour steps 0.875 (2223 mL: the spleen through the bridge, the
    // heart's wall, the vena cava). With the dome fill (fillLiverColumns, for the lesions at the
    // dome of IRCADb 17): 0.995 without the organs, 0.956 with them (1888 mL: under the phantom's
    // heart, thicker than a real diaphragm, part of its wall is taken in).
    EXPECT_GE(d, 0.95) << (neighbours ? "with" : "without") << " neighbours";
    if (neighbours) {
      // The same liver without the three neighbour steps (no split at necks, no diaphragm, no
      // vena cava step): they must be what keeps the organs out.
      LiverOptions off;
      off.neck_ratio = 0.0;
      off.diaphragm_tolerance_mm = 1e6;
      off.tube_min_length_mm = 1e6;
      const LiverSegmentation plain = segmentLiver(p.ct, off);
      const double d_off = test::dice(plain.mask, p.liver);
      std::cout << "  without the neighbour steps: liver Dice " << d_off << " (" << plain.volume_ml
                << " mL)\n";
      EXPECT_GT(d, d_off + 0.02);
    }
    // Every truth lesion of >= 15 mm is found and confident; a confident candidate is a lesion.
    for (const phantom::LesionTruth& t : p.lesion_truth) {
      if (t.diameter_mm < 15.0) continue;
      bool found = false;
      for (const LesionRecord& r : c.lesion_records) {
        found = found || (r.confident && r.measurement &&
                          (r.measurement->centroid_lps - t.center_lps).norm() < t.diameter_mm / 2);
      }
      EXPECT_TRUE(found) << "lesion " << t.label << " (" << t.diameter_mm << " mm)";
    }
    for (const LesionRecord& r : c.lesion_records) {
      if (!r.confident || !r.measurement) continue;
      bool lesion = false;
      for (const phantom::LesionTruth& t : p.lesion_truth) {
        lesion = lesion || (r.measurement->centroid_lps - t.center_lps).norm() < t.diameter_mm / 2;
      }
      EXPECT_TRUE(lesion) << "confident candidate " << r.label << " is no lesion: " << r.triage;
    }
  }
}

}  // namespace
}  // namespace rfa::segmentation
