// Tests of generatePhantom(): options validation, determinism, anatomy placement and the truth
// (lesion, vessel, liver). Positions are LPS mm; the phantom grid is centred on (0,0,0).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/phantom/phantom.h"
#include "test_support.h"

namespace rfa::phantom {
namespace {

// ---- Helpers ----

// 128 x 128 x 60 voxels of 3 mm: fast, for determinism and noise.
PhantomOptions smallOptions(std::uint64_t seed, int lesions = 4) {
  PhantomOptions o;
  o.seed = seed;
  o.lesions = lesions;
  o.size = {128, 128, 60};
  o.spacing_mm = {3.0, 3.0, 3.0};
  return o;
}

// Default spacing (1.5 x 1.5 x 2 mm) on a field of view that still holds the whole body width.
PhantomOptions fineOptions(std::uint64_t seed, int lesions) {
  PhantomOptions o;
  o.seed = seed;
  o.lesions = lesions;
  o.size = {240, 176, 80};
  return o;
}

const Phantom& defaultPhantom() {
  static const Phantom p = generatePhantom(PhantomOptions{});
  return p;
}

struct Voxel {
  std::size_t i, j, k;
};

Vec3 lps(const Phantom& p, const Voxel& v) {
  return p.ct.geometry().indexToLps(
      Vec3(static_cast<double>(v.i), static_cast<double>(v.j), static_cast<double>(v.k)));
}

template <class F>
void forEachVoxel(const Phantom& p, F&& f) {
  const Size3& s = p.ct.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) f(Voxel{i, j, k}, p.ct.linearIndex(i, j, k));
    }
  }
}

std::vector<Voxel> lesionVoxels(const Phantom& p, int label) {
  std::vector<Voxel> out;
  forEachVoxel(p, [&](const Voxel& v, std::size_t n) {
    if (p.lesions.data()[n] == label) out.push_back(v);
  });
  return out;
}

// Half the voxel diagonal (mm): the largest distance from a point to its nearest voxel centre.
double halfDiagonal(const Phantom& p) {
  return 0.5 * p.ct.geometry().spacing().norm();
}

double pointSegmentDistance(const Vec3& x, const Vec3& a, const Vec3& b) {
  const Vec3 ab = b - a;
  const double t = std::clamp((x - a).dot(ab) / ab.squaredNorm(), 0.0, 1.0);
  return (x - (a + t * ab)).norm();
}

// Voxel value at the voxel nearest to an LPS point, if inside the grid.
template <class T>
std::optional<T> valueAt(const Volume<T>& v, const Vec3& p) {
  const Vec3 idx = v.geometry().lpsToIndex(p);
  Index3 ijk;
  for (int a = 0; a < 3; ++a) ijk[static_cast<std::size_t>(a)] = std::llround(idx[a]);
  if (!v.geometry().contains(ijk)) return std::nullopt;
  return v(static_cast<std::size_t>(ijk[0]), static_cast<std::size_t>(ijk[1]),
           static_cast<std::size_t>(ijk[2]));
}

// Smallest gap (mm) between the voxel centres of a lesion and the lumen of a segment.
double lumenGap(const Phantom& p, const std::vector<Voxel>& voxels, const VesselSegmentTruth& s) {
  double gap = std::numeric_limits<double>::max();
  for (const Voxel& v : voxels) {
    gap = std::min(gap, pointSegmentDistance(lps(p, v), s.start_lps, s.end_lps) - s.radius_mm);
  }
  return gap;
}

// Centre of the outside-the-body voxel nearest to `from` (the nearest skin point).
Vec3 nearestOutsideVoxel(const Phantom& p, const Vec3& from) {
  double best = std::numeric_limits<double>::max();
  Vec3 best_p = from;
  forEachVoxel(p, [&](const Voxel& v, std::size_t n) {
    if (p.body.data()[n] != 0) return;
    const Vec3 x = lps(p, v);
    const double d = (x - from).squaredNorm();
    if (d < best) {
      best = d;
      best_p = x;
    }
  });
  return best_p;
}

// True if a bone voxel lies on the straight path a -> b (sampled every 0.25 mm).
bool pathCrossesBone(const Phantom& p, const Vec3& a, const Vec3& b) {
  const int steps = static_cast<int>(std::ceil((b - a).norm() / 0.25));
  for (int s = 0; s <= steps; ++s) {
    const auto bone = valueAt(p.bone, a + (b - a) * (static_cast<double>(s) / steps));
    if (bone && *bone != 0) return true;
  }
  return false;
}

// Centres (LPS mm) of the surface voxels of every lesion (index = label; 0 unused): lesion voxels
// with a 6-neighbour of another label or outside the grid.
std::vector<std::vector<Vec3>> lesionSurfaces(const Phantom& p) {
  std::vector<std::vector<Vec3>> out(static_cast<std::size_t>(p.options.lesions) + 1);
  const Size3& s = p.ct.size();
  forEachVoxel(p, [&](const Voxel& v, std::size_t n) {
    const std::uint16_t label = p.lesions.data()[n];
    if (label == 0 || label >= out.size()) return;
    const bool surface =
        v.i == 0 || v.j == 0 || v.k == 0 || v.i + 1 == s[0] || v.j + 1 == s[1] || v.k + 1 == s[2] ||
        p.lesions(v.i - 1, v.j, v.k) != label || p.lesions(v.i + 1, v.j, v.k) != label ||
        p.lesions(v.i, v.j - 1, v.k) != label || p.lesions(v.i, v.j + 1, v.k) != label ||
        p.lesions(v.i, v.j, v.k - 1) != label || p.lesions(v.i, v.j, v.k + 1) != label;
    if (surface) out[label].push_back(lps(p, v));
  });
  return out;
}

// Smallest distance (mm) between two point sets; pairs farther apart than `enough` may be
// reported as any value >= `enough` (bounding-sphere pruning).
double setDistance(const std::vector<Vec3>& a, const std::vector<Vec3>& b, double enough) {
  const auto sphere = [](const std::vector<Vec3>& pts) {
    Vec3 c(0, 0, 0);
    for (const Vec3& x : pts) c += x;
    c /= static_cast<double>(pts.size());
    double r = 0;
    for (const Vec3& x : pts) r = std::max(r, (x - c).norm());
    return std::pair<Vec3, double>{c, r};
  };
  const auto [ca, ra] = sphere(a);
  const auto [cb, rb] = sphere(b);
  const double lower = (ca - cb).norm() - ra - rb;  // triangle inequality
  if (lower >= enough) return lower;
  double d2 = std::numeric_limits<double>::max();
  for (const Vec3& x : a) {
    for (const Vec3& y : b) d2 = std::min(d2, (x - y).squaredNorm());
  }
  return std::sqrt(d2);
}

struct Stats {
  double mean = 0;
  double sd = 0;
  std::size_t n = 0;
};

template <class Pred>
Stats ctStats(const Phantom& p, Pred&& pred) {
  double sum = 0;
  double sum2 = 0;
  std::size_t n = 0;
  forEachVoxel(p, [&](const Voxel&, std::size_t i) {
    if (!pred(i)) return;
    const double v = p.ct.data()[i];
    sum += v;
    sum2 += v * v;
    ++n;
  });
  Stats s;
  s.n = n;
  if (n > 0) {
    s.mean = sum / static_cast<double>(n);
    s.sd = std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - s.mean * s.mean));
  }
  return s;
}

// Liver parenchyma: liver voxels that are not lesion, vessel or gallbladder.
auto parenchyma(const Phantom& p) {
  return [&p](std::size_t i) {
    return p.liver.data()[i] != 0 && p.lesions.data()[i] == 0 &&
           p.vessel_radius.data()[i] == 0.0F && p.gallbladder.data()[i] == 0;
  };
}

// ---- Lesion invariants, shared by the default phantom and the seed sweep ----

void expectLabelsPresent(const Phantom& p) {
  const int n = p.options.lesions;
  ASSERT_EQ(static_cast<int>(p.lesion_truth.size()), n);
  std::map<int, std::size_t> counts;
  for (const auto v : p.lesions.data()) {
    if (v != 0) ++counts[v];
  }
  EXPECT_EQ(static_cast<int>(counts.size()), n);
  for (int l = 1; l <= n; ++l) {
    EXPECT_GT(counts[l], 0U) << "label " << l;
    EXPECT_EQ(p.lesion_truth[static_cast<std::size_t>(l - 1)].label, l);
  }
}

// Every lesion voxel and its 6-neighbours are liver (the lesion keeps >= 2 mm from the capsule,
// which is at least one voxel at spacings <= 2 mm).
void expectLesionsInsideLiver(const Phantom& p) {
  const Size3& s = p.ct.size();
  std::size_t outside = 0;
  forEachVoxel(p, [&](const Voxel& v, std::size_t n) {
    if (p.lesions.data()[n] == 0) return;
    const std::array<std::array<int, 3>, 7> d{
        {{0, 0, 0}, {1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}};
    for (const auto& o : d) {
      const std::size_t i = std::min(s[0] - 1, static_cast<std::size_t>(std::max<std::int64_t>(
                                                   0, static_cast<std::int64_t>(v.i) + o[0])));
      const std::size_t j = std::min(s[1] - 1, static_cast<std::size_t>(std::max<std::int64_t>(
                                                   0, static_cast<std::int64_t>(v.j) + o[1])));
      const std::size_t k = std::min(s[2] - 1, static_cast<std::size_t>(std::max<std::int64_t>(
                                                   0, static_cast<std::int64_t>(v.k) + o[2])));
      if (p.liver(i, j, k) == 0) ++outside;
    }
  });
  EXPECT_EQ(outside, 0U);
}

// Voxel centres of different lesions are >= 5 mm apart (the designed surface gap).
void expectLesionsApart(const Phantom& p) {
  const std::vector<std::vector<Vec3>> surfaces = lesionSurfaces(p);
  for (std::size_t a = 1; a < surfaces.size(); ++a) {
    for (std::size_t b = a + 1; b < surfaces.size(); ++b) {
      ASSERT_FALSE(surfaces[a].empty() || surfaces[b].empty());
      EXPECT_GE(setDistance(surfaces[a], surfaces[b], 5.0), 5.0) << "lesions " << a << ", " << b;
    }
  }
}

void expectLesionsClearOfLumens(const Phantom& p) {
  std::size_t in_lumen = 0;
  forEachVoxel(p, [&](const Voxel& v, std::size_t n) {
    if (p.lesions.data()[n] == 0) return;
    const Vec3 x = lps(p, v);
    for (const auto& s : p.vessel_truth) {
      if (pointSegmentDistance(x, s.start_lps, s.end_lps) <= s.radius_mm) ++in_lumen;
    }
  });
  EXPECT_EQ(in_lumen, 0U);
}

void expectLesionOneNextToVessel(const Phantom& p) {
  ASSERT_GE(p.options.lesions, 1);
  const LesionTruth& t = p.lesion_truth[0];
  EXPECT_EQ(t.location.rfind("next to ", 0), 0U) << t.location;
  const std::vector<Voxel> voxels = lesionVoxels(p, 1);
  double best = std::numeric_limits<double>::max();
  for (const auto& s : p.vessel_truth) {
    if (s.radius_mm >= 2.5) best = std::min(best, lumenGap(p, voxels, s));
  }
  // Voxel centres lie inside the lesion: their gap exceeds the true gap by < half a diagonal.
  EXPECT_GT(best, 0.0);
  EXPECT_LE(best, 3.0 + halfDiagonal(p));
}

void expectLesionTwoBehindRib(const Phantom& p) {
  ASSERT_GE(p.options.lesions, 2);
  const LesionTruth& t = p.lesion_truth[1];
  EXPECT_EQ(t.location.rfind("behind rib ", 0), 0U) << t.location;
  const Vec3 skin = nearestOutsideVoxel(p, t.center_lps);
  EXPECT_TRUE(pathCrossesBone(p, t.center_lps, skin))
      << "centre " << t.center_lps.transpose() << " skin " << skin.transpose();
  EXPECT_LT(t.center_lps.x(), 0.0);   // patient right
  EXPECT_LT(t.center_lps.y(), 30.0);  // lateral or anterior, not posterior
}

void expectLesionSizes(const Phantom& p) {
  double largest = 0;
  double smallest = std::numeric_limits<double>::max();
  for (const LesionTruth& t : p.lesion_truth) {
    largest = std::max(largest, t.diameter_mm);
    smallest = std::min(smallest, t.diameter_mm);
    EXPECT_GE(t.diameter_mm, 5.0 - 1e-9);
    EXPECT_LE(t.diameter_mm, 50.0 + 1e-9);
    EXPECT_GE(t.mean_hu, 40.0);
    EXPECT_LE(t.mean_hu, 55.0);
    EXPECT_NEAR(t.diameter_mm, 2.0 * t.semi_axes_mm.mean(), 1e-9);
    EXPECT_NEAR(t.volume_ml_analytic, 4.0 / 3.0 * std::numbers::pi * t.semi_axes_mm.prod() / 1000.0,
                1e-9);
    EXPECT_FALSE(t.location.empty());
    if (t.diameter_mm >= 10.0) {
      EXPECT_NEAR(t.volume_ml_voxels, t.volume_ml_analytic, 0.15 * t.volume_ml_analytic)
          << "lesion " << t.label;
      EXPECT_LT((t.centroid_voxels_lps - t.center_lps).norm(), 1.0) << "lesion " << t.label;
    }
  }
  if (p.options.lesions >= 4) {
    EXPECT_GE(largest, 30.0);
    EXPECT_LE(smallest, 10.0);
  }
}

void expectAllLesionInvariants(const Phantom& p) {
  expectLabelsPresent(p);
  expectLesionsInsideLiver(p);
  expectLesionsApart(p);
  expectLesionsClearOfLumens(p);
  expectLesionSizes(p);
  if (p.options.lesions >= 1) expectLesionOneNextToVessel(p);
  if (p.options.lesions >= 2) expectLesionTwoBehindRib(p);
}

// ---- Options ----

TEST(PhantomOptionsTest, RejectsLesionCountOutsideRange) {
  PhantomOptions o = smallOptions(1);
  o.lesions = 13;
  EXPECT_THROW((void)generatePhantom(o), UsageError);
  o.lesions = -1;
  EXPECT_THROW((void)generatePhantom(o), UsageError);
}

TEST(PhantomOptionsTest, RejectsZeroSizeAndBadSpacing) {
  PhantomOptions o = smallOptions(1);
  o.size = {128, 0, 60};
  EXPECT_THROW((void)generatePhantom(o), GeometryError);
  o = smallOptions(1);
  o.spacing_mm = {3.0, 0.0, 3.0};
  EXPECT_THROW((void)generatePhantom(o), GeometryError);
  o.spacing_mm = {3.0, 3.0, -1.0};
  EXPECT_THROW((void)generatePhantom(o), GeometryError);
}

TEST(PhantomOptionsTest, RejectsNegativeNoise) {
  PhantomOptions o = smallOptions(1);
  o.noise_sigma_hu = -1.0;
  EXPECT_THROW((void)generatePhantom(o), UsageError);
}

TEST(PhantomOptionsTest, RejectsLesionDiameterRangeOutsideLimits) {
  const auto message = [](double lo, double hi) -> std::string {
    PhantomOptions o = smallOptions(1);
    o.min_lesion_diameter_mm = lo;
    o.max_lesion_diameter_mm = hi;
    try {
      (void)generatePhantom(o);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no exception";
  };
  EXPECT_NE(message(2.5, 20.0).find("min 2.5 mm, max 20 mm"), std::string::npos)
      << message(2.5, 20.0);
  EXPECT_NE(message(20.0, 10.0).find("min 20 mm, max 10 mm"), std::string::npos);
  EXPECT_NE(message(10.0, 61.0).find("max 61 mm"), std::string::npos);
  EXPECT_NE(message(std::numeric_limits<double>::quiet_NaN(), 20.0).find("min nan"),
            std::string::npos);
  // The limits themselves are accepted.
  PhantomOptions o = smallOptions(1, 2);
  o.min_lesion_diameter_mm = 3.0;
  o.max_lesion_diameter_mm = 3.0;
  EXPECT_EQ(generatePhantom(o).lesion_truth.size(), 2U);
}

TEST(PhantomOptionsTest, NineLesionsWithinTheRequestedDiameterRange) {
  PhantomOptions o;  // the default grid: 256 x 256 x 100 at 1.5 x 1.5 x 2 mm
  o.lesions = 9;
  o.seed = 4;
  o.min_lesion_diameter_mm = 8.0;
  o.max_lesion_diameter_mm = 35.0;
  const Phantom p = generatePhantom(o);
  ASSERT_EQ(p.lesion_truth.size(), 9U);
  double smallest = std::numeric_limits<double>::max();
  double largest = 0;
  for (const LesionTruth& t : p.lesion_truth) {
    // +-8 % jitter around the log-spaced 8..35 mm.
    EXPECT_GE(t.diameter_mm, 0.92 * 8.0 - 1e-9) << "lesion " << t.label;
    EXPECT_LE(t.diameter_mm, 1.08 * 35.0 + 1e-9) << "lesion " << t.label;
    smallest = std::min(smallest, t.diameter_mm);
    largest = std::max(largest, t.diameter_mm);
  }
  EXPECT_LE(smallest, 8.0 * 1.08 + 1e-9);
  EXPECT_GE(largest, 35.0 * 0.92 - 1e-9);
  expectAllLesionInvariants(p);  // lesion 1 next to a vessel, lesion 2 behind a rib, ...
}

TEST(PhantomOptionsTest, ZeroAndTwelveLesions) {
  const Phantom none = generatePhantom(smallOptions(3, 0));
  EXPECT_TRUE(none.lesion_truth.empty());
  EXPECT_TRUE(std::all_of(none.lesions.data().begin(), none.lesions.data().end(),
                          [](std::uint16_t v) { return v == 0; }));
  const Phantom twelve = generatePhantom(fineOptions(3, 12));
  expectAllLesionInvariants(twelve);
}

// ---- Grid and determinism ----

TEST(PhantomGrid, CentredOnOriginWithRequestedSizeAndSpacing) {
  const PhantomOptions o = smallOptions(1);
  const Phantom p = generatePhantom(o);
  const ImageGeometry& g = p.ct.geometry();
  EXPECT_EQ(g.size(), o.size);
  EXPECT_TRUE(g.spacing().isApprox(o.spacing_mm));
  EXPECT_LT(g.centerLps().norm(), 1e-9);
  EXPECT_TRUE(g.direction().isIdentity());
  for (const auto* m : {&p.liver, &p.bone, &p.lung, &p.body, &p.gallbladder}) {
    EXPECT_TRUE(m->geometry().sameGrid(g));
  }
  EXPECT_TRUE(p.lesions.geometry().sameGrid(g));
  EXPECT_TRUE(p.vessel_radius.geometry().sameGrid(g));
  EXPECT_EQ(p.options.seed, o.seed);
}

TEST(PhantomDeterminism, SameSeedSameBytesDifferentSeedDifferent) {
  const Phantom a = generatePhantom(smallOptions(5));
  const Phantom b = generatePhantom(smallOptions(5));
  const Phantom c = generatePhantom(smallOptions(6));
  const auto bytes = [](const ImageVolume& v) { return v.voxelCount() * sizeof(float); };
  ASSERT_EQ(a.ct.voxelCount(), b.ct.voxelCount());
  EXPECT_EQ(std::memcmp(a.ct.data().data(), b.ct.data().data(), bytes(a.ct)), 0);
  EXPECT_TRUE(
      std::equal(a.lesions.data().begin(), a.lesions.data().end(), b.lesions.data().begin()));
  EXPECT_EQ(a.vessel_truth.size(), b.vessel_truth.size());
  EXPECT_NE(std::memcmp(a.ct.data().data(), c.ct.data().data(), bytes(a.ct)), 0);
  EXPECT_NE(a.lesion_truth[0].center_lps, c.lesion_truth[0].center_lps);
}

TEST(PhantomDeterminism, IndependentOfThreadCount) {
  const Phantom one = [] {
    const rfa::test::ScopedEnv env("RFA_THREADS", "1");
    return generatePhantom(smallOptions(9));
  }();
  const Phantom three = [] {
    const rfa::test::ScopedEnv env("RFA_THREADS", "3");
    return generatePhantom(smallOptions(9));
  }();
  EXPECT_EQ(std::memcmp(one.ct.data().data(), three.ct.data().data(),
                        one.ct.voxelCount() * sizeof(float)),
            0);
}

// ---- The default phantom ----

TEST(DefaultPhantom, LesionLabelsAndTruth) {
  const Phantom& p = defaultPhantom();
  expectLabelsPresent(p);
  expectLesionSizes(p);
}

TEST(DefaultPhantom, LesionsInsideLiverApartAndClearOfVessels) {
  const Phantom& p = defaultPhantom();
  expectLesionsInsideLiver(p);
  expectLesionsApart(p);
  expectLesionsClearOfLumens(p);
}

TEST(DefaultPhantom, LesionOneTouchesAThickVessel) {
  expectLesionOneNextToVessel(defaultPhantom());
}

TEST(DefaultPhantom, LesionTwoLiesBehindARib) {
  expectLesionTwoBehindRib(defaultPhantom());
}

TEST(DefaultPhantom, LiverVolumeAndPosition) {
  const Phantom& p = defaultPhantom();
  std::size_t n = 0;
  Vec3 sum(0, 0, 0);
  forEachVoxel(p, [&](const Voxel& v, std::size_t i) {
    if (p.liver.data()[i] == 0) return;
    ++n;
    sum += lps(p, v);
  });
  const double ml = static_cast<double>(n) * p.ct.geometry().voxelVolumeMm3() / 1000.0;
  EXPECT_NEAR(p.liver_volume_ml, ml, 1e-6);
  EXPECT_GT(ml, 1200.0);
  EXPECT_LT(ml, 2200.0);
  const Vec3 centroid = sum / static_cast<double>(n);
  EXPECT_LT(centroid.x(), -20.0);  // right upper quadrant: patient right is -x in LPS
}

TEST(DefaultPhantom, LiverBrighterThanLesions) {
  const Phantom& p = defaultPhantom();
  const Stats liver = ctStats(p, parenchyma(p));
  ASSERT_GT(liver.n, 1000U);
  EXPECT_NEAR(liver.mean, 110.0, 2.0);
  for (const LesionTruth& t : p.lesion_truth) {
    const auto label = static_cast<std::uint16_t>(t.label);
    const Stats lesion = ctStats(p, [&](std::size_t i) { return p.lesions.data()[i] == label; });
    ASSERT_GT(lesion.n, 0U);
    EXPECT_GT(liver.mean - lesion.mean, 40.0) << "lesion " << t.label;
  }
}

TEST(DefaultPhantom, VesselRadiiAndTrees) {
  const Phantom& p = defaultPhantom();
  std::map<std::string, int> per_tree;
  for (const auto& s : p.vessel_truth) {
    ++per_tree[s.tree];
    EXPECT_GE(s.radius_mm, 1.5);
    EXPECT_LE(s.radius_mm, 6.0);
  }
  EXPECT_GE(per_tree["portal"], 7);
  EXPECT_GE(per_tree["hepatic"], 7);
  EXPECT_EQ(per_tree.size(), 2U);
  std::size_t vessel_voxels = 0;
  for (const float r : p.vessel_radius.data()) {
    if (r == 0.0F) continue;
    ++vessel_voxels;
    EXPECT_GE(r, 1.5F);
    EXPECT_LE(r, 6.0F);
  }
  EXPECT_GT(vessel_voxels, 1000U);
}

TEST(DefaultPhantom, VesselRadiusMatchesTheNearestSegment) {
  const Phantom& p = defaultPhantom();
  std::size_t checked = 0;
  std::size_t wrong = 0;
  forEachVoxel(p, [&](const Voxel& v, std::size_t n) {
    const float r = p.vessel_radius.data()[n];
    if (r == 0.0F || n % 7 != 0) return;
    const Vec3 x = lps(p, v);
    double best = std::numeric_limits<double>::max();
    double radius = 0;
    for (const auto& s : p.vessel_truth) {
      const double d = pointSegmentDistance(x, s.start_lps, s.end_lps);
      if (d <= s.radius_mm && d < best) {
        best = d;
        radius = s.radius_mm;
      }
    }
    ++checked;
    if (std::abs(radius - r) > 1e-4) ++wrong;
  });
  EXPECT_GT(checked, 100U);
  EXPECT_EQ(wrong, 0U);
}

TEST(DefaultPhantom, BranchesStayInsideTheLiver) {
  // Every non-trunk segment (the trunks are the two 6 mm segments) runs inside the liver mask.
  const Phantom& p = defaultPhantom();
  std::size_t outside = 0;
  std::size_t sampled = 0;
  for (const auto& s : p.vessel_truth) {
    if (s.radius_mm >= 6.0 - 1e-9) continue;
    for (int t = 0; t <= 10; ++t) {
      const auto liver = valueAt(p.liver, s.start_lps + (s.end_lps - s.start_lps) * (t / 10.0));
      if (!liver) continue;
      ++sampled;
      if (*liver == 0) ++outside;
    }
  }
  EXPECT_GT(sampled, 100U);
  EXPECT_EQ(outside, 0U);
}

TEST(DefaultPhantom, LungAboveLiverAndMasksConsistent) {
  const Phantom& p = defaultPhantom();
  double lung_z = 0;
  double liver_z = 0;
  std::size_t lung_n = 0;
  std::size_t liver_n = 0;
  std::size_t stray = 0;
  forEachVoxel(p, [&](const Voxel& v, std::size_t n) {
    const double z = lps(p, v).z();
    if (p.lung.data()[n] != 0) {
      lung_z += z;
      ++lung_n;
      if (p.body.data()[n] == 0 || p.liver.data()[n] != 0 || p.bone.data()[n] != 0) ++stray;
    }
    if (p.liver.data()[n] != 0) {
      liver_z += z;
      ++liver_n;
      if (p.gallbladder.data()[n] != 0 || p.body.data()[n] == 0) ++stray;
    }
    if (p.bone.data()[n] != 0 && p.body.data()[n] == 0) ++stray;
  });
  ASSERT_GT(lung_n, 1000U);
  ASSERT_GT(liver_n, 1000U);
  EXPECT_GT(lung_z / static_cast<double>(lung_n), liver_z / static_cast<double>(liver_n));
  EXPECT_EQ(stray, 0U);
}

TEST(DefaultPhantom, TissueValues) {
  const Phantom& p = defaultPhantom();
  const Stats air = ctStats(p, [&](std::size_t i) { return p.body.data()[i] == 0; });
  EXPECT_NEAR(air.mean, -1000.0, 2.0);
  const Stats lung = ctStats(p, [&](std::size_t i) { return p.lung.data()[i] != 0; });
  EXPECT_NEAR(lung.mean, -850.0, 5.0);
  const Stats bone = ctStats(p, [&](std::size_t i) { return p.bone.data()[i] != 0; });
  EXPECT_GT(bone.mean, 250.0);
  const Stats gb = ctStats(p, [&](std::size_t i) { return p.gallbladder.data()[i] != 0; });
  ASSERT_GT(gb.n, 100U);
  EXPECT_NEAR(gb.mean, 10.0, 3.0);
  // Gallbladder ellipsoid of 30 x 30 x 70 mm: 4/3 pi 15 15 35 mm^3 = 33 ml.
  const double gb_ml = static_cast<double>(gb.n) * p.ct.geometry().voxelVolumeMm3() / 1000.0;
  EXPECT_NEAR(gb_ml, 33.0, 3.0);
}

TEST(DefaultPhantom, NoiseSigmaInHomogeneousLiver) {
  const Phantom& p = defaultPhantom();
  const Stats liver = ctStats(p, parenchyma(p));
  EXPECT_NEAR(liver.sd, p.options.noise_sigma_hu, 0.2 * p.options.noise_sigma_hu);
}

TEST(PhantomNoise, SigmaFollowsTheOption) {
  for (const double sigma : {0.0, 25.0}) {
    PhantomOptions o = smallOptions(4);
    o.noise_sigma_hu = sigma;
    const Phantom p = generatePhantom(o);
    const Stats liver = ctStats(p, parenchyma(p));
    ASSERT_GT(liver.n, 1000U);
    EXPECT_NEAR(liver.sd, sigma, 0.2 * sigma + 1e-3) << "sigma " << sigma;
    EXPECT_NEAR(liver.mean, 110.0, 0.1 * sigma + 1e-3);
  }
}

// ---- MR variant ----

TEST(MrPhantom, SameTruthT2ContrastsAndACoilBias) {
  PhantomOptions o = smallOptions(3);
  o.neighbours = true;
  const Phantom ct = generatePhantom(o);
  o.mr_t2 = true;
  const Phantom mr = generatePhantom(o);
  // The anatomy and its truth do not change with the modality.
  EXPECT_TRUE(std::equal(mr.liver.data().begin(), mr.liver.data().end(), ct.liver.data().begin()));
  EXPECT_TRUE(
      std::equal(mr.lesions.data().begin(), mr.lesions.data().end(), ct.lesions.data().begin()));
  EXPECT_TRUE(std::equal(mr.body.data().begin(), mr.body.data().end(), ct.body.data().begin()));
  EXPECT_DOUBLE_EQ(mr.liver_volume_ml, ct.liver_volume_ml);
  // T2 fat-suppressed: no HU anywhere (nothing negative beyond the noise), air dark, the liver
  // around 300 times the coil sensitivity (0.75..1.25), fluid bright, lesions brighter than it.
  const Stats air = ctStats(mr, [&](std::size_t i) { return mr.body.data()[i] == 0; });
  EXPECT_LT(air.mean, 10.0);
  const Stats liver = ctStats(mr, parenchyma(mr));
  ASSERT_GT(liver.n, 1000U);
  EXPECT_GT(liver.mean, 0.75 * 300.0);
  EXPECT_LT(liver.mean, 1.25 * 300.0);
  const Stats gb = ctStats(mr, [&](std::size_t i) { return mr.gallbladder.data()[i] != 0; });
  EXPECT_GT(gb.mean, 2.0 * liver.mean);
  const Stats lesion = ctStats(mr, [&](std::size_t i) { return mr.lesions.data()[i] != 0; });
  EXPECT_GT(lesion.mean, liver.mean + 20.0);
  // The bias: the anterior half of the liver (y < its centroid) brighter than the posterior.
  const double cy = [&] {
    double sum = 0;
    std::size_t n = 0;
    forEachVoxel(mr, [&](const Voxel& v, std::size_t i) {
      if (mr.liver.data()[i] != 0) {
        sum += lps(mr, v).y();
        ++n;
      }
    });
    return sum / static_cast<double>(n);
  }();
  double front = 0, back = 0;
  std::size_t nf = 0, nb = 0;
  const auto parenchyma_voxel = parenchyma(mr);
  forEachVoxel(mr, [&](const Voxel& v, std::size_t i) {
    if (!parenchyma_voxel(i)) return;
    if (lps(mr, v).y() < cy) {
      front += mr.ct.data()[i];
      ++nf;
    } else {
      back += mr.ct.data()[i];
      ++nb;
    }
  });
  EXPECT_GT(front / static_cast<double>(nf), back / static_cast<double>(nb) + 10.0);
}

// ---- Other seeds ----

class PhantomSeeds : public ::testing::TestWithParam<std::pair<std::uint64_t, int>> {};

TEST_P(PhantomSeeds, LesionInvariantsHold) {
  const auto [seed, lesions] = GetParam();
  expectAllLesionInvariants(generatePhantom(fineOptions(seed, lesions)));
}

INSTANTIATE_TEST_SUITE_P(Seeds, PhantomSeeds,
                         ::testing::Values(std::pair<std::uint64_t, int>{2, 4},
                                           std::pair<std::uint64_t, int>{17, 6},
                                           std::pair<std::uint64_t, int>{123456789, 8},
                                           std::pair<std::uint64_t, int>{42, 2}));

}  // namespace
}  // namespace rfa::phantom
