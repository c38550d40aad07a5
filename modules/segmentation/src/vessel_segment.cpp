// segmentVessels() (vessels.h): crop, parenchyma model, vesselness seeds, half-maximum lumen
// mask, local-thickness radius.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/core/volume.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/vessels.h"
#include "vessel_filters.h"

namespace rfa::segmentation {

namespace {

using vessel_detail::FrangiParameters;

// Voxel box [lo, hi) of the CT grid.
struct Box {
  Size3 lo{0, 0, 0};
  Size3 hi{0, 0, 0};
  [[nodiscard]] Size3 size() const { return {hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]}; }
};

template <class T>
Volume<T> crop(const Volume<T>& v, const Box& b) {
  const ImageGeometry& g = v.geometry();
  const Vec3 origin = g.indexToLps(Vec3(static_cast<double>(b.lo[0]), static_cast<double>(b.lo[1]),
                                        static_cast<double>(b.lo[2])));
  Volume<T> out =
      Volume<T>::uninitialized(ImageGeometry(b.size(), g.spacing(), origin, g.direction()));
  const Size3 s = b.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      const T* src = &v(b.lo[0], b.lo[1] + j, b.lo[2] + k);
      std::copy(src, src + s[0], &out(0, j, k));
    }
  }
  return out;
}

template <class T>
void paste(Volume<T>& full, const Volume<T>& part, const Box& b) {
  const Size3 s = b.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      const T* src = &part(0, j, k);
      std::copy(src, src + s[0], &full(b.lo[0], b.lo[1] + j, b.lo[2] + k));
    }
  }
}

double median(std::vector<float> v) {
  if (v.empty()) return 0.0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

void validate(const ImageVolume& ct, const Mask& region, const VesselOptions& o) {
  if (ct.empty()) throw NoDataError("segmentVessels: the CT is empty");
  if (!region.geometry().sameGrid(ct.geometry())) {
    throw GeometryError("segmentVessels: the region (" + region.geometry().describe() +
                        ") is not on the CT grid (" + ct.geometry().describe() + ")");
  }
  const bool bad_sigma =
      o.sigmas_mm.empty() || std::any_of(o.sigmas_mm.begin(), o.sigmas_mm.end(),
                                         [](double s) { return !(s > 0.0) || !std::isfinite(s); });
  if (bad_sigma || !(o.region_margin_mm >= 0.0) || !(o.alpha > 0.0) || !(o.beta > 0.0) ||
      !(o.frangi_c_hu > 0.0) || !(o.min_contrast_hu > 0.0) || !(o.grow_mm >= 0.0) ||
      !(o.bone_guard_mm >= 0.0) || !(o.large_radius_mm >= 0.0)) {
    throw GeometryError(
        "segmentVessels: an option is out of range (sigmas, margins, alpha, beta, "
        "c, contrast and radii must be positive)");
  }
}

// Bounding box of the region grown by `margin_mm` (clamped to the grid); hi[0] == 0 if empty.
Box regionBox(const Mask& region, double margin_mm) {
  const Size3 s = region.size();
  Box b{{s[0], s[1], s[2]}, {0, 0, 0}};
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (region(i, j, k) == 0) continue;
        const Size3 p{i, j, k};
        for (std::size_t a = 0; a < 3; ++a) {
          b.lo[a] = std::min(b.lo[a], p[a]);
          b.hi[a] = std::max(b.hi[a], p[a] + 1);
        }
      }
    }
  }
  if (b.hi[0] == 0) return b;
  const Vec3& sp = region.geometry().spacing();
  for (std::size_t a = 0; a < 3; ++a) {
    const auto m = static_cast<std::size_t>(std::ceil(margin_mm / sp[static_cast<int>(a)]));
    b.lo[a] = b.lo[a] > m ? b.lo[a] - m : 0;
    b.hi[a] = std::min(s[a], b.hi[a] + m);
  }
  return b;
}

Mask threshold(const ImageVolume& v, float above) {
  Mask m(v.geometry(), 0);
  for (std::size_t n = 0; n < v.voxelCount(); ++n) m.data()[n] = v.data()[n] > above ? 1 : 0;
  return m;
}

// The lumen mask on the crop (method steps 3 and 4); fills the model figures of `r`.
Mask lumenMask(const ImageVolume& ct, const Mask& region, const Mask& search,
               const VesselOptions& o, VesselSegmentation& r) {
  std::vector<float> values;
  for (std::size_t n = 0; n < ct.voxelCount(); ++n) {
    if (region.data()[n] != 0) values.push_back(ct.data()[n]);
  }
  r.parenchyma_hu = median(values);
  for (float& x : values) x = static_cast<float>(std::abs(x - r.parenchyma_hu));
  r.parenchyma_sd_hu = 1.4826 * median(std::move(values));

  const FrangiParameters fp{o.alpha, o.beta, o.frangi_c_hu};
  const double seed_floor = r.parenchyma_hu + 0.5 * o.min_contrast_hu;
  const ImageVolume vesselness = vessel_detail::multiScaleVesselness(
      ct, search, o.sigmas_mm, fp, static_cast<float>(seed_floor));
  if (o.keep_vesselness) r.vesselness = vesselness;
  const Mask guard = dilate(threshold(ct, o.max_vessel_hu), o.bone_guard_mm);

  Mask seeds(ct.geometry(), 0);
  std::vector<float> seed_hu;
  for (std::size_t n = 0; n < ct.voxelCount(); ++n) {
    if (search.data()[n] == 0 || guard.data()[n] != 0) continue;
    if (vesselness.data()[n] < o.seed_vesselness || ct.data()[n] >= o.max_vessel_hu) continue;
    seeds.data()[n] = 1;
    seed_hu.push_back(ct.data()[n]);
  }
  r.seed_count = seed_hu.size();
  if (seed_hu.empty()) return Mask(ct.geometry(), 0);
  r.vessel_hu = median(std::move(seed_hu));
  r.threshold_hu = std::max(seed_floor, 0.5 * (r.parenchyma_hu + r.vessel_hu));

  const Mask near = dilate(seeds, o.grow_mm);
  const ImageVolume lumen_hu = vessel_detail::gaussianSmooth(ct, o.lumen_smoothing_mm);
  Mask candidate(ct.geometry(), 0);
  for (std::size_t n = 0; n < ct.voxelCount(); ++n) {
    const float v = lumen_hu.data()[n];
    candidate.data()[n] = (search.data()[n] != 0 && near.data()[n] != 0 && guard.data()[n] == 0 &&
                           v >= r.threshold_hu && v < o.max_vessel_hu)
                              ? 1
                              : 0;
  }
  const double voxel_mm3 = ct.geometry().voxelVolumeMm3();
  const auto min_voxels =
      static_cast<std::size_t>(std::max(1.0, std::ceil(o.min_component_mm3 / voxel_mm3)));
  const ComponentLabels cc =
      labelComponents(removeSmallComponents(candidate, min_voxels), Connectivity::k26);
  std::vector<std::uint8_t> keep(cc.count() + 1, 0);
  for (std::size_t n = 0; n < ct.voxelCount(); ++n) {
    if (seeds.data()[n] != 0) keep[cc.labels.data()[n]] = 1;
  }
  keep[0] = 0;
  Mask mask(ct.geometry(), 0);
  for (std::size_t n = 0; n < ct.voxelCount(); ++n) mask.data()[n] = keep[cc.labels.data()[n]];
  return fillHoles(mask);
}

}  // namespace

VesselSegmentation segmentVessels(const ImageVolume& ct_hu, const Mask& region,
                                  const VesselOptions& options) {
  validate(ct_hu, region, options);
  const double sigma_max = *std::max_element(options.sigmas_mm.begin(), options.sigmas_mm.end());
  const Box box = regionBox(region, options.region_margin_mm + 3.0 * sigma_max);
  if (box.hi[0] == 0) throw NoDataError("segmentVessels: the region is empty");

  const ImageGeometry& g = ct_hu.geometry();
  VesselSegmentation r;
  r.mask = Mask(g, 0);
  r.large = Mask(g, 0);
  r.radius_mm = ImageVolume(g, 0.0F);

  const ImageVolume ct = crop(ct_hu, box);
  const Mask inside = crop(region, box);
  const Mask search = dilate(inside, options.region_margin_mm);
  VesselSegmentation part;
  const Mask mask = lumenMask(ct, inside, search, options, part);
  r.parenchyma_hu = part.parenchyma_hu;
  r.parenchyma_sd_hu = part.parenchyma_sd_hu;
  r.vessel_hu = part.vessel_hu;
  r.threshold_hu = part.threshold_hu;
  r.seed_count = part.seed_count;
  if (options.keep_vesselness) {
    r.vesselness = ImageVolume(g, 0.0F);
    paste(r.vesselness, part.vesselness, box);
  }

  const ImageVolume radius = vessel_detail::localThicknessRadius(mask);
  Mask large(mask.geometry(), 0);
  for (std::size_t n = 0; n < mask.voxelCount(); ++n) {
    if (mask.data()[n] == 0) continue;
    ++r.voxel_count;
    large.data()[n] = radius.data()[n] >= options.large_radius_mm ? 1 : 0;
  }
  paste(r.mask, mask, box);
  paste(r.large, large, box);
  paste(r.radius_mm, radius, box);
  return r;
}

}  // namespace rfa::segmentation
