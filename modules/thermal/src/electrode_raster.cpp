// Rasterization of an electrode's active part on a voxel grid (rasterizeActivePart, electrode.h).
//
// Every conductor is a centre line sampled every 0.25 x the smallest grid spacing, with a radius
// (half its diameter). A voxel is marked when its centre lies within the conductor, and the voxel
// nearest to each sample is always marked, so that conductors thinner than a voxel still give a
// connected line of voxels.
//
// Shafts: flat-ended cylinders of the shaft diameter from the tip back along -w over the active
// length, the axis shifted by (offset_u, offset_v) in the needle frame.
//
// Tines (a simple documented model, not a manufacturer drawing): tine k of n lies in the plane of
// w and r_k = cos(phi_k) u + sin(phi_k) v, phi_k = 2 pi k / n. It is a circular arc from the
// cannula tip (the tip of the first shaft's axis) to its end point E_k = tip + R r_k + a w, with
// R = D / 2 (D the deployed array diameter) and a = -0.3 D for recurved tines (LeVeen umbrella:
// ends behind the tip, towards the handle) or a = +0.5 D for forward tines (StarBurst-like). The
// arc's tangent at E_k is parallel to w, so E_k is the tine's farthest point from the axis and
// the array diameter is D: the arc radius is rho = (R^2 + a^2) / (2 R), its centre
// tip + (R - rho) r_k + a w. A recurved tine leaves the tip outwards and slightly forwards (at
// most 0.04 D ahead of the tip) and curls back; a forward tine leaves the tip perpendicular to w
// and ends parallel to it (a quarter circle of radius R).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/thermal/electrode.h"

namespace rfa::thermal {

namespace {

constexpr double kRecurvedEndAxial = -0.3;  // tine end along w, in deployed diameters
constexpr double kForwardEndAxial = 0.5;
constexpr double kSampleStepFraction = 0.25;  // sample step / smallest grid spacing
constexpr double kTolerance = 1e-9;           // mm

// A conductor: its centre line (LPS mm, consecutive points at most one sample step apart).
struct CentreLine {
  std::vector<Vec3> points;
  double radius_mm = 0;
  bool flat_ends = false;  // a straight cylinder from points.front() to points.back()
};

// Points from `a` to `b` (both included), at most `step` apart.
std::vector<Vec3> sampleSegment(const Vec3& a, const Vec3& b, double step) {
  const auto n = static_cast<int>(std::max(1.0, std::ceil((b - a).norm() / step)));
  std::vector<Vec3> points;
  points.reserve(static_cast<std::size_t>(n) + 1);
  for (int s = 0; s <= n; ++s) points.push_back(a + (b - a) * (static_cast<double>(s) / n));
  return points;
}

// Tine k of the electrode's array (see the file comment), sampled at most `step` apart.
std::vector<Vec3> sampleTine(const Tines& tines, int k, const Vec3& tip, const Mat3& frame,
                             double step) {
  const double d = tines.deployed_diameter_mm;
  const double r_end = 0.5 * d;
  const double a = (tines.recurved ? kRecurvedEndAxial : kForwardEndAxial) * d;
  const double rho = (r_end * r_end + a * a) / (2.0 * r_end);
  const double centre_r = r_end - rho;  // arc centre in the (r_k, w) plane
  const double centre_w = a;
  const double theta0 = std::atan2(-centre_w, -centre_r);  // the tip; the end is at theta = 0
  const double phi = 2.0 * std::numbers::pi * k / tines.count;
  const Vec3 radial = std::cos(phi) * frame.col(0) + std::sin(phi) * frame.col(1);
  const Vec3& w = frame.col(2);
  const auto n = static_cast<int>(std::max(1.0, std::ceil(rho * std::abs(theta0) / step)));
  std::vector<Vec3> points;
  points.reserve(static_cast<std::size_t>(n) + 1);
  for (int s = 0; s <= n; ++s) {
    const double theta = theta0 * (1.0 - static_cast<double>(s) / n);
    points.push_back(tip + (centre_r + rho * std::cos(theta)) * radial +
                     (centre_w + rho * std::sin(theta)) * w);
  }
  return points;
}

class Painter {
 public:
  explicit Painter(Mask& mask) : mask_(mask), grid_(mask.geometry()) {}

  void paint(const CentreLine& line) {
    for (const Vec3& p : line.points) markNearest(p);
    const std::size_t segments = line.points.size() > 1 ? line.points.size() - 1 : 1;
    for (std::size_t s = 0; s < segments; ++s) {
      const Vec3& a = line.points[s];
      const Vec3& b = line.points[std::min(s + 1, line.points.size() - 1)];
      paintSegment(line, a, b);
    }
  }
  [[nodiscard]] std::size_t marked() const { return marked_; }

 private:
  void mark(std::int64_t i, std::int64_t j, std::int64_t k) {
    std::uint8_t& v = mask_(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                            static_cast<std::size_t>(k));
    if (v == 0) {
      v = 1;
      ++marked_;
    }
  }

  void markNearest(const Vec3& p_lps) {
    const Vec3 index = grid_.lpsToIndex(p_lps);
    if (!grid_.containsContinuous(index)) return;
    Index3 ijk{};
    for (int a = 0; a < 3; ++a) ijk[a] = static_cast<std::int64_t>(std::llround(index[a]));
    if (grid_.contains(ijk)) mark(ijk[0], ijk[1], ijk[2]);
  }

  // Marks the voxels of `line` whose centres lie in the bounding box of segment [a, b] widened by
  // the radius: those within the radius of the segment, or of the whole cylinder when flat-ended.
  void paintSegment(const CentreLine& line, const Vec3& a, const Vec3& b) {
    const double r = line.radius_mm;
    const Vec3 lo = (a.cwiseMin(b).array() - r).matrix();
    const Vec3 hi = (a.cwiseMax(b).array() + r).matrix();
    Vec3 index_lo = Vec3::Constant(std::numeric_limits<double>::infinity());
    Vec3 index_hi = Vec3::Constant(-std::numeric_limits<double>::infinity());
    for (int c = 0; c < 8; ++c) {
      const Vec3 corner((c & 1) != 0 ? hi.x() : lo.x(), (c & 2) != 0 ? hi.y() : lo.y(),
                        (c & 4) != 0 ? hi.z() : lo.z());
      const Vec3 index = grid_.lpsToIndex(corner);
      index_lo = index_lo.cwiseMin(index);
      index_hi = index_hi.cwiseMax(index);
    }
    std::array<std::int64_t, 3> first{};
    std::array<std::int64_t, 3> last{};
    for (int d = 0; d < 3; ++d) {
      const auto n = static_cast<double>(grid_.size()[static_cast<std::size_t>(d)]);
      first[d] = static_cast<std::int64_t>(std::clamp(std::ceil(index_lo[d]), 0.0, n));
      last[d] = static_cast<std::int64_t>(std::clamp(std::floor(index_hi[d]), -1.0, n - 1.0));
      if (first[d] > last[d]) return;
    }
    const Vec3& axis_start = line.points.front();
    const Vec3 axis = line.points.back() - axis_start;
    const double axis_length2 = axis.squaredNorm();
    for (std::int64_t k = first[2]; k <= last[2]; ++k) {
      for (std::int64_t j = first[1]; j <= last[1]; ++j) {
        for (std::int64_t i = first[0]; i <= last[0]; ++i) {
          const Vec3 q = grid_.indexToLps(
              Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
          bool inside = false;
          if (line.flat_ends && axis_length2 > 0) {
            const double t = (q - axis_start).dot(axis) / axis_length2;
            inside = t >= -kTolerance && t <= 1.0 + kTolerance &&
                     (q - axis_start - t * axis).norm() <= r + kTolerance;
          } else {
            const Vec3 ab = b - a;
            const double len2 = ab.squaredNorm();
            const double t = len2 > 0 ? std::clamp((q - a).dot(ab) / len2, 0.0, 1.0) : 0.0;
            inside = (q - a - t * ab).norm() <= r + kTolerance;
          }
          if (inside) mark(i, j, k);
        }
      }
    }
  }

  Mask& mask_;
  const ImageGeometry& grid_;
  std::size_t marked_ = 0;
};

}  // namespace

Mask rasterizeActivePart(const Electrode& electrode, const NeedlePose& pose,
                         const ImageGeometry& grid) {
  if (!pose.tip_lps.allFinite()) throw GeometryError("needle tip must be finite");
  const Mat3 frame = needleFrame(pose);
  Mask mask(grid, 0);
  if (grid.voxelCount() == 0) {
    throw GeometryError("electrode '" + electrode.name + "': the simulation grid is empty");
  }
  const double step = kSampleStepFraction * grid.spacing().minCoeff();
  Painter painter(mask);
  for (const Shaft& shaft : electrode.shafts) {
    if (shaft.active_length_mm <= 0) continue;  // insulated cannula of a tine electrode
    const Vec3 tip =
        pose.tip_lps + shaft.offset_u_mm * frame.col(0) + shaft.offset_v_mm * frame.col(1);
    const Vec3 start = tip - shaft.active_length_mm * frame.col(2);
    painter.paint({sampleSegment(start, tip, step), 0.5 * shaft.diameter_mm, true});
  }
  if (electrode.tines) {
    const Shaft first = electrode.shafts.empty() ? Shaft{} : electrode.shafts.front();
    const Vec3 cannula_tip =
        pose.tip_lps + first.offset_u_mm * frame.col(0) + first.offset_v_mm * frame.col(1);
    for (int k = 0; k < electrode.tines->count; ++k) {
      painter.paint({sampleTine(*electrode.tines, k, cannula_tip, frame, step),
                     0.5 * electrode.tines->diameter_mm, false});
    }
  }
  if (painter.marked() == 0) {
    std::ostringstream message;
    message << "electrode '" << electrode.name << "' with its tip at LPS (" << pose.tip_lps.x()
            << ", " << pose.tip_lps.y() << ", " << pose.tip_lps.z()
            << ") mm lies entirely outside the simulation grid " << grid.describe();
    throw GeometryError(message.str());
  }
  return mask;
}

}  // namespace rfa::thermal
