// Random numbers, distance helpers and the fixed (seed-independent) anatomy of the phantom:
// body wall, liver, gallbladder, spine, ribs and lung bases. All lengths LPS mm, grid centre at 0.
#include <Eigen/Geometry>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

#include "anatomy_model.h"

namespace rfa::phantom::detail {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kHuge = 1e9;  // "no bound" along an axis (mm)

}  // namespace

// ---- Random numbers ----

std::uint64_t splitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

Rng::Rng(std::uint64_t seed, std::uint64_t stream)
    : engine_(splitMix64(splitMix64(seed) ^ (stream * 0xD1B54A32D192ED03ULL))) {}

double Rng::uniform() {
  return static_cast<double>(engine_() >> 11U) * 0x1.0p-53;
}

std::size_t Rng::index(std::size_t n) {
  const auto i = static_cast<std::size_t>(uniform() * static_cast<double>(n));
  return std::min(i, n - 1);
}

Vec3 Rng::unitVector() {
  const double z = uniform(-1.0, 1.0);
  const double phi = uniform(0.0, 2.0 * kPi);
  const double r = std::sqrt(std::max(0.0, 1.0 - z * z));
  return {r * std::cos(phi), r * std::sin(phi), z};
}

Mat3 Rng::rotation() {
  // Shoemake's uniform random unit quaternion.
  const double u1 = uniform();
  const double u2 = uniform(0.0, 2.0 * kPi);
  const double u3 = uniform(0.0, 2.0 * kPi);
  const double s1 = std::sqrt(1.0 - u1);
  const double s2 = std::sqrt(u1);
  const Eigen::Quaterniond q(s2 * std::cos(u3), s1 * std::sin(u2), s1 * std::cos(u2),
                             s2 * std::sin(u3));
  return q.normalized().toRotationMatrix();
}

double openUnit(std::uint64_t bits) {
  return static_cast<double>((bits >> 11U) + 1U) * 0x1.0p-53;
}

// ---- Geometry helpers ----

Box capsuleBox(const Vec3& a, const Vec3& b, double radius) {
  const Vec3 r = Vec3::Constant(radius);
  return {a.cwiseMin(b) - r, a.cwiseMax(b) + r};
}

double pointSegmentDistance2(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 ab = b - a;
  const double len2 = ab.squaredNorm();
  double t = len2 > 0.0 ? (p - a).dot(ab) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return (p - (a + t * ab)).squaredNorm();
}

double pointSegmentDistance(const Vec3& p, const Vec3& a, const Vec3& b) {
  return std::sqrt(pointSegmentDistance2(p, a, b));
}

double segmentSegmentDistance(const Vec3& p0, const Vec3& p1, const Vec3& q0, const Vec3& q1) {
  // Closest points of two segments (Ericson, Real-Time Collision Detection, 5.1.9).
  const Vec3 d1 = p1 - p0;
  const Vec3 d2 = q1 - q0;
  const Vec3 r = p0 - q0;
  const double a = d1.squaredNorm();
  const double e = d2.squaredNorm();
  const double f = d2.dot(r);
  constexpr double kEps = 1e-12;
  double s = 0.0;
  double t = 0.0;
  if (a <= kEps && e <= kEps) return r.norm();
  if (a <= kEps) {
    t = std::clamp(f / e, 0.0, 1.0);
  } else {
    const double c = d1.dot(r);
    if (e <= kEps) {
      s = std::clamp(-c / a, 0.0, 1.0);
    } else {
      const double b = d1.dot(d2);
      const double denom = a * e - b * b;
      s = denom > kEps ? std::clamp((b * f - c * e) / denom, 0.0, 1.0) : 0.0;
      t = (b * s + f) / e;
      if (t < 0.0) {
        t = 0.0;
        s = std::clamp(-c / a, 0.0, 1.0);
      } else if (t > 1.0) {
        t = 1.0;
        s = std::clamp((b - c) / a, 0.0, 1.0);
      }
    }
  }
  return ((p0 + s * d1) - (q0 + t * d2)).norm();
}

double smoothMin(double a, double b, double k) {
  const double h = std::max(k - std::abs(a - b), 0.0) / k;
  return std::min(a, b) - h * h * k * 0.25;
}

double smoothMax(double a, double b, double k) {
  return -smoothMin(-a, -b, k);
}

double ellipsoidSdf(const Vec3& q, const Vec3& semi_axes) {
  const double k0 = q.cwiseQuotient(semi_axes).norm();
  const double k1 = q.cwiseQuotient(semi_axes.cwiseProduct(semi_axes)).norm();
  if (k1 < 1e-12) return -semi_axes.minCoeff();
  return k0 * (k0 - 1.0) / k1;
}

double ellipseSdf(double x, double y, double a, double b) {
  const double k0 = std::hypot(x / a, y / b);
  const double k1 = std::hypot(x / (a * a), y / (b * b));
  if (k1 < 1e-12) return -std::min(a, b);
  return k0 * (k0 - 1.0) / k1;
}

Vec3 anyPerpendicular(const Vec3& d) {
  const Vec3 helper = std::abs(d.x()) < 0.6 ? Vec3::UnitX() : Vec3::UnitY();
  return d.cross(helper).normalized();
}

Vec3 rotateAbout(const Vec3& v, const Vec3& axis, double angle) {
  const double c = std::cos(angle);
  const double s = std::sin(angle);
  return v * c + axis.cross(v) * s + axis * axis.dot(v) * (1.0 - c);
}

// ---- Body wall ----

BodySection bodySection(double z) {
  // About 330 x 240 mm, a few mm wider in the lower abdomen and narrower AP towards the thorax.
  return {165.0 - 5.0 * std::sin(z / 90.0), 120.0 - 4.0 * std::sin(z / 110.0 + 0.3)};
}

double cavitySdf(const Vec3& p) {
  const BodySection s = bodySection(p.z());
  return ellipseSdf(p.x(), p.y(), s.a - kMuscleDepthMm, s.b - kMuscleDepthMm);
}

// ---- Liver ----

namespace {

// Right lobe, its posterior-superior dome (around the IVC), left lobe (crossing the midline
// anteriorly) and caudate lobe (next to the IVC).
const Vec3 kRightLobeCenter{-62.0, -8.0, -5.0};
const Vec3 kRightLobeSemi{70.0, 76.0, 70.0};
const Vec3 kDomeCenter{-45.0, 15.0, 35.0};
const Vec3 kDomeSemi{50.0, 35.0, 35.0};
const Vec3 kLeftLobeCenter{12.0, -52.0, 22.0};
const Vec3 kLeftLobeSemi{58.0, 30.0, 30.0};
const Vec3 kCaudateCenter{-8.0, 12.0, 5.0};
const Vec3 kCaudateSemi{22.0, 18.0, 35.0};
constexpr double kLobeBlendMm = 25.0;
constexpr double kCaudateBlendMm = 15.0;

// Signed distance (mm) to the plane of the visceral (inferior) surface; positive below it.
double belowVisceralPlane(const Vec3& p) {
  const double z_plane = -90.0 + 0.30 * (p.x() + 135.0) - 0.12 * p.y();
  return (z_plane - p.z()) / std::sqrt(1.0 + 0.30 * 0.30 + 0.12 * 0.12);
}

// Signed distance (mm) to a keep-out cylinder around the spine (posterior midline).
double spineKeepOut(const Vec3& p) {
  return std::hypot(p.x(), p.y() - 60.0) - 30.0;
}

// Low-frequency surface undulation (mm) so that the organ is not a pure quadric.
double undulation(const Vec3& p) {
  return 2.0 * std::sin(0.050 * p.x() + 0.3) * std::sin(0.043 * p.y() + 1.1) *
         std::sin(0.037 * p.z() + 0.7);
}

}  // namespace

double liverSdf(const Vec3& p) {
  double f = smoothMin(ellipsoidSdf(p - kRightLobeCenter, kRightLobeSemi),
                       ellipsoidSdf(p - kLeftLobeCenter, kLeftLobeSemi), kLobeBlendMm);
  f = smoothMin(f, ellipsoidSdf(p - kDomeCenter, kDomeSemi), kLobeBlendMm);
  f = smoothMin(f, ellipsoidSdf(p - kCaudateCenter, kCaudateSemi), kCaudateBlendMm);
  f = smoothMax(f, belowVisceralPlane(p), 12.0);
  f = smoothMax(f, -spineKeepOut(p), 8.0);
  f = smoothMax(f, cavitySdf(p) + 4.0, 8.0);
  return f + undulation(p);
}

Box liverBounds() {
  // Union of the lobe boxes, grown by 20 mm (> blend bulge 6.25 mm + undulation 2 mm + 8 mm).
  Box box{Vec3::Constant(kHuge), Vec3::Constant(-kHuge)};
  const std::array<std::pair<Vec3, Vec3>, 4> lobes{{{kRightLobeCenter, kRightLobeSemi},
                                                    {kDomeCenter, kDomeSemi},
                                                    {kLeftLobeCenter, kLeftLobeSemi},
                                                    {kCaudateCenter, kCaudateSemi}}};
  for (const auto& [c, r] : lobes) {
    box.lo = box.lo.cwiseMin(c - r);
    box.hi = box.hi.cwiseMax(c + r);
  }
  box.lo -= Vec3::Constant(20.0);
  box.hi += Vec3::Constant(20.0);
  return box;
}

// ---- Gallbladder ----

bool Gallbladder::contains(const Vec3& p) const {
  const Vec3 q = rotation.transpose() * (p - center);
  return q.cwiseQuotient(semi_axes).squaredNorm() <= 1.0;
}

double Gallbladder::sdf(const Vec3& p) const {
  return ellipsoidSdf(rotation.transpose() * (p - center), semi_axes);
}

const Gallbladder& gallbladder() {
  static const Gallbladder kGallbladder = [] {
    Gallbladder g;
    g.center = Vec3(-48.0, -48.0, -45.0);
    // Long axis from the fundus (anterior-inferior) to the neck (posterior-superior-medial).
    const Vec3 axis = Vec3(0.25, 0.55, 0.80).normalized();
    const Vec3 e1 = anyPerpendicular(axis);
    g.rotation.col(0) = e1;
    g.rotation.col(1) = axis.cross(e1);
    g.rotation.col(2) = axis;
    g.semi_axes = Vec3(15.0, 15.0, 35.0);  // 30 x 30 x 70 mm
    g.box = {g.center - Vec3::Constant(35.0), g.center + Vec3::Constant(35.0)};
    return g;
  }();
  return kGallbladder;
}

double usableLiverSdf(const Vec3& p) {
  return std::max(liverSdf(p), -gallbladder().sdf(p));
}

// ---- Spine ----

namespace {

constexpr double kVertebraPeriodMm = 34.0;  // vertebra + disc height
constexpr double kDiscMm = 6.0;
constexpr double kVertebraPhaseMm = 3.0;
constexpr double kBodyCenterY = 58.0;  // vertebral body centre (posterior)
constexpr double kBodySemiX = 21.0;
constexpr double kBodySemiY = 17.0;
constexpr double kCorticalMm = 2.5;
constexpr double kCanalY = 87.0;
constexpr double kCanalRadius = 9.0;
constexpr double kArchOuterRadius = 15.0;

bool insideEllipse(double x, double y, double a, double b) {
  return (x / a) * (x / a) + (y / b) * (y / b) <= 1.0;
}

bool inPosteriorElements(const Vec3& p, double z_center) {
  const double x = p.x();
  const double y = p.y();
  const double r_canal = std::hypot(x, y - kCanalY);
  if (r_canal >= kCanalRadius && r_canal <= kArchOuterRadius) return true;  // neural arch
  if (std::abs(x) >= 7.0 && std::abs(x) <= 14.0 && y >= 70.0 && y <= kCanalY)
    return true;  // pedicles
  const Vec3 spinous_a(0.0, 100.0, z_center + 4.0);
  const Vec3 spinous_b(0.0, 107.0, z_center - 6.0);
  if (pointSegmentDistance2(p, spinous_a, spinous_b) <= 4.5 * 4.5) return true;
  const double side = x < 0.0 ? -1.0 : 1.0;
  const Vec3 transverse_a(side * 12.0, 82.0, z_center);
  const Vec3 transverse_b(side * 40.0, 80.0, z_center + 2.0);
  return pointSegmentDistance2(p, transverse_a, transverse_b) <= 5.0 * 5.0;
}

}  // namespace

Box spineBounds() {
  return {Vec3(-46.0, 38.0, -kHuge), Vec3(46.0, 112.0, kHuge)};
}

SpineSample spineAt(const Vec3& p) {
  const double x = p.x();
  const double y = p.y();
  const double local =
      p.z() - kVertebraPhaseMm -
      kVertebraPeriodMm * std::floor((p.z() - kVertebraPhaseMm) / kVertebraPeriodMm);
  const bool in_disc = local < kDiscMm;
  if (insideEllipse(x, y - kBodyCenterY, kBodySemiX, kBodySemiY)) {
    if (in_disc) return {true, false, kDiscHu};
    const bool cancellous =
        insideEllipse(x, y - kBodyCenterY, kBodySemiX - kCorticalMm, kBodySemiY - kCorticalMm);
    return {true, true, cancellous ? kCancellousHu : kCorticalHu};
  }
  if (std::hypot(x, y - kCanalY) < kCanalRadius) return {true, false, kCsfHu};
  if (in_disc) return {};
  const double z_center = p.z() - local + kDiscMm + 0.5 * (kVertebraPeriodMm - kDiscMm);
  if (inPosteriorElements(p, z_center)) return {true, true, kPosteriorElementHu};
  return {};
}

bool inParaspinalMuscle(const Vec3& p, double grow_mm) {
  const double x = std::abs(p.x());
  return insideEllipse(x - 36.0, p.y() - 92.0, 24.0 + grow_mm, 14.0 + grow_mm);
}

// ---- Ribs ----

namespace {

constexpr double kRibPhiStart = 0.45;       // rad, posterior start (lateral to the spine)
constexpr double kRibSpacingMm = 22.0;      // z spacing of the posterior rib ends
constexpr double kRibTopZ = 117.0;          // z of the posterior end of rib 6 (mm)
constexpr double kRibSlopeMmPerRad = 22.0;  // ribs descend towards anterior
constexpr double kRibStepRad = 0.1;

}  // namespace

double ribPhiEnd(int rib) {
  // Lower ribs end more laterally (costal margin); 11 and 12 are floating ribs.
  static constexpr std::array<double, 7> kEnd{2.65, 2.6, 2.5, 2.4, 2.25, 1.8, 1.3};
  return kEnd[static_cast<std::size_t>(std::clamp(rib, kFirstRib, kLastRib) - kFirstRib)];
}

Vec3 ribAxisPoint(int rib, int side, double phi) {
  const double z =
      kRibTopZ - kRibSpacingMm * (rib - kFirstRib) - kRibSlopeMmPerRad * (phi - kRibPhiStart);
  const BodySection s = bodySection(z);
  return {side * (s.a - kRibDepthMm) * std::sin(phi), (s.b - kRibDepthMm) * std::cos(phi), z};
}

std::vector<RibSegment> buildRibs() {
  std::vector<RibSegment> ribs;
  for (const int side : {-1, 1}) {
    for (int rib = kFirstRib; rib <= kLastRib; ++rib) {
      const double span = ribPhiEnd(rib) - kRibPhiStart;
      const int steps = static_cast<int>(std::ceil(span / kRibStepRad));
      Vec3 prev = ribAxisPoint(rib, side, kRibPhiStart);
      for (int s = 1; s <= steps; ++s) {
        const Vec3 next = ribAxisPoint(rib, side, kRibPhiStart + span * s / steps);
        RibSegment seg;
        seg.a = prev;
        seg.b = next;
        seg.rib = rib;
        seg.side = side;
        seg.box = capsuleBox(prev, next, seg.radius);
        ribs.push_back(seg);
        prev = next;
      }
    }
  }
  return ribs;
}

// ---- Lung bases ----

namespace {

// Heart (soft tissue) resting on the diaphragm, left-anterior of the midline.
bool inHeart(const Vec3& p) {
  const Vec3 q = p - Vec3(15.0, -25.0, 108.0);
  return q.cwiseQuotient(Vec3(78.0, 63.0, 51.0)).squaredNorm() <= 1.0;
}

}  // namespace

Box lungBounds() {
  return {Vec3(-kHuge, -kHuge, 0.0), Vec3(kHuge, kHuge, kHuge)};
}

bool inLung(const Vec3& p, double liver_sdf) {
  const double x = p.x();
  const double y = p.y();
  if (std::abs(x) < 30.0 || (std::abs(x) < 48.0 && y > 60.0)) return false;  // mediastinum, spine
  const BodySection s = bodySection(p.z());
  const double a = s.a - kMuscleDepthMm;
  const double b = s.b - kMuscleDepthMm;
  const double rho2 = (x / a) * (x / a) + (y / b) * (y / b);
  // Diaphragm height (mm): domes centrally, costophrenic recesses laterally and posteriorly.
  const double z_diaphragm = 78.0 - 58.0 * rho2 - 15.0 * std::max(0.0, y / b);
  if (p.z() < z_diaphragm) return false;
  if (liver_sdf < 6.0) return false;
  if (cavitySdf(p) > -2.0 || inParaspinalMuscle(p, 3.0)) return false;
  return !inHeart(p);
}

// ---- Organs around the liver (PhantomOptions::neighbours) ----

namespace {

bool inEllipsoid(const Vec3& p, const Vec3& c, const Vec3& semi) {
  return (p - c).cwiseQuotient(semi).squaredNorm() <= 1.0;
}

}  // namespace

std::optional<OrganSample> neighbourOrgan(const Vec3& p) {
  if (cavitySdf(p) > 0.0) return std::nullopt;
  // Heart: the shape the lungs leave out, above the dome.
  if (inHeart(p)) {
    const Vec3 q = p - Vec3(15.0, -25.0, 108.0);
    return q.cwiseQuotient(Vec3(58.0, 45.0, 38.0)).squaredNorm() <= 1.0
               ? OrganSample{170.0F, 50.0F}
               : OrganSample{100.0F, 180.0F};
  }
  // Vena cava and aorta, cranio-caudal, in front of the spine.
  if (std::hypot(p.x() + 18.0, p.y() - 28.0) <= 11.0) return OrganSample{115.0F, 60.0F};
  if (std::hypot(p.x() - 22.0, p.y() - 25.0) <= 11.0) return OrganSample{150.0F, 40.0F};
  // Spleen and the thin bridge of liver-like tissue to the left lobe.
  if (inEllipsoid(p, Vec3(100.0, 35.0, -10.0), Vec3(28.0, 40.0, 45.0))) {
    return OrganSample{115.0F, 420.0F};
  }
  if (pointSegmentDistance(p, Vec3(55.0, -35.0, 20.0), Vec3(85.0, 15.0, 0.0)) <= 5.0) {
    return OrganSample{110.0F, 300.0F};
  }
  // Right kidney under the right lobe.
  const Vec3 kidney_c(-75.0, 50.0, -75.0);
  const Vec3 kidney_semi(28.0, 22.0, 50.0);
  if (inEllipsoid(p, kidney_c, kidney_semi)) {
    return inEllipsoid(p, kidney_c, kidney_semi - Vec3::Constant(6.0))
               ? OrganSample{120.0F, 550.0F}
               : OrganSample{170.0F, 450.0F};
  }
  // Stomach behind the left lobe, with oral contrast.
  const Vec3 stomach_c(62.0, -5.0, 15.0);
  const Vec3 stomach_semi(32.0, 30.0, 38.0);
  if (inEllipsoid(p, stomach_c, stomach_semi)) {
    return inEllipsoid(p, stomach_c, stomach_semi - Vec3::Constant(5.0))
               ? OrganSample{250.0F, 800.0F}
               : OrganSample{70.0F, 200.0F};
  }
  // A bowel loop with oral contrast under the liver.
  const double bowel = pointSegmentDistance(p, Vec3(-90.0, -30.0, -78.0), Vec3(60.0, -30.0, -78.0));
  if (bowel <= 12.0) return bowel <= 9.0 ? OrganSample{250.0F, 800.0F} : OrganSample{70.0F, 200.0F};
  return std::nullopt;
}

// ---- Skin ----

namespace {

Vec3 skinPoint(double theta, double z) {
  const BodySection s = bodySection(z);
  return {s.a * std::cos(theta), s.b * std::sin(theta), z};
}

}  // namespace

Vec3 nearestSkinPoint(const Vec3& p) {
  double best_theta = 0.0;
  double best_z = p.z();
  double best = std::numeric_limits<double>::max();
  double theta_step = kPi / 360.0;
  double z_step = 2.0;
  double theta_lo = -kPi;
  double theta_hi = kPi;
  double z_lo = p.z() - 40.0;
  double z_hi = p.z() + 40.0;
  for (int level = 0; level < 4; ++level) {
    for (double t = theta_lo; t <= theta_hi; t += theta_step) {
      for (double z = z_lo; z <= z_hi; z += z_step) {
        const double d = (skinPoint(t, z) - p).squaredNorm();
        if (d < best) {
          best = d;
          best_theta = t;
          best_z = z;
        }
      }
    }
    theta_lo = best_theta - 2.0 * theta_step;
    theta_hi = best_theta + 2.0 * theta_step;
    z_lo = best_z - 2.0 * z_step;
    z_hi = best_z + 2.0 * z_step;
    theta_step /= 8.0;
    z_step /= 8.0;
  }
  return skinPoint(best_theta, best_z);
}

}  // namespace rfa::phantom::detail
