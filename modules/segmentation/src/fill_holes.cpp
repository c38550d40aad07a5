// Hole filling: background components (6-connected in 3D, 4-connected per slice) that do not touch
// the border of the grid (or of the slice) become foreground.
#include <span>

#include "rfa/core/parallel.h"
#include "rfa/segmentation/components.h"
#include "run_labeling.h"

namespace rfa::segmentation {

namespace {

// Writes into `out` the input as 0/1 with the enclosed background of (data, size) set to 1.
void fillBlock(std::span<const std::uint8_t> data, const Size3& size, bool slices_are_border,
               std::span<std::uint8_t> out) {
  for (std::size_t n = 0; n < data.size(); ++n) out[n] = data[n] != 0 ? 1 : 0;
  const detail::RunLabeling background = detail::labelRuns(data, size, false, Connectivity::k6);
  const std::vector<bool> open = detail::touchesBorder(background, slices_are_border);
  const std::size_t nx = size[0];
  for (std::size_t r = 0; r < background.rowCount(); ++r) {
    for (std::size_t n = background.row_start[r]; n < background.row_start[r + 1]; ++n) {
      if (open[background.run_component[n]]) continue;
      const detail::Run run = background.runs[n];
      for (std::size_t i = run.begin; i < run.end; ++i) out[r * nx + i] = 1;
    }
  }
}

}  // namespace

Mask fillHoles(const Mask& mask) {
  Mask out = Mask::uninitialized(mask.geometry());
  fillBlock(mask.data(), mask.size(), true, out.data());
  return out;
}

Mask fillHolesPerSlice(const Mask& mask) {
  Mask out = Mask::uninitialized(mask.geometry());
  const Size3 slice_size{mask.size()[0], mask.size()[1], 1};
  parallelFor(mask.size()[2],
              [&](std::size_t k) { fillBlock(mask.slice(k), slice_size, false, out.slice(k)); });
  return out;
}

}  // namespace rfa::segmentation
