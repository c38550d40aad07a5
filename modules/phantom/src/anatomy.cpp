// generatePhantom(): validates the options, builds the seeded anatomy (vessel trees, lesions)
// around the fixed organs, paints all volumes and fills the ground truth. LPS mm, grid centre at
// (0,0,0).
#include <cmath>
#include <numbers>
#include <sstream>
#include <string>

#include "anatomy_model.h"
#include "rfa/core/error.h"
#include "rfa/phantom/phantom.h"

namespace rfa::phantom {

namespace {

constexpr int kMaxLesions = 12;
constexpr double kMinLesionDiameterMm = 3.0;
constexpr double kMaxLesionDiameterMm = 60.0;
// Independent random streams of one seed.
constexpr std::uint64_t kVesselStream = 1;
constexpr std::uint64_t kLesionStream = 2;
// Vessel trees grow in two stages around the lesions: thick branches (radius >= 3 mm) first so
// that lesion 1 can be placed next to one, thin branches afterwards so they avoid the lesions.
constexpr double kThickBranchRadiusMm = 3.0;
constexpr double kThinBranchRadiusMm = 1.5;

void validate(const PhantomOptions& o) {
  for (int a = 0; a < 3; ++a) {
    if (o.size[static_cast<std::size_t>(a)] == 0) {
      throw GeometryError("phantom size must be > 0 on every axis (axis " + std::to_string(a) +
                          " is 0)");
    }
  }
  if (o.lesions < 0 || o.lesions > kMaxLesions) {
    throw UsageError("phantom lesions must be in 0.." + std::to_string(kMaxLesions) + " (got " +
                     std::to_string(o.lesions) + ")");
  }
  const double dmin = o.min_lesion_diameter_mm;
  const double dmax = o.max_lesion_diameter_mm;
  // The comparisons are false for NaN.
  if (!(dmin >= kMinLesionDiameterMm && dmin <= dmax && dmax <= kMaxLesionDiameterMm)) {
    std::ostringstream msg;
    msg << "phantom lesion diameters must satisfy 3 <= min <= max <= 60 mm (got min " << dmin
        << " mm, max " << dmax << " mm)";
    throw UsageError(msg.str());
  }
  if (!std::isfinite(o.noise_sigma_hu) || o.noise_sigma_hu < 0.0) {
    throw UsageError("phantom noise sigma must be finite and >= 0 HU (got " +
                     std::to_string(o.noise_sigma_hu) + ")");
  }
}

// Grid with identity direction whose centre is LPS (0,0,0). \throws GeometryError (spacing).
ImageGeometry centredGeometry(const PhantomOptions& o) {
  Vec3 origin;
  for (int a = 0; a < 3; ++a) {
    origin[a] =
        -0.5 * (static_cast<double>(o.size[static_cast<std::size_t>(a)]) - 1.0) * o.spacing_mm[a];
  }
  return {o.size, o.spacing_mm, origin};
}

LesionTruth lesionTruth(const detail::LesionShape& l) {
  LesionTruth t;
  t.label = l.label;
  t.center_lps = l.center;
  t.semi_axes_mm = l.semi_axes;
  t.diameter_mm = 2.0 * l.semi_axes.mean();
  t.volume_ml_analytic = 4.0 / 3.0 * std::numbers::pi * l.semi_axes.prod() / 1000.0;
  t.mean_hu = l.hu;
  t.location = l.location;
  return t;
}

VesselSegmentTruth vesselTruth(const detail::VesselSegment& s) {
  VesselSegmentTruth t;
  t.tree = s.tree == detail::Tree::kPortal ? "portal" : "hepatic";
  t.start_lps = s.a;
  t.end_lps = s.b;
  t.radius_mm = s.radius;
  return t;
}

}  // namespace

detail::Anatomy detail::buildAnatomy(const PhantomOptions& o) {
  detail::Anatomy anatomy;
  anatomy.ribs = detail::buildRibs();
  detail::Rng vessel_rng(o.seed, kVesselStream);
  detail::Rng lesion_rng(o.seed, kLesionStream);
  detail::addVesselTrunks(anatomy.vessels);
  detail::growVesselTrees(anatomy.vessels, kThickBranchRadiusMm, {}, vessel_rng);
  anatomy.lesions =
      detail::placeLesions(o.lesions, o.min_lesion_diameter_mm, o.max_lesion_diameter_mm,
                           anatomy.vessels, anatomy.ribs, lesion_rng);
  detail::growVesselTrees(anatomy.vessels, kThinBranchRadiusMm, anatomy.lesions, vessel_rng);
  return anatomy;
}

Phantom generatePhantom(const PhantomOptions& options) {
  validate(options);
  const ImageGeometry geometry = centredGeometry(options);
  const detail::Anatomy anatomy = detail::buildAnatomy(options);

  Phantom p;
  p.options = options;
  p.ct = ImageVolume(geometry, detail::kAirHu);
  p.liver = Mask(geometry);
  p.lesions = LabelMap(geometry);
  p.vessel_radius = ImageVolume(geometry);
  p.bone = Mask(geometry);
  p.lung = Mask(geometry);
  p.body = Mask(geometry);
  p.gallbladder = Mask(geometry);
  for (const detail::LesionShape& l : anatomy.lesions) p.lesion_truth.push_back(lesionTruth(l));
  for (const detail::VesselSegment& s : anatomy.vessels) p.vessel_truth.push_back(vesselTruth(s));
  detail::paintPhantom(anatomy, p);
  return p;
}

}  // namespace rfa::phantom
