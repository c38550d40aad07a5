// Outline points of a lesion and the longest distances between them (see measurements.h).
#include "outline.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace rfa::segmentation::detail {

namespace {

constexpr std::size_t kMaxExactPoints = 12000;
constexpr int kDirections = 4000;

constexpr std::array<std::array<std::int64_t, 3>, 6> kFaces{
    {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}}};

template <class Visit>
void forEachInside(const Crop& c, std::size_t k_lo, std::size_t k_hi, Visit&& visit) {
  for (std::size_t k = k_lo; k < k_hi; ++k) {
    for (std::size_t j = 0; j < c.size[1]; ++j) {
      for (std::size_t i = 0; i < c.size[0]; ++i) {
        if (c.inside[i + c.size[0] * (j + c.size[1] * k)] != 0) {
          visit(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j),
                static_cast<std::int64_t>(k));
        }
      }
    }
  }
}

// Face midpoints of the voxels of crop slices [k_lo, k_hi) towards the first `faces` directions.
std::vector<Doubled> faceMidpoints(const Crop& c, std::size_t k_lo, std::size_t k_hi,
                                   std::size_t faces) {
  std::vector<Doubled> out;
  forEachInside(c, k_lo, k_hi, [&](std::int64_t i, std::int64_t j, std::int64_t k) {
    for (std::size_t f = 0; f < faces; ++f) {
      const auto& e = kFaces[f];
      if (c.at(i + e[0], j + e[1], k + e[2])) continue;
      out.push_back({2 * (c.origin[0] + i) + e[0], 2 * (c.origin[1] + j) + e[1],
                     2 * (c.origin[2] + k) + e[2]});
    }
  });
  return out;
}

// For the lines along `axis`: the smallest and largest coordinate of the points on each line.
struct LineExtremes {
  std::size_t b = 0, c = 0;  // the other two axes
  std::int64_t lo_b = 0, lo_c = 0;
  std::size_t span_c = 0;
  std::vector<std::int64_t> min, max;
  [[nodiscard]] std::size_t key(const Doubled& p) const {
    return static_cast<std::size_t>(p[b] - lo_b) * span_c + static_cast<std::size_t>(p[c] - lo_c);
  }
};

LineExtremes lineExtremes(const std::vector<Doubled>& pts, std::size_t axis, const Doubled& lo,
                          const Doubled& hi) {
  LineExtremes e;
  e.b = (axis + 1) % 3;
  e.c = (axis + 2) % 3;
  e.lo_b = lo[e.b];
  e.lo_c = lo[e.c];
  e.span_c = static_cast<std::size_t>(hi[e.c] - lo[e.c] + 1);
  const std::size_t cells = static_cast<std::size_t>(hi[e.b] - lo[e.b] + 1) * e.span_c;
  e.min.assign(cells, std::numeric_limits<std::int64_t>::max());
  e.max.assign(cells, std::numeric_limits<std::int64_t>::min());
  for (const Doubled& p : pts) {
    const std::size_t n = e.key(p);
    e.min[n] = std::min(e.min[n], p[axis]);
    e.max[n] = std::max(e.max[n], p[axis]);
  }
  return e;
}

}  // namespace

bool Crop::at(std::int64_t i, std::int64_t j, std::int64_t k) const {
  if (i < 0 || j < 0 || k < 0) return false;
  const auto ui = static_cast<std::size_t>(i);
  const auto uj = static_cast<std::size_t>(j);
  const auto uk = static_cast<std::size_t>(k);
  if (ui >= size[0] || uj >= size[1] || uk >= size[2]) return false;
  return inside[ui + size[0] * (uj + size[1] * uk)] != 0;
}

Crop cropLabel(const LabelMap& labels, std::uint16_t label, const Index3& lo, const Index3& hi) {
  Crop c;
  c.origin = lo;
  for (std::size_t a = 0; a < 3; ++a) c.size[a] = static_cast<std::size_t>(hi[a] - lo[a] + 1);
  c.inside.resize(c.size[0] * c.size[1] * c.size[2]);
  std::size_t n = 0;
  for (std::size_t k = 0; k < c.size[2]; ++k) {
    for (std::size_t j = 0; j < c.size[1]; ++j) {
      const std::size_t row =
          labels.linearIndex(static_cast<std::size_t>(lo[0]), static_cast<std::size_t>(lo[1]) + j,
                             static_cast<std::size_t>(lo[2]) + k);
      for (std::size_t i = 0; i < c.size[0]; ++i) {
        c.inside[n++] = labels.data()[row + i] == label ? 1 : 0;
      }
    }
  }
  return c;
}

std::vector<Doubled> surfacePoints(const Crop& crop) {
  return faceMidpoints(crop, 0, crop.size[2], 6);
}

std::vector<Doubled> outlinePoints(const Crop& crop, std::size_t k) {
  return faceMidpoints(crop, k, k + 1, 4);
}

std::vector<Doubled> hullCandidates(const std::vector<Doubled>& points) {
  if (points.size() <= 2) return points;
  Doubled lo = points.front();
  Doubled hi = points.front();
  for (const Doubled& p : points) {
    for (std::size_t a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], p[a]);
      hi[a] = std::max(hi[a], p[a]);
    }
  }
  std::array<LineExtremes, 3> lines;
  for (std::size_t a = 0; a < 3; ++a) lines[a] = lineExtremes(points, a, lo, hi);
  std::vector<Doubled> out;
  for (const Doubled& p : points) {
    const bool extreme = std::all_of(lines.begin(), lines.end(), [&](const LineExtremes& e) {
      const std::size_t axis = 3 - e.b - e.c;
      const std::size_t n = e.key(p);
      return p[axis] == e.min[n] || p[axis] == e.max[n];
    });
    if (extreme) out.push_back(p);
  }
  return out;
}

std::vector<Vec3> toLps(const ImageGeometry& geometry, const std::vector<Doubled>& points) {
  std::vector<Vec3> out;
  out.reserve(points.size());
  for (const Doubled& p : points) {
    out.push_back(geometry.indexToLps(
        Vec3(static_cast<double>(p[0]), static_cast<double>(p[1]), static_cast<double>(p[2])) *
        0.5));
  }
  return out;
}

namespace {

Segment exactFarthest(const std::vector<Vec3>& pts) {
  double best = -1.0;
  Segment s{pts.front(), pts.front()};
  for (std::size_t a = 0; a < pts.size(); ++a) {
    for (std::size_t b = a + 1; b < pts.size(); ++b) {
      const double d2 = (pts[b] - pts[a]).squaredNorm();
      if (d2 > best) {
        best = d2;
        s = {pts[a], pts[b]};
      }
    }
  }
  return s;
}

// Extreme points along kDirections Fibonacci directions, then all pairs among them.
Segment directionalFarthest(const std::vector<Vec3>& pts) {
  std::vector<bool> keep(pts.size(), false);
  const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
  for (int d = 0; d < kDirections; ++d) {
    const double z = 1.0 - (2.0 * d + 1.0) / kDirections;
    const double rho = std::sqrt(1.0 - z * z);
    const Vec3 u(rho * std::cos(golden * d), rho * std::sin(golden * d), z);
    std::size_t lo = 0;
    std::size_t hi = 0;
    for (std::size_t n = 1; n < pts.size(); ++n) {
      if (pts[n].dot(u) < pts[lo].dot(u)) lo = n;
      if (pts[n].dot(u) > pts[hi].dot(u)) hi = n;
    }
    keep[lo] = true;
    keep[hi] = true;
  }
  std::vector<Vec3> extremes;
  for (std::size_t n = 0; n < pts.size(); ++n) {
    if (keep[n]) extremes.push_back(pts[n]);
  }
  return exactFarthest(extremes);
}

}  // namespace

Segment farthestPair(const std::vector<Vec3>& points) {
  if (points.empty()) return {};
  return points.size() <= kMaxExactPoints ? exactFarthest(points) : directionalFarthest(points);
}

Segment longestPerpendicular(const std::vector<Vec3>& points, const Vec3& axis, const Vec3& normal,
                             double tolerance_mm) {
  const Vec3 across = normal.cross(axis).normalized();
  double best = -1.0;
  Segment s{};
  for (std::size_t a = 0; a < points.size(); ++a) {
    for (std::size_t b = a + 1; b < points.size(); ++b) {
      const Vec3 d = points[b] - points[a];
      if (std::abs(d.dot(axis)) > tolerance_mm) continue;
      const double w = std::abs(d.dot(across));
      if (w > best) {
        best = w;
        s = {points[a], points[b]};
      }
    }
  }
  return s;
}

}  // namespace rfa::segmentation::detail
