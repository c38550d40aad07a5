// Body, lung and bone masks from HU thresholds, connected components and hole filling.
#include "rfa/segmentation/body.h"
#include "select_voxels.h"

#include <sstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/components.h"

namespace rfa::segmentation {

namespace {

void requireSameGrid(const ImageVolume& ct, const Mask& body, const char* what) {
  if (!ct.geometry().sameGrid(body.geometry())) {
    throw GeometryError(std::string(what) + ": body mask grid " + body.geometry().describe() +
                        " differs from the CT grid " + ct.geometry().describe());
  }
}

std::size_t countSet(const Mask& m) {
  std::size_t n = 0;
  for (const std::uint8_t v : m.data()) n += v != 0 ? 1 : 0;
  return n;
}

}  // namespace

Mask segmentBody(const ImageVolume& ct_hu, const BodyOptions& options) {
  if (ct_hu.empty()) throw NoDataError("no body found: the CT volume is empty");
  const float air = options.air_threshold_hu;
  const Mask tissue =
      detail::selectVoxels(ct_hu.geometry(), [&](std::size_t n) { return ct_hu.data()[n] > air; });
  const Mask body = largestComponent(tissue, Connectivity::k6);
  const std::size_t voxels = countSet(body);
  const std::size_t needed = voxelsForVolume(ct_hu.geometry(), options.min_body_ml);
  if (voxels == 0 || voxels < needed) {
    const double ml = static_cast<double>(voxels) * ct_hu.geometry().voxelVolumeMm3() / 1000.0;
    std::ostringstream m;
    m << "no body found: the largest component above " << air << " HU holds " << ml
      << " mL, less than " << options.min_body_ml << " mL";
    throw NoDataError(m.str());
  }
  return fillHolesPerSlice(body);
}

Mask segmentLungs(const ImageVolume& ct_hu, const Mask& body, const LungOptions& options) {
  requireSameGrid(ct_hu, body, "segmentLungs");
  const float air = options.air_threshold_hu;
  const Mask inside_air = detail::selectVoxels(ct_hu.geometry(), [&](std::size_t n) {
    return body.data()[n] != 0 && ct_hu.data()[n] < air;
  });
  const Mask lungs = removeSmallComponents(
      inside_air, voxelsForVolume(ct_hu.geometry(), options.min_component_ml), Connectivity::k6);
  return options.fill_holes_per_slice ? fillHolesPerSlice(lungs) : lungs;
}

Mask segmentLungs(const ImageVolume& ct_hu, const LungOptions& options) {
  return segmentLungs(ct_hu, segmentBody(ct_hu), options);
}

Mask segmentBone(const ImageVolume& ct_hu, const Mask& body, const BoneOptions& options) {
  requireSameGrid(ct_hu, body, "segmentBone");
  const float level = options.threshold_hu;
  Mask bone = detail::selectVoxels(ct_hu.geometry(), [&](std::size_t n) {
    return body.data()[n] != 0 && ct_hu.data()[n] > level;
  });
  if (options.fill_marrow) {
    const Mask filled = fillHolesPerSlice(bone);
    const float marrow = options.marrow_min_hu;
    bone = detail::selectVoxels(ct_hu.geometry(), [&](std::size_t n) {
      return bone.data()[n] != 0 || (filled.data()[n] != 0 && ct_hu.data()[n] >= marrow);
    });
  }
  return removeSmallComponents(bone, voxelsForVolume(ct_hu.geometry(), options.min_component_ml),
                               Connectivity::k26);
}

Mask segmentBone(const ImageVolume& ct_hu, const BoneOptions& options) {
  return segmentBone(ct_hu, segmentBody(ct_hu), options);
}

}  // namespace rfa::segmentation
