// Slice planes (slice_plane.h).
#include "rfa/core/slice_plane.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "rfa/core/error.h"

namespace rfa {

double SlicePlane::distanceMm(const Vec3& p) const {
  return (p - origin_lps).dot(normal());
}

Vec3 SlicePlane::project(const Vec3& p) const {
  return p - distanceMm(p) * normal();
}

std::array<double, 2> SlicePlane::inPlane(const Vec3& p) const {
  const Vec3 d = p - origin_lps;
  return {d.dot(right()), d.dot(up())};
}

SlicePlane SlicePlane::moved(double mm) const {
  SlicePlane s = *this;
  s.origin_lps += mm * normal();
  return s;
}

namespace {

SlicePlane planeOf(const Vec3& origin, const Vec3& right, const Vec3& up) {
  SlicePlane s;
  s.origin_lps = origin;
  s.frame.col(0) = right;
  s.frame.col(1) = up;
  s.frame.col(2) = up.cross(right);
  return s;
}

}  // namespace

SlicePlane presetPlane(SlicePreset preset, const Vec3& origin_lps) {
  switch (preset) {
    case SlicePreset::kAxial:
      return planeOf(origin_lps, Vec3(1, 0, 0), Vec3(0, -1, 0));
    case SlicePreset::kCoronal:
      return planeOf(origin_lps, Vec3(1, 0, 0), Vec3(0, 0, 1));
    case SlicePreset::kSagittal:
      return planeOf(origin_lps, Vec3(0, 1, 0), Vec3(0, 0, 1));
  }
  return planeOf(origin_lps, Vec3(1, 0, 0), Vec3(0, -1, 0));
}

SlicePlane needlePlane(const Vec3& entry_lps, const Vec3& tip_lps, double rotation_deg) {
  const Vec3 shaft = tip_lps - entry_lps;
  if (!(shaft.norm() > 1e-6)) {
    throw GeometryError("needle plane: entry and tip coincide (a needle needs a direction)");
  }
  const Vec3 u = shaft.normalized();
  // Reference across-shaft direction: superior, or anterior for a cranio-caudal needle.
  Vec3 ref = Vec3(0, 0, 1) - u.z() * u;
  if (ref.norm() < 1e-3) ref = Vec3(0, -1, 0) - (-u.y()) * u;
  const Vec3 e1 = ref.normalized();
  const Vec3 e2 = u.cross(e1);  // right-handed about the shaft
  const double a = rotation_deg * std::numbers::pi / 180.0;
  const Vec3 right = (std::cos(a) * e1 + std::sin(a) * e2).normalized();
  return planeOf(tip_lps, right, -u);
}

std::string orientationLetters(const Vec3& d, double min_fraction) {
  struct Part {
    double magnitude;
    char letter;
  };
  std::vector<Part> parts = {{std::abs(d.x()), d.x() >= 0 ? 'L' : 'R'},
                             {std::abs(d.y()), d.y() >= 0 ? 'P' : 'A'},
                             {std::abs(d.z()), d.z() >= 0 ? 'S' : 'I'}};
  std::stable_sort(parts.begin(), parts.end(),
                   [](const Part& a, const Part& b) { return a.magnitude > b.magnitude; });
  std::string s;
  for (const Part& p : parts) {
    if (p.magnitude > 0 && p.magnitude >= min_fraction * parts.front().magnitude) s += p.letter;
  }
  return s;
}

std::array<std::string, 4> sideLetters(const SlicePlane& plane) {
  return {orientationLetters(plane.right()), orientationLetters(-plane.right()),
          orientationLetters(plane.up()), orientationLetters(-plane.up())};
}

}  // namespace rfa
