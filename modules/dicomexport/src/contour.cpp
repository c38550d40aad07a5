// Slice contours of masks along voxel edges, and even-odd filling of polygons (contour.h).
#include "rfa/dicomexport/contour.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>

#include "rfa/core/error.h"

namespace rfa::dicomexport {
namespace {

// Directions on the corner grid, counter-clockwise in a frame with x = i and y = j:
// 0 = +i, 1 = +j, 2 = -i, 3 = -j. A left turn is d + 1.
constexpr std::array<int, 4> kDi{1, 0, -1, 0};
constexpr std::array<int, 4> kDj{0, 1, 0, -1};

// Traces the boundary polygons of one slice. `edges` holds, per corner (a, b) of the
// (nx + 1) x (ny + 1) corner grid, a bit per outgoing boundary edge (foreground on its left).
void traceSlice(std::vector<std::uint8_t>& edges, std::size_t nx, std::size_t ny,
                const std::function<void(const std::vector<std::array<std::int64_t, 2>>&)>& emit) {
  const std::size_t cw = nx + 1;
  std::vector<std::array<std::int64_t, 2>> corners;
  std::vector<int> dirs;
  for (std::size_t b = 0; b <= ny; ++b) {
    for (std::size_t a = 0; a <= nx; ++a) {
      while (edges[a + cw * b] != 0) {
        const auto a0 = static_cast<std::int64_t>(a);
        const auto b0 = static_cast<std::int64_t>(b);
        int d0 = 0;
        while ((edges[a + cw * b] & (1U << d0)) == 0) ++d0;
        edges[a + cw * b] &= static_cast<std::uint8_t>(~(1U << d0));
        corners.clear();
        dirs.clear();
        std::int64_t ca = a0;
        std::int64_t cb = b0;
        int d = d0;
        for (;;) {
          corners.push_back({ca, cb});
          dirs.push_back(d);
          ca += kDi[static_cast<std::size_t>(d)];
          cb += kDj[static_cast<std::size_t>(d)];
          const std::size_t v = static_cast<std::size_t>(ca) + cw * static_cast<std::size_t>(cb);
          const bool at_start = ca == a0 && cb == b0;
          int next = -1;
          for (const int turn : {1, 0, 3}) {
            const int cand = (d + turn) % 4;
            if ((at_start && cand == d0) || (edges[v] & (1U << cand)) != 0) {
              next = cand;
              break;
            }
          }
          if (next < 0) {
            throw Error(ExitCode::kInternal, "contour tracing: open boundary (internal)");
          }
          if (at_start && next == d0) break;
          edges[v] &= static_cast<std::uint8_t>(~(1U << next));
          d = next;
        }
        // Keep the corners where the direction changes.
        std::vector<std::array<std::int64_t, 2>> polygon;
        const std::size_t n = corners.size();
        for (std::size_t m = 0; m < n; ++m) {
          if (dirs[m] != dirs[(m + n - 1) % n]) polygon.push_back(corners[m]);
        }
        emit(polygon);
      }
    }
  }
}

struct P2 {
  double x, y;
};
using Poly = std::vector<P2>;

double signedArea(const Poly& p) {
  double a = 0;
  for (std::size_t m = 0; m < p.size(); ++m) {
    const P2& u = p[m];
    const P2& v = p[(m + 1) % p.size()];
    a += u.x * v.y - v.x * u.y;
  }
  return 0.5 * a;
}

// The hole's leftmost vertical edge: its index (edge m runs from vertex m to m + 1) and x.
std::size_t leftmostVerticalEdge(const Poly& h) {
  std::size_t best = 0;
  double bx = 1e300;
  for (std::size_t m = 0; m < h.size(); ++m) {
    const P2& u = h[m];
    const P2& v = h[(m + 1) % h.size()];
    if (u.x == v.x && u.x < bx) {
      bx = u.x;
      best = m;
    }
  }
  return best;
}

// Joins polygon `h` into `p` by a zero-width channel from point `y` on h's edge `eh` to point `x`
// on p's edge `ep`: p0..p_ep, x, y, h_(eh+1) .. h_eh, y, x, p_(ep+1)..
Poly join(const Poly& p, std::size_t ep, const P2& x, const Poly& h, std::size_t eh, const P2& y) {
  Poly out;
  out.reserve(p.size() + h.size() + 4);
  for (std::size_t m = 0; m <= ep; ++m) out.push_back(p[m]);
  out.push_back(x);
  out.push_back(y);
  for (std::size_t m = 1; m <= h.size(); ++m) out.push_back(h[(eh + m) % h.size()]);
  out.push_back(y);
  out.push_back(x);
  for (std::size_t m = ep + 1; m < p.size(); ++m) out.push_back(p[m]);
  return out;
}

// Turns every hole into a keyhole of the polygon that bounds it on the left: a horizontal
// channel of zero width at a quarter voxel above a corner row (no voxel centre lies on it), from
// the hole's leftmost vertical edge to the nearest vertical edge on its left. That edge belongs
// to the component around the hole: its outer boundary (done) or another of its holes (the two
// holes become one, bridged again). Afterwards the polygons of a slice enclose disjoint areas,
// so systems that unite contours and systems that combine them with XOR read the same mask.
void bridgeHoles(std::vector<Poly>& outers, std::vector<Poly>& holes) {
  while (!holes.empty()) {
    Poly h = std::move(holes.back());
    holes.pop_back();
    const std::size_t eh = leftmostVerticalEdge(h);
    const P2& a = h[eh];
    const P2& b = h[(eh + 1) % h.size()];
    const P2 y{a.x, std::min(a.y, b.y) + 0.25};
    // The nearest vertical edge on the left crossing the row y.y.
    std::vector<Poly>* best_set = nullptr;
    std::size_t best_poly = 0;
    std::size_t best_edge = 0;
    double best_x = -1e300;
    for (std::vector<Poly>* set : {&outers, &holes}) {
      for (std::size_t q = 0; q < set->size(); ++q) {
        const Poly& p = (*set)[q];
        for (std::size_t m = 0; m < p.size(); ++m) {
          const P2& u = p[m];
          const P2& v = p[(m + 1) % p.size()];
          if (u.x != v.x || u.x >= y.x || u.x <= best_x) continue;
          if ((u.y < y.y) == (v.y < y.y)) continue;
          best_set = set;
          best_poly = q;
          best_edge = m;
          best_x = u.x;
        }
      }
    }
    if (best_set == nullptr) {
      throw Error(ExitCode::kInternal, "contour tracing: a hole without an enclosing boundary");
    }
    const P2 x{best_x, y.y};
    Poly& p = (*best_set)[best_poly];
    p = join(p, best_edge, x, h, eh, y);
    if (best_set == &holes) {
      // A hole of the same component: the joined polygon is a hole still; bridge it again.
      Poly merged = std::move(p);
      holes.erase(holes.begin() + static_cast<std::ptrdiff_t>(best_poly));
      holes.push_back(std::move(merged));
    }
  }
}

}  // namespace

std::vector<SliceContour> contoursOfMask(const Mask& mask) {
  const auto& s = mask.size();
  const std::size_t nx = s[0];
  const std::size_t ny = s[1];
  const std::size_t cw = nx + 1;
  std::vector<SliceContour> out;
  std::vector<std::uint8_t> edges((nx + 1) * (ny + 1), 0);
  const ImageGeometry& g = mask.geometry();
  for (std::size_t k = 0; k < s[2]; ++k) {
    const auto sl = mask.slice(k);
    if (std::none_of(sl.begin(), sl.end(), [](std::uint8_t v) { return v != 0; })) continue;
    std::fill(edges.begin(), edges.end(), 0);
    const auto fg = [&](std::int64_t i, std::int64_t j) {
      return i >= 0 && j >= 0 && i < static_cast<std::int64_t>(nx) &&
             j < static_cast<std::int64_t>(ny) &&
             sl[static_cast<std::size_t>(i) + nx * static_cast<std::size_t>(j)] != 0;
    };
    for (std::size_t j = 0; j < ny; ++j) {
      for (std::size_t i = 0; i < nx; ++i) {
        if (sl[i + nx * j] == 0) continue;
        const auto ii = static_cast<std::int64_t>(i);
        const auto jj = static_cast<std::int64_t>(j);
        if (!fg(ii, jj - 1)) edges[i + cw * j] |= 1U << 0;              // (i,j) -> (i+1,j)
        if (!fg(ii + 1, jj)) edges[(i + 1) + cw * j] |= 1U << 1;        // (i+1,j) -> (i+1,j+1)
        if (!fg(ii, jj + 1)) edges[(i + 1) + cw * (j + 1)] |= 1U << 2;  // -> (i,j+1)
        if (!fg(ii - 1, jj)) edges[i + cw * (j + 1)] |= 1U << 3;        // (i,j+1) -> (i,j)
      }
    }
    std::vector<Poly> outers;
    std::vector<Poly> holes;
    traceSlice(edges, nx, ny, [&](const std::vector<std::array<std::int64_t, 2>>& corners) {
      Poly poly;
      poly.reserve(corners.size());
      for (const auto& p : corners) {
        poly.push_back({static_cast<double>(p[0]), static_cast<double>(p[1])});
      }
      (signedArea(poly) > 0 ? outers : holes).push_back(std::move(poly));
    });
    bridgeHoles(outers, holes);
    for (const Poly& poly : outers) {
      SliceContour c;
      c.k = k;
      c.points_lps.reserve(poly.size());
      for (const P2& p : poly) {
        c.points_lps.push_back(g.indexToLps(Vec3(p.x - 0.5, p.y - 0.5, static_cast<double>(k))));
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

Mask fillContours(const ImageGeometry& grid, const std::vector<std::vector<Vec3>>& polygons_lps,
                  const std::string& what, FillReport* report) {
  Mask mask(grid, 0);
  FillReport rep;
  const auto& s = grid.size();
  std::vector<std::vector<std::vector<P2>>> per_slice(s[2]);
  for (std::size_t c = 0; c < polygons_lps.size(); ++c) {
    const auto& poly = polygons_lps[c];
    if (poly.size() < 3) {
      ++rep.degenerate;
      continue;
    }
    std::vector<P2> pts;
    pts.reserve(poly.size());
    double kmin = 1e300;
    double kmax = -1e300;
    double ksum = 0;
    for (const Vec3& p : poly) {
      const Vec3 idx = grid.lpsToIndex(p);
      pts.push_back({idx.x(), idx.y()});
      kmin = std::min(kmin, idx.z());
      kmax = std::max(kmax, idx.z());
      ksum += idx.z();
    }
    if (kmax - kmin > 0.5) {
      std::ostringstream m;
      m << what << ": contour " << (c + 1) << " (first vertex " << poly[0].x() << ", "
        << poly[0].y() << ", " << poly[0].z() << " mm LPS) is not in one slice plane of the "
        << "series (it spans " << (kmax - kmin) << " slice spacings)";
      throw GeometryError(m.str());
    }
    const double kr = std::round(ksum / static_cast<double>(poly.size()));
    const double off = std::max(std::abs(kmax - kr), std::abs(kmin - kr));
    rep.max_plane_offset = std::max(rep.max_plane_offset, off);
    if (off > 0.05) ++rep.snapped;
    if (kr < 0 || kr >= static_cast<double>(s[2])) {
      ++rep.off_grid;
      continue;
    }
    per_slice[static_cast<std::size_t>(kr)].push_back(std::move(pts));
    ++rep.filled;
  }
  std::vector<double> xs;
  for (std::size_t k = 0; k < s[2]; ++k) {
    const auto& polys = per_slice[k];
    if (polys.empty()) continue;
    double ymin = 1e300;
    double ymax = -1e300;
    for (const auto& poly : polys) {
      for (const P2& p : poly) {
        ymin = std::min(ymin, p.y);
        ymax = std::max(ymax, p.y);
      }
    }
    const auto j0 = static_cast<std::int64_t>(std::max(0.0, std::ceil(ymin)));
    const auto j1 =
        static_cast<std::int64_t>(std::min(static_cast<double>(s[1]) - 1, std::floor(ymax)));
    auto sl = mask.slice(k);
    for (std::int64_t j = j0; j <= j1; ++j) {
      const auto y = static_cast<double>(j);
      xs.clear();
      for (const auto& poly : polys) {
        const std::size_t n = poly.size();
        for (std::size_t m = 0; m < n; ++m) {
          const P2& p = poly[m];
          const P2& q = poly[(m + 1) % n];
          if ((p.y <= y) != (q.y <= y)) xs.push_back(p.x + (y - p.y) * (q.x - p.x) / (q.y - p.y));
        }
      }
      std::sort(xs.begin(), xs.end());
      for (std::size_t m = 0; m + 1 < xs.size(); m += 2) {
        const auto i0 = static_cast<std::int64_t>(std::max(0.0, std::floor(xs[m]) + 1));
        const auto i1 = static_cast<std::int64_t>(
            std::min(static_cast<double>(s[0]) - 1, std::ceil(xs[m + 1]) - 1));
        for (std::int64_t i = i0; i <= i1; ++i) {
          // Centres exactly on an edge count as outside on the left, inside on the right.
          if (static_cast<double>(i) <= xs[m] || static_cast<double>(i) >= xs[m + 1]) continue;
          sl[static_cast<std::size_t>(i) + s[0] * static_cast<std::size_t>(j)] = 1;
        }
      }
    }
  }
  if (report != nullptr) *report = rep;
  return mask;
}

}  // namespace rfa::dicomexport
