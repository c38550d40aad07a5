// Voxel painter: evaluates the analytic anatomy at every voxel centre (LPS mm), one k-slice per
// parallel task, with per-slice and per-row culling of primitives by their bounding boxes; then
// adds Gaussian noise seeded per slice so the result does not depend on thread scheduling.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "anatomy_model.h"
#include "rfa/core/parallel.h"

namespace rfa::phantom::detail {

namespace {

constexpr double kFar = std::numeric_limits<double>::max();
constexpr std::uint64_t kNoiseStream = 0x4E4F495345000000ULL;  // per-slice noise streams start here

double halfWidth(double y, double a, double b) {
  const double t = y / b;
  return std::abs(t) >= 1.0 ? -1.0 : a * std::sqrt(1.0 - t * t);
}

template <class T>
void filterByY(const std::vector<const T*>& in, double y, std::vector<const T*>& out) {
  out.clear();
  for (const T* p : in) {
    if (p->box.containsY(y)) out.push_back(p);
  }
}

template <class T>
std::vector<const T*> filterByZ(const std::vector<T>& in, double z) {
  std::vector<const T*> out;
  for (const T& p : in) {
    if (p.box.containsZ(z)) out.push_back(&p);
  }
  return out;
}

// The lesion containing p, or nullptr.
const LesionShape* lesionAt(const Vec3& p, const Scene& scene) {
  for (const LesionShape* l : scene.lesions) {
    if (l->box.contains(p) && l->contains(p)) return l;
  }
  return nullptr;
}

// Vessel whose axis is nearest to p among those whose lumen contains p, or nullptr.
const VesselSegment* vesselAt(const Vec3& p, const Scene& scene) {
  const VesselSegment* best = nullptr;
  double best_d2 = kFar;
  for (const VesselSegment* v : scene.vessels) {
    if (!v->box.contains(p)) continue;
    const double d2 = pointSegmentDistance2(p, v->a, v->b);
    if (d2 <= v->radius * v->radius && d2 < best_d2) {
      best = v;
      best_d2 = d2;
    }
  }
  return best;
}

bool ribAt(const Vec3& p, const Scene& scene) {
  for (const RibSegment* r : scene.ribs) {
    if (r->box.contains(p) && pointSegmentDistance2(p, r->a, r->b) <= r->radius * r->radius) {
      return true;
    }
  }
  return false;
}

// Soft tissues (body wall layers, spine soft parts, paraspinal muscles, abdominal contents).
float softTissueHu(const Vec3& p, const Scene& scene, const SpineSample& spine) {
  const double ax = std::abs(p.x());
  if (ax > scene.half_width[1]) return kSkinHu;
  if (ax > scene.half_width[2]) return kFatHu;
  if (spine.inside) return spine.hu;
  if (ax > scene.half_width[3] || inParaspinalMuscle(p, 0.0)) return kMuscleHu;
  return kSoftTissueHu;
}

}  // namespace

std::array<double, 4> wallHalfWidths(double y, const BodySection& s) {
  static constexpr std::array<double, 4> kDepth{0.0, kSkinMm, kFatDepthMm, kMuscleDepthMm};
  std::array<double, 4> w{};
  for (std::size_t l = 0; l < kDepth.size(); ++l) {
    w[l] = halfWidth(y, s.a - kDepth[l], s.b - kDepth[l]);
  }
  return w;
}

VoxelValue classify(const Vec3& p, const Scene& scene, const StaticBoxes& boxes) {
  VoxelValue v;
  if (std::abs(p.x()) > scene.half_width[0]) return v;  // air outside the skin
  v.body = 1;
  const double liver_sdf = (scene.liver && boxes.liver.contains(p)) ? liverSdf(p) : kFar;
  const bool in_gallbladder =
      scene.gallbladder && boxes.gallbladder.contains(p) && gallbladder().contains(p);
  if (const LesionShape* l = lesionAt(p, scene)) {
    v.hu = static_cast<float>(l->hu);
    v.lesion = static_cast<std::uint16_t>(l->label);
    v.liver = 1;
    return v;
  }
  v.liver = (liver_sdf < 0.0 && !in_gallbladder) ? 1 : 0;
  if (const VesselSegment* s = vesselAt(p, scene)) {
    v.hu = s->tree == Tree::kPortal ? kPortalHu : kHepaticHu;
    v.vessel_radius = static_cast<float>(s->radius);
    return v;
  }
  if (in_gallbladder) {
    v.hu = kGallbladderHu;
    v.gallbladder = 1;
    return v;
  }
  if (v.liver != 0) {
    v.hu = kLiverHu;
    return v;
  }
  if (scene.neighbours) {
    if (const std::optional<OrganSample> organ = neighbourOrgan(p)) {
      v.hu = organ->hu;
      v.t2 = organ->t2;
      return v;
    }
  }
  if (scene.lung && boxes.lung.contains(p) && inLung(p, liver_sdf)) {
    v.hu = kLungHu;
    v.lung = 1;
    return v;
  }
  const SpineSample spine = (scene.spine && boxes.spine.contains(p)) ? spineAt(p) : SpineSample{};
  if (spine.bone || ribAt(p, scene)) {
    v.hu = spine.bone ? spine.hu : kRibHu;
    v.bone = 1;
    return v;
  }
  v.hu = softTissueHu(p, scene, spine);
  return v;
}

void addGaussianNoise(std::span<float> values, double sigma_hu, std::uint64_t seed,
                      std::uint64_t stream) {
  if (sigma_hu <= 0.0) return;
  // Own Box-Muller: identical for any thread count or order and any standard library.
  Rng rng(seed, stream);
  for (std::size_t n = 0; n < values.size(); n += 2) {
    const double radius = sigma_hu * std::sqrt(-2.0 * std::log(openUnit(rng.engine()())));
    const double angle = 2.0 * std::numbers::pi * rng.uniform();
    values[n] += static_cast<float>(radius * std::cos(angle));
    if (n + 1 < values.size()) values[n + 1] += static_cast<float>(radius * std::sin(angle));
  }
}

namespace {

struct SliceStats {
  std::size_t liver_voxels = 0;
  std::vector<std::array<double, 4>> lesions;  // per label: voxel count, sum of x, y, z (mm)
};

// Voxel centre coordinates along each axis (LPS mm); the phantom grid has an identity direction.
std::vector<double> axisCoordinates(const ImageGeometry& g, int axis) {
  std::vector<double> c(g.size()[static_cast<std::size_t>(axis)]);
  for (std::size_t n = 0; n < c.size(); ++n) {
    c[n] = g.origin()[axis] + g.spacing()[axis] * static_cast<double>(n);
  }
  return c;
}

struct Painter {
  const Anatomy& anatomy;
  Phantom& phantom;
  StaticBoxes boxes;
  std::vector<SliceStats> stats;
  std::vector<double> xs, ys, zs;

  void paintSlice(std::size_t k);
  void addNoise(std::size_t k);
};

void Painter::paintSlice(std::size_t k) {
  const double z = zs[k];
  const std::vector<const RibSegment*> ribs = filterByZ(anatomy.ribs, z);
  const std::vector<const VesselSegment*> vessels = filterByZ(anatomy.vessels, z);
  const std::vector<const LesionShape*> lesions = filterByZ(anatomy.lesions, z);
  const BodySection s = bodySection(z);
  SliceStats& st = stats[k];
  st.lesions.assign(anatomy.lesions.size() + 1, {0.0, 0.0, 0.0, 0.0});
  Scene row;
  for (std::size_t j = 0; j < ys.size(); ++j) {
    const double y = ys[j];
    filterByY(ribs, y, row.ribs);
    filterByY(vessels, y, row.vessels);
    filterByY(lesions, y, row.lesions);
    row.liver = boxes.liver.containsZ(z) && boxes.liver.containsY(y);
    row.gallbladder = boxes.gallbladder.containsZ(z) && boxes.gallbladder.containsY(y);
    row.spine = boxes.spine.containsY(y);
    row.lung = boxes.lung.containsZ(z);
    row.neighbours = phantom.options.neighbours;
    row.half_width = wallHalfWidths(y, s);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const Vec3 p(xs[i], y, z);
      const VoxelValue v = classify(p, row, boxes);
      const std::size_t n = phantom.ct.linearIndex(i, j, k);
      phantom.ct.data()[n] = phantom.options.mr_t2 ? t2Signal(v) * coilSensitivity(p) : v.hu;
      phantom.vessel_radius.data()[n] = v.vessel_radius;
      phantom.lesions.data()[n] = v.lesion;
      phantom.liver.data()[n] = v.liver;
      phantom.bone.data()[n] = v.bone;
      phantom.lung.data()[n] = v.lung;
      phantom.body.data()[n] = v.body;
      phantom.gallbladder.data()[n] = v.gallbladder;
      st.liver_voxels += v.liver;
      if (v.lesion != 0) {
        auto& acc = st.lesions[v.lesion];
        acc[0] += 1.0;
        acc[1] += p.x();
        acc[2] += p.y();
        acc[3] += p.z();
      }
    }
  }
}

void Painter::addNoise(std::size_t k) {
  // Per-slice stream: identical for any thread count or order.
  addGaussianNoise(phantom.ct.slice(k), phantom.options.noise_sigma_hu, phantom.options.seed,
                   kNoiseStream + k);
}

}  // namespace

void paintPhantom(const Anatomy& anatomy, Phantom& phantom) {
  const std::size_t nz = phantom.ct.size()[2];
  const ImageGeometry& g = phantom.ct.geometry();
  Painter painter{anatomy,
                  phantom,
                  StaticBoxes{},
                  std::vector<SliceStats>(nz),
                  axisCoordinates(g, 0),
                  axisCoordinates(g, 1),
                  axisCoordinates(g, 2)};
  parallelFor(nz, [&painter](std::size_t k) {
    painter.paintSlice(k);
    painter.addNoise(k);
  });
  // Reduce the per-slice statistics in slice order (deterministic sums).
  const double voxel_ml = phantom.ct.geometry().voxelVolumeMm3() / 1000.0;
  std::size_t liver_voxels = 0;
  std::vector<std::array<double, 4>> lesions(anatomy.lesions.size() + 1, {0.0, 0.0, 0.0, 0.0});
  for (const SliceStats& st : painter.stats) {
    liver_voxels += st.liver_voxels;
    for (std::size_t l = 0; l < lesions.size(); ++l) {
      for (std::size_t c = 0; c < 4; ++c) lesions[l][c] += st.lesions[l][c];
    }
  }
  phantom.liver_volume_ml = static_cast<double>(liver_voxels) * voxel_ml;
  for (LesionTruth& t : phantom.lesion_truth) {
    const auto& acc = lesions[static_cast<std::size_t>(t.label)];
    t.volume_ml_voxels = acc[0] * voxel_ml;
    t.centroid_voxels_lps =
        acc[0] > 0.0 ? Vec3(acc[1] / acc[0], acc[2] / acc[0], acc[3] / acc[0]) : t.center_lps;
  }
}

}  // namespace rfa::phantom::detail
