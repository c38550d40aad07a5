// Seeded placement of the hypodense lesions by rejection sampling: inside the liver (>= 2.5 mm from
// the capsule), clear of vessel lumens and of each other; lesion 1 next to a vessel, lesion 2
// behind a rib. All lengths LPS mm (grid centre at 0).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>

#include "anatomy_model.h"
#include "rfa/core/error.h"

namespace rfa::phantom::detail {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kCapsuleMarginMm = 2.5;  // lesion surface to liver capsule
constexpr double kLesionGapMm = 5.0;      // between lesions (bounding spheres)
constexpr double kVesselGapMm = 1.0;      // lesion surface to any vessel lumen
constexpr double kTouchGapMinMm = 1.2;    // lesion 1 to its vessel lumen: [min, max]
constexpr double kTouchGapMaxMm = 2.8;
constexpr double kTouchVesselRadiusMm = 2.5;  // lesion 1 touches a vessel >= 5 mm in diameter
constexpr double kMinDiameterMm = 5.0;
constexpr double kRelaxFactor = 0.85;  // diameter shrink per failed level
constexpr int kRelaxLevels = 8;
constexpr int kTriesPerLevel = 250;
constexpr double kCentralDepthMm = 10.0;  // surface-to-capsule depth of a "central" lesion

// A lesion shape with its surface samples (offsets from the centre and outward unit normals).
struct Candidate {
  LesionShape shape;
  std::vector<Vec3> offsets;
  std::vector<Vec3> normals;
};

Candidate makeCandidate(double diameter, Rng& rng) {
  Candidate c;
  const double r = 0.5 * diameter;
  Vec3 semi(r * rng.uniform(0.85, 1.15), r * rng.uniform(0.85, 1.15), r * rng.uniform(0.85, 1.15));
  semi *= r / (semi.sum() / 3.0);  // nominal diameter = 2 x mean semi-axis
  c.shape.semi_axes = semi;
  c.shape.rotation = rng.rotation();
  c.shape.hu = rng.uniform(40.0, 55.0);
  // Fibonacci sphere, about one sample per 3 mm^2 of surface.
  const double area = 4.0 * kPi * r * r;
  const int n = std::clamp(static_cast<int>(area / 3.0), 150, 1500);
  const double golden = kPi * (3.0 - std::sqrt(5.0));
  for (int k = 0; k < n; ++k) {
    const double z = 1.0 - (2.0 * k + 1.0) / n;
    const double rho = std::sqrt(1.0 - z * z);
    const Vec3 u(rho * std::cos(golden * k), rho * std::sin(golden * k), z);
    const Vec3 q = semi.cwiseProduct(u);
    c.offsets.push_back(c.shape.rotation * q);
    c.normals.push_back((c.shape.rotation * q.cwiseQuotient(semi.cwiseProduct(semi))).normalized());
  }
  return c;
}

void setCenter(LesionShape& shape, const Vec3& center) {
  shape.center = center;
  // Half extent of a rotated ellipsoid along each LPS axis.
  Vec3 half;
  for (int a = 0; a < 3; ++a) {
    half[a] = shape.rotation.row(a).cwiseProduct(shape.semi_axes.transpose()).norm();
  }
  shape.box = {center - half, center + half};
}

bool insideLiver(const Candidate& c, const Vec3& center) {
  if (usableLiverSdf(center) > -0.8 * c.shape.semi_axes.minCoeff()) return false;  // quick reject
  for (std::size_t k = 0; k < c.offsets.size(); ++k) {
    if (usableLiverSdf(center + c.offsets[k] + kCapsuleMarginMm * c.normals[k]) >= 0.0)
      return false;
  }
  return true;
}

// Smallest gap (mm) between the lesion surface and the lumen of `s`.
double vesselGap(const Candidate& c, const Vec3& center, const VesselSegment& s) {
  double gap = std::numeric_limits<double>::max();
  for (const Vec3& o : c.offsets) gap = std::min(gap, pointSegmentDistance(center + o, s.a, s.b));
  return gap - s.radius;
}

bool clearOfVessels(const Candidate& c, const Vec3& center,
                    const std::vector<VesselSegment>& vessels, int skip) {
  const double bound = c.shape.boundingRadius();
  for (std::size_t i = 0; i < vessels.size(); ++i) {
    if (static_cast<int>(i) == skip) continue;
    const VesselSegment& s = vessels[i];
    if (pointSegmentDistance(center, s.a, s.b) - s.radius - bound > kVesselGapMm) continue;
    if (vesselGap(c, center, s) < kVesselGapMm) return false;
  }
  return true;
}

bool clearOfLesions(const Candidate& c, const Vec3& center,
                    const std::vector<LesionShape>& placed) {
  return std::all_of(placed.begin(), placed.end(), [&](const LesionShape& l) {
    return (l.center - center).norm() >=
           l.boundingRadius() + c.shape.boundingRadius() + kLesionGapMm;
  });
}

bool fits(const Candidate& c, const Vec3& center, const std::vector<VesselSegment>& vessels,
          const std::vector<LesionShape>& placed, int skip_vessel) {
  return clearOfLesions(c, center, placed) && insideLiver(c, center) &&
         clearOfVessels(c, center, vessels, skip_vessel);
}

std::string depthLocation(const Candidate& c, const Vec3& center) {
  const double depth = -usableLiverSdf(center) - c.shape.boundingRadius();
  return depth >= kCentralDepthMm ? "central" : "peripheral";
}

// ---- The three kinds of placement; each returns true and fills `out` on success ----

bool placeAnywhere(double diameter, const std::vector<VesselSegment>& vessels,
                   const std::vector<LesionShape>& placed, Rng& rng, LesionShape& out) {
  const Box bounds = liverBounds();
  for (int t = 0; t < kTriesPerLevel; ++t) {
    Candidate c = makeCandidate(diameter, rng);
    const Vec3 center(rng.uniform(bounds.lo.x(), bounds.hi.x()),
                      rng.uniform(bounds.lo.y(), bounds.hi.y()),
                      rng.uniform(bounds.lo.z(), bounds.hi.z()));
    if (!fits(c, center, vessels, placed, -1)) continue;
    out = c.shape;
    setCenter(out, center);
    out.location = depthLocation(c, center);
    return true;
  }
  return false;
}

// Moves the lesion along `u` from the vessel axis point q until its gap to the lumen is `gap`.
Vec3 centerAtGap(const Candidate& c, const VesselSegment& s, const Vec3& q, const Vec3& u,
                 double gap) {
  double offset = s.radius + gap + c.shape.boundingRadius();
  for (int it = 0; it < 5; ++it) offset += gap - vesselGap(c, q + u * offset, s);
  return q + u * offset;
}

bool placeNextToVessel(double diameter, const std::vector<VesselSegment>& vessels,
                       const std::vector<LesionShape>& placed, Rng& rng, LesionShape& out) {
  std::vector<int> targets;
  for (std::size_t i = 0; i < vessels.size(); ++i) {
    if (vessels[i].generation >= 1 && vessels[i].radius >= kTouchVesselRadiusMm) {
      targets.push_back(static_cast<int>(i));
    }
  }
  if (targets.empty()) return false;
  for (int t = 0; t < kTriesPerLevel; ++t) {
    Candidate c = makeCandidate(diameter, rng);
    const int target = targets[rng.index(targets.size())];
    const VesselSegment& s = vessels[static_cast<std::size_t>(target)];
    const Vec3 d = (s.b - s.a).normalized();
    const Vec3 q = s.a + (s.b - s.a) * rng.uniform(0.25, 0.75);
    const Vec3 u = rotateAbout(anyPerpendicular(d), d, rng.uniform(0.0, 2.0 * kPi));
    const Vec3 center = centerAtGap(c, s, q, u, rng.uniform(1.5, 2.2));
    const double gap = vesselGap(c, center, s);
    if (gap < kTouchGapMinMm || gap > kTouchGapMaxMm) continue;
    if (!fits(c, center, vessels, placed, target)) continue;
    out = c.shape;
    setCenter(out, center);
    out.location = s.tree == Tree::kPortal ? "next to portal vein" : "next to hepatic vein";
    return true;
  }
  return false;
}

// Smallest distance (mm) from the segment p-q to the axis of any rib.
double ribAxisDistance(const Vec3& p, const Vec3& q, const std::vector<RibSegment>& ribs,
                       int* rib_number) {
  double best = std::numeric_limits<double>::max();
  for (const RibSegment& r : ribs) {
    const double d = segmentSegmentDistance(p, q, r.a, r.b);
    if (d < best) {
      best = d;
      *rib_number = r.rib;
    }
  }
  return best;
}

bool placeBehindRib(double diameter, const std::vector<VesselSegment>& vessels,
                    const std::vector<RibSegment>& ribs, const std::vector<LesionShape>& placed,
                    Rng& rng, LesionShape& out) {
  for (int t = 0; t < kTriesPerLevel; ++t) {
    Candidate c = makeCandidate(diameter, rng);
    const int rib = 7 + static_cast<int>(rng.index(5));  // ribs 7..11 cover the liver laterally
    const double phi_hi = std::min(2.4, ribPhiEnd(rib) - 0.05);
    const Vec3 rib_point = ribAxisPoint(rib, -1, rng.uniform(1.3, phi_hi));
    const Vec3 inward = (rib_point - nearestSkinPoint(rib_point)).normalized();
    double enter = -1.0;  // depth (mm) from the rib axis to the liver along `inward`
    for (double s = 0.0; s < 80.0; s += 1.0) {
      if (usableLiverSdf(rib_point + inward * s) < 0.0) {
        enter = s;
        break;
      }
    }
    if (enter < 0.0) continue;
    const double depth =
        enter + c.shape.boundingRadius() + kCapsuleMarginMm + rng.uniform(0.0, 8.0);
    const Vec3 center = rib_point + inward * depth;
    if (!fits(c, center, vessels, placed, -1)) continue;
    int hit_rib = 0;
    const Vec3 skin = nearestSkinPoint(center);
    if (ribAxisDistance(center, skin, ribs, &hit_rib) > 0.5 * kRibRadiusMm) continue;
    out = c.shape;
    setCenter(out, center);
    out.location = "behind rib " + std::to_string(hit_rib);
    return true;
  }
  return false;
}

enum class Kind { kAnywhere, kNextToVessel, kBehindRib };

bool tryPlace(Kind kind, double diameter, const std::vector<VesselSegment>& vessels,
              const std::vector<RibSegment>& ribs, const std::vector<LesionShape>& placed, Rng& rng,
              LesionShape& out) {
  switch (kind) {
    case Kind::kNextToVessel:
      return placeNextToVessel(diameter, vessels, placed, rng, out);
    case Kind::kBehindRib:
      return placeBehindRib(diameter, vessels, ribs, placed, rng, out);
    case Kind::kAnywhere:
      break;
  }
  return placeAnywhere(diameter, vessels, placed, rng, out);
}

// Places one lesion, shrinking the diameter level by level; a special constraint that cannot be
// met at any level is dropped (the lesion is then placed anywhere).
LesionShape placeOne(Kind kind, double diameter, const std::vector<VesselSegment>& vessels,
                     const std::vector<RibSegment>& ribs, const std::vector<LesionShape>& placed,
                     Rng& rng) {
  LesionShape out;
  for (const Kind k : {kind, Kind::kAnywhere}) {
    double d = diameter;
    for (int level = 0; level < kRelaxLevels; ++level) {
      if (tryPlace(k, d, vessels, ribs, placed, rng, out)) return out;
      d = std::min(d, std::max(kMinDiameterMm, d * kRelaxFactor));  // never grows a small one
    }
  }
  throw UnsupportedError("phantom: could not place a lesion of " + std::to_string(diameter) +
                         " mm inside the liver");
}

}  // namespace

bool LesionShape::contains(const Vec3& p) const {
  const Vec3 q = rotation.transpose() * (p - center);
  return q.cwiseQuotient(semi_axes).squaredNorm() <= 1.0;
}

std::vector<double> lesionDiameters(int n, double min_mm, double max_mm, Rng& rng) {
  std::vector<double> d;
  if (n <= 0) return d;
  // Jitter never leaves these bounds; the clamp only guards rounding.
  const double lo = 0.92 * min_mm;
  const double hi = 1.08 * max_mm;
  // The default 6..46 mm gives 22 mm, as before the range was an option.
  static_assert(6.0 + 0.4 * (46.0 - 6.0) == 22.0);
  if (n == 1)
    return {std::clamp((min_mm + 0.4 * (max_mm - min_mm)) * rng.uniform(0.9, 1.1), lo, hi)};
  // Log-spaced from min to max, jittered +-8 %, then shuffled (Fisher-Yates).
  for (int i = 0; i < n; ++i) {
    const double base = min_mm * std::pow(max_mm / min_mm, static_cast<double>(i) / (n - 1));
    d.push_back(std::clamp(base * rng.uniform(0.92, 1.08), lo, hi));
  }
  for (std::size_t i = d.size() - 1; i > 0; --i) std::swap(d[i], d[rng.index(i + 1)]);
  return d;
}

std::vector<LesionShape> placeLesions(int n, double min_mm, double max_mm,
                                      const std::vector<VesselSegment>& vessels,
                                      const std::vector<RibSegment>& ribs, Rng& rng) {
  const std::vector<double> diameters = lesionDiameters(n, min_mm, max_mm, rng);
  // Lesions 1 and 2 first (they carry constraints), then the others from the largest down.
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin() + std::min(n, 2), order.end(), [&](int a, int b) {
    return diameters[static_cast<std::size_t>(a)] > diameters[static_cast<std::size_t>(b)];
  });
  std::vector<LesionShape> placed;
  for (const int i : order) {
    const Kind kind = i == 0 ? Kind::kNextToVessel : (i == 1 ? Kind::kBehindRib : Kind::kAnywhere);
    LesionShape l =
        placeOne(kind, diameters[static_cast<std::size_t>(i)], vessels, ribs, placed, rng);
    l.label = i + 1;
    placed.push_back(l);
  }
  std::sort(placed.begin(), placed.end(),
            [](const LesionShape& a, const LesionShape& b) { return a.label < b.label; });
  return placed;
}

}  // namespace rfa::phantom::detail
