// segmentCase() on the shared phantom (160 x 160 x 70 at 2.4 x 2.4 x 2.8 mm, 4 lesions of 6, 45, 12
// and 24 mm): the liver against the truth, the lesions found automatically and from seeds, and the
// lesion records against the label map.
#include "rfa/segmentation/case.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "phantom_fixture.h"
#include "rfa/core/error.h"
#include "rfa/core/reorient.h"

namespace rfa::segmentation {
namespace {

using test::dice;
using test::testPhantom;

// Voxels per label of `lesions` (index = label).
std::vector<std::size_t> labelCounts(const LabelMap& lesions) {
  std::vector<std::size_t> n(1, 0);
  for (const std::uint16_t v : lesions.data()) {
    if (v >= n.size()) n.resize(std::size_t{v} + 1, 0);
    ++n[v];
  }
  return n;
}

// Every record has the label of its position (1..N), N is the largest label of the map, and a
// record has a measurement exactly when its label has voxels, with the map's voxel count.
void expectRecordsMatchLabelMap(const CaseSegmentation& r) {
  const std::vector<std::size_t> counts = labelCounts(r.lesions);
  ASSERT_EQ(counts.size(), r.lesion_records.size() + 1);
  for (std::size_t n = 0; n < r.lesion_records.size(); ++n) {
    const LesionRecord& rec = r.lesion_records[n];
    EXPECT_EQ(rec.label, static_cast<int>(n + 1));
    EXPECT_EQ(rec.measurement.has_value(), counts[n + 1] > 0) << "label " << rec.label;
    if (rec.measurement) {
      EXPECT_EQ(rec.measurement->label, rec.label);
      EXPECT_EQ(rec.measurement->voxel_count, counts[n + 1]) << "label " << rec.label;
    }
    const bool seed = rec.source == "seed";
    EXPECT_TRUE(seed || rec.source == "automatic candidate") << rec.source;
    EXPECT_EQ(rec.lesion_median_hu.has_value(), seed);
    EXPECT_EQ(rec.surround_median_hu.has_value(), seed);
    EXPECT_EQ(rec.threshold_hu.has_value(), seed);
    EXPECT_EQ(rec.reached_search_limit.has_value(), seed);
    EXPECT_EQ(rec.score.has_value(), !seed);
    EXPECT_EQ(rec.contrast_hu.has_value(), !seed);
    EXPECT_EQ(rec.contrast_to_noise.has_value(), !seed);
    EXPECT_EQ(rec.compactness.has_value(), !seed);
  }
}

// The record whose measured centroid lies within the truth lesion's radius, or null.
const LesionRecord* recordOf(const CaseSegmentation& r, const phantom::LesionTruth& t) {
  for (const LesionRecord& rec : r.lesion_records) {
    if (rec.measurement &&
        (rec.measurement->centroid_lps - t.center_lps).norm() < 0.5 * t.diameter_mm) {
      return &rec;
    }
  }
  return nullptr;
}

TEST(SegmentCase, AutomaticLesionsOnThePhantom) {
  const phantom::Phantom& p = testPhantom();
  CaseSegmentationOptions o;
  o.auto_lesions = true;
  const CaseSegmentation r = segmentCase(p.ct, o);

  const ImageGeometry& g = p.ct.geometry();
  for (const Mask* m : {&r.body, &r.lung, &r.bone, &r.liver.mask, &r.vessels.mask}) {
    EXPECT_TRUE(m->geometry().sameGrid(g));
  }
  EXPECT_TRUE(r.lesions.geometry().sameGrid(g));
  EXPECT_TRUE(r.vessels.radius_mm.geometry().sameGrid(g));
  EXPECT_GT(dice(r.liver.mask, p.liver), 0.95);
  EXPECT_GT(dice(r.body, p.body), 0.95);
  EXPECT_FALSE(r.liver.seed_from_user);
  EXPECT_GT(r.vessels.voxel_count, 0U);

  expectRecordsMatchLabelMap(r);
  // Every lesion >= 10 mm is found, as a candidate scoring at least the default minimum; at most
  // one false positive.
  std::size_t true_positives = 0;
  for (const phantom::LesionTruth& t : p.lesion_truth) {
    const LesionRecord* rec = recordOf(r, t);
    if (t.diameter_mm >= 10.0) {
      ASSERT_NE(rec, nullptr) << "lesion " << t.label << " (" << t.diameter_mm << " mm)";
    }
    if (rec == nullptr) continue;
    ++true_positives;
    EXPECT_EQ(rec->source, "automatic candidate");
    EXPECT_GE(*rec->score, 0.5);
    EXPECT_FALSE(rec->hyperdense);
    EXPECT_NEAR(rec->measurement->volume_ml, t.volume_ml_voxels, 0.3 * t.volume_ml_voxels + 0.2)
        << "lesion " << t.label;
  }
  EXPECT_GE(true_positives, 3U);
  EXPECT_LE(r.lesion_records.size(), true_positives + 1);

  for (const char* step : {"body_lung_bone", "liver", "vessels", "lesions"}) {
    ASSERT_EQ(r.timing_s.count(step), 1U) << step;
    EXPECT_GE(r.timing_s.at(step), 0.0);
  }
}

TEST(SegmentCase, SeedsTakeTheFirstLabelsAndKeepOverlaps) {
  const phantom::Phantom& p = testPhantom();
  const phantom::LesionTruth& big = p.lesion_truth[1];  // 45 mm
  const phantom::LesionTruth& mid = p.lesion_truth[3];  // 24 mm
  ASSERT_GT(big.diameter_mm, 40.0);
  ASSERT_GT(mid.diameter_mm, 20.0);
  CaseSegmentationOptions o;
  // The second seed repeats the first: its lesion's voxels all belong to label 1 already.
  o.lesion_seeds_lps = {big.center_lps, big.center_lps, mid.center_lps};
  o.auto_lesions = true;
  const CaseSegmentation r = segmentCase(p.ct, o);

  expectRecordsMatchLabelMap(r);
  ASSERT_GE(r.lesion_records.size(), 3U);
  for (std::size_t n = 0; n < 3; ++n) {
    EXPECT_EQ(r.lesion_records[n].source, "seed");
    EXPECT_EQ(r.lesion_records[n].seed_lps, o.lesion_seeds_lps[n]);
  }
  EXPECT_EQ(recordOf(r, big), &r.lesion_records[0]);
  EXPECT_EQ(recordOf(r, mid), &r.lesion_records[2]);
  EXPECT_FALSE(r.lesion_records[1].measurement.has_value());
  EXPECT_GT(r.lesion_records[1].voxels_shared_with_earlier_lesions, 0U);
  EXPECT_EQ(r.lesion_records[0].voxels_shared_with_earlier_lesions, 0U);
  EXPECT_NEAR(r.lesion_records[0].measurement->volume_ml, big.volume_ml_voxels,
              0.25 * big.volume_ml_voxels);
  // The seeded lesions are not found again as candidates.
  for (std::size_t n = 3; n < r.lesion_records.size(); ++n) {
    EXPECT_EQ(r.lesion_records[n].source, "automatic candidate");
    const LesionRecord* rec = &r.lesion_records[n];
    EXPECT_NE(recordOf(r, big), rec);
    EXPECT_NE(recordOf(r, mid), rec);
  }
  // The 12 mm lesion is still found automatically.
  const LesionRecord* small = recordOf(r, p.lesion_truth[2]);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->source, "automatic candidate");
}

TEST(SegmentCase, WithoutSeedsOrCandidatesNoLesion) {
  const phantom::Phantom& p = testPhantom();
  const CaseSegmentation r = segmentCase(p.ct, {});
  EXPECT_TRUE(r.lesion_records.empty());
  EXPECT_EQ(labelCounts(r.lesions).size(), 1U);
  EXPECT_TRUE(r.lesions.geometry().sameGrid(p.ct.geometry()));
  EXPECT_GT(dice(r.liver.mask, p.liver), 0.95);
}

TEST(SegmentCase, AGivenLiverMaskIsTakenAsTheLiverWhateverTheStorage) {
  // The liver from elsewhere (e.g. the multi-atlas method, rfa::atlas): the phantom's true liver,
  // on the supine phantom and on a prone copy (rows and columns reversed).
  const phantom::Phantom& p = testPhantom();
  AxisReorientation prone;
  prone.reversed = {true, true, false};
  const ImageVolume ct_prone = reorientVolume(p.ct, prone);
  const Mask liver_prone = reorientVolume(p.liver, prone);
  ASSERT_FALSE(ct_prone.geometry().sameGrid(p.ct.geometry()));
  for (const auto& [ct, liver] : {std::pair{&p.ct, &p.liver}, std::pair{&ct_prone, &liver_prone}}) {
    CaseSegmentationOptions o;
    o.liver_mask = *liver;
    o.lesion_seeds_lps = {p.lesion_truth[1].center_lps};
    const CaseSegmentation r = segmentCase(*ct, o);
    ASSERT_TRUE(r.liver.mask.geometry().sameGrid(ct->geometry()));
    EXPECT_EQ(r.liver.mask.data().size(), liver->data().size());
    EXPECT_TRUE(
        std::equal(r.liver.mask.data().begin(), r.liver.mask.data().end(), liver->data().begin()));
    EXPECT_FALSE(r.liver.seed_from_user);
    EXPECT_GT(r.liver.volume_ml, 100.0);
    EXPECT_GT(r.liver.sd_hu, 0.0);
    ASSERT_EQ(r.lesion_records.size(), 1U);  // the lesion grows inside the given liver
    EXPECT_TRUE(r.lesion_records[0].measurement.has_value());
  }
  CaseSegmentationOptions off;
  off.liver_mask = Mask(ImageGeometry({4, 4, 4}, Vec3(1, 1, 1), Vec3::Zero()), 1);
  EXPECT_THROW(segmentCase(p.ct, off), GeometryError);
  CaseSegmentationOptions empty;
  empty.liver_mask = Mask(p.ct.geometry(), 0);
  EXPECT_THROW(segmentCase(p.ct, empty), NoDataError);
}

}  // namespace
}  // namespace rfa::segmentation
