// Automatic liver segmentation: intensity model, threshold, opening, component choice, closing and
// hole filling on a coarse work grid, then back to the CT grid (see liver.h).
#include "rfa/segmentation/liver.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "liver_internal.h"
#include "mask_stats.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/body.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/distance.h"
#include "rfa/segmentation/modality.h"
#include "standard_grid.h"

namespace rfa::segmentation {

namespace {

using liver_detail::IntensityModel;

[[noreturn]] void noLiver(const std::string& why) {
  throw NoDataError("no liver found: " + why);
}

// LPS x (mm) of every voxel centre of the grid: x = origin.x + row 0 of indexToLpsMatrix * ijk.
class LpsX {
 public:
  explicit LpsX(const ImageGeometry& g)
      : o_(g.origin().x()), m_(g.indexToLpsMatrix().row(0).transpose()) {}
  [[nodiscard]] double at(std::size_t i, std::size_t j, std::size_t k) const {
    return o_ + m_.x() * static_cast<double>(i) + m_.y() * static_cast<double>(j) +
           m_.z() * static_cast<double>(k);
  }

 private:
  double o_;
  Vec3 m_;
};

using detail::MaskStats;

// The work-grid state shared by the steps.
struct Work {
  const LiverOptions& options;
  ImageVolume smooth;  // box-averaged, median-filtered CT (HU)
  Mask body;
  Mask below_diaphragm;            // voxels that may hold liver (belowDiaphragm)
  double body_cx = 0;              // LPS x of the body centroid (mm)
  std::vector<std::size_t> seeds;  // linear indices of the seeds inside the body
  bool mr = false;                 // MR on the normalised scale (modality.h), else CT in HU
  float tissue_lo = 0;             // histogram range of the automatic model
  float tissue_hi = 0;
};

const char* units(const Work& w) {
  return w.mr ? "MR units" : "HU";
}

// Model from the patient-right half of the body, away from the body wall.
// The highest `peaks` histogram peaks of the soft tissue there (the mode first).
std::vector<IntensityModel> automaticModels(const Work& w, std::size_t peaks) {
  const Mask inner = erode(w.body, w.options.body_margin_mm);
  const LpsX x(w.body.geometry());
  const Size3& s = w.body.size();
  std::vector<float> values;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (inner(i, j, k) != 0 && x.at(i, j, k) < w.body_cx) values.push_back(w.smooth(i, j, k));
      }
    }
  }
  std::vector<IntensityModel> m = liver_detail::histogramPeaks(
      values, w.tissue_lo, w.tissue_hi, voxelsForVolume(w.body.geometry(), w.options.min_liver_ml),
      peaks);
  if (m.empty()) {
    std::ostringstream msg;
    msg << "less than " << w.options.min_liver_ml << " mL of soft tissue (" << w.tissue_lo << " to "
        << w.tissue_hi << " " << units(w) << ") on the patient-right side of the body";
    noLiver(msg.str());
  }
  return m;
}

// Fraction of the voxels of `region` on the patient-right side of the body's centroid (0 for an
// empty region).
double rightFraction(const Work& w, const Mask& region) {
  const LpsX x(region.geometry());
  const Size3& s = region.size();
  std::size_t right = 0;
  std::size_t all = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (region(i, j, k) == 0) continue;
        ++all;
        if (x.at(i, j, k) < w.body_cx) ++right;
      }
    }
  }
  return all == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(all);
}

// How much a region found on MR looks like a liver: 0 outside [min_liver_ml, max_body_fraction x
// the body], else (its voxels on the patient-right side - those on the left) x (0.5 + its
// centroid's height in the body's cranio-caudal extent, 0 at the bottom, 1 at the top): a large
// region on the right, high in the abdomen. Tissue on both sides (muscle, fat) scores about 0, and
// so does a region with more than mr_max_outer_fraction of its voxels in the body's outer
// mr_outer_layer_mm (`body_inner` is the body without that layer).
double mrLiverScore(const Work& w, const Mask& region, const Mask& body_inner, double body_ml) {
  const ImageGeometry& g = region.geometry();
  const MaskStats st = detail::maskStats(region);
  const double ml = detail::volumeMl(g, st.count);
  if (ml < w.options.min_liver_ml || ml > w.options.max_body_fraction * body_ml) return 0;
  // Mostly in the body's outer layer: the subcutaneous fat (bright on T1 and on T2 without fat
  // suppression), not a liver.
  std::size_t outer = 0;
  for (std::size_t n = 0; n < region.voxelCount(); ++n) {
    if (region.data()[n] != 0 && body_inner.data()[n] == 0) ++outer;
  }
  if (static_cast<double>(outer) >
      w.options.mr_max_outer_fraction * static_cast<double>(st.count)) {
    return 0;
  }
  const LpsX x(g);
  const Size3& s = g.size();
  double right = 0;
  double z_sum = 0;
  double z_count = 0;
  double body_lo = 1e300;
  double body_hi = -1e300;
  for (std::size_t k = 0; k < s[2]; ++k) {
    const double z = g.indexToLps(Vec3(0, 0, static_cast<double>(k))).z();
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (w.body(i, j, k) != 0) {
          body_lo = std::min(body_lo, z);
          body_hi = std::max(body_hi, z);
        }
        if (region(i, j, k) == 0) continue;
        z_sum += z;
        z_count += 1;
        right += x.at(i, j, k) < w.body_cx ? 1 : -1;
      }
    }
  }
  if (z_count == 0 || right <= 0 || !(body_hi > body_lo)) return 0;
  const double height = (z_sum / z_count - body_lo) / (body_hi - body_lo);
  return right * (0.5 + height);
}

// Voxels within `radius_mm` of any seed (linear indices on the work grid).
std::vector<std::size_t> seedNeighbourhood(const Work& w, double radius_mm) {
  Mask seeds(w.body.geometry(), 0);
  for (const std::size_t n : w.seeds) seeds.data()[n] = 1;
  const Mask ball = dilate(seeds, radius_mm);
  std::vector<std::size_t> out;
  for (std::size_t n = 0; n < ball.voxelCount(); ++n) {
    if (ball.data()[n] != 0 && w.body.data()[n] != 0) out.push_back(n);
  }
  return out;
}

IntensityModel seedModel(const Work& w) {
  std::vector<float> values;
  for (const std::size_t n : seedNeighbourhood(w, w.options.seed_radius_mm)) {
    values.push_back(w.smooth.data()[n]);
  }
  return liver_detail::robustModel(values);
}

IntensityModel clampModel(IntensityModel m, const Work& w) {
  const LiverOptions& o = w.options;
  m.sd = w.mr ? std::clamp(m.sd, o.mr_min_sd, o.mr_max_sd)
              : std::clamp(m.sd, o.min_sd_hu, o.max_sd_hu);
  return m;
}

// Threshold, opening, component choice and regrowth, closing and hole filling.
Mask liverCandidate(const Work& w, const IntensityModel& m) {
  const LiverOptions& o = w.options;
  const double ls = w.mr ? o.mr_lower_sd : o.lower_sd;
  const double us = w.mr ? o.mr_upper_sd : o.upper_sd;
  const double lo = m.mean - ls * m.sd;
  const double hi = m.mean + us * m.sd;
  Mask in_range(w.body.geometry(), 0);
  for (std::size_t n = 0; n < in_range.voxelCount(); ++n) {
    const double v = w.smooth.data()[n];
    in_range.data()[n] =
        w.body.data()[n] != 0 && w.below_diaphragm.data()[n] != 0 && v >= lo && v <= hi ? 1 : 0;
  }
  const Mask opened = dilate(erode(in_range, o.opening_radius_mm), o.opening_radius_mm);
  const Mask parts =
      removeSmallComponents(opened, voxelsForVolume(opened.geometry(), 1.0), Connectivity::k6);
  // Regions split at their necks, so that an organ touching the liver through a bridge that
  // survives the opening (spleen, heart, stomach) is a region of its own.
  const ComponentLabels labels =
      liver_detail::splitAtNecks(parts, o.neck_ratio, o.neck_min_dynamic_mm);
  if (labels.count() == 0) return Mask(w.body.geometry(), 0);
  // Score: voxels near the seeds, or else voxels on the patient-right half.
  std::vector<std::size_t> score(labels.count() + 1, 0);
  if (!w.seeds.empty()) {
    for (const std::size_t n : seedNeighbourhood(w, o.seed_radius_mm + o.opening_radius_mm)) {
      ++score[labels.labels.data()[n]];
    }
  } else {
    const LpsX x(parts.geometry());
    const Size3& s = parts.size();
    for (std::size_t k = 0; k < s[2]; ++k) {
      for (std::size_t j = 0; j < s[1]; ++j) {
        for (std::size_t i = 0; i < s[0]; ++i) {
          if (x.at(i, j, k) < w.body_cx) ++score[labels.labels(i, j, k)];
        }
      }
    }
  }
  score[0] = 0;
  const auto best =
      static_cast<std::uint16_t>(std::max_element(score.begin(), score.end()) - score.begin());
  if (score[best] == 0) return Mask(w.body.geometry(), 0);
  Mask chosen(w.body.geometry(), 0);
  for (std::size_t n = 0; n < chosen.voxelCount(); ++n) {
    chosen.data()[n] = labels.labels.data()[n] == best ? 1 : 0;
  }
  const double step = w.body.geometry().spacing().maxCoeff();
  Mask grown = dilate(chosen, o.opening_radius_mm + step);
  for (std::size_t n = 0; n < grown.voxelCount(); ++n) {
    const std::uint16_t l = labels.labels.data()[n];
    grown.data()[n] = grown.data()[n] != 0 && in_range.data()[n] != 0 && (l == 0 || l == best);
  }
  Mask closed = fillHolesPerSlice(fillHoles(close(grown, o.closing_radius_mm)));
  for (std::size_t n = 0; n < closed.voxelCount(); ++n) {
    if (w.below_diaphragm.data()[n] == 0) closed.data()[n] = 0;
  }
  return largestComponent(closed, Connectivity::k6);
}

// Adds the hypodense regions (lesion_min_hu up to `lower`) that the liver wraps: components of the
// opened hypodense mask with at least lesion_contact of their surface facing the liver (surface
// lesions that hole filling cannot reach). Then closing, hole filling, fluid removal.
Mask withSurfaceLesions(const Work& w, const Mask& liver, double lower) {
  const LiverOptions& o = w.options;
  const ImageGeometry& g = liver.geometry();
  Mask hypo(g, 0);
  for (std::size_t n = 0; n < hypo.voxelCount(); ++n) {
    const double v = w.smooth.data()[n];
    hypo.data()[n] = w.body.data()[n] != 0 && w.below_diaphragm.data()[n] != 0 &&
                             liver.data()[n] == 0 && v >= o.lesion_min_hu && v < lower
                         ? 1
                         : 0;
  }
  const Mask core = dilate(erode(hypo, o.lesion_opening_mm), o.lesion_opening_mm);
  const ComponentLabels labels = labelComponents(
      removeSmallComponents(core, voxelsForVolume(g, 0.5), Connectivity::k6), Connectivity::k6);
  std::vector<std::size_t> faces(labels.count() + 1, 0);
  std::vector<std::size_t> contact(labels.count() + 1, 0);
  const Size3& s = g.size();
  const auto& lab = labels.labels;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const std::uint16_t l = lab(i, j, k);
        if (l == 0) continue;
        const auto face = [&](bool inside, std::size_t x, std::size_t y, std::size_t z) {
          if (inside && lab(x, y, z) == l) return;
          ++faces[l];
          if (inside && liver(x, y, z) != 0) ++contact[l];
        };
        face(i > 0, i - 1, j, k);
        face(i + 1 < s[0], i + 1, j, k);
        face(j > 0, i, j - 1, k);
        face(j + 1 < s[1], i, j + 1, k);
        face(k > 0, i, j, k - 1);
        face(k + 1 < s[2], i, j, k + 1);
      }
    }
  }
  Mask add(g, 0);
  for (std::size_t n = 0; n < add.voxelCount(); ++n) {
    const std::uint16_t l = lab.data()[n];
    add.data()[n] = l != 0 && static_cast<double>(contact[l]) >=
                                  o.lesion_contact * static_cast<double>(faces[l])
                        ? 1
                        : 0;
  }
  Mask out = dilate(add, o.lesion_opening_mm);
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    out.data()[n] = liver.data()[n] != 0 || (out.data()[n] != 0 && hypo.data()[n] != 0) ? 1 : 0;
  }
  out = fillHolesPerSlice(fillHoles(close(out, o.closing_radius_mm)));
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    if (w.smooth.data()[n] < o.fluid_max_hu || w.below_diaphragm.data()[n] == 0) out.data()[n] = 0;
  }
  return largestComponent(out, Connectivity::k6);
}

// Linear indices of the seeds on the work grid that fall inside the body; `first` receives the
// first such seed.
std::vector<std::size_t> seedIndices(const Mask& body, std::span<const Vec3> seeds_lps,
                                     Vec3& first) {
  std::vector<std::size_t> out;
  const ImageGeometry& g = body.geometry();
  for (const Vec3& p : seeds_lps) {
    const Vec3 c = g.lpsToIndex(p);
    const Index3 ijk{std::llround(c.x()), std::llround(c.y()), std::llround(c.z())};
    if (!g.contains(ijk)) continue;
    const std::size_t n =
        body.linearIndex(static_cast<std::size_t>(ijk[0]), static_cast<std::size_t>(ijk[1]),
                         static_cast<std::size_t>(ijk[2]));
    if (body.data()[n] == 0) continue;
    if (out.empty()) first = p;
    out.push_back(n);
  }
  return out;
}

// The voxel of `m` farthest from its background, LPS mm.
Vec3 deepestPoint(const Mask& m) {
  Mask outside(m.geometry(), 0);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) outside.data()[n] = m.data()[n] == 0 ? 1 : 0;
  const Volume<float> d2 = squaredDistanceMm2(outside);
  std::size_t best = 0;
  float best_d2 = -1.0F;
  for (std::size_t n = 0; n < d2.voxelCount(); ++n) {
    if (m.data()[n] != 0 && d2.data()[n] > best_d2) {
      best_d2 = d2.data()[n];
      best = n;
    }
  }
  const Size3& s = m.size();
  const Vec3 ijk(static_cast<double>(best % s[0]), static_cast<double>((best / s[0]) % s[1]),
                 static_cast<double>(best / (s[0] * s[1])));
  return m.geometry().indexToLps(ijk);
}

}  // namespace

// segmentLiver() on a CT in canonical storage (reorient.h).
static LiverSegmentation segmentLiverCanonical(const ImageVolume& ct_hu,
                                               const LiverOptions& options,
                                               std::span<const Vec3> seeds_lps) {
  if (ct_hu.empty()) noLiver("the CT volume is empty");
  const ImageGeometry grid = liver_detail::workGrid(ct_hu.geometry(), options.working_spacing_mm);
  Work w{options, liver_detail::median3(liver_detail::boxDownsample(ct_hu, grid)),
         Mask{},  Mask{},
         0.0,     {}};
  w.mr = options.modality == Modality::kMR;
  BodyOptions body_options;
  try {
    // MR: the body is what is brighter than the background (modality.h), normalised scale.
    if (w.mr) body_options.air_threshold_hu = mrBackgroundThreshold(w.smooth);
    w.body = segmentBody(w.smooth, body_options);
  } catch (const NoDataError& e) {
    noLiver(e.what());
  }
  w.tissue_lo = w.mr ? body_options.air_threshold_hu : options.soft_tissue_min_hu;
  w.tissue_hi = w.mr ? 1000.0F : options.soft_tissue_max_hu;
  // MR: lungs and bowel gas are not told apart from other dark tissue yet: no diaphragm step.
  w.below_diaphragm =
      w.mr ? Mask(grid, 1)
           : liver_detail::belowDiaphragm(w.smooth, w.body, options.diaphragm_tolerance_mm,
                                          options.mediastinum_max_width_mm);
  const MaskStats body = detail::maskStats(w.body);
  w.body_cx = body.centroid_lps.x();
  Vec3 first_seed(0, 0, 0);
  w.seeds = seedIndices(w.body, seeds_lps, first_seed);
  if (!seeds_lps.empty() && w.seeds.empty()) noLiver("every seed lies outside the body");

  LiverSegmentation r;
  IntensityModel model;
  Mask liver;
  if (!w.seeds.empty()) {
    model = clampModel(seedModel(w), w);
    liver = liverCandidate(w, model);
  } else if (!w.mr) {
    model = clampModel(automaticModels(w, 1).front(), w);
    liver = liverCandidate(w, model);
  } else {
    // MR: the liver is not always the histogram's mode (a dark T2 liver under bright bowel and
    // fluid); each of the highest peaks is tried and the region most like a liver kept: the most
    // voxels on the patient-right side, weighted by how high (superior) it lies in the body.
    const double body_ml = detail::volumeMl(grid, detail::maskStats(w.body).count);
    const Mask body_inner = erode(w.body, options.mr_outer_layer_mm);
    double best = -1;
    for (const IntensityModel& m0 : automaticModels(w, options.mr_model_peaks)) {
      IntensityModel m = clampModel(m0, w);
      Mask region = liverCandidate(w, m);
      // A region that is not mostly on the patient's right has run into left-sided organs
      // (spleen, stomach, bowel) of the same intensity: the window narrows until it is.
      for (int step = 0; step < options.mr_narrowing_steps &&
                         rightFraction(w, region) < options.mr_min_right_fraction;
           ++step) {
        m.sd *= options.mr_narrowing_factor;
        region = liverCandidate(w, m);
      }
      const double score = mrLiverScore(w, region, body_inner, body_ml);
      if (score > best) {
        best = score;
        model = m;
        liver = std::move(region);
      }
    }
  }
  if (detail::maskStats(liver).count > 0 && !w.mr) {
    const Mask core = erode(liver, 3.0);
    std::vector<float> values;
    for (std::size_t n = 0; n < core.voxelCount(); ++n) {
      if (core.data()[n] != 0) values.push_back(w.smooth.data()[n]);
    }
    if (values.size() >= voxelsForVolume(grid, options.min_liver_ml)) {
      model = clampModel(liver_detail::robustModel(values), w);
      liver = liverCandidate(w, model);
    }
  }

  // CT: lesions at the dome and between liver layers, which open onto the diaphragm.
  if (!w.mr && options.column_fill_max_mm > 0) {
    liver_detail::ColumnFillOptions cf;
    cf.min_hu = options.lesion_min_hu;
    cf.max_hu = static_cast<float>(model.mean + options.upper_sd * model.sd);
    cf.max_gap_mm = options.column_fill_max_mm;
    cf.diaphragm_mm = options.diaphragm_thickness_mm;
    cf.reach_mm = options.diaphragm_tolerance_mm + options.diaphragm_thickness_mm;
    liver = liver_detail::fillLiverColumns(liver, w.smooth, w.below_diaphragm, cf);
  }
  // CT: hypodense lesions at the surface (HU ranges); not on MR, where lesions may be darker or
  // brighter than the parenchyma depending on the sequence.
  if (!w.mr) liver = withSurfaceLesions(w, liver, model.mean - options.lower_sd * model.sd);
  liver = largestComponent(liver_detail::withoutVerticalTubes(
                               liver, options.tube_max_area_mm2, options.tube_min_length_mm,
                               options.tube_max_area_ratio, options.tube_min_fill),
                           Connectivity::k6);
  const MaskStats coarse = detail::maskStats(liver);
  const double coarse_ml = detail::volumeMl(grid, coarse.count);
  std::ostringstream why;
  if (coarse_ml < options.min_liver_ml) {
    why << "the largest region at " << model.mean << " " << units(w) << " (sd " << model.sd << " "
        << units(w) << ") holds " << coarse_ml << " mL, less than " << options.min_liver_ml
        << " mL";
    noLiver(why.str());
  }
  if (coarse_ml > options.max_body_fraction * detail::volumeMl(grid, body.count)) {
    why << "the region at " << model.mean << " " << units(w) << " (" << coarse_ml
        << " mL) fills more than " << options.max_body_fraction * 100.0
        << " % of the body: no distinct organ";
    noLiver(why.str());
  }
  if (w.seeds.empty() && coarse.centroid_lps.x() >= w.body_cx) {
    why << "the region at " << model.mean << " " << units(w)
        << " lies on the patient-left side of the body";
    noLiver(why.str());
  }

  r.mask = liver_detail::upsampleMask(liver, ct_hu.geometry());
  const MaskStats fine = detail::maskStats(r.mask);
  r.volume_ml = detail::volumeMl(ct_hu.geometry(), fine.count);
  r.centroid_lps = fine.centroid_lps;
  r.mean_hu = model.mean;
  r.sd_hu = model.sd;
  r.lower_hu = model.mean - (w.mr ? options.mr_lower_sd : options.lower_sd) * model.sd;
  r.upper_hu = model.mean + (w.mr ? options.mr_upper_sd : options.upper_sd) * model.sd;
  r.seed_from_user = !w.seeds.empty();
  r.seed_lps = r.seed_from_user ? first_seed : deepestPoint(liver);
  return r;
}

// segmentLiver() on CT in HU or MR on the normalised scale (modality.h). The working grid, the
// slice-wise passes and the scan orders are index-space: they run on one canonical storage so
// that prone, feet-first or flipped storages of the same anatomy agree.
static LiverSegmentation segmentLiverNormalised(const ImageVolume& image,
                                                const LiverOptions& options,
                                                std::span<const Vec3> seeds_lps) {
  const detail::StandardGrid grid(image.geometry());
  if (grid.passthrough() || image.empty()) return segmentLiverCanonical(image, options, seeds_lps);
  LiverSegmentation s = segmentLiverCanonical(grid.image(image), options, seeds_lps);
  s.mask = grid.back(s.mask);
  if (grid.oblique()) {
    const MaskStats m = detail::maskStats(s.mask);
    s.volume_ml = detail::volumeMl(image.geometry(), m.count);
    s.centroid_lps = m.centroid_lps;
  }
  return s;
}

LiverSegmentation segmentLiver(const ImageVolume& image, const LiverOptions& options,
                               std::span<const Vec3> seeds_lps) {
  if (options.modality == Modality::kMR && !image.empty()) {
    return segmentLiverNormalised(normalizedMr(image), options, seeds_lps);
  }
  return segmentLiverNormalised(image, options, seeds_lps);
}

}  // namespace rfa::segmentation
