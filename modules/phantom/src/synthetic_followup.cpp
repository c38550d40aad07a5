// generateSyntheticFollowup(): the planning phantom's analytic anatomy (rebuilt from its options)
// painted at deformed positions p = y + v(y) of the follow-up voxel centres y, with ablation zones,
// lesion changes, new lesions and HU changes; one k-slice per parallel task, primitives culled by
// the boxes of the deformed slice and rows. All positions LPS mm.
#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "anatomy_model.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/phantom/synthetic_followup.h"
#include "synthetic_followup_model.h"

namespace rfa::phantom {

namespace detail {

namespace {

constexpr double kConvergedMm = 1e-6;  // fixed-point iteration target
constexpr double kToleranceMm = 1e-4;  // accepted after the last iteration
constexpr int kMaxIterations = 100;

bool finite(const Vec3& v) {
  return v.allFinite();
}

}  // namespace

DeformationMap::DeformationMap(const FollowupDeformation& d) : d_(d) {
  if (!finite(d.rotation_centre_lps) || !finite(d.rotation_axis) ||
      !std::isfinite(d.rotation_deg) || !finite(d.translation_mm)) {
    throw UsageError("follow-up deformation has a non-finite parameter");
  }
  if (d.rotation_deg != 0.0) {
    const double n = d.rotation_axis.norm();
    if (!(n > 1e-12)) {
      throw UsageError("follow-up deformation rotation axis is zero but the angle is " +
                       std::to_string(d.rotation_deg) + " deg");
    }
    rotate_ = true;
    rotation_ = Eigen::AngleAxisd(d.rotation_deg * std::numbers::pi / 180.0, d.rotation_axis / n)
                    .toRotationMatrix();
  }
  for (const FollowupDeformation::Bump& b : d.bumps) {
    if (!finite(b.centre_lps) || !finite(b.amplitude_mm) || !std::isfinite(b.sigma_mm) ||
        !(b.sigma_mm > 0.0)) {
      throw UsageError("follow-up deformation bump needs finite values and sigma > 0 mm");
    }
  }
}

Vec3 DeformationMap::apply(const Vec3& y) const {
  Vec3 p = rotate_ ? Vec3(d_.rotation_centre_lps + rotation_ * (y - d_.rotation_centre_lps)) : y;
  p += d_.translation_mm;
  for (const FollowupDeformation::Bump& b : d_.bumps) {
    const double e = std::exp(-(y - b.centre_lps).squaredNorm() / (2.0 * b.sigma_mm * b.sigma_mm));
    p += e * b.amplitude_mm;
  }
  return p;
}

Vec3 DeformationMap::invert(const Vec3& x) const {
  Vec3 y = x;
  double residual = std::numeric_limits<double>::infinity();
  for (int n = 0; n < kMaxIterations; ++n) {
    const Vec3 r = apply(y) - x;  // = v(y) - (x - y)
    residual = r.norm();
    if (residual <= kConvergedMm) return y;
    y -= r;  // y <- x - v(y)
  }
  residual = (apply(y) - x).norm();
  if (residual <= kToleranceMm) return y;
  std::ostringstream msg;
  msg << "follow-up deformation cannot be inverted at (" << x.x() << ", " << x.y() << ", " << x.z()
      << ") mm: residual " << residual << " mm after " << kMaxIterations
      << " iterations (is |grad v| >= 1?)";
  throw GeometryError(msg.str());
}

Box ellipsoidBox(const Vec3& centre, const Mat3& rotation, const Vec3& semi_axes) {
  Vec3 half;
  for (int a = 0; a < 3; ++a) {
    half[a] = rotation.row(a).cwiseProduct(semi_axes.transpose()).norm();
  }
  return {centre - half, centre + half};
}

bool zoneContains(const FollowupZone& zone, const Vec3& p) {
  const Vec3 q = zone.axes.transpose() * (p - zone.centre_lps);
  const Vec3 semi(zone.semi_u_mm, zone.semi_v_mm, zone.semi_w_mm);
  return q.cwiseQuotient(semi).squaredNorm() <= 1.0;
}

Box zoneBox(const FollowupZone& zone) {
  return ellipsoidBox(zone.centre_lps, zone.axes,
                      Vec3(zone.semi_u_mm, zone.semi_v_mm, zone.semi_w_mm));
}

}  // namespace detail

namespace {

using detail::Box;
using detail::LesionShape;
using detail::VoxelValue;

// Per-slice noise streams of the follow-up (distinct from the planning phantom's streams).
constexpr std::uint64_t kFollowupNoiseStream = 0x464F4C4C4F570000ULL;

// A lesion as painted at follow-up.
struct FollowupLesion {
  LesionShape shape;
  bool clip_to_liver = false;  // grown or new: only inside the liver mask
};

struct ZoneShape {
  FollowupZone zone;
  Box box;
};

void validateOptions(const SyntheticFollowupOptions& o, const std::set<int>& labels) {
  if (!std::isfinite(o.noise_sigma_hu) || o.noise_sigma_hu < 0.0) {
    throw UsageError("follow-up noise sigma must be finite and >= 0 HU (got " +
                     std::to_string(o.noise_sigma_hu) + ")");
  }
  if (!std::isfinite(o.zone_hu) || !std::isfinite(o.liver_hu_shift)) {
    throw UsageError("follow-up zone HU and liver HU shift must be finite");
  }
  for (const FollowupZone& z : o.zones) {
    const Vec3 semi(z.semi_u_mm, z.semi_v_mm, z.semi_w_mm);
    if (!semi.allFinite() || !(semi.minCoeff() > 0.0) || !z.centre_lps.allFinite()) {
      throw UsageError("follow-up zone semi-axes must be finite and > 0 mm");
    }
    if (!z.axes.allFinite() || !(z.axes.transpose() * z.axes).isApprox(Mat3::Identity(), 1e-3)) {
      throw UsageError("follow-up zone axes must be orthonormal");
    }
    if (z.lesion_label != 0 && labels.count(z.lesion_label) == 0) {
      throw UsageError("follow-up zone treats unknown lesion label " +
                       std::to_string(z.lesion_label));
    }
  }
  std::set<int> changed;
  for (const LesionChange& c : o.lesion_changes) {
    if (labels.count(c.label) == 0) {
      throw UsageError("follow-up lesion change of unknown label " + std::to_string(c.label));
    }
    if (!changed.insert(c.label).second) {
      throw UsageError("follow-up lesion change of label " + std::to_string(c.label) +
                       " given twice");
    }
    if (!std::isfinite(c.scale) || c.scale < 0.0) {
      throw UsageError("follow-up lesion scale must be finite and >= 0 (label " +
                       std::to_string(c.label) + ")");
    }
  }
  for (const NewLesion& n : o.new_lesions) {
    if (!n.centre_lps.allFinite() || !std::isfinite(n.diameter_mm) || !(n.diameter_mm > 0.0) ||
        !std::isfinite(n.hu)) {
      throw UsageError(
          "follow-up new lesion needs a finite centre and HU and a "
          "diameter > 0 mm");
    }
  }
}

// The planning phantom must be the one its options generate (same anatomy).
void checkPlanning(const Phantom& planning, const detail::Anatomy& anatomy) {
  bool same = planning.lesion_truth.size() == anatomy.lesions.size();
  for (std::size_t n = 0; same && n < anatomy.lesions.size(); ++n) {
    same = planning.lesion_truth[n].label == anatomy.lesions[n].label &&
           (planning.lesion_truth[n].center_lps - anatomy.lesions[n].center).norm() < 1e-9;
  }
  if (!same) {
    throw UsageError("follow-up: the planning phantom does not match the anatomy of its options");
  }
}

// Voxel centre coordinates along each axis (LPS mm) as the planning painter computes them.
std::vector<double> axisCoordinates(const ImageGeometry& g, int axis) {
  std::vector<double> c(g.size()[static_cast<std::size_t>(axis)]);
  for (std::size_t n = 0; n < c.size(); ++n) {
    c[n] = g.origin()[axis] + g.spacing()[axis] * static_cast<double>(n);
  }
  return c;
}

Box boxOf(const Vec3* p, std::size_t n) {
  Box b{Vec3::Constant(std::numeric_limits<double>::max()),
        Vec3::Constant(std::numeric_limits<double>::lowest())};
  for (std::size_t i = 0; i < n; ++i) {
    b.lo = b.lo.cwiseMin(p[i]);
    b.hi = b.hi.cwiseMax(p[i]);
  }
  return b;
}

template <class T>
void filterByBox(const std::vector<const T*>& in, const Box& box, std::vector<const T*>& out) {
  out.clear();
  for (const T* p : in) {
    if (p->box.overlaps(box)) out.push_back(p);
  }
}

template <class T>
std::vector<const T*> pointers(const std::vector<T>& in, const Box& box) {
  std::vector<const T*> out;
  for (const T& p : in) {
    if (p.box.overlaps(box)) out.push_back(&p);
  }
  return out;
}

class FollowupPainter {
 public:
  FollowupPainter(const detail::Anatomy& anatomy, const std::vector<FollowupLesion>& lesions,
                  const std::vector<FollowupLesion>& new_lesions,
                  const std::vector<ZoneShape>& zones, const SyntheticFollowupOptions& options,
                  const detail::DeformationMap& map, SyntheticFollowup& out)
      : anatomy_(anatomy),
        lesions_(lesions),
        new_lesions_(new_lesions),
        zones_(zones),
        options_(options),
        map_(map),
        out_(out),
        identity_direction_(out.ct.geometry().direction() == Mat3::Identity()),
        xs_(axisCoordinates(out.ct.geometry(), 0)),
        ys_(axisCoordinates(out.ct.geometry(), 1)),
        zs_(axisCoordinates(out.ct.geometry(), 2)),
        max_displacement_(out.ct.size()[2], 0.0) {}

  void paintSlice(std::size_t k);
  [[nodiscard]] double maxDisplacement() const {
    return *std::max_element(max_displacement_.begin(), max_displacement_.end());
  }

 private:
  // Follow-up voxel centre (LPS mm).
  [[nodiscard]] Vec3 voxelCentre(std::size_t i, std::size_t j, std::size_t k) const {
    if (identity_direction_) return {xs_[i], ys_[j], zs_[k]};
    return out_.ct.geometry().indexToLps(
        Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
  }
  [[nodiscard]] VoxelValue paintPoint(const Vec3& p, const detail::Scene& scene,
                                      const std::vector<const FollowupLesion*>& lesions,
                                      const std::vector<const FollowupLesion*>& new_lesions,
                                      const std::vector<const ZoneShape*>& zones,
                                      std::uint8_t& zone) const;

  const detail::Anatomy& anatomy_;
  const std::vector<FollowupLesion>& lesions_;
  const std::vector<FollowupLesion>& new_lesions_;
  const std::vector<ZoneShape>& zones_;
  const SyntheticFollowupOptions& options_;
  const detail::DeformationMap& map_;
  SyntheticFollowup& out_;
  detail::StaticBoxes boxes_;
  bool identity_direction_;
  std::vector<double> xs_, ys_, zs_;
  std::vector<double> max_displacement_;  // per slice
};

// What a lesion point shows: the lesion's HU and label, inside the liver and the body.
VoxelValue lesionValue(const LesionShape& l) {
  VoxelValue v;
  v.hu = static_cast<float>(l.hu);
  v.lesion = static_cast<std::uint16_t>(l.label);
  v.liver = 1;
  v.body = 1;
  return v;
}

// The first lesion of `list` containing p (clipped ones only inside the liver mask), or nullptr.
const FollowupLesion* lesionAt(const std::vector<const FollowupLesion*>& list, const Vec3& p,
                               bool in_liver) {
  for (const FollowupLesion* l : list) {
    if (l->shape.box.contains(p) && l->shape.contains(p) && (in_liver || !l->clip_to_liver)) {
      return l;
    }
  }
  return nullptr;
}

VoxelValue FollowupPainter::paintPoint(const Vec3& p, const detail::Scene& scene,
                                       const std::vector<const FollowupLesion*>& lesions,
                                       const std::vector<const FollowupLesion*>& new_lesions,
                                       const std::vector<const ZoneShape*>& zones,
                                       std::uint8_t& zone) const {
  zone = 0;
  // The anatomy without lesions (the scene holds none): body, liver, vessels, other organs.
  VoxelValue v = detail::classify(p, scene, boxes_);
  if (v.body == 0) return v;
  const bool in_liver = v.liver != 0;  // liverSdf < 0 and outside the gallbladder
  if (const FollowupLesion* n = lesionAt(new_lesions, p, in_liver)) {
    return lesionValue(n->shape);
  }
  const FollowupLesion* l = lesionAt(lesions, p, in_liver);
  if (in_liver || l != nullptr) {
    for (const ZoneShape* z : zones) {
      if (!z->box.contains(p) || !detail::zoneContains(z->zone, p)) continue;
      if (l == nullptr && v.vessel_radius >= options_.patent_vessel_radius_mm) break;  // patent
      zone = 1;
      VoxelValue z_value;
      z_value.hu = static_cast<float>(options_.zone_hu);
      z_value.liver = 1;
      z_value.body = 1;
      return z_value;
    }
  }
  if (l != nullptr) {
    return lesionValue(l->shape);
  }
  // Liver parenchyma (liver mask without vessels) and every vessel: contrast timing.
  if (v.vessel_radius > 0.0F || v.liver != 0) {
    v.hu = static_cast<float>(static_cast<double>(v.hu) + options_.liver_hu_shift);
  }
  return v;
}

void FollowupPainter::paintSlice(std::size_t k) {
  const std::size_t nx = xs_.size();
  const std::size_t ny = ys_.size();
  // Deformed positions of the slice's voxel centres.
  std::vector<Vec3> y_lps(nx * ny);
  std::vector<Vec3> p_lps(nx * ny);
  for (std::size_t j = 0; j < ny; ++j) {
    for (std::size_t i = 0; i < nx; ++i) {
      const Vec3 y = voxelCentre(i, j, k);
      y_lps[i + nx * j] = y;
      p_lps[i + nx * j] = map_.apply(y);
    }
  }
  const Box slice_box = boxOf(p_lps.data(), p_lps.size());
  const std::vector<const detail::RibSegment*> ribs = pointers(anatomy_.ribs, slice_box);
  const std::vector<const detail::VesselSegment*> vessels = pointers(anatomy_.vessels, slice_box);
  std::vector<const FollowupLesion*> lesions;
  for (const FollowupLesion& l : lesions_) {
    if (l.shape.box.overlaps(slice_box)) lesions.push_back(&l);
  }
  std::vector<const FollowupLesion*> new_lesions;
  for (const FollowupLesion& l : new_lesions_) {
    if (l.shape.box.overlaps(slice_box)) new_lesions.push_back(&l);
  }
  std::vector<const ZoneShape*> zones;
  for (const ZoneShape& z : zones_) {
    if (z.box.overlaps(slice_box)) zones.push_back(&z);
  }

  detail::Scene scene;
  std::vector<const FollowupLesion*> row_lesions;
  std::vector<const FollowupLesion*> row_new;
  std::vector<const ZoneShape*> row_zones;
  double max_disp2 = 0.0;
  for (std::size_t j = 0; j < ny; ++j) {
    const Vec3* row_p = p_lps.data() + nx * j;
    const Box row_box = boxOf(row_p, nx);
    filterByBox(ribs, row_box, scene.ribs);
    filterByBox(vessels, row_box, scene.vessels);
    row_lesions.clear();
    for (const FollowupLesion* l : lesions) {
      if (l->shape.box.overlaps(row_box)) row_lesions.push_back(l);
    }
    row_new.clear();
    for (const FollowupLesion* l : new_lesions) {
      if (l->shape.box.overlaps(row_box)) row_new.push_back(l);
    }
    row_zones.clear();
    for (const ZoneShape* z : zones) {
      if (z->box.overlaps(row_box)) row_zones.push_back(z);
    }
    scene.liver = boxes_.liver.overlaps(row_box);
    scene.gallbladder = boxes_.gallbladder.overlaps(row_box);
    scene.spine = boxes_.spine.overlaps(row_box);
    scene.lung = boxes_.lung.overlaps(row_box);
    // Rows that keep their y and z (no rotation or bumps) share the body wall widths.
    const bool flat_row = row_box.lo.y() == row_box.hi.y() && row_box.lo.z() == row_box.hi.z();
    if (flat_row) {
      scene.half_width =
          detail::wallHalfWidths(row_box.lo.y(), detail::bodySection(row_box.lo.z()));
    }
    for (std::size_t i = 0; i < nx; ++i) {
      const Vec3& p = row_p[i];
      if (!flat_row) scene.half_width = detail::wallHalfWidths(p.y(), detail::bodySection(p.z()));
      std::uint8_t zone = 0;
      const VoxelValue v = paintPoint(p, scene, row_lesions, row_new, row_zones, zone);
      const std::size_t n = out_.ct.linearIndex(i, j, k);
      out_.ct.data()[n] = v.hu;
      out_.liver.data()[n] = v.liver;
      out_.lesions.data()[n] = v.lesion;
      out_.zones.data()[n] = zone;
      if (v.liver != 0) max_disp2 = std::max(max_disp2, (p - y_lps[i + nx * j]).squaredNorm());
    }
  }
  max_displacement_[k] = std::sqrt(max_disp2);
  detail::addGaussianNoise(out_.ct.slice(k), options_.noise_sigma_hu, options_.noise_seed,
                           kFollowupNoiseStream + k);
}

}  // namespace

Vec3 SyntheticFollowup::followupToPlanning(const Vec3& y_followup_lps) const {
  return detail::DeformationMap(deformation).apply(y_followup_lps);
}

Vec3 SyntheticFollowup::planningToFollowup(const Vec3& x_planning_lps) const {
  return detail::DeformationMap(deformation).invert(x_planning_lps);
}

SyntheticFollowup generateSyntheticFollowup(const Phantom& planning,
                                            const SyntheticFollowupOptions& options,
                                            const ImageGeometry* grid) {
  const detail::DeformationMap map(options.deformation);  // validates the deformation
  const detail::Anatomy anatomy = detail::buildAnatomy(planning.options);
  checkPlanning(planning, anatomy);
  std::set<int> labels;
  int max_label = 0;
  for (const LesionShape& l : anatomy.lesions) {
    labels.insert(l.label);
    max_label = std::max(max_label, l.label);
  }
  validateOptions(options, labels);
  if (static_cast<std::size_t>(max_label) + options.new_lesions.size() > 65535U) {
    throw UnsupportedError("follow-up: too many new lesions for 16-bit labels");
  }

  // Lesions at follow-up: planning shapes scaled about their centres; vanished ones dropped.
  std::map<int, double> scale;
  for (const LesionChange& c : options.lesion_changes) scale[c.label] = c.scale;
  std::vector<FollowupLesion> lesions;
  for (const LesionShape& l : anatomy.lesions) {
    const auto it = scale.find(l.label);
    const double s = it == scale.end() ? 1.0 : it->second;
    if (s == 0.0) continue;
    FollowupLesion f{l, s > 1.0};
    if (s != 1.0) {
      f.shape.semi_axes = l.semi_axes * s;
      f.shape.box = detail::ellipsoidBox(l.center, l.rotation, f.shape.semi_axes);
    }
    lesions.push_back(f);
  }
  SyntheticFollowup out;
  std::vector<FollowupLesion> new_lesions;
  for (std::size_t n = 0; n < options.new_lesions.size(); ++n) {
    const NewLesion& nl = options.new_lesions[n];
    FollowupLesion f;
    f.clip_to_liver = true;
    f.shape.label = max_label + 1 + static_cast<int>(n);
    f.shape.center = nl.centre_lps;
    f.shape.semi_axes = Vec3::Constant(0.5 * nl.diameter_mm);
    f.shape.hu = nl.hu;
    f.shape.location = "new";
    f.shape.box = detail::ellipsoidBox(f.shape.center, f.shape.rotation, f.shape.semi_axes);
    new_lesions.push_back(f);
    out.new_lesion_labels.push_back(f.shape.label);
  }
  std::vector<ZoneShape> zones;
  for (const FollowupZone& z : options.zones) zones.push_back({z, detail::zoneBox(z)});

  const ImageGeometry geometry = grid != nullptr ? *grid : planning.ct.geometry();
  if (geometry.voxelCount() == 0) throw GeometryError("follow-up grid is empty");
  out.ct = ImageVolume(geometry, detail::kAirHu);
  out.liver = Mask(geometry);
  out.lesions = LabelMap(geometry);
  out.zones = Mask(geometry);
  out.deformation = options.deformation;
  out.options = options;
  out.planning_options = planning.options;

  FollowupPainter painter(anatomy, lesions, new_lesions, zones, options, map, out);
  parallelFor(geometry.size()[2], [&painter](std::size_t k) { painter.paintSlice(k); });
  out.max_displacement_in_liver_mm = painter.maxDisplacement();
  out.margins = detail::computeMarginTruth(anatomy.lesions, options.zones, anatomy.vessels,
                                           options.patent_vessel_radius_mm);
  return out;
}

}  // namespace rfa::phantom
