#pragma once
// Private: connected-component labelling by union-find over the runs of consecutive foreground
// voxels along i (x). Linear in voxels + runs, no recursion; used by components.cpp and
// fill_holes.cpp.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/segmentation/components.h"

namespace rfa::segmentation::detail {

/// A run [begin, end) of voxels along i in one row (j, k).
struct Run {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

/// Runs of one labelling: runs of row r = j + ny * k are runs[row_start[r] .. row_start[r + 1]).
struct RunLabeling {
  Size3 size{0, 0, 0};
  std::vector<std::size_t> row_start;
  std::vector<Run> runs;
  std::vector<std::uint32_t> run_component;  // component id (0-based, scan order) of each run
  std::vector<std::size_t> component_size;   // voxels of each component id
  [[nodiscard]] std::size_t rowCount() const { return size[1] * size[2]; }
};

/// Labels the voxels v of `data` (x fastest, dimensions `size`) with (v != 0) == foreground.
RunLabeling labelRuns(std::span<const std::uint8_t> data, const Size3& size, bool foreground,
                      Connectivity connectivity);

/// Per component id: true if one of its voxels lies on the border of the grid; the first and last
/// slices count as border only if `slices_are_border` (false for a 2D slice).
std::vector<bool> touchesBorder(const RunLabeling& labeling, bool slices_are_border);

/// Sets out[n] = value[run_component] for every voxel of every run (out laid out like the input).
template <class T, class Lookup>
void paintRuns(const RunLabeling& labeling, std::span<T> out, Lookup&& value) {
  const std::size_t nx = labeling.size[0];
  for (std::size_t r = 0; r < labeling.rowCount(); ++r) {
    for (std::size_t n = labeling.row_start[r]; n < labeling.row_start[r + 1]; ++n) {
      const T v = value(labeling.run_component[n]);
      const Run run = labeling.runs[n];
      for (std::size_t i = run.begin; i < run.end; ++i) out[r * nx + i] = v;
    }
  }
}

}  // namespace rfa::segmentation::detail
