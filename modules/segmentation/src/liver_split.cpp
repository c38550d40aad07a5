// splitAtNecks(): watershed of the distance map with neck-ratio merging (liver_internal.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "liver_internal.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/distance.h"

namespace rfa::segmentation::liver_detail {

namespace {

// Union-find over basins, each root holding the peak depth of its merged basins.
class Basins {
 public:
  std::size_t add(float peak) {
    parent_.push_back(parent_.size());
    peak_.push_back(peak);
    return parent_.size() - 1;
  }
  std::size_t find(std::size_t b) {
    while (parent_[b] != b) {
      parent_[b] = parent_[parent_[b]];
      b = parent_[b];
    }
    return b;
  }
  [[nodiscard]] float peak(std::size_t root) const { return peak_[root]; }
  void join(std::size_t keep, std::size_t other) {
    parent_[other] = keep;
    peak_[keep] = std::max(peak_[keep], peak_[other]);
  }
  [[nodiscard]] std::size_t size() const { return parent_.size(); }

 private:
  std::vector<std::size_t> parent_;
  std::vector<float> peak_;
};

constexpr std::uint32_t kNone = 0xFFFFFFFFU;

}  // namespace

ComponentLabels splitAtNecks(const Mask& mask, double neck_ratio, double min_dynamic_mm) {
  const ImageGeometry& g = mask.geometry();
  Mask background(g, 0);
  std::vector<std::uint32_t> voxels;
  for (std::size_t n = 0; n < mask.voxelCount(); ++n) {
    if (mask.data()[n] != 0) {
      voxels.push_back(static_cast<std::uint32_t>(n));
    } else {
      background.data()[n] = 1;
    }
  }
  ComponentLabels out;
  out.labels = LabelMap(g, 0);
  out.voxel_counts.assign(1, mask.voxelCount() - voxels.size());
  if (voxels.empty()) return out;
  // Depth (mm) of every voxel; a mask without background is one region.
  const Volume<float> d2 = squaredDistanceMm2(background);
  std::vector<float> depth(voxels.size());
  for (std::size_t v = 0; v < voxels.size(); ++v) depth[v] = std::sqrt(d2.data()[voxels[v]]);
  std::vector<std::uint32_t> order(voxels.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return depth[a] > depth[b]; });

  // Basin of each voxel (by linear index), flooded from the deepest voxels down.
  std::vector<std::uint32_t> basin(mask.voxelCount(), kNone);
  Basins basins;
  const Size3& s = g.size();
  const std::size_t sx = s[0];
  const std::size_t sxy = s[0] * s[1];
  std::vector<std::size_t> roots;
  for (const std::uint32_t v : order) {
    const std::size_t n = voxels[v];
    const std::size_t i = n % sx;
    const std::size_t j = (n / sx) % s[1];
    const std::size_t k = n / sxy;
    roots.clear();
    const auto look = [&](bool inside, std::size_t m) {
      if (inside && basin[m] != kNone) roots.push_back(basins.find(basin[m]));
    };
    look(i > 0, n - 1);
    look(i + 1 < s[0], n + 1);
    look(j > 0, n - sx);
    look(j + 1 < s[1], n + sx);
    look(k > 0, n - sxy);
    look(k + 1 < s[2], n + sxy);
    if (roots.empty()) {
      basin[n] = static_cast<std::uint32_t>(basins.add(depth[v]));
      continue;
    }
    std::sort(roots.begin(), roots.end());
    roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
    // The voxel joins the neighbouring basin with the deepest peak.
    std::size_t owner = roots.front();
    for (const std::size_t r : roots) {
      if (basins.peak(r) > basins.peak(owner)) owner = r;
    }
    basin[n] = static_cast<std::uint32_t>(owner);
    const double saddle = depth[v];
    for (const std::size_t r : roots) {
      const std::size_t a = basins.find(owner);
      const std::size_t b = basins.find(r);
      if (a == b) continue;
      const double shallow = std::min(basins.peak(a), basins.peak(b));
      if (saddle >= neck_ratio * shallow || shallow - saddle < min_dynamic_mm) {
        basins.join(basins.peak(a) >= basins.peak(b) ? a : b,
                    basins.peak(a) >= basins.peak(b) ? b : a);
      }
    }
  }

  // Regions (final roots) sorted by decreasing voxel count, ties by first voxel.
  std::vector<std::size_t> count(basins.size(), 0);
  std::vector<std::size_t> first(basins.size(), mask.voxelCount());
  for (const std::uint32_t n : voxels) {
    const std::size_t r = basins.find(basin[n]);
    ++count[r];
    first[r] = std::min<std::size_t>(first[r], n);
  }
  std::vector<std::size_t> regions;
  for (std::size_t r = 0; r < basins.size(); ++r) {
    if (count[r] > 0) regions.push_back(r);
  }
  if (regions.size() > 65535) {
    throw UnsupportedError("liver split: more than 65535 regions");
  }
  std::sort(regions.begin(), regions.end(), [&](std::size_t a, std::size_t b) {
    return count[a] != count[b] ? count[a] > count[b] : first[a] < first[b];
  });
  std::vector<std::uint16_t> label_of(basins.size(), 0);
  for (std::size_t l = 0; l < regions.size(); ++l) {
    label_of[regions[l]] = static_cast<std::uint16_t>(l + 1);
    out.voxel_counts.push_back(count[regions[l]]);
  }
  for (const std::uint32_t n : voxels) out.labels.data()[n] = label_of[basins.find(basin[n])];
  return out;
}

}  // namespace rfa::segmentation::liver_detail
