// Connected components, largest component and small-component removal on top of labelRuns().
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "rfa/core/error.h"
#include "rfa/segmentation/components.h"
#include "run_labeling.h"

namespace rfa::segmentation {

namespace {

// Mask on the grid of `like` with the runs of the components for which keep(id) holds set to 1.
template <class Keep>
Mask paintKept(const Mask& like, const detail::RunLabeling& l, Keep&& keep) {
  Mask out(like.geometry(), 0);
  detail::paintRuns(l, out.data(),
                    [&keep](std::uint32_t id) -> std::uint8_t { return keep(id) ? 1 : 0; });
  return out;
}

}  // namespace

ComponentLabels labelComponents(const Mask& mask, Connectivity connectivity) {
  const detail::RunLabeling l = detail::labelRuns(mask.data(), mask.size(), true, connectivity);
  const std::size_t n = l.component_size.size();
  if (n > std::numeric_limits<std::uint16_t>::max()) {
    throw UnsupportedError("labelComponents: " + std::to_string(n) +
                           " components, more than a 16-bit label map holds (65535)");
  }
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(), [&l](std::uint32_t a, std::uint32_t b) {
    return l.component_size[a] > l.component_size[b];
  });
  std::vector<std::uint16_t> label_of(n);
  ComponentLabels out;
  out.voxel_counts.assign(n + 1, 0);
  std::size_t foreground = 0;
  for (std::size_t rank = 0; rank < n; ++rank) {
    label_of[order[rank]] = static_cast<std::uint16_t>(rank + 1);
    out.voxel_counts[rank + 1] = l.component_size[order[rank]];
    foreground += l.component_size[order[rank]];
  }
  out.voxel_counts[0] = mask.voxelCount() - foreground;
  out.labels = LabelMap(mask.geometry(), 0);
  detail::paintRuns(l, out.labels.data(), [&label_of](std::uint32_t id) { return label_of[id]; });
  return out;
}

Mask largestComponent(const Mask& mask, Connectivity connectivity) {
  const detail::RunLabeling l = detail::labelRuns(mask.data(), mask.size(), true, connectivity);
  const auto it = std::max_element(l.component_size.begin(), l.component_size.end());
  const auto best = static_cast<std::size_t>(it - l.component_size.begin());
  return paintKept(mask, l, [best](std::uint32_t id) { return id == best; });
}

Mask removeSmallComponents(const Mask& mask, std::size_t min_voxels, Connectivity connectivity) {
  const detail::RunLabeling l = detail::labelRuns(mask.data(), mask.size(), true, connectivity);
  return paintKept(
      mask, l, [&l, min_voxels](std::uint32_t id) { return l.component_size[id] >= min_voxels; });
}

std::size_t voxelsForVolume(const ImageGeometry& geometry, double volume_ml) {
  if (!(volume_ml > 0.0)) return 0;
  return static_cast<std::size_t>(std::ceil(volume_ml * 1000.0 / geometry.voxelVolumeMm3()));
}

}  // namespace rfa::segmentation
