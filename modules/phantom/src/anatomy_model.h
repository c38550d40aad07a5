#pragma once
/// \file anatomy_model.h
/// \brief Private building blocks of generatePhantom() and generateSyntheticFollowup(): the fixed
/// analytic anatomy, the seeded vessel trees and lesions, the point classifier and the voxel
/// painter.
///
/// Every position and length here is LPS millimetres with the voxel grid centre at (0,0,0):
/// +x towards the patient's Left, +y Posterior, +z Superior. The liver lies at negative x.

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/phantom/phantom.h"

namespace rfa::phantom::detail {

// ------------------------------------------------------------------------------------------------
// Designed Hounsfield units (before noise).

inline constexpr float kAirHu = -1000.0F;
inline constexpr float kSkinHu = 20.0F;
inline constexpr float kFatHu = -100.0F;
inline constexpr float kMuscleHu = 50.0F;
inline constexpr float kSoftTissueHu = 35.0F;
inline constexpr float kCancellousHu = 250.0F;
inline constexpr float kCorticalHu = 700.0F;
inline constexpr float kPosteriorElementHu = 600.0F;
inline constexpr float kDiscHu = 90.0F;
inline constexpr float kCsfHu = 15.0F;
inline constexpr float kRibHu = 700.0F;
inline constexpr float kLungHu = -850.0F;
inline constexpr float kLiverHu = 110.0F;
inline constexpr float kGallbladderHu = 10.0F;
inline constexpr float kPortalHu = 185.0F;
inline constexpr float kHepaticHu = 172.0F;

// ------------------------------------------------------------------------------------------------
// Deterministic random numbers (no std distributions, whose algorithms differ between standard
// libraries).

/// \brief SplitMix64 finaliser: a well-mixed 64-bit hash of `x`.
std::uint64_t splitMix64(std::uint64_t x);

/// \brief Seeded generator; uniform doubles are built from raw 64-bit draws.
class Rng {
 public:
  /// \brief Independent stream `stream` of `seed`.
  Rng(std::uint64_t seed, std::uint64_t stream);
  /// \brief Uniform in [0, 1).
  double uniform();
  /// \brief Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// \brief Uniform integer in [0, n), n > 0.
  std::size_t index(std::size_t n);
  /// \brief Uniformly distributed unit vector.
  Vec3 unitVector();
  /// \brief Uniformly distributed rotation matrix.
  Mat3 rotation();
  /// \brief Raw engine (for Box-Muller noise).
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

/// \brief Uniform double in (0, 1] from one 64-bit draw.
double openUnit(std::uint64_t bits);

// ------------------------------------------------------------------------------------------------
// Geometry helpers.

/// \brief Axis-aligned box in LPS mm.
struct Box {
  Vec3 lo{0, 0, 0};
  Vec3 hi{0, 0, 0};
  [[nodiscard]] bool containsZ(double z) const { return z >= lo.z() && z <= hi.z(); }
  [[nodiscard]] bool containsY(double y) const { return y >= lo.y() && y <= hi.y(); }
  [[nodiscard]] bool containsX(double x) const { return x >= lo.x() && x <= hi.x(); }
  [[nodiscard]] bool contains(const Vec3& p) const {
    return containsX(p.x()) && containsY(p.y()) && containsZ(p.z());
  }
  /// \brief True if the two boxes intersect (closed).
  [[nodiscard]] bool overlaps(const Box& o) const {
    return (lo.array() <= o.hi.array()).all() && (o.lo.array() <= hi.array()).all();
  }
};

/// \brief Box of a capsule (segment a-b with radius r), all mm.
Box capsuleBox(const Vec3& a, const Vec3& b, double radius);

/// \brief Distance (mm) from p to the segment a-b.
double pointSegmentDistance(const Vec3& p, const Vec3& a, const Vec3& b);
/// \brief Squared distance (mm^2) from p to the segment a-b.
double pointSegmentDistance2(const Vec3& p, const Vec3& a, const Vec3& b);
/// \brief Shortest distance (mm) between the segments p0-p1 and q0-q1.
double segmentSegmentDistance(const Vec3& p0, const Vec3& p1, const Vec3& q0, const Vec3& q1);

/// \brief Polynomial smooth minimum (union) of two signed distances; k (mm) is the blend width.
double smoothMin(double a, double b, double k);
/// \brief Polynomial smooth maximum (intersection) of two signed distances.
double smoothMax(double a, double b, double k);
/// \brief Approximate signed distance (mm) of a local point q to the axis-aligned ellipsoid with
/// the given semi-axes (mm); exact sign, accurate near the surface.
double ellipsoidSdf(const Vec3& q, const Vec3& semi_axes);
/// \brief 2D version of ellipsoidSdf for the ellipse with semi-axes a (x) and b (y), mm.
double ellipseSdf(double x, double y, double a, double b);

/// \brief Unit vector perpendicular to `d` (any one, deterministic).
Vec3 anyPerpendicular(const Vec3& d);
/// \brief Rodrigues rotation of v about the unit axis by `angle` radians.
Vec3 rotateAbout(const Vec3& v, const Vec3& axis, double angle);

// ------------------------------------------------------------------------------------------------
// Fixed anatomy (does not depend on the seed).

/// \brief Outer skin ellipse at height z: semi-axes a (x, mm) and b (y, mm), centred on x=y=0.
struct BodySection {
  double a = 0;
  double b = 0;
};
BodySection bodySection(double z);

inline constexpr double kSkinMm = 2.0;          ///< skin thickness (mm)
inline constexpr double kFatDepthMm = 15.0;     ///< depth (mm) of the fat/muscle interface
inline constexpr double kMuscleDepthMm = 27.0;  ///< depth (mm) of the muscle/cavity interface
inline constexpr double kRibDepthMm = 21.0;     ///< depth (mm) of the rib axes below the skin
inline constexpr double kRibRadiusMm = 5.5;

/// \brief Approximate signed distance (mm) to the inner surface of the muscle wall (negative in the
/// abdominal/thoracic cavity).
double cavitySdf(const Vec3& p);

/// \brief Approximate signed distance (mm) to the liver capsule (gallbladder not removed).
double liverSdf(const Vec3& p);
/// \brief Bounding box (LPS mm) of {liverSdf < 8 mm}, with margin.
Box liverBounds();

/// \brief The gallbladder: an ellipsoid at the inferior liver surface.
struct Gallbladder {
  Vec3 center{0, 0, 0};
  Mat3 rotation = Mat3::Identity();  ///< columns: local axes in LPS
  Vec3 semi_axes{0, 0, 0};           ///< mm
  Box box;
  [[nodiscard]] bool contains(const Vec3& p) const;
  [[nodiscard]] double sdf(const Vec3& p) const;  ///< approximate signed distance (mm)
};
const Gallbladder& gallbladder();

/// \brief Signed distance (mm, approximate) to the parenchyma usable for vessels and lesions:
/// the liver minus the gallbladder.
double usableLiverSdf(const Vec3& p);

/// \brief What the spine model paints at a point.
struct SpineSample {
  bool inside = false;  ///< the point is part of the spine model (bone, disc or canal)
  bool bone = false;
  float hu = 0;
};
/// \brief Box around the whole spine model (all z).
Box spineBounds();
SpineSample spineAt(const Vec3& p);
/// \brief Paraspinal muscles (erector spinae), either side of the spinous processes.
bool inParaspinalMuscle(const Vec3& p, double grow_mm);

/// \brief One capsule of a rib polyline.
struct RibSegment {
  Vec3 a{0, 0, 0};
  Vec3 b{0, 0, 0};
  double radius = kRibRadiusMm;
  int rib = 0;   ///< anatomical rib number (6..12, 12 = lowest)
  int side = 0;  ///< -1 patient right (liver side), +1 patient left
  Box box;
};
inline constexpr int kFirstRib = 6;
inline constexpr int kLastRib = 12;
/// \brief Point (LPS mm) on the axis of rib `rib` on `side` at angle phi (rad) around the body,
/// phi = 0 posterior midline, pi/2 lateral, pi anterior midline.
Vec3 ribAxisPoint(int rib, int side, double phi);
/// \brief Anterior end (rad) of a rib's angular extent; all ribs start at 0.45 rad.
double ribPhiEnd(int rib);
std::vector<RibSegment> buildRibs();

/// \brief True where the lung bases are (before painting priority); liver_sdf = liverSdf(p).
bool inLung(const Vec3& p, double liver_sdf);
/// \brief Box around the lung region.
Box lungBounds();

/// \brief PhantomOptions::neighbours: the HU of the organ around the liver at `p`, if any: heart
/// (myocardium 100 HU, blood 170 HU) above the dome, spleen (115 HU) joined to the left lobe by a
/// 10 mm bridge at 110 HU, right kidney (cortex 170, medulla 120 HU) under the right lobe, inferior
/// vena cava (115 HU, radius 11 mm, the whole height) and aorta (150 HU), stomach (5 mm wall 70 HU,
/// oral contrast 250 HU) behind the left lobe, a bowel loop with oral contrast under the liver.
/// The liver, its vessels and lesions, and the gallbladder keep precedence where they overlap.
/// Each organ also gives its T2-weighted fat-suppressed MR signal (PhantomOptions::mr_t2, arbitrary
/// units, the liver at 300): flowing blood dark (flow void), spleen and kidney brighter than the
/// liver, oral contrast (fluid) bright.
struct OrganSample {
  float hu = 0;
  float t2 = 0;
};
std::optional<OrganSample> neighbourOrgan(const Vec3& p);

/// \brief Nearest point (LPS mm) on the outer skin surface to p (numerical, to ~0.05 mm).
Vec3 nearestSkinPoint(const Vec3& p);

// ------------------------------------------------------------------------------------------------
// Seeded parts: vessel trees and lesions.

enum class Tree { kPortal, kHepatic };

struct VesselSegment {
  Vec3 a{0, 0, 0};  ///< start (towards the root), LPS mm
  Vec3 b{0, 0, 0};  ///< end, LPS mm
  double radius = 0;
  Tree tree = Tree::kPortal;
  int generation = 0;     ///< 0 = trunk
  int parent = -1;        ///< index of the parent segment, -1 for trunks
  bool expanded = false;  ///< children have been attempted
  Box box;
};

/// \brief Adds the portal trunk and the IVC (hepatic trunk) to an empty list.
void addVesselTrunks(std::vector<VesselSegment>& segments);

struct LesionShape;

/// \brief Breadth first, gives every segment not yet expanded whose children (radius 0.75 x its
/// radius) would be >= min_radius (mm) up to two children (binary branching), repeated down the
/// generations. A child is kept only if its lumen stays inside the usable liver, clear of other
/// vessels and of `lesions`; otherwise that branch ends.
void growVesselTrees(std::vector<VesselSegment>& segments, double min_radius,
                     const std::vector<LesionShape>& lesions, Rng& rng);

/// \brief A placed lesion: a rotated ellipsoid.
struct LesionShape {
  int label = 0;
  Vec3 center{0, 0, 0};
  Mat3 rotation = Mat3::Identity();  ///< columns: local axes in LPS
  Vec3 semi_axes{0, 0, 0};           ///< mm
  double hu = 0;
  std::string location;
  Box box;
  [[nodiscard]] bool contains(const Vec3& p) const;
  [[nodiscard]] double boundingRadius() const { return semi_axes.maxCoeff(); }
};

/// \brief Nominal diameters (mm) of n lesions, log-spaced from `min_mm` to `max_mm`, jittered
/// +-8 % (within [0.92 min_mm, 1.08 max_mm]) and shuffled by `rng`; one lesion: min_mm +
/// 0.4 (max_mm - min_mm), jittered +-10 % (same bounds).
std::vector<double> lesionDiameters(int n, double min_mm, double max_mm, Rng& rng);

/// \brief Places n lesions (labels 1..n) inside the usable liver, clear of `vessels` and of each
/// other; lesion 1 next to a vessel >= 5 mm in diameter, lesion 2 behind a rib. Diameters from
/// lesionDiameters(n, min_mm, max_mm, rng).
std::vector<LesionShape> placeLesions(int n, double min_mm, double max_mm,
                                      const std::vector<VesselSegment>& vessels,
                                      const std::vector<RibSegment>& ribs, Rng& rng);

// ------------------------------------------------------------------------------------------------
// Painting.

struct Anatomy {
  std::vector<RibSegment> ribs;
  std::vector<VesselSegment> vessels;
  std::vector<LesionShape> lesions;
};

/// \brief The seeded anatomy of generatePhantom(options): ribs, vessel trees and lesions, identical
/// for identical options (the follow-up phantom rebuilds it). Does not validate `options`.
/// \throws UnsupportedError when a lesion cannot be placed.
Anatomy buildAnatomy(const PhantomOptions& options);

/// \brief Everything the painter assigns to one point.
struct VoxelValue {
  float hu = kAirHu;
  float t2 = -1.0F;  ///< MR T2 signal when set by an organ sample (>= 0), else derived (t2Signal)
  float vessel_radius = 0.0F;  ///< mm
  std::uint16_t lesion = 0;
  std::uint8_t liver = 0;
  std::uint8_t bone = 0;
  std::uint8_t lung = 0;
  std::uint8_t body = 0;
  std::uint8_t gallbladder = 0;
};

/// \brief Fixed boxes of the analytic organs (LPS mm).
struct StaticBoxes {
  Box liver = liverBounds();
  Box spine = spineBounds();
  Box lung = lungBounds();
  Box gallbladder = detail::gallbladder().box;
};

/// \brief The primitives that may reach the points classified with it (a pre-filter only: every
/// primitive and organ is still tested against its full 3D box at each point), and the body wall
/// half widths at the point's (y, z).
struct Scene {
  std::vector<const RibSegment*> ribs;
  std::vector<const VesselSegment*> vessels;
  std::vector<const LesionShape*> lesions;
  bool liver = false;        ///< the liver may be reached
  bool gallbladder = false;  ///< the gallbladder may be reached
  bool spine = false;        ///< the spine may be reached
  bool lung = false;         ///< the lung bases may be reached
  bool neighbours = false;   ///< PhantomOptions::neighbours: paint the organs around the liver
  /// |x| (mm) of the skin, skin/fat, fat/muscle and muscle/cavity boundaries at the point's y and
  /// z (wallHalfWidths); -1 where that ellipse is missed.
  std::array<double, 4> half_width{};
};

/// \brief Scene::half_width at height y (mm) of the body section `s` (bodySection(z)).
std::array<double, 4> wallHalfWidths(double y, const BodySection& s);

/// \brief Evaluates the anatomy at any point p (LPS mm): the first match in priority order wins
/// (lesion, vessel, gallbladder, liver, lung, bone, soft tissues). `scene.half_width` must be
/// those at p. Designed HU, no noise.
VoxelValue classify(const Vec3& p, const Scene& scene, const StaticBoxes& boxes);

/// \brief T2-weighted fat-suppressed MR signal (arbitrary units, liver 300, fluid ~950, air 5) of a
/// classified point (anatomy_mr.cpp): the organ sample's own value, else from its flags and HU.
float t2Signal(const VoxelValue& v);

/// \brief Receive-coil sensitivity of the MR variant at `p` (LPS mm, grid-centred anatomy):
/// brighter anteriorly and on the patient's left, 0.75..1.25.
float coilSensitivity(const Vec3& p);

/// \brief Adds Gaussian noise of `sigma_hu` (Box-Muller on the stream Rng(seed, stream)) to
/// `values`, pairwise in order; nothing for sigma_hu <= 0.
void addGaussianNoise(std::span<float> values, double sigma_hu, std::uint64_t seed,
                      std::uint64_t stream);

/// \brief Paints `anatomy` into the volumes of `phantom` (already allocated on one grid), adds the
/// noise and fills the voxel-derived truth (lesion volumes/centroids, liver volume).
void paintPhantom(const Anatomy& anatomy, Phantom& phantom);

}  // namespace rfa::phantom::detail
