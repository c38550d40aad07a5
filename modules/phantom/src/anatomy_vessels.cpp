// Portal and hepatic vessel trees: fixed trunks plus seeded binary branching inside the liver.
// All lengths LPS mm (grid centre at 0), angles in radians.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "anatomy_model.h"

namespace rfa::phantom::detail {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kTrunkRadiusMm = 6.0;
constexpr double kRadiusRatio = 0.75;       // child radius / parent radius
constexpr double kVesselClearanceMm = 1.5;  // lumen-to-lumen gap between unrelated segments
constexpr double kLesionClearanceMm = 1.5;  // lumen to lesion bounding sphere
constexpr double kCapsuleMarginMm = 1.0;    // lumen to liver capsule
constexpr int kBranchTries = 24;
constexpr int kRingPoints = 8;
constexpr double kRingStepMm = 2.0;

// Portal trunk: from the splenomesenteric confluence (extrahepatic) up to the hilum.
const Vec3 kPortalOrigin{-5.0, 2.0, -95.0};
const Vec3 kPortalHilum{-38.0, 0.0, -35.0};
// IVC axis (x, y) and its z extent (longer than any field of view).
constexpr double kIvcX = -22.0;
constexpr double kIvcY = 28.0;
constexpr double kIvcHalfLengthMm = 400.0;

// Where the hepatic veins join the IVC: the highest IVC axis point well inside the liver.
Vec3 hepaticConfluence() {
  for (double z = 80.0; z > -40.0; z -= 1.0) {
    const Vec3 p(kIvcX, kIvcY, z);
    if (usableLiverSdf(p) < -8.0) return p;
  }
  return {kIvcX, kIvcY, 0.0};
}

// True if the lumen of the capsule a-b (radius r), grown by kCapsuleMarginMm, lies inside the
// usable liver, ignoring the first skip_mm of the axis (inside the parent's lumen).
bool lumenInsideLiver(const Vec3& a, const Vec3& b, double radius, double skip_mm) {
  const Vec3 axis = b - a;
  const double length = axis.norm();
  const Vec3 d = axis / length;
  const Vec3 e1 = anyPerpendicular(d);
  const Vec3 e2 = d.cross(e1);
  const double ring = radius + kCapsuleMarginMm;
  if (usableLiverSdf(b + d * ring) >= 0.0) return false;  // end cap
  const int steps = std::max(1, static_cast<int>(std::ceil((length - skip_mm) / kRingStepMm)));
  for (int s = 0; s <= steps; ++s) {
    const double t = std::min(length, skip_mm + (length - skip_mm) * s / steps);
    const Vec3 c = a + d * t;
    for (int q = 0; q < kRingPoints; ++q) {
      const double angle = 2.0 * kPi * q / kRingPoints;
      const Vec3 p = c + ring * (std::cos(angle) * e1 + std::sin(angle) * e2);
      if (usableLiverSdf(p) >= 0.0) return false;
    }
  }
  return true;
}

bool clearOfVessels(const Vec3& a, const Vec3& b, double radius, int parent,
                    const std::vector<VesselSegment>& segments) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const VesselSegment& s = segments[i];
    if (static_cast<int>(i) == parent || s.parent == parent) continue;  // parent and siblings
    const double gap = segmentSegmentDistance(a, b, s.a, s.b) - radius - s.radius;
    if (gap < kVesselClearanceMm) return false;
  }
  return true;
}

bool clearOfLesions(const Vec3& a, const Vec3& b, double radius,
                    const std::vector<LesionShape>& lesions) {
  return std::all_of(lesions.begin(), lesions.end(), [&](const LesionShape& l) {
    return pointSegmentDistance(l.center, a, b) - radius - l.boundingRadius() >= kLesionClearanceMm;
  });
}

// Preferred directions of the two first-generation branches of a trunk.
std::array<Vec3, 2> firstBranchDirections(Tree tree) {
  if (tree == Tree::kPortal) {
    return {Vec3(-1.0, 0.1, 0.6).normalized(), Vec3(0.8, -0.8, 0.7).normalized()};
  }
  // Right hepatic vein and the common trunk of the middle/left hepatic veins.
  return {Vec3(-1.0, -0.5, -0.4).normalized(), Vec3(0.35, -1.0, -0.35).normalized()};
}

// Direction of child `c` (0 or 1) on try `attempt`.
Vec3 childDirection(const VesselSegment& parent, int c, double azimuth, int attempt, Rng& rng) {
  if (parent.generation == 0) {
    const Vec3 base = firstBranchDirections(parent.tree)[static_cast<std::size_t>(c)];
    const double jitter = attempt == 0 ? 0.0 : 0.08 + 0.03 * attempt;
    return (base + jitter * rng.unitVector()).normalized();
  }
  const Vec3 d = (parent.b - parent.a).normalized();
  const double psi = azimuth + c * kPi + (attempt == 0 ? 0.0 : rng.uniform(-0.6, 0.6));
  const Vec3 axis = rotateAbout(anyPerpendicular(d), d, psi);
  return rotateAbout(d, axis, rng.uniform(0.35, 0.75)).normalized();
}

Vec3 branchPoint(const VesselSegment& s) {
  return (s.tree == Tree::kHepatic && s.generation == 0) ? hepaticConfluence() : s.b;
}

// Tries to add the two children of segments[index].
void expandSegment(std::vector<VesselSegment>& segments, std::size_t index,
                   const std::vector<LesionShape>& lesions, Rng& rng) {
  const VesselSegment parent = segments[index];
  const double radius = parent.radius * kRadiusRatio;
  const Vec3 start = branchPoint(parent);
  const double azimuth = rng.uniform(0.0, 2.0 * kPi);
  for (int c = 0; c < 2; ++c) {
    for (int attempt = 0; attempt < kBranchTries; ++attempt) {
      const Vec3 dir = childDirection(parent, c, azimuth, attempt, rng);
      const double length = radius * rng.uniform(7.0, 10.0) * (1.0 - 0.03 * attempt);
      const Vec3 end = start + dir * length;
      if (!lumenInsideLiver(start, end, radius, parent.radius + 1.0)) continue;
      if (!clearOfVessels(start, end, radius, static_cast<int>(index), segments)) continue;
      if (!clearOfLesions(start, end, radius, lesions)) continue;
      VesselSegment child;
      child.a = start;
      child.b = end;
      child.radius = radius;
      child.tree = parent.tree;
      child.generation = parent.generation + 1;
      child.parent = static_cast<int>(index);
      child.box = capsuleBox(start, end, radius);
      segments.push_back(child);
      break;
    }
  }
}

VesselSegment makeTrunk(const Vec3& a, const Vec3& b, Tree tree) {
  VesselSegment s;
  s.a = a;
  s.b = b;
  s.radius = kTrunkRadiusMm;
  s.tree = tree;
  s.box = capsuleBox(a, b, s.radius);
  return s;
}

}  // namespace

void addVesselTrunks(std::vector<VesselSegment>& segments) {
  segments.push_back(makeTrunk(kPortalOrigin, kPortalHilum, Tree::kPortal));
  segments.push_back(makeTrunk(Vec3(kIvcX, kIvcY, -kIvcHalfLengthMm),
                               Vec3(kIvcX, kIvcY, kIvcHalfLengthMm), Tree::kHepatic));
}

void growVesselTrees(std::vector<VesselSegment>& segments, double min_radius,
                     const std::vector<LesionShape>& lesions, Rng& rng) {
  // Breadth first: children are appended behind their parents' generation.
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].expanded || segments[i].radius * kRadiusRatio < min_radius) continue;
    segments[i].expanded = true;
    expandSegment(segments, i, lesions, rng);
  }
}

}  // namespace rfa::phantom::detail
