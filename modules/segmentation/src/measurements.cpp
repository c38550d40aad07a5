// Per-lesion measurements: one pass over the label map for counts, sums and bounding boxes, then
// each lesion in parallel on its own crop (see measurements.h for the definitions).
#include "rfa/segmentation/measurements.h"

#include <algorithm>
#include <array>
#include <limits>

#include "outline.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "vessel_distance.h"

namespace rfa::segmentation {

namespace {

struct LabelStats {
  std::size_t count = 0;
  std::array<double, 3> sum{0, 0, 0};  // of voxel indices
  Index3 lo{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max(),
            std::numeric_limits<std::int64_t>::max()};
  Index3 hi{-1, -1, -1};
};

std::vector<LabelStats> collectStats(const LabelMap& labels) {
  std::vector<LabelStats> stats(std::size_t{std::numeric_limits<std::uint16_t>::max()} + 1);
  const Size3& s = labels.size();
  std::size_t n = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i, ++n) {
        const std::uint16_t l = labels.data()[n];
        if (l == 0) continue;
        LabelStats& st = stats[l];
        const Index3 ijk{static_cast<std::int64_t>(i), static_cast<std::int64_t>(j),
                         static_cast<std::int64_t>(k)};
        ++st.count;
        for (std::size_t a = 0; a < 3; ++a) {
          st.sum[a] += static_cast<double>(ijk[a]);
          st.lo[a] = std::min(st.lo[a], ijk[a]);
          st.hi[a] = std::max(st.hi[a], ijk[a]);
        }
      }
    }
  }
  return stats;
}

// Longest in-plane diameter over the slices, and the longest perpendicular one in that slice.
void measureAxial(const ImageGeometry& g, const detail::Crop& crop, LesionMeasurement& m) {
  double best = -1.0;
  std::size_t best_k = 0;
  for (std::size_t k = 0; k < crop.size[2]; ++k) {
    const std::vector<detail::Doubled> outline = detail::outlinePoints(crop, k);
    if (outline.empty()) continue;
    const Segment s = detail::farthestPair(detail::toLps(g, detail::hullCandidates(outline)));
    if (s.length() > best) {
      best = s.length();
      best_k = k;
      m.axial_long = s;
    }
  }
  m.axial_long_mm = best;
  m.axial_slice = static_cast<std::size_t>(crop.origin[2]) + best_k;
  const Mat3& to_lps = g.indexToLpsMatrix();
  const Vec3 normal = to_lps.col(0).cross(to_lps.col(1)).normalized();
  const Vec3 axis = best > 0.0 ? Vec3((m.axial_long.b - m.axial_long.a) / best)
                               : Vec3(to_lps.col(0).normalized());
  const double tolerance = 0.5 * std::max(g.spacing().x(), g.spacing().y());
  m.axial_short = detail::longestPerpendicular(
      detail::toLps(g, detail::outlinePoints(crop, best_k)), axis, normal, tolerance);
  m.axial_short_mm = m.axial_short.length();
}

LesionMeasurement measureOne(const LabelMap& labels, std::uint16_t label, const LabelStats& st,
                             const ImageVolume* vessels, const MeasurementOptions& options) {
  const ImageGeometry& g = labels.geometry();
  LesionMeasurement m;
  m.label = label;
  m.voxel_count = st.count;
  m.volume_ml = static_cast<double>(st.count) * g.voxelVolumeMm3() / 1000.0;
  const double c = static_cast<double>(st.count);
  m.centroid_lps = g.indexToLps(Vec3(st.sum[0] / c, st.sum[1] / c, st.sum[2] / c));
  m.bbox_min = st.lo;
  m.bbox_max = st.hi;
  const detail::Crop crop = detail::cropLabel(labels, label, st.lo, st.hi);
  measureAxial(g, crop, m);
  m.longest_3d =
      detail::farthestPair(detail::toLps(g, detail::hullCandidates(detail::surfacePoints(crop))));
  m.longest_3d_mm = m.longest_3d.length();
  if (vessels != nullptr) {
    m.vessel_gap_mm = detail::vesselGap(labels, label, st.lo, st.hi, *vessels, options);
  }
  return m;
}

std::vector<LesionMeasurement> measureAll(const LabelMap& lesions, const ImageVolume* vessels,
                                          const MeasurementOptions& options) {
  const std::vector<LabelStats> stats = collectStats(lesions);
  std::vector<std::uint16_t> present;
  for (std::size_t l = 1; l < stats.size(); ++l) {
    if (stats[l].count > 0) present.push_back(static_cast<std::uint16_t>(l));
  }
  std::vector<LesionMeasurement> out(present.size());
  parallelFor(present.size(), [&](std::size_t n) {
    out[n] = measureOne(lesions, present[n], stats[present[n]], vessels, options);
  });
  return out;
}

}  // namespace

std::vector<LesionMeasurement> measureLesions(const LabelMap& lesions,
                                              const MeasurementOptions& options) {
  return measureAll(lesions, nullptr, options);
}

std::vector<LesionMeasurement> measureLesions(const LabelMap& lesions,
                                              const ImageVolume& vessel_radius_mm,
                                              const MeasurementOptions& options) {
  if (!lesions.geometry().sameGrid(vessel_radius_mm.geometry())) {
    throw GeometryError("measureLesions: vessel radius grid " +
                        vessel_radius_mm.geometry().describe() + " differs from the lesion grid " +
                        lesions.geometry().describe());
  }
  return measureAll(lesions, &vessel_radius_mm, options);
}

}  // namespace rfa::segmentation
