#include "rfa/followup/zone.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "crop.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/distance.h"

namespace rfa::followup {
namespace {

// 3x3x3 median (the grid border uses the voxels that exist). Parallel over slices.
ImageVolume median3(const ImageVolume& in) {
  ImageVolume out(in.geometry());
  const Size3 n = in.size();
  parallelFor(n[2], [&](std::size_t k) {
    std::array<float, 27> buf{};
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        std::size_t c = 0;
        for (std::size_t kk = k > 0 ? k - 1 : 0; kk <= std::min(k + 1, n[2] - 1); ++kk) {
          for (std::size_t jj = j > 0 ? j - 1 : 0; jj <= std::min(j + 1, n[1] - 1); ++jj) {
            for (std::size_t ii = i > 0 ? i - 1 : 0; ii <= std::min(i + 1, n[0] - 1); ++ii) {
              buf[c++] = in(ii, jj, kk);
            }
          }
        }
        const auto mid = buf.begin() + static_cast<std::ptrdiff_t>(c / 2);
        std::nth_element(buf.begin(), mid, buf.begin() + static_cast<std::ptrdiff_t>(c));
        out(i, j, k) = *mid;
      }
    }
  });
  return out;
}

double quantile(std::vector<float> v, double q) {
  if (v.empty()) return 0.0;
  const auto idx =
      static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx), v.end());
  return v[idx];
}

std::size_t countSet(const Mask& m) {
  std::size_t c = 0;
  for (const auto v : m.data()) c += v != 0 ? 1 : 0;
  return c;
}

// Partial-volume occupancy of the zone (see ZoneSegmentation::occupancy): the segmented mask away
// from its boundary, the image's position between the two levels in the voxels within one voxel
// of the boundary, inside the liver.
Volume<float> zoneOccupancy(const ImageVolume& img, const Mask& zone, const Mask& liver,
                            double parenchyma_level, double zone_level) {
  const double step = img.geometry().spacing().maxCoeff();
  const Mask outer = segmentation::dilate(zone, step);
  const Mask inner = segmentation::erode(zone, step);
  // Within a voxel of the capsule the partial volume mixes zone and tissue outside the liver
  // (muscle, fat, rib): the mask decides there, so that the zone ends where the liver ends.
  Mask outside_liver(liver.geometry(), 0);
  {
    auto o = outside_liver.data();
    const auto l = liver.data();
    for (std::size_t n = 0; n < o.size(); ++n) o[n] = l[n] == 0 ? 1 : 0;
  }
  const Mask near_capsule = segmentation::dilate(outside_liver, step);
  const auto zv = zone.data();
  const auto cv = near_capsule.data();
  Volume<float> occ(img.geometry(), 0.0F);
  auto ov = occ.data();
  const auto iv = img.data();
  const auto lv = liver.data();
  const auto outer_v = outer.data();
  const auto inner_v = inner.data();
  const double contrast = parenchyma_level - zone_level;
  for (std::size_t n = 0; n < ov.size(); ++n) {
    if (lv[n] == 0 || outer_v[n] == 0) continue;
    if (inner_v[n] != 0 || cv[n] != 0) {
      ov[n] = zv[n] != 0 ? 1.0F : 0.0F;
      continue;
    }
    ov[n] = static_cast<float>(std::clamp((parenchyma_level - iv[n]) / contrast, 0.0, 1.0));
  }
  return occ;
}

}  // namespace

ZoneSegmentation segmentAblationZone(const ImageVolume& followup, const Mask& expected_zone,
                                     const Mask& liver, const ZoneSegmentationOptions& options) {
  const ImageGeometry& g = followup.geometry();
  if (!g.sameGrid(expected_zone.geometry()) || !g.sameGrid(liver.geometry())) {
    throw GeometryError(
        "ablation zone: the follow-up image (resampled to the planning grid), the "
        "expected zone and the liver must share one grid");
  }
  const auto expected_box = detail::boundingBox(expected_zone);
  if (!expected_box) throw NoDataError("ablation zone: the expected (planned) zone is empty");
  const double voxel_ml = g.voxelVolumeMm3() / 1000.0;

  ZoneSegmentation result;
  result.zone = Mask(g, 0);
  result.expected_volume_ml = static_cast<double>(countSet(expected_zone)) * voxel_ml;

  const double shell_outer_mm = 20.0;
  const detail::IndexBox box =
      detail::pad(*expected_box, std::max(options.search_margin_mm, shell_outer_mm) + 3.0, g);
  const ImageVolume img = median3(detail::crop(followup, box));
  const Mask exp = detail::crop(expected_zone, box);
  const Mask liv = detail::crop(liver, box);

  // Distance (mm) outside the expected zone.
  const Volume<float> d2 = segmentation::squaredDistanceMm2(exp);
  const Mask core_mask = [&] {
    Mask c = segmentation::erode(exp, 3.0);
    return countSet(c) > 0 ? c : exp;
  }();

  std::vector<float> shell, core;
  const auto iv = img.data();
  const auto lv = liv.data();
  const auto dv = d2.data();
  const auto cv = core_mask.data();
  for (std::size_t n = 0; n < iv.size(); ++n) {
    if (lv[n] == 0) continue;
    if (cv[n] != 0) core.push_back(iv[n]);
    const double d = std::sqrt(static_cast<double>(dv[n]));
    if (d >= 8.0 && d <= shell_outer_mm) shell.push_back(iv[n]);
  }
  if (shell.size() < 50 || core.size() < 10) {
    result.warnings.push_back(
        "too little liver around the expected zone to estimate the "
        "parenchyma and zone levels: no zone segmented");
    return result;
  }
  result.parenchyma_level = quantile(shell, 0.5);
  result.zone_level = quantile(core, 0.5);
  // Robust spread of the zone core: coagulated tissue is homogeneous; residual tumour is brighter.
  std::vector<float> dev(core.size());
  for (std::size_t n = 0; n < core.size(); ++n) {
    dev[n] = static_cast<float>(std::abs(core[n] - result.zone_level));
  }
  const double sigma = 1.4826 * quantile(dev, 0.5);
  const double contrast = result.parenchyma_level - result.zone_level;
  result.threshold =
      std::min(result.zone_level + 0.5 * contrast, result.zone_level + std::max(3.5 * sigma, 5.0));
  if (contrast < options.min_contrast) {
    result.warnings.push_back(
        "no hypodense ablation zone found: the expected zone's core (median " +
        std::to_string(static_cast<int>(std::lround(result.zone_level))) + ") is only " +
        std::to_string(static_cast<int>(std::lround(contrast))) +
        " below the surrounding liver (needs " +
        std::to_string(static_cast<int>(std::lround(options.min_contrast))) +
        "): not treated, or a different contrast phase");
    return result;
  }

  // Candidates: dark voxels of the liver within the search distance of the expected zone.
  const double search2 = options.search_margin_mm * options.search_margin_mm;
  Mask candidates(img.geometry(), 0);
  auto cand = candidates.data();
  for (std::size_t n = 0; n < iv.size(); ++n) {
    cand[n] = (lv[n] != 0 && dv[n] <= search2 && iv[n] < result.threshold) ? 1 : 0;
  }
  if (options.opening_mm > 0) {
    candidates = segmentation::dilate(segmentation::erode(candidates, options.opening_mm),
                                      options.opening_mm);
  }
  const segmentation::ComponentLabels comps = segmentation::labelComponents(candidates);
  std::vector<char> keep(comps.count() + 1, 0);
  const auto labels = comps.labels.data();
  for (std::size_t n = 0; n < labels.size(); ++n) {
    if (labels[n] != 0 && cv[n] != 0) keep[labels[n]] = 1;
  }
  Mask zone(img.geometry(), 0);
  auto zv = zone.data();
  for (std::size_t n = 0; n < zv.size(); ++n) zv[n] = keep[labels[n]] != 0 ? 1 : 0;
  // Partial-volume edge: the strict threshold stops short of the boundary, which the resampling
  // and the median blur over about a voxel; take the voxels within one voxel of the zone that lie
  // below the halfway level (a residual nodule, thicker than that, stays out).
  {
    const double halfway = result.zone_level + 0.5 * contrast;
    const Mask rim = segmentation::dilate(zone, img.geometry().spacing().maxCoeff());
    auto zr = zone.data();
    const auto rv = rim.data();
    for (std::size_t n = 0; n < zr.size(); ++n) {
      if (zr[n] == 0 && rv[n] != 0 && lv[n] != 0 && dv[n] <= search2 && iv[n] < halfway) zr[n] = 1;
    }
  }
  if (options.closing_mm > 0) zone = segmentation::close(zone, options.closing_mm);
  zone = segmentation::fillHoles(zone);
  // The closing may reach past the liver: the zone is liver tissue.
  {
    auto z2 = zone.data();
    for (std::size_t n = 0; n < z2.size(); ++n) z2[n] = (z2[n] != 0 && lv[n] != 0) ? 1 : 0;
  }

  detail::uncrop(zone, box, result.zone);
  result.occupancy = Volume<float>(g, 0.0F);
  detail::uncrop(zoneOccupancy(detail::crop(followup, box), zone, liv, result.parenchyma_level,
                               result.zone_level),
                 box, result.occupancy);
  const std::size_t zone_voxels = countSet(zone);
  result.volume_ml = static_cast<double>(zone_voxels) * voxel_ml;
  std::size_t both = 0;
  const auto ev = exp.data();
  const auto z3 = zone.data();
  for (std::size_t n = 0; n < z3.size(); ++n) both += (z3[n] != 0 && ev[n] != 0) ? 1 : 0;
  const double denom = static_cast<double>(zone_voxels + countSet(exp));
  result.dice_with_expected = denom > 0 ? 2.0 * static_cast<double>(both) / denom : 0.0;
  if (zone_voxels == 0) {
    result.warnings.push_back("no voxel of the expected zone's core is below the threshold " +
                              std::to_string(static_cast<int>(std::lround(result.threshold))) +
                              ": no zone segmented");
  } else if (result.dice_with_expected < 0.5) {
    result.warnings.push_back("the segmented zone overlaps the planned one poorly (Dice " +
                              std::to_string(result.dice_with_expected).substr(0, 4) +
                              "): check the registration and the zone");
  }
  return result;
}

}  // namespace rfa::followup
