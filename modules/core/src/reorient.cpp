#include "rfa/core/reorient.h"

#include <cmath>

#include "rfa/core/error.h"

namespace rfa {

AxisReorientation canonicalReorientation(const ImageGeometry& g) {
  const Mat3& d = g.direction();
  AxisReorientation r;
  std::array<bool, 3> used_source{false, false, false};
  // Assign the LPS axes in the order of how clearly an index axis follows them: the strongest
  // |component| first, so that an oblique grid keeps its dominant axes.
  std::array<bool, 3> done_lps{false, false, false};
  for (int step = 0; step < 3; ++step) {
    int best_lps = -1;
    int best_src = -1;
    double best = -1;
    for (int w = 0; w < 3; ++w) {
      if (done_lps[static_cast<std::size_t>(w)]) continue;
      for (int a = 0; a < 3; ++a) {
        if (used_source[static_cast<std::size_t>(a)]) continue;
        const double c = std::abs(d(w, a));
        if (c > best + 1e-12) {
          best = c;
          best_lps = w;
          best_src = a;
        }
      }
    }
    done_lps[static_cast<std::size_t>(best_lps)] = true;
    used_source[static_cast<std::size_t>(best_src)] = true;
    r.source_axis[static_cast<std::size_t>(best_lps)] = best_src;
    r.reversed[static_cast<std::size_t>(best_lps)] = d(best_lps, best_src) < 0;
  }
  return r;
}

ImageGeometry reorientedGeometry(const ImageGeometry& g, const AxisReorientation& r) {
  Size3 size{};
  Vec3 spacing;
  Mat3 direction;
  Vec3 first_index(0, 0, 0);  // source index of canonical voxel (0, 0, 0)
  for (int a = 0; a < 3; ++a) {
    const auto sa = r.source_axis[static_cast<std::size_t>(a)];
    size[static_cast<std::size_t>(a)] = g.size()[static_cast<std::size_t>(sa)];
    spacing[a] = g.spacing()[sa];
    const double sign = r.reversed[static_cast<std::size_t>(a)] ? -1.0 : 1.0;
    direction.col(a) = sign * g.direction().col(sa);
    if (r.reversed[static_cast<std::size_t>(a)]) {
      first_index[sa] = static_cast<double>(g.size()[static_cast<std::size_t>(sa)]) - 1.0;
    }
  }
  return ImageGeometry(size, spacing, g.indexToLps(first_index), direction);
}

void requireReorientedGrid(const ImageGeometry& canonical, const ImageGeometry& source,
                           const AxisReorientation& r) {
  const ImageGeometry expected = reorientedGeometry(source, r);
  if (!canonical.sameGrid(expected, 1e-3)) {
    throw GeometryError("restoreVolume: the volume is on " + canonical.describe() +
                        ", not on the reoriented grid " + expected.describe());
  }
}

}  // namespace rfa
