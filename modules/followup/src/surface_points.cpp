#include "surface_points.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rfa::followup::detail {

std::vector<EdgeCrossing> levelCrossings(const Volume<float>& f) {
  std::vector<EdgeCrossing> out;
  const Size3& n = f.size();
  const ImageGeometry& g = f.geometry();
  const std::array<std::size_t, 3> stride{1, n[0], n[0] * n[1]};
  const auto v = f.data();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const std::size_t p = f.linearIndex(i, j, k);
        const double a = v[p] - 0.5;
        const std::array<bool, 3> has{i + 1 < n[0], j + 1 < n[1], k + 1 < n[2]};
        for (std::size_t axis = 0; axis < 3; ++axis) {
          if (!has[axis]) continue;
          const std::size_t q = p + stride[axis];
          const double b = v[q] - 0.5;
          if ((a >= 0.0) == (b >= 0.0)) continue;
          EdgeCrossing c;
          c.p = p;
          c.q = q;
          c.t = a / (a - b);
          Vec3 idx(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
          idx[static_cast<Eigen::Index>(axis)] += c.t;
          c.lps = g.indexToLps(idx);
          c.p_inside = a >= 0.0;
          out.push_back(c);
        }
      }
    }
  }
  return out;
}

PointIndex::PointIndex(std::vector<Vec3> points, double cell_mm)
    : points_(std::move(points)), cell_(cell_mm) {
  if (points_.empty()) return;
  Vec3 hi = points_.front();
  lo_ = points_.front();
  for (const Vec3& p : points_) {
    lo_ = lo_.cwiseMin(p);
    hi = hi.cwiseMax(p);
  }
  for (int d = 0; d < 3; ++d)
    dims_[static_cast<std::size_t>(d)] =
        static_cast<long>(std::floor((hi[d] - lo_[d]) / cell_)) + 1;
  const auto cells = static_cast<std::size_t>(dims_[0] * dims_[1] * dims_[2]);
  std::vector<std::size_t> cell_of(points_.size());
  start_.assign(cells + 1, 0);
  for (std::size_t n = 0; n < points_.size(); ++n) {
    std::array<long, 3> c{};
    for (int d = 0; d < 3; ++d) {
      c[static_cast<std::size_t>(d)] =
          std::min(dims_[static_cast<std::size_t>(d)] - 1,
                   static_cast<long>((points_[n][d] - lo_[d]) / cell_));
    }
    cell_of[n] = static_cast<std::size_t>(c[0] + dims_[0] * (c[1] + dims_[1] * c[2]));
    ++start_[cell_of[n] + 1];
  }
  for (std::size_t c = 0; c < cells; ++c) start_[c + 1] += start_[c];
  order_.resize(points_.size());
  std::vector<std::size_t> fill(start_.begin(), start_.end() - 1);
  for (std::size_t n = 0; n < points_.size(); ++n) order_[fill[cell_of[n]]++] = n;
}

double PointIndex::nearestDistance(const Vec3& p) const {
  if (points_.empty()) return std::numeric_limits<double>::infinity();
  std::array<long, 3> c{};
  for (int d = 0; d < 3; ++d) {
    c[static_cast<std::size_t>(d)] = static_cast<long>(std::floor((p[d] - lo_[d]) / cell_));
  }
  double best2 = std::numeric_limits<double>::infinity();
  const long max_ring = std::max({dims_[0], dims_[1], dims_[2]}) +
                        std::max({std::abs(c[0]), std::abs(c[1]), std::abs(c[2])}) + 1;
  for (long ring = 0; ring <= max_ring; ++ring) {
    // Every point of a ring-r shell is at least (r - 1) cells away.
    const double reach = static_cast<double>(ring - 1) * cell_;
    if (ring > 0 && reach > 0 && reach * reach > best2) break;
    for (long z = c[2] - ring; z <= c[2] + ring; ++z) {
      if (z < 0 || z >= dims_[2]) continue;
      for (long y = c[1] - ring; y <= c[1] + ring; ++y) {
        if (y < 0 || y >= dims_[1]) continue;
        const bool shell_yz = std::abs(z - c[2]) == ring || std::abs(y - c[1]) == ring;
        for (long x = c[0] - ring; x <= c[0] + ring; ++x) {
          if (x < 0 || x >= dims_[0]) continue;
          if (!shell_yz && std::abs(x - c[0]) != ring) continue;
          const auto cell = static_cast<std::size_t>(x + dims_[0] * (y + dims_[1] * z));
          for (std::size_t o = start_[cell]; o < start_[cell + 1]; ++o) {
            best2 = std::min(best2, (points_[order_[o]] - p).squaredNorm());
          }
        }
      }
    }
  }
  return std::sqrt(best2);
}

}  // namespace rfa::followup::detail
