// Analytic margin truth of the follow-up phantom: dense samples of the planning lesion ellipsoid
// and of the boundary of the union of its ablation zones, nearest-sample distances through a
// uniform bucket grid with branch-and-bound pruning, and the residual lesion volume by fine-grid
// integration. All positions LPS mm (planning frame).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <set>
#include <vector>

#include "anatomy_model.h"
#include "rfa/core/parallel.h"
#include "synthetic_followup_model.h"

namespace rfa::phantom::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSurfaceSpacingMm = 0.25;  // lesion and zone surface samples
constexpr double kCoarseSpacingMm = 1.0;    // lesion surface samples for pruning
constexpr double kBucketMm = 2.0;           // nearest-sample bucket size
constexpr double kVolumeStepMm = 0.25;      // residual volume integration grid
constexpr std::size_t kChunks = 16;         // parallel chunks of lesion surface samples

// Uniform grid of buckets over a point set (compressed rows: points of bucket b are
// points_[start_[b] .. start_[b + 1])).
class PointGrid {
 public:
  PointGrid(const std::vector<Vec3>& points, double cell) : cell_(cell) {
    if (points.empty()) return;
    Vec3 lo = points.front();
    Vec3 hi = points.front();
    for (const Vec3& p : points) {
      lo = lo.cwiseMin(p);
      hi = hi.cwiseMax(p);
    }
    origin_ = lo;
    for (int a = 0; a < 3; ++a) {
      n_[static_cast<std::size_t>(a)] = static_cast<long>(std::floor((hi[a] - lo[a]) / cell)) + 1;
    }
    std::vector<std::size_t> bucket(points.size());
    start_.assign(static_cast<std::size_t>(n_[0] * n_[1] * n_[2]) + 1, 0);
    for (std::size_t n = 0; n < points.size(); ++n) {
      std::array<long, 3> c{};
      for (int a = 0; a < 3; ++a) {
        const auto sa = static_cast<std::size_t>(a);
        c[sa] = std::clamp(static_cast<long>(std::floor((points[n][a] - origin_[a]) / cell_)), 0L,
                           n_[sa] - 1);
      }
      bucket[n] = flat(c[0], c[1], c[2]);
      ++start_[bucket[n] + 1];
    }
    for (std::size_t b = 1; b < start_.size(); ++b) start_[b] += start_[b - 1];
    points_.resize(points.size());
    index_.resize(points.size());
    std::vector<std::size_t> fill(start_.begin(), start_.end() - 1);
    for (std::size_t n = 0; n < points.size(); ++n) {
      const std::size_t at = fill[bucket[n]]++;
      points_[at] = points[n];
      index_[at] = n;
    }
  }

  [[nodiscard]] bool empty() const { return points_.empty(); }

  // Distance (mm) from q to the nearest point when it is < `limit`, else a value >= limit.
  // Returns as soon as a point within `good_enough` is found (with that point's distance).
  [[nodiscard]] double nearest(const Vec3& q, double good_enough, double limit) const {
    return nearestHit(q, good_enough, limit).distance;
  }

  struct Hit {
    double distance = kInf;
    std::size_t index = kNone;  // index in the constructor's point list; kNone if none found
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // As nearest(), with the index of the point found.
  [[nodiscard]] Hit nearestHit(const Vec3& q, double good_enough, double limit) const {
    Hit hit;
    if (points_.empty()) return hit;
    std::array<long, 3> c{};
    long r_max = 0;
    for (int a = 0; a < 3; ++a) {
      const auto sa = static_cast<std::size_t>(a);
      const double f = std::floor((q[a] - origin_[a]) / cell_);
      c[sa] = static_cast<long>(std::clamp(f, -1e9, 1e9));
      r_max = std::max({r_max, std::abs(c[sa]), std::abs(n_[sa] - 1 - c[sa])});
    }
    double best2 = limit * limit;
    const double good2 = good_enough < 0.0 ? -1.0 : good_enough * good_enough;
    for (long r = 0; r <= r_max; ++r) {
      if (r > 0) {
        // Every point in shell r lies outside the block of cells c - (r-1) .. c + (r-1).
        double lb = kInf;
        for (int a = 0; a < 3; ++a) {
          const auto sa = static_cast<std::size_t>(a);
          const double block_lo = origin_[a] + static_cast<double>(c[sa] - r + 1) * cell_;
          const double block_hi = origin_[a] + static_cast<double>(c[sa] + r) * cell_;
          lb = std::min({lb, q[a] - block_lo, block_hi - q[a]});
        }
        if (lb > 0.0 && lb * lb >= best2) break;
      }
      const long k_lo = std::max(c[2] - r, 0L);
      const long k_hi = std::min(c[2] + r, n_[2] - 1);
      const long j_lo = std::max(c[1] - r, 0L);
      const long j_hi = std::min(c[1] + r, n_[1] - 1);
      const long i_lo = std::max(c[0] - r, 0L);
      const long i_hi = std::min(c[0] + r, n_[0] - 1);
      for (long k = k_lo; k <= k_hi; ++k) {
        const bool k_face = std::abs(k - c[2]) == r;
        for (long j = j_lo; j <= j_hi; ++j) {
          const bool face = k_face || std::abs(j - c[1]) == r;
          for (long i = face ? i_lo : c[0] - r; i <= (face ? i_hi : c[0] + r);
               i += face ? 1 : std::max(2 * r, 1L)) {
            if (i < 0 || i >= n_[0]) continue;
            const std::size_t b = flat(i, j, k);
            if (start_[b] == start_[b + 1] || cellDistance2(q, i, j, k) >= best2) continue;
            for (std::size_t n = start_[b]; n < start_[b + 1]; ++n) {
              const double d2 = (points_[n] - q).squaredNorm();
              if (d2 < best2) {
                best2 = d2;
                hit.index = index_[n];
                if (d2 <= good2) {
                  hit.distance = std::sqrt(d2);
                  return hit;
                }
              }
            }
          }
        }
      }
    }
    hit.distance = std::sqrt(best2);
    return hit;
  }

 private:
  [[nodiscard]] std::size_t flat(long i, long j, long k) const {
    return static_cast<std::size_t>(i + n_[0] * (j + n_[1] * k));
  }
  // Squared distance (mm^2) from q to the box of cell (i, j, k).
  [[nodiscard]] double cellDistance2(const Vec3& q, long i, long j, long k) const {
    const std::array<long, 3> c{i, j, k};
    double d2 = 0.0;
    for (int a = 0; a < 3; ++a) {
      const double lo = origin_[a] + static_cast<double>(c[static_cast<std::size_t>(a)]) * cell_;
      const double d = std::max({lo - q[a], 0.0, q[a] - (lo + cell_)});
      d2 += d * d;
    }
    return d2;
  }

  double cell_;
  Vec3 origin_{0, 0, 0};
  std::array<long, 3> n_{0, 0, 0};
  std::vector<std::size_t> start_;
  std::vector<Vec3> points_;
  std::vector<std::size_t> index_;
};

bool zoneStrictlyContains(const FollowupZone& zone, const Vec3& p) {
  const Vec3 q = zone.axes.transpose() * (p - zone.centre_lps);
  const Vec3 semi(zone.semi_u_mm, zone.semi_v_mm, zone.semi_w_mm);
  return q.cwiseQuotient(semi).squaredNorm() < 1.0 - 1e-9;
}

// Lesion surface samples: the fine set (the margin's samples) and a coarse set used to prune
// queries, each with "inside the union" flags.
struct SurfaceSamples {
  std::vector<Vec3> fine;
  std::vector<char> fine_inside;
  std::vector<Vec3> coarse;
  std::vector<char> coarse_inside;
};

// Minimal signed margin of the lesion samples against the boundary samples in `grid`: the
// minimum distance over the samples if all are inside the union, else minus the largest distance
// of an outside sample. Exact for the samples (coarse and fine): the distance d to a point set is
// 1-Lipschitz, so a fine sample q is only queried when the bound from its nearest coarse sample c,
// d(c) -/+ |q - c|, could improve the result.
double minimalMargin(const SurfaceSamples& s, const PointGrid& coarse_grid, const PointGrid& grid) {
  const bool any_outside =
      std::find(s.fine_inside.begin(), s.fine_inside.end(), 0) != s.fine_inside.end() ||
      std::find(s.coarse_inside.begin(), s.coarse_inside.end(), 0) != s.coarse_inside.end();
  std::vector<double> coarse_d(s.coarse.size());
  parallelFor(kChunks, [&](std::size_t c) {
    for (std::size_t n = s.coarse.size() * c / kChunks; n < s.coarse.size() * (c + 1) / kChunks;
         ++n) {
      coarse_d[n] = grid.nearest(s.coarse[n], -1.0, kInf);
    }
  });
  double start = any_outside ? 0.0 : kInf;
  for (std::size_t n = 0; n < s.coarse.size(); ++n) {
    if (!any_outside) {
      start = std::min(start, coarse_d[n]);
    } else if (s.coarse_inside[n] == 0) {
      start = std::max(start, coarse_d[n]);
    }
  }
  std::vector<double> part(kChunks, start);
  parallelFor(kChunks, [&](std::size_t c) {
    double v = start;
    for (std::size_t n = s.fine.size() * c / kChunks; n < s.fine.size() * (c + 1) / kChunks; ++n) {
      if (any_outside && s.fine_inside[n] != 0) continue;
      const PointGrid::Hit h = coarse_grid.nearestHit(s.fine[n], -1.0, kInf);
      const double bound = any_outside ? coarse_d[h.index] + h.distance   // >= d(q)
                                       : coarse_d[h.index] - h.distance;  // <= d(q)
      if (any_outside) {
        if (bound <= v) continue;
        v = std::max(v, grid.nearest(s.fine[n], v, kInf));  // a sample within v cannot raise v
      } else {
        if (bound >= v) continue;
        v = std::min(v, grid.nearest(s.fine[n], -1.0, v));  // only samples closer than v matter
      }
    }
    part[c] = v;
  });
  if (any_outside) return -*std::max_element(part.begin(), part.end());
  return *std::min_element(part.begin(), part.end());
}

// Volume (ml) of the lesion outside every zone: midpoint rule on a kVolumeStepMm grid.
double residualVolumeMl(const LesionShape& l, const std::vector<FollowupZone>& zones) {
  const Box box = ellipsoidBox(l.center, l.rotation, l.semi_axes);
  std::vector<const FollowupZone*> near;
  for (const FollowupZone& z : zones) {
    if (zoneBox(z).overlaps(box)) near.push_back(&z);
  }
  std::array<std::size_t, 3> n{};
  for (int a = 0; a < 3; ++a) {
    n[static_cast<std::size_t>(a)] =
        static_cast<std::size_t>(std::ceil((box.hi[a] - box.lo[a]) / kVolumeStepMm));
  }
  const Mat3 to_local = l.rotation.transpose();
  const Vec3 inv_semi = l.semi_axes.cwiseInverse();
  std::vector<std::size_t> count(n[2], 0);
  parallelFor(n[2], [&](std::size_t k) {
    std::size_t c = 0;
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p = box.lo + kVolumeStepMm * Vec3(static_cast<double>(i) + 0.5,
                                                     static_cast<double>(j) + 0.5,
                                                     static_cast<double>(k) + 0.5);
        if ((to_local * (p - l.center)).cwiseProduct(inv_semi).squaredNorm() > 1.0) continue;
        bool ablated = false;
        for (const FollowupZone* z : near) {
          if (zoneContains(*z, p)) {
            ablated = true;
            break;
          }
        }
        if (!ablated) ++c;
      }
    }
    count[k] = c;
  });
  std::size_t total = 0;
  for (const std::size_t c : count) total += c;
  return static_cast<double>(total) * kVolumeStepMm * kVolumeStepMm * kVolumeStepMm / 1000.0;
}

// Samples (LPS mm) on the surface of the capsule {p : |p - segment ab| = r}, <= spacing apart.
std::vector<Vec3> sampleCapsuleSurface(const VesselSegment& v, double spacing_mm) {
  constexpr double kPi = std::numbers::pi;
  const Vec3 axis = v.b - v.a;
  const double length = axis.norm();
  std::vector<Vec3> out;
  // The two end caps: sphere samples whose projection falls outside the segment.
  for (const Vec3* end : {&v.a, &v.b}) {
    for (const Vec3& p :
         sampleEllipsoidSurface(*end, Mat3::Identity(), Vec3::Constant(v.radius), spacing_mm)) {
      const double t = length > 0 ? (p - v.a).dot(axis) / (length * length) : 0.0;
      if (length == 0 || t <= 0.0 || t >= 1.0) out.push_back(p);
    }
  }
  if (length == 0) return out;
  const Vec3 w = axis / length;
  const Vec3 u = (std::abs(w.x()) < 0.9 ? Vec3::UnitX() : Vec3::UnitY()).cross(w).normalized();
  const Vec3 n = w.cross(u);
  const int rings = std::max(1, static_cast<int>(std::ceil(length / spacing_mm)));
  const int around = std::max(6, static_cast<int>(std::ceil(2.0 * kPi * v.radius / spacing_mm)));
  for (int r = 0; r <= rings; ++r) {
    const Vec3 c = v.a + axis * (static_cast<double>(r) / rings);
    for (int k = 0; k < around; ++k) {
      const double phi = 2.0 * kPi * (k + 0.5 * (r % 2)) / around;
      out.push_back(c + v.radius * (std::cos(phi) * u + std::sin(phi) * n));
    }
  }
  return out;
}

// The patent vessels' lumens (the follow-up painter's rule: radius >= patent_radius) and the
// lesions they never cross (a lesion is painted over a vessel).
struct Lumens {
  std::vector<const VesselSegment*> patent;
  const std::vector<LesionShape>* lesions = nullptr;
  // Strictly inside a patent lumen other than `skip`, and in no lesion.
  [[nodiscard]] bool carves(const Vec3& p, const VesselSegment* skip = nullptr) const {
    bool in_lumen = false;
    for (const VesselSegment* v : patent) {
      if (v == skip || !v->box.contains(p)) continue;
      if (pointSegmentDistance2(p, v->a, v->b) < v->radius * v->radius * (1.0 - 1e-9)) {
        in_lumen = true;
        break;
      }
    }
    return in_lumen && !inLesion(p);
  }
  [[nodiscard]] bool inLesion(const Vec3& p) const {
    return std::any_of(lesions->begin(), lesions->end(),
                       [&p](const LesionShape& l) { return l.box.contains(p) && l.contains(p); });
  }
};

MarginTruth marginOf(const LesionShape& lesion, const std::vector<FollowupZone>& all_zones,
                     const Lumens& lumens) {
  std::vector<const FollowupZone*> zones;
  for (const FollowupZone& z : all_zones) {
    if (z.lesion_label == lesion.label) zones.push_back(&z);
  }
  auto insideUnion = [&zones](const Vec3& q) {
    return std::any_of(zones.begin(), zones.end(),
                       [&q](const FollowupZone* z) { return zoneContains(*z, q); });
  };
  // Boundary of the union minus the patent lumens: zone surface samples not strictly inside
  // another zone of the union nor in a patent lumen, and lumen surface samples inside the union
  // and not strictly inside another lumen.
  std::vector<Vec3> boundary;
  Box union_box;
  for (std::size_t i = 0; i < zones.size(); ++i) {
    const FollowupZone& z = *zones[i];
    const Box zb = zoneBox(z);
    union_box = i == 0 ? zb : Box{union_box.lo.cwiseMin(zb.lo), union_box.hi.cwiseMax(zb.hi)};
    for (const Vec3& b :
         sampleEllipsoidSurface(z.centre_lps, z.axes, Vec3(z.semi_u_mm, z.semi_v_mm, z.semi_w_mm),
                                kSurfaceSpacingMm)) {
      bool covered = false;
      for (std::size_t j = 0; j < zones.size() && !covered; ++j) {
        covered = j != i && zoneStrictlyContains(*zones[j], b);
      }
      if (!covered && !lumens.carves(b)) boundary.push_back(b);
    }
  }
  if (!zones.empty()) {
    for (const VesselSegment* v : lumens.patent) {
      if (!v->box.overlaps(union_box)) continue;
      for (const Vec3& b : sampleCapsuleSurface(*v, kSurfaceSpacingMm)) {
        if (union_box.contains(b) && insideUnion(b) && !lumens.carves(b, v) &&
            !lumens.inLesion(b)) {
          boundary.push_back(b);
        }
      }
    }
  }
  std::vector<Vec3> in_liver;
  for (const Vec3& b : boundary) {
    if (liverSdf(b) < 0.0 && !gallbladder().contains(b)) in_liver.push_back(b);
  }
  SurfaceSamples samples;
  samples.fine =
      sampleEllipsoidSurface(lesion.center, lesion.rotation, lesion.semi_axes, kSurfaceSpacingMm);
  samples.coarse =
      sampleEllipsoidSurface(lesion.center, lesion.rotation, lesion.semi_axes, kCoarseSpacingMm);
  for (const Vec3& q : samples.fine) samples.fine_inside.push_back(insideUnion(q) ? 1 : 0);
  for (const Vec3& q : samples.coarse) samples.coarse_inside.push_back(insideUnion(q) ? 1 : 0);
  const PointGrid coarse_grid(samples.coarse, kBucketMm);
  MarginTruth t;
  t.lesion_label = lesion.label;
  t.minimal_margin_uncorrected_mm =
      minimalMargin(samples, coarse_grid, PointGrid(boundary, kBucketMm));
  t.minimal_margin_mm = in_liver.empty()
                            ? t.minimal_margin_uncorrected_mm
                            : minimalMargin(samples, coarse_grid, PointGrid(in_liver, kBucketMm));
  t.residual_volume_ml = residualVolumeMl(lesion, all_zones);

  return t;
}

}  // namespace

std::vector<Vec3> sampleEllipsoidSurface(const Vec3& centre, const Mat3& rotation,
                                         const Vec3& semi_axes, double spacing_mm) {
  constexpr double kPi = std::numbers::pi;
  // Rings of constant polar angle t about the local z axis: the meridian arc per step of t is
  // at most max(semi) dt, the ring arc per step of phi at most max(a, b) sin(t) dphi.
  const int nt = std::max(2, static_cast<int>(std::ceil(kPi * semi_axes.maxCoeff() / spacing_mm)));
  const double ring = std::max(semi_axes.x(), semi_axes.y());
  std::vector<Vec3> out;
  for (int it = 0; it <= nt; ++it) {
    const double t = kPi * it / nt;
    const double st = std::sin(t);
    const double ct = std::cos(t);
    const int np =
        (it == 0 || it == nt)
            ? 1
            : std::max(3, static_cast<int>(std::ceil(2.0 * kPi * ring * st / spacing_mm)));
    for (int ip = 0; ip < np; ++ip) {
      const double phi = 2.0 * kPi * (ip + 0.5 * (it % 2)) / np;
      const Vec3 local(semi_axes.x() * st * std::cos(phi), semi_axes.y() * st * std::sin(phi),
                       semi_axes.z() * ct);
      out.emplace_back(centre + rotation * local);
    }
  }
  return out;
}

std::vector<MarginTruth> computeMarginTruth(const std::vector<LesionShape>& lesions,
                                            const std::vector<FollowupZone>& zones,
                                            const std::vector<VesselSegment>& vessels,
                                            double patent_vessel_radius_mm) {
  Lumens lumens;
  lumens.lesions = &lesions;
  for (const VesselSegment& v : vessels) {
    if (v.radius >= patent_vessel_radius_mm) lumens.patent.push_back(&v);
  }
  std::set<int> treated;
  for (const FollowupZone& z : zones) {
    if (z.lesion_label != 0) treated.insert(z.lesion_label);
  }
  std::vector<MarginTruth> out;
  for (const int label : treated) {
    for (const LesionShape& l : lesions) {
      if (l.label == label) out.push_back(marginOf(l, zones, lumens));
    }
  }
  return out;
}

}  // namespace rfa::phantom::detail
