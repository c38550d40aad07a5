// Per-slice convex hull: Andrew's monotone chain over the voxel centres of each slice, then a
// half-plane test over the slice's bounding box.
#include "convex_hull.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "rfa/core/parallel.h"

namespace rfa::segmentation::detail {

namespace {

using I64 = std::int64_t;

struct P2 {
  I64 x = 0;
  I64 y = 0;
  bool operator<(const P2& o) const { return x != o.x ? x < o.x : y < o.y; }
  bool operator==(const P2& o) const { return x == o.x && y == o.y; }
};

// > 0 when o -> a -> b turns counter-clockwise.
I64 cross(const P2& o, const P2& a, const P2& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Hull vertices counter-clockwise, collinear points dropped; `p` sorted and unique.
std::vector<P2> hullOf(const std::vector<P2>& p) {
  if (p.size() < 3) return p;
  std::vector<P2> h(2 * p.size());
  std::size_t n = 0;
  for (const P2& q : p) {
    while (n >= 2 && cross(h[n - 2], h[n - 1], q) <= 0) --n;
    h[n++] = q;
  }
  const std::size_t lower = n + 1;
  for (std::size_t i = p.size() - 1; i > 0; --i) {
    const P2& q = p[i - 1];
    while (n >= lower && cross(h[n - 2], h[n - 1], q) <= 0) --n;
    h[n++] = q;
  }
  h.resize(n - 1);
  return h;
}

// Distance-free test: q on the segment a-b (collinear and between).
bool onSegment(const P2& a, const P2& b, const P2& q) {
  return cross(a, b, q) == 0 && std::min(a.x, b.x) <= q.x && q.x <= std::max(a.x, b.x) &&
         std::min(a.y, b.y) <= q.y && q.y <= std::max(a.y, b.y);
}

}  // namespace

Mask convexHullPerSlice(const Mask& mask) {
  const Size3& s = mask.size();
  Mask out(mask.geometry(), 0);
  parallelFor(s[2], [&](std::size_t k) {
    std::vector<P2> pts;
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (mask(i, j, k) != 0) pts.push_back({static_cast<I64>(i), static_cast<I64>(j)});
      }
    }
    if (pts.empty()) return;
    std::sort(pts.begin(), pts.end());  // x then y: already unique (one per voxel)
    const std::vector<P2> h = hullOf(pts);
    I64 x0 = h[0].x;
    I64 x1 = h[0].x;
    I64 y0 = h[0].y;
    I64 y1 = h[0].y;
    for (const P2& v : h) {
      x0 = std::min(x0, v.x);
      x1 = std::max(x1, v.x);
      y0 = std::min(y0, v.y);
      y1 = std::max(y1, v.y);
    }
    for (I64 y = y0; y <= y1; ++y) {
      for (I64 x = x0; x <= x1; ++x) {
        const P2 q{x, y};
        bool inside = true;
        if (h.size() < 3) {
          inside = h.size() == 1 ? q == h[0] : onSegment(h[0], h[1], q);
        } else {
          for (std::size_t e = 0; e < h.size() && inside; ++e) {
            inside = cross(h[e], h[(e + 1) % h.size()], q) >= 0;
          }
        }
        if (inside) out(static_cast<std::size_t>(x), static_cast<std::size_t>(y), k) = 1;
      }
    }
  });
  return out;
}

}  // namespace rfa::segmentation::detail
