// Quality figures of a follow-up registration (registration_internal.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "registration_internal.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/distance.h"

namespace rfa::followup::regdetail {

namespace {

std::string fixed1(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string fixed2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Set voxels of `m` with a 6-neighbour that is unset or outside the grid.
Mask boundary(const Mask& m) {
  Mask out(m.geometry(), 0);
  const auto& n = m.size();
  parallelFor(n[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (m(i, j, k) == 0) continue;
        const bool edge =
            i == 0 || j == 0 || k == 0 || i + 1 == n[0] || j + 1 == n[1] || k + 1 == n[2];
        if (edge || m(i - 1, j, k) == 0 || m(i + 1, j, k) == 0 || m(i, j - 1, k) == 0 ||
            m(i, j + 1, k) == 0 || m(i, j, k - 1) == 0 || m(i, j, k + 1) == 0) {
          out(i, j, k) = 1;
        }
      }
    }
  });
  return out;
}

void appendDistances(const Mask& from, const Volume<float>& d2_to, const Mask* skip,
                     std::vector<float>& out) {
  const auto f = from.data();
  const auto d = d2_to.data();
  for (std::size_t n = 0; n < f.size(); ++n) {
    if (f[n] != 0 && (skip == nullptr || skip->data()[n] == 0)) out.push_back(std::sqrt(d[n]));
  }
}

}  // namespace

double meanAbsDifference(const ImageVolume& fixed, const ImageVolume& moving, const Mask& region,
                         const Registration& r) {
  const IndexBox box = maskBounds(region);
  if (box.empty()) return 0.0;
  const GridMapper mapper(r, fixed.geometry(), moving.geometry());
  const LinearSampler<float> sampler(moving);
  const auto nk = static_cast<std::size_t>(box.hi[2] - box.lo[2] + 1);
  std::vector<double> sums(nk, 0.0);
  std::vector<double> counts(nk, 0.0);
  parallelFor(nk, [&](std::size_t kk) {
    const std::int64_t k = box.lo[2] + static_cast<std::int64_t>(kk);
    double u[3];
    for (std::int64_t j = box.lo[1]; j <= box.hi[1]; ++j) {
      for (std::int64_t i = box.lo[0]; i <= box.hi[0]; ++i) {
        const auto ii = static_cast<std::size_t>(i);
        const auto jj = static_cast<std::size_t>(j);
        const auto kz = static_cast<std::size_t>(k);
        if (region(ii, jj, kz) == 0) continue;
        mapper.map(i, j, k, u);
        double v = 0;
        if (!sampler.sample(u[0], u[1], u[2], v)) continue;
        sums[kk] += std::abs(static_cast<double>(fixed(ii, jj, kz)) - v);
        counts[kk] += 1.0;
      }
    }
  });
  double sum = 0;
  double count = 0;
  for (std::size_t k = 0; k < nk; ++k) {
    sum += sums[k];
    count += counts[k];
  }
  return count > 0 ? sum / count : 0.0;
}

bool surfaceDistance(const Mask& a, const Mask& b, double& mean_mm, double& p95_mm,
                     const Mask* skip) {
  const Mask ba = boundary(a);
  const Mask bb = boundary(b);
  if (countNonZero(ba) == 0 || countNonZero(bb) == 0) return false;
  std::vector<float> d;
  appendDistances(ba, segmentation::squaredDistanceMm2(bb), skip, d);
  appendDistances(bb, segmentation::squaredDistanceMm2(ba), skip, d);
  if (d.empty()) return false;
  double sum = 0;
  for (const float v : d) sum += v;
  mean_mm = sum / static_cast<double>(d.size());
  const auto n95 = static_cast<std::size_t>(0.95 * static_cast<double>(d.size() - 1));
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n95), d.end());
  p95_mm = d[n95];
  return true;
}

void fieldStatistics(const Registration& r, const Mask& region, double& max_mm,
                     double& min_jacobian) {
  max_mm = 0;
  min_jacobian = 1;
  if (r.displacement_x.empty()) return;
  const ImageGeometry& fg = r.displacement_x.geometry();
  const auto& n = fg.size();
  const std::array<const ImageVolume*, 3> comp{&r.displacement_x, &r.displacement_y,
                                               &r.displacement_z};
  const Mat3 to_lps_gradient = fg.lpsToIndexMatrix();  // d/dx = d/d(index) * dindex/dx
  const ImageGeometry& rg = region.geometry();
  std::vector<double> max_k(n[2], 0.0);
  std::vector<double> min_k(n[2], std::numeric_limits<double>::infinity());
  parallelFor(n[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 idx(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
        const Vec3 ri = rg.lpsToIndex(fg.indexToLps(idx));
        Index3 rv;
        for (int a = 0; a < 3; ++a) rv[a] = static_cast<std::int64_t>(std::lround(ri[a]));
        if (!rg.contains(rv) ||
            region(static_cast<std::size_t>(rv[0]), static_cast<std::size_t>(rv[1]),
                   static_cast<std::size_t>(rv[2])) == 0) {
          continue;
        }
        const Vec3 d((*comp[0])(i, j, k), (*comp[1])(i, j, k), (*comp[2])(i, j, k));
        max_k[k] = std::max(max_k[k], d.norm());
        // Central differences along the grid axes (one-sided at the grid's faces).
        Mat3 g;  // column a: dd/d(index a)
        const std::array<std::size_t, 3> ijk{i, j, k};
        for (int a = 0; a < 3; ++a) {
          std::array<std::size_t, 3> lo = ijk;
          std::array<std::size_t, 3> hi = ijk;
          if (n[static_cast<std::size_t>(a)] < 2) {
            g.col(a).setZero();
            continue;
          }
          if (lo[static_cast<std::size_t>(a)] > 0) --lo[static_cast<std::size_t>(a)];
          if (hi[static_cast<std::size_t>(a)] + 1 < n[static_cast<std::size_t>(a)]) {
            ++hi[static_cast<std::size_t>(a)];
          }
          const double h = static_cast<double>(hi[static_cast<std::size_t>(a)] -
                                               lo[static_cast<std::size_t>(a)]);
          for (int c = 0; c < 3; ++c) {
            const ImageVolume& v = *comp[static_cast<std::size_t>(c)];
            g(c, a) = (static_cast<double>(v(hi[0], hi[1], hi[2])) -
                       static_cast<double>(v(lo[0], lo[1], lo[2]))) /
                      h;
          }
        }
        const double det = (Mat3::Identity() + g * to_lps_gradient).determinant();
        min_k[k] = std::min(min_k[k], det);
      }
    }
  });
  for (std::size_t k = 0; k < n[2]; ++k) {
    max_mm = std::max(max_mm, max_k[k]);
    min_jacobian = std::min(min_jacobian, min_k[k]);
  }
}

void judgeQuality(RegistrationQuality& q, const RegistrationOptions& options) {
  if (q.liver_surface_mean_mm && *q.liver_surface_mean_mm > options.max_surface_mean_mm) {
    q.warnings.push_back("liver surface distance: mean " + fixed1(*q.liver_surface_mean_mm) +
                         " mm exceeds " + fixed1(options.max_surface_mean_mm) + " mm");
  }
  if (q.liver_surface_p95_mm && *q.liver_surface_p95_mm > options.max_surface_p95_mm) {
    q.warnings.push_back("liver surface distance: 95th percentile " +
                         fixed1(*q.liver_surface_p95_mm) + " mm exceeds " +
                         fixed1(options.max_surface_p95_mm) + " mm");
  }
  if (q.min_jacobian <= 0) {
    q.warnings.push_back("the deformation folds: minimum Jacobian determinant " +
                         fixed2(q.min_jacobian) + " <= 0");
  }
  q.poor = !q.warnings.empty();
}

double rotationAngleDeg(const Mat3& r) {
  const double c = std::clamp((r.trace() - 1.0) / 2.0, -1.0, 1.0);
  return std::acos(c) * 180.0 / std::numbers::pi;
}

}  // namespace rfa::followup::regdetail
