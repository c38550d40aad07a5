// withoutVerticalTubes(): drops the vena cava (and other cranio-caudal tubes) that a liver mask
// follows out of the liver (liver_internal.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "liver_internal.h"
#include "run_labeling.h"

namespace rfa::segmentation::liver_detail {

namespace {

// One 2D component of one axial slice.
struct Section {
  std::size_t slice = 0;
  std::size_t area = 0;  // pixels
  std::size_t i0 = std::numeric_limits<std::size_t>::max(), i1 = 0;
  std::size_t j0 = std::numeric_limits<std::size_t>::max(), j1 = 0;
  std::ptrdiff_t down = -1;  // the section below it continues into (linked both ways), -1: none
  std::ptrdiff_t up = -1;
};

// The fraction of the bounding ellipse that a section fills (1 for an ellipse aligned with the
// axes, about 0.4 for a crescent).
double fill(const Section& s) {
  const double a = static_cast<double>(s.i1 - s.i0 + 1);
  const double b = static_cast<double>(s.j1 - s.j0 + 1);
  return static_cast<double>(s.area) / (0.25 * 3.14159265358979 * a * b);
}

}  // namespace

Mask withoutVerticalTubes(const Mask& liver, double max_area_mm2, double min_length_mm,
                          double max_area_ratio, double min_fill) {
  const ImageGeometry& g = liver.geometry();
  const Size3& s = g.size();
  const std::size_t per_slice = s[0] * s[1];
  const double pixel_mm2 = g.spacing().x() * g.spacing().y();
  // Sections of every slice and the section of each voxel.
  std::vector<Section> sections;
  std::vector<std::int32_t> section_of(liver.voxelCount(), -1);
  for (std::size_t k = 0; k < s[2]; ++k) {
    const auto slice = liver.data().subspan(k * per_slice, per_slice);
    const detail::RunLabeling l = detail::labelRuns(slice, {s[0], s[1], 1}, true, Connectivity::k6);
    const std::size_t first = sections.size();
    sections.resize(first + l.component_size.size());
    for (std::size_t c = 0; c < l.component_size.size(); ++c) sections[first + c].slice = k;
    for (std::size_t r = 0; r < l.rowCount(); ++r) {
      for (std::size_t n = l.row_start[r]; n < l.row_start[r + 1]; ++n) {
        Section& sec = sections[first + l.run_component[n]];
        const detail::Run run = l.runs[n];
        sec.area += run.end - run.begin;
        sec.i0 = std::min<std::size_t>(sec.i0, run.begin);
        sec.i1 = std::max<std::size_t>(sec.i1, run.end - 1);
        sec.j0 = std::min(sec.j0, r);
        sec.j1 = std::max(sec.j1, r);
        for (std::size_t i = run.begin; i < run.end; ++i) {
          section_of[k * per_slice + r * s[0] + i] =
              static_cast<std::int32_t>(first + l.run_component[n]);
        }
      }
    }
  }
  // Links between overlapping sections of neighbouring slices: a section continues into the one
  // below when that is the only section it overlaps there and the overlap covers half of each.
  // Sections of the upper / lower slice that each section overlaps.
  std::vector<std::uint32_t> partners_up(sections.size(), 0);
  std::vector<std::uint32_t> partners_down(sections.size(), 0);
  for (std::size_t k = 1; k < s[2]; ++k) {
    std::vector<std::pair<std::int32_t, std::int32_t>> pairs;
    for (std::size_t p = 0; p < per_slice; ++p) {
      const std::int32_t a = section_of[k * per_slice + p];
      const std::int32_t b = section_of[(k - 1) * per_slice + p];
      if (a >= 0 && b >= 0) pairs.emplace_back(a, b);
    }
    std::sort(pairs.begin(), pairs.end());
    // Overlap (pixels) of each pair of sections (upper a, lower b).
    struct Overlap {
      std::size_t a = 0;
      std::size_t b = 0;
      std::size_t pixels = 0;
    };
    std::vector<Overlap> overlaps;
    for (const auto& [a, b] : pairs) {
      const auto ua = static_cast<std::size_t>(a);
      const auto ub = static_cast<std::size_t>(b);
      if (!overlaps.empty() && overlaps.back().a == ua && overlaps.back().b == ub) {
        ++overlaps.back().pixels;
      } else {
        overlaps.push_back({ua, ub, 1});
      }
    }
    std::fill(partners_up.begin(), partners_up.end(), 0U);
    std::fill(partners_down.begin(), partners_down.end(), 0U);
    // Overlaps of less than a fifth of either section (specks) do not count as partners.
    const auto significant = [&](const Overlap& o) {
      return 5 * o.pixels >= sections[o.a].area && 5 * o.pixels >= sections[o.b].area;
    };
    for (const Overlap& o : overlaps) {
      if (!significant(o)) continue;
      ++partners_down[o.a];
      ++partners_up[o.b];
    }
    for (const Overlap& o : overlaps) {
      if (!significant(o) || partners_down[o.a] != 1 || partners_up[o.b] != 1) continue;
      if (2 * o.pixels < sections[o.a].area || 2 * o.pixels < sections[o.b].area) continue;
      sections[o.a].down = static_cast<std::ptrdiff_t>(o.b);
      sections[o.b].up = static_cast<std::ptrdiff_t>(o.a);
    }
  }
  // Chains of small, round sections of steady area, followed from their lowest section up; a
  // chain at least min_length_mm long is a tube and removed.
  const auto small = [&](const Section& sec) {
    return static_cast<double>(sec.area) * pixel_mm2 <= max_area_mm2 && fill(sec) >= min_fill;
  };
  std::vector<bool> drop(sections.size(), false);
  for (std::size_t c = 0; c < sections.size(); ++c) {
    if (!small(sections[c])) continue;
    if (sections[c].down >= 0 && small(sections[static_cast<std::size_t>(sections[c].down)])) {
      continue;  // not the lowest of its chain
    }
    std::vector<std::size_t> chain(1, c);
    std::size_t lo = sections[c].area;
    std::size_t hi = lo;
    for (std::ptrdiff_t u = sections[c].up; u >= 0 && small(sections[static_cast<std::size_t>(u)]);
         u = sections[static_cast<std::size_t>(u)].up) {
      const Section& sec = sections[static_cast<std::size_t>(u)];
      const std::size_t nlo = std::min(lo, sec.area);
      const std::size_t nhi = std::max(hi, sec.area);
      if (static_cast<double>(nhi) > max_area_ratio * static_cast<double>(nlo)) break;
      lo = nlo;
      hi = nhi;
      chain.push_back(static_cast<std::size_t>(u));
    }
    if (static_cast<double>(chain.size()) * g.spacing().z() < min_length_mm) continue;
    for (const std::size_t m : chain) drop[m] = true;
  }
  Mask out = liver;
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    const std::int32_t sec = section_of[n];
    if (sec >= 0 && drop[static_cast<std::size_t>(sec)]) out.data()[n] = 0;
  }
  return out;
}

}  // namespace rfa::segmentation::liver_detail
