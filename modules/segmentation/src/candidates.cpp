// Automatic lesion candidates in a liver mask: parenchyma model, smoothed thresholds, components,
// shape and rim rejection, refinement from the deepest voxel, scoring (method in candidates.h).
#include "rfa/segmentation/candidates.h"
#include <iomanip>
#include <sstream>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "candidates_internal.h"
#include "lesion_smoothing.h"
#include "mask_stats.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/distance.h"
#include "rfa/segmentation/lesion.h"
#include "standard_grid.h"

namespace rfa::segmentation {

namespace {

using candidates_detail::Box;
using candidates_detail::RegionInputs;
using candidates_detail::RegionStats;

// Median and 1.4826 x MAD of `v` (reordered); zeros for an empty vector.
std::array<double, 2> medianAndSd(std::vector<float>& v) {
  if (v.empty()) return {0.0, 0.0};
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  const double m = *mid;
  for (float& x : v) x = static_cast<float>(std::abs(x - m));
  std::nth_element(v.begin(), mid, v.end());
  return {m, 1.4826 * *mid};
}

void checkOptions(const CandidateOptions& o) {
  const bool ok = o.smoothing_sigma_mm >= 0 && o.parenchyma_erosion_mm >= 0 && o.threshold_sd > 0 &&
                  o.min_contrast_hu >= 0 && o.min_diameter_mm >= 0 && o.min_compactness >= 0 &&
                  o.rim_mm >= 0 && o.max_rim_fraction >= 0 && o.cnr_full > 0 &&
                  o.compactness_full > 0 && o.size_full_mm > 0;
  if (!ok) throw GeometryError("lesion candidates: an option is out of range");
}

// A candidate under construction: its voxels as crop linear indices (sorted).
struct Pending {
  bool hyperdense = false;
  std::array<std::size_t, 3> seed{0, 0, 0};  // crop index
  double component_ml = 0;
  bool refined = false;
  std::vector<std::size_t> voxels;
};

// Thresholded components of one polarity that pass the hard rejections. With `split`, the
// hypodense components too elongated for a lesion are opened by split_opening_mm and their parts
// judged again (a hypodense lesion joined to hypodense vessels or ducts).
void findComponents(const Mask& selected, const ImageVolume& raw, const ImageVolume& smooth,
                    const Volume<float>& liver_depth2, bool hyperdense, const CandidateOptions& o,
                    CandidateReport& rep, std::vector<Pending>& out, bool split = true) {
  const double min_ml = std::numbers::pi / 6.0 * std::pow(o.min_diameter_mm, 3) / 1000.0;
  const Mask kept = removeSmallComponents(
      selected, std::max<std::size_t>(1, voxelsForVolume(selected.geometry(), min_ml)));
  const ComponentLabels cl = labelComponents(kept);
  rep.components += cl.count();
  Mask outside(kept.geometry(), 0);
  for (std::size_t n = 0; n < kept.voxelCount(); ++n) outside.data()[n] = kept.data()[n] == 0;
  const Volume<float> inner = squaredDistanceMm2(outside);
  const RegionInputs in{&cl.labels, &raw, &smooth, &liver_depth2, &inner, o.rim_mm};
  const std::vector<RegionStats> st = candidates_detail::regionStats(in, cl.count());
  std::vector<std::size_t> slot(cl.count() + 1, 0);
  const std::size_t first = out.size();
  std::vector<bool> elongated(cl.count() + 1, false);
  for (std::size_t l = 1; l <= cl.count(); ++l) {
    if (st[l].compactness < o.min_compactness) {
      ++rep.rejected_shape;
      elongated[l] = true;
    } else if (st[l].rim_fraction > o.max_rim_fraction) {
      ++rep.rejected_rim;
    } else {
      slot[l] = out.size() - first + 1;
      Pending p;
      p.hyperdense = hyperdense;
      p.seed = st[l].deepest;
      p.component_ml = st[l].volume_ml;
      p.voxels.reserve(st[l].count);
      out.push_back(std::move(p));
    }
  }
  for (std::size_t n = 0; n < cl.labels.voxelCount(); ++n) {
    const std::size_t s = slot[cl.labels.data()[n]];
    if (s != 0) out[first + s - 1].voxels.push_back(n);
  }
  // Hypodense only: opened, a bright vessel tree falls apart into compact pieces of its trunks.
  if (!split || hyperdense || o.split_opening_mm <= 0 ||
      std::none_of(elongated.begin(), elongated.end(), [](bool e) { return e; })) {
    return;
  }
  Mask parts(kept.geometry(), 0);
  for (std::size_t n = 0; n < parts.voxelCount(); ++n) {
    parts.data()[n] = elongated[cl.labels.data()[n]] ? 1 : 0;
  }
  parts = dilate(erode(parts, o.split_opening_mm), o.split_opening_mm);
  // Only large parts: the small ones are the pieces of fissures, ducts and vessels.
  CandidateOptions large = o;
  large.min_diameter_mm = std::max(o.min_diameter_mm, o.split_min_diameter_mm);
  findComponents(parts, raw, smooth, liver_depth2, hyperdense, large, rep, out, false);
}

// Replaces the voxels of `p` by segmentLesionFromSeed() from its seed when the result is
// plausible (holds the seed, same polarity, volume within [1/3, 3] x the component's).
void refine(const ImageVolume& ct, const Mask& liver, const Box& box, const ImageVolume& crop,
            Pending& p) {
  const Vec3 seed_lps = crop.geometry().indexToLps(Vec3(static_cast<double>(p.seed[0]),
                                                        static_cast<double>(p.seed[1]),
                                                        static_cast<double>(p.seed[2])));
  LesionSegmentation seg;
  try {
    seg = segmentLesionFromSeed(ct, seed_lps, LesionSeedOptions{}, &liver);
  } catch (const Error&) {
    return;  // nothing lesion-like grows from the seed: the component stays
  }
  const Size3& full = ct.size();
  if (seg.mask.data()[box.fullIndex(full, p.seed[0], p.seed[1], p.seed[2])] == 0) return;
  if (seg.hyperdense != p.hyperdense) return;
  if (seg.volume_ml < p.component_ml / 3.0 || seg.volume_ml > 3.0 * p.component_ml) return;
  std::vector<std::size_t> voxels;
  voxels.reserve(seg.voxel_count);
  for (std::size_t k = 0; k < box.size[2]; ++k) {
    for (std::size_t j = 0; j < box.size[1]; ++j) {
      for (std::size_t i = 0; i < box.size[0]; ++i) {
        if (seg.mask.data()[box.fullIndex(full, i, j, k)] != 0) {
          voxels.push_back(crop.linearIndex(i, j, k));
        }
      }
    }
  }
  p.voxels = std::move(voxels);
  p.refined = true;
}

double clamp01(double x) {
  return std::clamp(x, 0.0, 1.0);
}

}  // namespace

// detectLesionCandidates() on a CT and liver in canonical storage (reorient.h).
static std::vector<LesionCandidate> detectCandidatesCanonical(const ImageVolume& ct_hu,
                                                              const Mask& liver,
                                                              const CandidateOptions& o,
                                                              CandidateReport* report) {
  checkOptions(o);
  if (ct_hu.empty()) throw NoDataError("lesion candidates: the CT is empty");
  if (!liver.geometry().sameGrid(ct_hu.geometry())) {
    throw GeometryError("lesion candidates: the liver mask (" + liver.geometry().describe() +
                        ") is not on the CT grid (" + ct_hu.geometry().describe() + ")");
  }
  const Box box = candidates_detail::nonZeroBox(liver, 2);
  if (box.size[0] == 0) throw NoDataError("lesion candidates: the liver mask is empty");
  CandidateReport rep;
  const ImageVolume raw = candidates_detail::cropVolume(ct_hu, box);
  Mask liv = candidates_detail::cropVolume(liver, box);
  Mask outside(liv.geometry(), 0);
  for (std::size_t n = 0; n < liv.voxelCount(); ++n) {
    liv.data()[n] = liv.data()[n] != 0 ? 1 : 0;
    outside.data()[n] = 1 - liv.data()[n];
  }
  ImageVolume smooth = raw;
  lesion_detail::smoothInside(smooth, &liv, o.smoothing_sigma_mm);

  // 1. Parenchyma model on the eroded liver.
  Mask core = erode(liv, o.parenchyma_erosion_mm);
  if (std::none_of(core.data().begin(), core.data().end(), [](std::uint8_t v) { return v != 0; })) {
    core = liv;
  }
  std::vector<float> raw_values;
  std::vector<float> smooth_values;
  for (std::size_t n = 0; n < core.voxelCount(); ++n) {
    if (core.data()[n] == 0) continue;
    raw_values.push_back(raw.data()[n]);
    smooth_values.push_back(smooth.data()[n]);
  }
  const auto [raw_median, raw_sd] = medianAndSd(raw_values);
  const auto [smooth_median, smooth_sd] = medianAndSd(smooth_values);
  rep.parenchyma_median_hu = raw_median;
  rep.parenchyma_sd_hu = raw_sd;
  rep.smoothed_median_hu = smooth_median;
  rep.smoothed_sd_hu = smooth_sd;
  const double gap = std::max(o.threshold_sd * smooth_sd, o.min_contrast_hu);
  rep.hypo_threshold_hu = smooth_median - gap;
  rep.hyper_threshold_hu = smooth_median + gap;

  // 2-4. Thresholds, components and hard rejections.
  const Volume<float> liver_depth2 = squaredDistanceMm2(outside);
  std::vector<Pending> pending;
  for (const bool hyper : {false, true}) {
    if (hyper ? !o.detect_hyperdense : !o.detect_hypodense) continue;
    Mask selected(liv.geometry(), 0);
    for (std::size_t n = 0; n < liv.voxelCount(); ++n) {
      const float v = smooth.data()[n];
      const bool in =
          hyper ? v > rep.hyper_threshold_hu : (v < rep.hypo_threshold_hu && v >= o.hypo_min_hu);
      selected.data()[n] = liv.data()[n] != 0 && in ? 1 : 0;
    }
    findComponents(selected, raw, smooth, liver_depth2, hyper, o, rep, pending);
  }

  // 5. Refinement, largest first; duplicates (mostly claimed already) dropped.
  std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return a.component_ml > b.component_ml;
  });
  if (o.refine) {
    for (std::size_t c = 0; c < pending.size() && c < o.max_refined; ++c) {
      refine(ct_hu, liver, box, raw, pending[c]);
      rep.refined += pending[c].refined ? 1 : 0;
    }
  }
  LabelMap labels(liv.geometry(), 0);
  std::vector<std::size_t> kept;
  for (std::size_t c = 0; c < pending.size(); ++c) {
    const std::size_t label = kept.size() + 1;
    if (label > std::numeric_limits<std::uint16_t>::max()) {
      throw UnsupportedError("lesion candidates: more than 65535 candidates");
    }
    std::size_t free = 0;
    for (const std::size_t v : pending[c].voxels) free += labels.data()[v] == 0 ? 1 : 0;
    if (2 * free < pending[c].voxels.size() || free == 0) {
      ++rep.rejected_score;
      continue;
    }
    for (const std::size_t v : pending[c].voxels) {
      if (labels.data()[v] == 0) labels.data()[v] = static_cast<std::uint16_t>(label);
    }
    kept.push_back(c);
  }

  // 6. Final measurements and score.
  const RegionInputs in{&labels, &raw, &smooth, &liver_depth2, nullptr, o.rim_mm};
  const std::vector<RegionStats> st = candidates_detail::regionStats(in, kept.size());
  const double noise_sd = std::max(raw_sd, 1.0);
  std::vector<std::vector<std::size_t>> voxels(kept.size() + 1);
  for (std::size_t k = 0; k < box.size[2]; ++k) {
    for (std::size_t j = 0; j < box.size[1]; ++j) {
      for (std::size_t i = 0; i < box.size[0]; ++i) {
        const std::uint16_t l = labels(i, j, k);
        if (l != 0) voxels[l].push_back(box.fullIndex(ct_hu.size(), i, j, k));
      }
    }
  }
  std::vector<LesionCandidate> result;
  for (std::size_t l = 1; l <= kept.size(); ++l) {
    const RegionStats& r = st[l];
    const Pending& p = pending[kept[l - 1]];
    LesionCandidate c;
    c.seed_lps = raw.geometry().indexToLps(Vec3(static_cast<double>(p.seed[0]),
                                                static_cast<double>(p.seed[1]),
                                                static_cast<double>(p.seed[2])));
    c.centroid_lps = raw.geometry().indexToLps(r.centroid_index);
    c.volume_ml = r.volume_ml;
    c.diameter_mm = r.diameter_mm;
    c.longest_extent_mm = r.longest_extent_mm;
    c.mean_hu = r.mean_raw;
    c.contrast_hu = r.mean_raw - raw_median;
    c.cnr = std::abs(c.contrast_hu) / noise_sd;
    c.compactness = r.compactness;
    c.rim_fraction = r.rim_fraction;
    c.hyperdense = p.hyperdense;
    c.refined = p.refined;
    const double s_cnr = clamp01(c.cnr / o.cnr_full);
    const double s_shape = clamp01(c.compactness / o.compactness_full);
    const double s_size = clamp01(c.diameter_mm / o.size_full_mm);
    const double s_depth = clamp01(1.0 - c.rim_fraction);
    c.score = std::pow(s_cnr, 0.4) * std::pow(s_shape, 0.25) * std::pow(s_size, 0.2) *
              std::pow(s_depth, 0.15);
    if (c.score < o.min_score) {
      ++rep.rejected_score;
      continue;
    }
    c.voxels = std::move(voxels[l]);
    result.push_back(std::move(c));
  }
  std::stable_sort(result.begin(), result.end(),
                   [](const LesionCandidate& a, const LesionCandidate& b) {
                     if (a.score != b.score) return a.score > b.score;
                     return a.volume_ml > b.volume_ml;
                   });
  if (report != nullptr) *report = rep;
  return result;
}

CandidateTriage triageCandidate(const LesionCandidate& c, const CandidateOptions& o) {
  std::ostringstream why;
  why << "score " << std::fixed << std::setprecision(2) << c.score << ", "
      << (c.hyperdense ? "hyperdense" : "hypodense") << ", " << std::setprecision(0)
      << c.diameter_mm << " mm";
  std::vector<std::string> unmet;
  if (c.hyperdense) unmet.emplace_back("hyperdense (vessel, calcification or hypervascular)");
  if (c.diameter_mm < o.confident_min_diameter_mm) {
    std::ostringstream m;
    m << "smaller than " << std::setprecision(0) << std::fixed << o.confident_min_diameter_mm
      << " mm";
    unmet.push_back(m.str());
  }
  if (c.compactness < o.min_compactness) {
    unmet.emplace_back("irregular or elongated (a fissure, duct or vessel?)");
  }
  if (c.rim_fraction > o.confident_max_rim_fraction) {
    unmet.emplace_back("at the liver's surface (fat or a fissure at the edge?)");
  }
  if (c.score < o.confident_min_score) {
    std::ostringstream m;
    m << "score below " << std::setprecision(2) << std::fixed << o.confident_min_score;
    unmet.push_back(m.str());
  }
  CandidateTriage t;
  t.confident = unmet.empty();
  t.reason = why.str();
  for (std::size_t i = 0; i < unmet.size(); ++i)
    t.reason += (i == 0 ? "; to review: " : ", ") + unmet[i];
  return t;
}

LabelMap candidateLabelMap(const std::vector<LesionCandidate>& candidates,
                           const ImageGeometry& geometry) {
  if (candidates.size() > std::numeric_limits<std::uint16_t>::max()) {
    throw UnsupportedError("candidate label map: more than 65535 candidates");
  }
  LabelMap labels(geometry, 0);
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    for (const std::size_t v : candidates[c].voxels) {
      if (v >= labels.voxelCount()) {
        throw GeometryError("candidate label map: voxel index " + std::to_string(v) +
                            " is outside the grid " + geometry.describe());
      }
      if (labels.data()[v] == 0) labels.data()[v] = static_cast<std::uint16_t>(c + 1);
    }
  }
  return labels;
}

std::vector<LesionCandidate> detectLesionCandidates(const ImageVolume& ct_hu, const Mask& liver,
                                                    const CandidateOptions& o,
                                                    CandidateReport* report) {
  const detail::StandardGrid grid(ct_hu.geometry());
  if (grid.passthrough() || ct_hu.empty() || !liver.geometry().sameGrid(ct_hu.geometry())) {
    return detectCandidatesCanonical(ct_hu, liver, o, report);  // (checks and refusals as before)
  }
  std::vector<LesionCandidate> found =
      detectCandidatesCanonical(grid.image(ct_hu), grid.labels(liver), o, report);
  // Voxel lists back on the CT's own grid: through a label map of the candidates.
  const LabelMap on_ct = grid.back(candidateLabelMap(found, grid.standard()));
  for (LesionCandidate& c : found) c.voxels.clear();
  for (std::size_t v = 0; v < on_ct.voxelCount(); ++v) {
    const std::uint16_t label = on_ct.data()[v];
    if (label != 0) found[label - 1U].voxels.push_back(v);  // ascending: sorted
  }
  if (grid.oblique()) {
    for (LesionCandidate& c : found)
      c.volume_ml = detail::volumeMl(ct_hu.geometry(), c.voxels.size());
  }
  return found;
}

}  // namespace rfa::segmentation
