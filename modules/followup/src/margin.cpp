#include "rfa/followup/margin.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "crop.h"
#include "rfa/core/error.h"
#include "rfa/core/resample.h"
#include "surface_points.h"

namespace rfa::followup {
namespace {

// Margins are exact up to this distance (mm); larger ones are reported as found in the box.
constexpr double kReachMm = 15.0;

// Smoothed indicator (1 inside, 0 outside) of `m` sampled on `fine`: the Gaussian (sigma_mm per
// axis) rounds the voxel staircase off; the 0.5 level is the anti-aliased surface.
Volume<float> indicatorOn(const Mask& m, const ImageGeometry& fine, const Vec3& sigma_mm) {
  Volume<float> f(m.geometry());
  auto fv = f.data();
  const auto mv = m.data();
  for (std::size_t n = 0; n < fv.size(); ++n) fv[n] = mv[n] != 0 ? 1.0F : 0.0F;
  detail::gaussianSmooth(f, sigma_mm);
  return resample(f, fine, Interpolation::kLinear, 0.0F);
}

Mask binary(const Mask& m) {
  Mask out(m.geometry());
  auto o = out.data();
  const auto in = m.data();
  for (std::size_t n = 0; n < o.size(); ++n) o[n] = in[n] != 0 ? 1 : 0;
  return out;
}

// As indicatorOn() for a field that is already an occupancy (0..1).
Volume<float> occupancyOn(Volume<float> f, const ImageGeometry& fine, const Vec3& sigma_mm) {
  detail::gaussianSmooth(f, sigma_mm);
  return resample(f, fine, Interpolation::kLinear, 0.0F);
}

MarginResult measure(const Mask& lesion, const Mask& zone, const Volume<float>* zone_occupancy,
                     const Mask& liver, const MarginOptions& options, Volume<float>* margin_map) {
  if (!lesion.geometry().sameGrid(zone.geometry()) ||
      !lesion.geometry().sameGrid(liver.geometry()) ||
      (zone_occupancy != nullptr && !lesion.geometry().sameGrid(zone_occupancy->geometry()))) {
    throw GeometryError(
        "margin: lesion, ablation zone (and its occupancy) and liver must share one grid (lesion " +
        lesion.geometry().describe() + ", zone " + zone.geometry().describe() + ", liver " +
        liver.geometry().describe() + ")");
  }
  if (!(options.histogram_bin_mm > 0) || !(options.histogram_max_mm > options.histogram_min_mm)) {
    throw UsageError("margin: histogram bins must be > 0 mm and max > min");
  }
  const auto lesion_box = detail::boundingBox(lesion);
  if (!lesion_box) throw NoDataError("margin: the lesion mask is empty");
  const ImageGeometry& g = lesion.geometry();
  const double voxel_ml = g.voxelVolumeMm3() / 1000.0;

  MarginResult r;
  r.histogram_min_mm = options.histogram_min_mm;
  r.histogram_bin_mm = options.histogram_bin_mm;
  const auto bins = static_cast<std::size_t>(
      std::ceil((options.histogram_max_mm - options.histogram_min_mm) / options.histogram_bin_mm));
  r.histogram.assign(std::max<std::size_t>(bins, 1), 0);

  const auto zone_box = detail::boundingBox(zone);
  // The work box: the lesion + 15 mm (farther zone surface cannot set a margin below 15 mm),
  // within the lesion and zone box + 5 mm (smoothing, 3 sigma with sigma <= 1.2 mm, and the liver
  // next to the zone). Zones of far-away lesions stay out of it.
  detail::IndexBox box = detail::pad(*lesion_box, kReachMm, g);
  {
    const detail::IndexBox around =
        detail::pad(zone_box ? detail::unite(*lesion_box, *zone_box) : *lesion_box, 5.0, g);
    for (int d = 0; d < 3; ++d) {
      box.lo[static_cast<std::size_t>(d)] =
          std::max(box.lo[static_cast<std::size_t>(d)], around.lo[static_cast<std::size_t>(d)]);
      box.hi[static_cast<std::size_t>(d)] =
          std::min(box.hi[static_cast<std::size_t>(d)], around.hi[static_cast<std::size_t>(d)]);
    }
  }
  const Mask les = binary(detail::crop(lesion, box));
  const Mask zon = binary(detail::crop(zone, box));
  const Mask liv = binary(detail::crop(liver, box));

  const auto lv = les.data();
  const auto zv = zon.data();
  std::size_t lesion_voxels = 0, residual_voxels = 0;
  for (std::size_t n = 0; n < lv.size(); ++n) {
    lesion_voxels += lv[n];
    if (lv[n] != 0 && zv[n] == 0) ++residual_voxels;
  }
  r.lesion_volume_ml = static_cast<double>(lesion_voxels) * voxel_ml;
  r.residual_volume_ml = static_cast<double>(residual_voxels) * voxel_ml;
  if (zone_box) {
    std::size_t zone_voxels = 0;
    for (const auto v : zone.data()) zone_voxels += v != 0 ? 1 : 0;
    r.zone_volume_ml = static_cast<double>(zone_voxels) * voxel_ml;
  }

  // Surfaces on a finer isotropic grid (half the smallest spacing, at least 0.4 mm) from the
  // smoothed masks: sub-voxel points where each smoothed indicator crosses 0.5 (the vertices
  // marching cubes would place), so that the voxel staircase does not bias the minimum.
  const Vec3& sp = g.spacing();
  const double fine_mm = std::max(0.4, 0.5 * sp.minCoeff());
  const ImageGeometry fine = withSpacing(les.geometry(), Vec3(fine_mm, fine_mm, fine_mm));
  // Per axis: rounds the staircase off; at most 1.2 mm so that thick slices do not shrink small
  // shapes away.
  const Vec3 sigma_mm = (0.9 * sp).cwiseMin(Vec3::Constant(1.2));
  const Volume<float> f_les = indicatorOn(les, fine, sigma_mm);
  const Volume<float> f_zone = zone_occupancy != nullptr
                                   ? occupancyOn(detail::crop(*zone_occupancy, box), fine, sigma_mm)
                                   : indicatorOn(zon, fine, sigma_mm);
  const Volume<float> f_liver = indicatorOn(liv, fine, sigma_mm);
  const auto fz = f_zone.data();
  const auto fl = f_liver.data();
  // Zone surface: all of it (uncorrected), and the part facing non-ablated liver (corrected:
  // the outside end of the edge is liver).
  std::vector<Vec3> zone_all, zone_live;
  // The liver is tested a little beyond the crossing (0.6 voxel of the image grid, on the fine
  // grid): a zone that ends at the capsule and the liver's own edge cross 0.5 a fraction of a
  // voxel apart (image noise in an occupancy field), which must not count as live liver.
  const Size3& fn = f_zone.size();
  const auto probe = static_cast<long>(std::ceil(0.6 * sp.maxCoeff() / fine_mm));
  auto liverBeyond = [&](const detail::EdgeCrossing& c) {
    const std::size_t outside = c.p_inside ? c.q : c.p;
    const std::size_t step = c.q - c.p;
    const int axis = step == 1 ? 0 : (step == fn[0] ? 1 : 2);
    std::array<long, 3> at{static_cast<long>(outside % fn[0]),
                           static_cast<long>((outside / fn[0]) % fn[1]),
                           static_cast<long>(outside / (fn[0] * fn[1]))};
    at[static_cast<std::size_t>(axis)] += c.p_inside ? probe : -probe;
    const long hi = static_cast<long>(fn[static_cast<std::size_t>(axis)]) - 1;
    at[static_cast<std::size_t>(axis)] = std::clamp(at[static_cast<std::size_t>(axis)], 0L, hi);
    return fl[static_cast<std::size_t>(at[0]) +
              fn[0] * (static_cast<std::size_t>(at[1]) +
                       fn[1] * static_cast<std::size_t>(at[2]))] >= 0.5F;
  };
  for (const detail::EdgeCrossing& c : detail::levelCrossings(f_zone)) {
    zone_all.push_back(c.lps);
    const std::size_t outside = c.p_inside ? c.q : c.p;
    if (fl[outside] >= 0.5F && liverBeyond(c)) zone_live.push_back(c.lps);
  }
  const detail::PointIndex all_index(std::move(zone_all), 2.0);
  const detail::PointIndex live_index(std::move(zone_live), 2.0);

  Volume<float> map_part;
  Volume<std::uint16_t> faces_per_voxel;
  if (margin_map != nullptr) {
    map_part = Volume<float>(les.geometry(), 0.0F);
    faces_per_voxel = Volume<std::uint16_t>(les.geometry(), 0);
  }

  // A lesion without any zone: every point is "far" outside (kept finite for the sums).
  constexpr double kFarMm = 1000.0;
  double min_corr = std::numeric_limits<double>::infinity();
  double min_unc = std::numeric_limits<double>::infinity();
  double sum = 0;
  std::size_t at_threshold = 0, subcapsular = 0, points = 0;
  Vec3 min_point(0, 0, 0);
  std::vector<detail::EdgeCrossing> lesion_surface = detail::levelCrossings(f_les);
  if (lesion_surface.empty()) {
    // A lesion smaller than the smoothing (a few voxels): its unsmoothed outline instead.
    lesion_surface = detail::levelCrossings(indicatorOn(les, fine, Vec3::Zero()));
  }
  for (const detail::EdgeCrossing& c : lesion_surface) {
    const double zone_level = fz[c.p] + c.t * (fz[c.q] - fz[c.p]);
    const bool in_zone = zone_level >= 0.5;
    const double d_all = std::min(kFarMm, all_index.nearestDistance(c.lps));
    const double m_unc = in_zone ? d_all : -d_all;
    const double m_corr = in_zone ? std::min(kFarMm, live_index.nearestDistance(c.lps)) : -d_all;
    ++points;
    sum += m_corr;
    if (m_corr >= options.threshold_mm) ++at_threshold;
    if (m_corr > m_unc + options.subcapsular_tolerance_mm) ++subcapsular;
    min_unc = std::min(min_unc, m_unc);
    if (m_corr < min_corr) {
      min_corr = m_corr;
      min_point = c.lps;
    }
    const double bin = std::floor((m_corr - options.histogram_min_mm) / options.histogram_bin_mm);
    ++r.histogram[static_cast<std::size_t>(
        std::clamp(bin, 0.0, static_cast<double>(r.histogram.size() - 1)))];
    if (margin_map != nullptr) {
      // Credited to the nearest voxel of the image grid.
      const Vec3 idx = les.geometry().lpsToIndex(c.lps);
      std::array<std::size_t, 3> v{};
      for (int d = 0; d < 3; ++d) {
        const double hi = static_cast<double>(les.size()[static_cast<std::size_t>(d)] - 1);
        v[static_cast<std::size_t>(d)] =
            static_cast<std::size_t>(std::clamp(std::round(idx[d]), 0.0, hi));
      }
      map_part(v[0], v[1], v[2]) += static_cast<float>(m_corr);
      ++faces_per_voxel(v[0], v[1], v[2]);
    }
  }
  r.surface_points = static_cast<int>(points);
  r.minimal_margin_mm = min_corr;
  r.minimal_margin_uncorrected_mm = min_unc;
  r.minimal_margin_point_lps = min_point;
  r.mean_margin_mm = points > 0 ? sum / static_cast<double>(points) : 0.0;
  r.percent_at_threshold =
      points > 0 ? 100.0 * static_cast<double>(at_threshold) / static_cast<double>(points) : 0.0;
  r.percent_subcapsular =
      points > 0 ? 100.0 * static_cast<double>(subcapsular) / static_cast<double>(points) : 0.0;

  if (points == 0) {
    r.verdict = "not assessable";  // no lesion surface found: too small for the grid
    r.minimal_margin_mm = r.minimal_margin_uncorrected_mm =
        std::numeric_limits<double>::quiet_NaN();
  } else if (!zone_box) {
    r.verdict = "no ablation zone";
  } else if (r.minimal_margin_mm < 0.0 && residual_voxels > 0) {
    r.verdict = "residual tumour";
  } else if (r.minimal_margin_mm < options.threshold_mm) {
    r.verdict = "insufficient margin";
  } else {
    r.verdict = "technical success";
  }
  r.technical_success = r.verdict == "technical success";

  if (margin_map != nullptr) {
    auto mv = map_part.data();
    const auto fv = faces_per_voxel.data();
    for (std::size_t q = 0; q < mv.size(); ++q) {
      mv[q] =
          fv[q] > 0 ? mv[q] / static_cast<float>(fv[q]) : std::numeric_limits<float>::quiet_NaN();
    }
    *margin_map = Volume<float>(g, std::numeric_limits<float>::quiet_NaN());
    detail::uncrop(map_part, box, *margin_map);
  }
  return r;
}

}  // namespace

MarginResult measureMargin(const Mask& lesion, const Mask& zone, const Mask& liver,
                           const MarginOptions& options, Volume<float>* margin_map) {
  return measure(lesion, zone, nullptr, liver, options, margin_map);
}

MarginResult measureMargin(const Mask& lesion, const Mask& zone,
                           const Volume<float>& zone_occupancy, const Mask& liver,
                           const MarginOptions& options, Volume<float>* margin_map) {
  return measure(lesion, zone, &zone_occupancy, liver, options, margin_map);
}

}  // namespace rfa::followup
