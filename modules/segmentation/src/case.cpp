// segmentCase(): the whole-case pipeline of `rfaplan segment` (see case.h for the steps).
#include "rfa/segmentation/case.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "mask_stats.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/candidates.h"
#include "rfa/segmentation/lesion.h"
#include "rfa/segmentation/modality.h"
#include "same_mass.h"
#include "standard_grid.h"

namespace rfa::segmentation {
namespace {

// Replaces the voxels of candidate `c` by the mass grown from its seed with the liver and beyond
// it (segmentLesionInLiver) when that mass is larger and the same one (same_mass.h), and then
// extends `liver` with it. True when the candidate changed.
bool uncutCandidate(const ImageVolume& ct, LesionCandidate& c, Mask& liver) {
  Mask grown = liver;
  LesionSegmentation les;
  try {
    les = segmentLesionInLiver(ct, c.seed_lps, grown);
  } catch (const NoDataError&) {
    return false;  // nothing lesion-like grows from the seed: the candidate stays
  }
  std::size_t common = 0;
  for (const std::size_t i : c.voxels) common += les.mask.data()[i] != 0 ? 1 : 0;
  if (les.voxel_count <= c.voxels.size() ||
      !detail::sameMassUncut(c.voxels.size(), les.voxel_count, common)) {
    return false;
  }
  c.voxels.clear();
  const auto m = les.mask.data();
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] != 0) c.voxels.push_back(i);
  }
  liver = std::move(grown);
  return true;
}

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uint16_t nextLabel(std::size_t records) {
  if (records >= std::numeric_limits<std::uint16_t>::max()) {
    throw UnsupportedError("segmentCase: more than 65535 lesions");
  }
  return static_cast<std::uint16_t>(records + 1);
}

// Volume and centroid of the liver from its mask (after the mask changed).
void updateLiverStats(LiverSegmentation& liver) {
  const detail::MaskStats m = detail::maskStats(liver.mask);
  liver.volume_ml = detail::volumeMl(liver.mask.geometry(), m.count);
  if (m.count > 0) liver.centroid_lps = m.centroid_lps;
}

// CaseSegmentationOptions::liver_mask as the liver (on the grid of `image`, checked by the caller):
// volume, centroid and the mean/SD of `image` inside it.
LiverSegmentation givenLiver(const ImageVolume& image, const Mask& mask) {
  LiverSegmentation liver;
  liver.mask = Mask(mask.geometry(), 0);
  double sum = 0;
  double sum2 = 0;
  std::size_t n = 0;
  const auto in = mask.data();
  const auto px = image.data();
  auto out = liver.mask.data();
  for (std::size_t v = 0; v < in.size(); ++v) {
    if (in[v] == 0) continue;
    out[v] = 1;
    sum += px[v];
    sum2 += static_cast<double>(px[v]) * px[v];
    ++n;
  }
  if (n == 0) throw NoDataError("no liver found: the given liver mask is empty");
  liver.mean_hu = sum / static_cast<double>(n);
  liver.sd_hu =
      std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - liver.mean_hu * liver.mean_hu));
  updateLiverStats(liver);
  liver.seed_lps = liver.centroid_lps;
  return liver;
}

// segmentCase() on a CT in canonical storage (reorient.h).
CaseSegmentation segmentCaseCanonical(const ImageVolume& ct,
                                      const CaseSegmentationOptions& options) {
  const bool mr = options.modality == Modality::kMR;
  if (mr && options.auto_lesions) {
    throw UnsupportedError(
        "automatic lesion candidates are for CT only (their thresholds are in HU): on MR, click "
        "the lesions (--lesion-seed)");
  }
  CaseSegmentation r;
  auto t0 = Clock::now();
  // MR: the steps run on the normalised scale (modality.h); lungs, bone and vessels are CT-only
  // (HU thresholds) and left empty.
  const ImageVolume normalised = mr ? normalizedMr(ct) : ImageVolume{};
  const ImageVolume& image = mr ? normalised : ct;
  if (mr) {
    BodyOptions body;
    body.air_threshold_hu = mrBackgroundThreshold(image);
    r.body = segmentBody(image, body);
    r.lung = Mask(ct.geometry(), 0);
    r.bone = Mask(ct.geometry(), 0);
  } else {
    r.body = segmentBody(ct);
    r.lung = segmentLungs(ct, r.body);
    r.bone = segmentBone(ct, r.body);
  }
  r.timing_s["body_lung_bone"] = since(t0);

  t0 = Clock::now();
  LiverOptions liver_options;
  liver_options.modality = options.modality;
  if (options.liver_mask) {
    r.liver = givenLiver(image, *options.liver_mask);
  } else {
    r.liver = segmentLiver(ct, liver_options, options.liver_seeds_lps);
  }
  r.timing_s["liver"] = since(t0);

  t0 = Clock::now();
  if (mr) {
    r.vessels.mask = Mask(ct.geometry(), 0);
    r.vessels.large = Mask(ct.geometry(), 0);
    r.vessels.radius_mm = ImageVolume(ct.geometry(), 0.0F);
  } else {
    r.vessels = segmentVessels(ct, r.liver.mask);
  }
  r.timing_s["vessels"] = since(t0);

  t0 = Clock::now();
  r.lesions = LabelMap(ct.geometry(), 0);
  const auto labels = r.lesions.data();  // a view of the voxels
  for (const Vec3& seed : options.lesion_seeds_lps) {
    const std::uint16_t label = nextLabel(r.lesion_records.size());
    // A click at a mass against the liver that the automatic liver left out extends the liver.
    LesionSeedOptions lesion_options;
    if (mr) lesion_options.calcification_hu = std::numeric_limits<float>::infinity();  // CT only
    const LesionSegmentation les = segmentLesionInLiver(image, seed, r.liver.mask, lesion_options);
    std::size_t taken = 0;
    for (std::size_t i = 0; i < les.mask.voxelCount(); ++i) {
      if (les.mask.data()[i] != 0 && labels[i] == 0) {  // earlier lesions keep overlaps
        labels[i] = label;
        ++taken;
      }
    }
    LesionRecord rec;
    rec.label = label;
    rec.source = "seed";
    rec.seed_lps = seed;
    rec.hyperdense = les.hyperdense;
    rec.voxels_shared_with_earlier_lesions = les.voxel_count - taken;
    rec.lesion_median_hu = les.lesion_median_hu;
    rec.surround_median_hu = les.surround_median_hu;
    rec.threshold_hu = les.threshold_hu;
    rec.reached_search_limit = les.reached_search_limit;
    r.lesion_records.push_back(std::move(rec));
  }
  if (!options.lesion_seeds_lps.empty()) {
    // The liver may have grown by the lesions (segmentLesionInLiver): its volume and centroid
    // again.
    updateLiverStats(r.liver);
  }
  bool liver_grew_any = false;
  if (options.auto_lesions) {
    for (LesionCandidate& c : detectLesionCandidates(ct, r.liver.mask)) {
      // A hypodense candidate that the automatic liver cuts (a mass at the capsule or dome):
      // grown from its seed as a click would be, beyond the liver, it extends the liver.
      if (!c.hyperdense) liver_grew_any |= uncutCandidate(image, c, r.liver.mask);
      // An enhancing candidate that lies mostly in the vessel tree is a vessel segment.
      if (c.hyperdense) {
        std::size_t in_vessels = 0;
        for (const std::size_t i : c.voxels) in_vessels += r.vessels.mask.data()[i] != 0 ? 1 : 0;
        if (2 * in_vessels >= c.voxels.size()) {
          ++r.candidates_on_vessels;
          continue;
        }
      }
      const std::uint16_t label = nextLabel(r.lesion_records.size());
      std::size_t taken = 0;
      for (const std::size_t i : c.voxels) {
        if (labels[i] == 0) {
          labels[i] = label;
          ++taken;
        }
      }
      if (taken == 0) continue;  // the same lesion was already segmented from a seed
      LesionRecord rec;
      rec.label = label;
      rec.source = "automatic candidate";
      rec.seed_lps = c.seed_lps;
      rec.hyperdense = c.hyperdense;
      rec.voxels_shared_with_earlier_lesions = c.voxels.size() - taken;
      rec.score = c.score;
      rec.contrast_hu = c.contrast_hu;
      rec.contrast_to_noise = c.cnr;
      rec.compactness = c.compactness;
      const CandidateTriage t = triageCandidate(c);
      rec.confident = t.confident;
      rec.triage = t.reason;
      r.lesion_records.push_back(std::move(rec));
    }
  }
  if (liver_grew_any) updateLiverStats(r.liver);
  for (LesionMeasurement& m : measureLesions(r.lesions, r.vessels.radius_mm)) {
    r.lesion_records[m.label - 1U].measurement = std::move(m);
  }
  r.timing_s["lesions"] = since(t0);
  return r;
}

}  // namespace

CaseSegmentation segmentCase(const ImageVolume& ct, const CaseSegmentationOptions& options) {
  // Every step runs on one standard grid (standard_grid.h: the canonical storage of the CT, index
  // axes along +L, +P, +S, resampled when the acquisition is oblique), so that the same anatomy
  // stored prone, feet-first, with flipped rows or columns or tilted gives the same masks in
  // patient space; the results are stored back on the CT's own grid.
  if (options.liver_mask && !options.liver_mask->geometry().sameGrid(ct.geometry())) {
    throw GeometryError("the given liver mask (" + options.liver_mask->geometry().describe() +
                        ") is not on the image's grid (" + ct.geometry().describe() + ")");
  }
  const detail::StandardGrid grid(ct.geometry());
  if (grid.passthrough() || ct.empty()) return segmentCaseCanonical(ct, options);
  CaseSegmentationOptions standard = options;
  if (options.liver_mask) standard.liver_mask = grid.labels(*options.liver_mask);
  CaseSegmentation r = segmentCaseCanonical(grid.image(ct), standard);
  const auto t0 = Clock::now();
  const auto restore = [&](auto& v) { v = grid.back(v); };
  restore(r.body);
  restore(r.lung);
  restore(r.bone);
  restore(r.liver.mask);
  restore(r.vessels.mask);
  restore(r.vessels.radius_mm);
  restore(r.vessels.large);
  restore(r.vessels.vesselness);
  restore(r.lesions);
  if (grid.oblique()) updateLiverStats(r.liver);
  // Measurements again on the CT's grid (their bounding boxes are voxel indices).
  for (LesionMeasurement& m : measureLesions(r.lesions, r.vessels.radius_mm)) {
    r.lesion_records[m.label - 1U].measurement = std::move(m);
  }
  r.timing_s["reorientation"] = since(t0);
  return r;
}

}  // namespace rfa::segmentation
