// Lesion from a click: robust local statistics, an iterated midpoint threshold, region growing and
// mm morphology on a crop around the seed (method in lesion.h).
#include "rfa/segmentation/lesion.h"

#include "convex_hull.h"
#include "lesion_smoothing.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <sstream>
#include <vector>

#include "mask_stats.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/components.h"
#include "standard_grid.h"

namespace rfa::segmentation {

namespace {

using I64 = std::int64_t;

std::string formatPoint(const Vec3& p) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << "(" << p.x() << ", " << p.y() << ", " << p.z() << ") mm";
  return s.str();
}

// Median of `v` (reordered); 0 for an empty vector.
double median(std::vector<float>& v) {
  if (v.empty()) return 0.0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// 1.4826 x the median absolute deviation from `m` of the values on the side of `m` away from
// `lesion`: a robust standard deviation of the surrounding that lesion voxels mixed into the
// sample (partial volume, an irregular border) do not inflate.
double oneSidedSd(const std::vector<float>& v, double m, double lesion) {
  std::vector<float> dev;
  for (const float x : v) {
    if ((x - m) * (m - lesion) >= 0) dev.push_back(static_cast<float>(std::abs(x - m)));
  }
  return 1.4826 * median(dev);
}

// A box of the CT around the seed with the smoothed CT, the allowed voxels and the seed.
struct Crop {
  std::array<I64, 3> lo{0, 0, 0};
  ImageVolume raw;     // the CT in the crop (crop geometry)
  ImageVolume smooth;  // the same, smoothed
  Mask allowed;        // inside the search ball and (if given) the dilated liver
  Mask liver_ok;       // inside the dilated liver (all 1 without a liver)
  std::array<I64, 3> seed{0, 0, 0};
  Vec3 spacing{1, 1, 1};

  [[nodiscard]] double dist2(std::size_t i, std::size_t j, std::size_t k) const {
    const double dx = (static_cast<double>(i) - static_cast<double>(seed[0])) * spacing.x();
    const double dy = (static_cast<double>(j) - static_cast<double>(seed[1])) * spacing.y();
    const double dz = (static_cast<double>(k) - static_cast<double>(seed[2])) * spacing.z();
    return dx * dx + dy * dy + dz * dz;
  }
};

Crop makeCrop(const ImageVolume& ct, const Index3& seed, const LesionSeedOptions& o,
              const Mask* liver) {
  const ImageGeometry& g = ct.geometry();
  Crop c;
  c.spacing = g.spacing();
  const double reach_mm = o.max_radius_mm + o.shell_gap_mm + o.shell_width_mm +
                          3.0 * o.smoothing_sigma_mm + o.liver_margin_mm;
  Size3 size{};
  for (std::size_t a = 0; a < 3; ++a) {
    const I64 h = static_cast<I64>(std::ceil(reach_mm / c.spacing[static_cast<int>(a)])) + 1;
    const I64 n = static_cast<I64>(g.size()[a]);
    c.lo[a] = std::max(I64{0}, seed[a] - h);
    const I64 hi = std::min(n - 1, seed[a] + h);
    size[a] = static_cast<std::size_t>(hi - c.lo[a] + 1);
    c.seed[a] = seed[a] - c.lo[a];
  }
  const Vec3 origin = g.indexToLps(Vec3(static_cast<double>(c.lo[0]), static_cast<double>(c.lo[1]),
                                        static_cast<double>(c.lo[2])));
  const ImageGeometry cg(size, c.spacing, origin, g.direction());
  c.smooth = ImageVolume::uninitialized(cg);
  c.liver_ok = Mask(cg, 1);
  for (std::size_t k = 0; k < size[2]; ++k) {
    for (std::size_t j = 0; j < size[1]; ++j) {
      const std::size_t src =
          ct.linearIndex(static_cast<std::size_t>(c.lo[0]), j + static_cast<std::size_t>(c.lo[1]),
                         k + static_cast<std::size_t>(c.lo[2]));
      const std::size_t dst = c.smooth.linearIndex(0, j, k);
      std::copy_n(ct.data().data() + src, size[0], c.smooth.data().data() + dst);
      if (liver != nullptr) {
        std::copy_n(liver->data().data() + src, size[0], c.liver_ok.data().data() + dst);
      }
    }
  }
  if (liver != nullptr) c.liver_ok = dilate(c.liver_ok, o.liver_margin_mm);
  c.raw = c.smooth;
  lesion_detail::smoothInside(c.smooth, liver != nullptr ? &c.liver_ok : nullptr,
                              o.smoothing_sigma_mm);
  c.allowed = c.liver_ok;
  const double r2 = o.max_radius_mm * o.max_radius_mm;
  for (std::size_t k = 0; k < size[2]; ++k) {
    for (std::size_t j = 0; j < size[1]; ++j) {
      for (std::size_t i = 0; i < size[0]; ++i) {
        if (c.dist2(i, j, k) > r2) c.allowed(i, j, k) = 0;
      }
    }
  }
  return c;
}

// Smoothed values of the liver-allowed voxels in 1-mm rings around the seed: rings[r] holds the
// voxels with floor(distance) == r.
std::vector<std::vector<float>> radialRings(const Crop& c, double max_mm) {
  std::vector<std::vector<float>> rings(static_cast<std::size_t>(max_mm) + 1);
  const Size3& s = c.smooth.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const double d = std::sqrt(c.dist2(i, j, k));
        if (d > max_mm || c.liver_ok(i, j, k) == 0) continue;
        rings[static_cast<std::size_t>(d)].push_back(c.smooth(i, j, k));
      }
    }
  }
  return rings;
}

std::vector<float> ringValues(const std::vector<std::vector<float>>& rings, double from_mm,
                              double to_mm) {
  std::vector<float> v;
  const auto a = static_cast<std::size_t>(std::max(0.0, from_mm));
  const auto b = std::min(rings.size(), static_cast<std::size_t>(std::ceil(to_mm)));
  for (std::size_t r = a; r < b; ++r) v.insert(v.end(), rings[r].begin(), rings[r].end());
  return v;
}

// Voxels of `c.allowed` within [lo, hi] 6-connected to `start`.
Mask grow(const Crop& c, const std::array<I64, 3>& start, float lo, float hi) {
  Mask region(c.smooth.geometry(), 0);
  const Size3& s = c.smooth.size();
  const std::array<I64, 3> n{static_cast<I64>(s[0]), static_cast<I64>(s[1]),
                             static_cast<I64>(s[2])};
  const float* v = c.smooth.data().data();
  const std::uint8_t* ok = c.allowed.data().data();
  std::uint8_t* out = region.data().data();
  std::deque<std::array<I64, 3>> queue{start};
  out[region.linearIndex(static_cast<std::size_t>(start[0]), static_cast<std::size_t>(start[1]),
                         static_cast<std::size_t>(start[2]))] = 1;
  constexpr std::array<std::array<I64, 3>, 6> kSteps{
      {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}};
  while (!queue.empty()) {
    const std::array<I64, 3> p = queue.front();
    queue.pop_front();
    for (const auto& d : kSteps) {
      const std::array<I64, 3> q{p[0] + d[0], p[1] + d[1], p[2] + d[2]};
      if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= n[0] || q[1] >= n[1] || q[2] >= n[2]) {
        continue;
      }
      const auto idx = static_cast<std::size_t>(q[0] + n[0] * (q[1] + n[1] * q[2]));
      if (out[idx] != 0 || ok[idx] == 0 || v[idx] < lo || v[idx] > hi) continue;
      out[idx] = 1;
      queue.push_back(q);
    }
  }
  return region;
}

// Component of `m` holding the voxel `at`, or the nearest voxel of `m` to it within `within_mm`
// (empty mask if none).
Mask componentAt(const Mask& m, const Crop& c, double within_mm) {
  const ComponentLabels labels = labelComponents(m, Connectivity::k6);
  std::uint16_t best = 0;
  double best_d2 = within_mm * within_mm;
  const Size3& s = m.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const std::uint16_t l = labels.labels(i, j, k);
        if (l == 0) continue;
        const double d2 = c.dist2(i, j, k);
        if (d2 <= best_d2) {
          best_d2 = d2;
          best = l;
        }
      }
    }
  }
  Mask out(m.geometry(), 0);
  if (best == 0) return out;
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    out.data()[n] = labels.labels.data()[n] == best ? 1 : 0;
  }
  return out;
}

// Threshold between the lesion and surrounding medians: as near the surrounding as its noise
// allows (surround_sd_factor robust SDs away), but no nearer than min_gap_fraction of the contrast
// and no farther than the midpoint.
double thresholdBetween(double lesion, double surround, double surround_sd,
                        const LesionSeedOptions& o) {
  const double contrast = std::abs(surround - lesion);
  const double gap =
      std::clamp(o.surround_sd_factor * surround_sd, o.min_gap_fraction * contrast, 0.5 * contrast);
  return surround > lesion ? surround - gap : surround + gap;
}

// Adds to `m` the voxels of `c.allowed` brighter than calcification_hu on the unsmoothed CT
// within calcification_reach_mm of `m`: calcified parts of the lesion at its border.
void addCalcifications(Mask& m, const Crop& c, const LesionSeedOptions& o) {
  const Mask near = dilate(m, o.calcification_reach_mm);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) {
    if (near.data()[n] != 0 && c.allowed.data()[n] != 0 && c.raw.data()[n] > o.calcification_hu) {
      m.data()[n] = 1;
    }
  }
}

}  // namespace

// segmentLesionFromSeed() on a CT (and liver) in canonical storage (reorient.h).
static LesionSegmentation segmentLesionCanonical(const ImageVolume& ct, const Vec3& seed_lps,
                                                 const LesionSeedOptions& o, const Mask* liver) {
  const ImageGeometry& g = ct.geometry();
  const Vec3 idx = g.lpsToIndex(seed_lps);
  if (ct.empty() || !g.containsContinuous(idx)) {
    throw GeometryError("seed " + formatPoint(seed_lps) + " is outside the image (" + g.describe() +
                        ")");
  }
  if (o.max_radius_mm <= 0 || o.core_radius_mm <= 0 || o.shell_width_mm <= 0 ||
      o.shell_gap_mm < 0 || o.smoothing_sigma_mm < 0 || o.max_iterations < 1) {
    throw GeometryError("segmentLesionFromSeed: radii and widths must be > 0 (mm)");
  }
  if (liver != nullptr && !liver->geometry().sameGrid(g)) {
    throw GeometryError("segmentLesionFromSeed: the liver mask is not on the CT grid");
  }
  Index3 seed{};
  for (int a = 0; a < 3; ++a) {
    seed[static_cast<std::size_t>(a)] = std::clamp(static_cast<I64>(std::lround(idx[a])), I64{0},
                                                   static_cast<I64>(g.size()[a]) - 1);
  }
  {
    std::vector<float> around;
    for (I64 dk = -1; dk <= 1; ++dk) {
      for (I64 dj = -1; dj <= 1; ++dj) {
        for (I64 di = -1; di <= 1; ++di) {
          const Index3 q{seed[0] + di, seed[1] + dj, seed[2] + dk};
          if (!g.contains(q)) continue;
          around.push_back(ct(static_cast<std::size_t>(q[0]), static_cast<std::size_t>(q[1]),
                              static_cast<std::size_t>(q[2])));
        }
      }
    }
    if (median(around) < o.air_threshold_hu) {
      throw NoDataError("seed " + formatPoint(seed_lps) + " lies outside the body (air, " +
                        std::to_string(static_cast<int>(median(around))) + " HU)");
    }
  }
  const Crop c = makeCrop(ct, seed, o, liver);
  LesionSegmentation r;

  // Lesion and surrounding from concentric shells around the seed.
  const auto rings = radialRings(c, o.max_radius_mm + o.shell_width_mm);
  std::vector<float> core = ringValues(rings, 0, o.core_radius_mm);
  if (core.empty())
    core.push_back(c.smooth(static_cast<std::size_t>(c.seed[0]),
                            static_cast<std::size_t>(c.seed[1]),
                            static_cast<std::size_t>(c.seed[2])));
  double lesion = median(core);
  double surround = lesion;
  double surround_sd = 0;
  double first_edge = -1;
  for (double rin = std::floor(o.core_radius_mm); rin <= o.max_radius_mm; rin += 1.0) {
    std::vector<float> shell = ringValues(rings, rin, rin + o.shell_width_mm);
    if (shell.size() < 20) continue;
    const double m = median(shell);
    if (first_edge < 0) {
      if (std::abs(m - lesion) < o.min_contrast_hu) continue;
      first_edge = rin;
    } else if (std::abs(m - lesion) <= std::abs(surround - lesion) ||
               (m - lesion) * (surround - lesion) < 0) {
      break;  // plateau reached (or the profile turned back)
    }
    surround = m;
    surround_sd = oneSidedSd(shell, m, lesion);
    r.radius_searched_mm = rin + o.shell_width_mm;
  }
  if (first_edge < 0) {
    throw NoDataError("seed " + formatPoint(seed_lps) + ": no surrounding differing by " +
                      std::to_string(o.min_contrast_hu) + " HU within " +
                      std::to_string(o.max_radius_mm) + " mm (nothing lesion-like)");
  }

  // Iterated midpoint threshold and region growing.
  Mask region;
  double threshold = thresholdBetween(lesion, surround, surround_sd, o);
  for (int it = 0; it < o.max_iterations; ++it) {
    r.hyperdense = lesion > surround;
    const double reach = std::max(o.far_margin_hu, std::abs(surround - lesion));
    const auto lo = static_cast<float>(
        r.hyperdense ? threshold : std::max<double>(lesion - reach, o.air_threshold_hu));
    const auto hi = static_cast<float>(r.hyperdense ? lesion + reach : threshold);
    // Start at the seed or, if it does not qualify (calcification, vessel), the nearest voxel in
    // the core ball that does.
    std::array<I64, 3> start{-1, -1, -1};
    double best = o.core_radius_mm * o.core_radius_mm;
    for (std::size_t n = 0; n < c.smooth.voxelCount(); ++n) {
      const float v = c.smooth.data()[n];
      if (c.allowed.data()[n] == 0 || v < lo || v > hi) continue;
      const Size3& s = c.smooth.size();
      const std::size_t i = n % s[0];
      const std::size_t j = (n / s[0]) % s[1];
      const std::size_t k = n / (s[0] * s[1]);
      const double d2 = c.dist2(i, j, k);
      if (d2 <= best) {
        best = d2;
        start = {static_cast<I64>(i), static_cast<I64>(j), static_cast<I64>(k)};
      }
    }
    if (start[0] < 0) break;
    region = grow(c, start, lo, hi);
    r.iterations = it + 1;
    r.threshold_hu = threshold;
    // Re-estimate both sides.
    std::vector<float> in;
    std::vector<float> band;
    const Mask inner = dilate(region, o.shell_gap_mm);
    const Mask outer = dilate(region, o.shell_gap_mm + o.shell_width_mm);
    for (std::size_t n = 0; n < region.voxelCount(); ++n) {
      if (region.data()[n] != 0) {
        in.push_back(c.smooth.data()[n]);
      } else if (outer.data()[n] != 0 && inner.data()[n] == 0 && c.liver_ok.data()[n] != 0) {
        band.push_back(c.smooth.data()[n]);
      }
    }
    const double new_surround = band.empty() ? surround : median(band);
    const double new_sd = band.empty() ? surround_sd : oneSidedSd(band, new_surround, lesion);
    r.region_median_hu = median(in);
    if (std::abs(new_surround - lesion) < o.min_contrast_hu ||
        (new_surround - lesion) * (surround - lesion) < 0) {
      break;  // the estimate collapsed (leak): keep the last threshold
    }
    surround = new_surround;
    surround_sd = new_sd;
    const double next = thresholdBetween(lesion, surround, surround_sd, o);
    if (std::abs(next - threshold) < 1.0) break;
    threshold = next;
  }
  r.lesion_median_hu = lesion;
  r.surround_median_hu = surround;
  r.surround_sd_hu = surround_sd;
  if (region.empty()) {
    throw NoDataError("seed " + formatPoint(seed_lps) + ": nothing lesion-like grows from it");
  }

  // Clean-up in mm.
  Mask m = o.opening_radius_mm > 0 ? dilate(erode(region, o.opening_radius_mm), o.opening_radius_mm)
                                   : region;
  m = componentAt(m, c, o.core_radius_mm);
  if (o.closing_radius_mm > 0) m = close(m, o.closing_radius_mm);
  m = componentAt(fillHoles(m), c, o.core_radius_mm);
  if (o.calcification_reach_mm > 0) addCalcifications(m, c, o);
  if (o.convex_per_slice) {
    m = detail::convexHullPerSlice(m);
    for (std::size_t n = 0; n < m.voxelCount(); ++n) m.data()[n] &= c.allowed.data()[n];
    m = componentAt(m, c, o.core_radius_mm);
  }

  // Back onto the CT grid, with the diagnostics.
  r.mask = Mask(g, 0);
  const Size3& s = m.size();
  const double limit = std::max(0.0, o.max_radius_mm - 2.0);
  double sum = 0;
  double sum2 = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (m(i, j, k) == 0) continue;
        const std::size_t gi = i + static_cast<std::size_t>(c.lo[0]);
        const std::size_t gj = j + static_cast<std::size_t>(c.lo[1]);
        const std::size_t gk = k + static_cast<std::size_t>(c.lo[2]);
        r.mask(gi, gj, gk) = 1;
        const double v = ct(gi, gj, gk);
        sum += v;
        sum2 += v * v;
        ++r.voxel_count;
        if (c.dist2(i, j, k) > limit * limit) r.reached_search_limit = true;
      }
    }
  }
  if (r.voxel_count == 0) {
    throw NoDataError("seed " + formatPoint(seed_lps) + ": nothing lesion-like grows from it");
  }
  const auto n = static_cast<double>(r.voxel_count);
  r.lesion_mean_hu = sum / n;
  r.lesion_sd_hu = std::sqrt(std::max(0.0, sum2 / n - r.lesion_mean_hu * r.lesion_mean_hu));
  r.volume_ml = n * g.voxelVolumeMm3() / 1000.0;
  return r;
}

LesionSegmentation segmentLesionFromSeed(const ImageVolume& ct, const Vec3& seed_lps,
                                         const LesionSeedOptions& o, const Mask* liver) {
  const detail::StandardGrid grid(ct.geometry());
  if (grid.passthrough() || ct.empty()) return segmentLesionCanonical(ct, seed_lps, o, liver);
  std::optional<Mask> standard_liver;
  if (liver != nullptr && liver->geometry().sameGrid(ct.geometry())) {
    standard_liver = grid.labels(*liver);
  }
  LesionSegmentation s = segmentLesionCanonical(
      grid.image(ct), seed_lps, o,
      standard_liver ? &*standard_liver : liver);  // a liver on another grid: refused as before
  s.mask = grid.back(s.mask);
  if (grid.oblique()) {
    s.voxel_count = detail::maskStats(s.mask).count;
    s.volume_ml = detail::volumeMl(ct.geometry(), s.voxel_count);
  }
  return s;
}

}  // namespace rfa::segmentation
