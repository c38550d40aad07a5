#pragma once
// A small synthetic case for the report tests: a CT-like volume (air, water body, liver at 60 HU,
// hypodense spherical lesions at 20 HU; no noise), its liver and lesion masks, and a consistent
// treatment plan with preview zones from thermal::previewZone: lesions 1 and 2 in session 1 (with
// labs), lesion 3 in session 2, lesion 4 not scheduled (no safe path).
//
// Grid: 120 x 120 x 40 voxels of 1 x 1 x 2 mm, identity direction, origin (-59.5, -59.5, -40) so
// that LPS (0, 0, 0) is the centre of voxel (59.5, 59.5, 20) -> slice 20 is z = 0.
#include <cmath>
#include <numbers>
#include <vector>

#include "rfa/planning/plan.h"
#include "rfa/planning/plan_case.h"
#include "rfa/thermal/preview.h"

namespace rfa::report::fixture {

struct Sphere {
  int id;
  Vec3 centre;
  double radius;
};

inline std::vector<Sphere> fixtureLesions() {
  return {{1, Vec3(-15, 0, 0), 6},
          {2, Vec3(18, 5, -10), 5},
          {3, Vec3(5, -15, 14), 4},
          {4, Vec3(-20, 20, -20), 4}};
}

inline constexpr double kLiverHu = 60;
inline constexpr double kLesionHu = 20;
inline constexpr double kBodyHu = 0;
inline constexpr double kAirHu = -1000;

inline thermal::PreviewCalibration fixtureCalibration() {
  thermal::PreviewCalibration c;
  c.electrode = "cooltip-3cm";
  c.protocol = "standard-12min";
  c.power_w = 200;
  c.duration_s = 720;
  c.centre_offset_mm = -5;
  c.semi_across_mm = 15;
  c.semi_along_mm = 20;
  c.solver_volume_ml = 4.0 / 3.0 * std::numbers::pi * 15 * 15 * 20 / 1000;
  c.fit_dice = 0.9;
  c.spacing_mm = 1;
  c.solver_backend = "cpu";
  c.zone_criterion = "arrhenius";
  return c;
}

// A needle whose preview zone is centred on `centre` (the tip 5 mm beyond it along `direction`).
inline planning::PlanPlacement fixturePlacement(const Vec3& centre, const Vec3& direction) {
  planning::PlanPlacement pl;
  pl.electrode = "cooltip-3cm";
  pl.protocol = "standard-12min";
  pl.direction_lps = direction.normalized();
  pl.tip_lps = centre + 5 * pl.direction_lps;
  pl.path_length_mm = 80;
  pl.entry_lps = pl.tip_lps - pl.path_length_mm * pl.direction_lps;
  pl.zone = thermal::previewZone(fixtureCalibration(), {pl.tip_lps, pl.direction_lps});
  return pl;
}

inline bool insideLiver(const Vec3& p) {
  const double x = p.x() / 45;
  const double y = p.y() / 38;
  const double z = p.z() / 34;
  return x * x + y * y + z * z <= 1;
}

inline planning::PlanCase fixtureCase() {
  const ImageGeometry g({120, 120, 40}, Vec3(1, 1, 2), Vec3(-59.5, -59.5, -40));
  planning::PlanCase c;
  c.plan_file = "/tmp/report-fixture/plan.json";
  c.image_path = "/tmp/report-fixture/ct";
  c.segmentation_dir = "/tmp/report-fixture/plan-segmentation";
  c.image.image = ImageVolume(g, static_cast<float>(kAirHu));
  Mask liver(g, 0);
  LabelMap lesions(g, 0);
  double liver_ml = 0;
  for (std::size_t k = 0; k < 40; ++k) {
    for (std::size_t j = 0; j < 120; ++j) {
      for (std::size_t i = 0; i < 120; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        float hu = static_cast<float>(kAirHu);
        if (p.x() * p.x() + p.y() * p.y() <= 55.0 * 55.0) hu = static_cast<float>(kBodyHu);
        if (insideLiver(p)) {
          hu = static_cast<float>(kLiverHu);
          liver(i, j, k) = 1;
          liver_ml += 2.0 / 1000;
        }
        for (const Sphere& s : fixtureLesions()) {
          if ((p - s.centre).norm() <= s.radius) {
            hu = static_cast<float>(kLesionHu);
            lesions(i, j, k) = static_cast<std::uint16_t>(s.id);
          }
        }
        c.image.image(i, j, k) = hu;
      }
    }
  }
  c.segmentation.liver = std::move(liver);
  c.segmentation.lesions = std::move(lesions);
  io::DicomSeries series;
  series.series_instance_uid = "1.2.826.0.1.3680043.8.498.12345678901234567890";
  series.modality = "CT";
  series.description = "synthetic abdomen";
  series.study.patient_name = "Doe^Jane";
  series.study.patient_id = "ANON-7";
  series.study.study_date = "20250301";
  series.study.study_instance_uid = "1.2.826.0.1.3680043.8.498.98765432109876543210";
  c.image.series = series;

  planning::TreatmentPlan& plan = c.plan;
  plan.revision = 3;
  plan.software = "rfaplan 0.1.0";
  plan.source.input = c.image_path.string();
  plan.source.patient_id = "ANON-7";
  plan.source.study_instance_uid = series.study.study_instance_uid;
  plan.source.series_instance_uid = series.series_instance_uid;
  plan.source.modality = "CT";
  plan.source.size = g.size();
  plan.source.spacing_mm = g.spacing();
  plan.source.origin_lps_mm = g.origin();
  plan.source.segmentation = "automatic (written to plan-segmentation/)";
  plan.settings.profile = "batch-rfa";
  plan.settings.electrodes = {"cooltip-2cm", "cooltip-3cm"};
  plan.settings.uncertainty_samples = 50;
  plan.settings.start_date = "2025-03-10";
  plan.liver_volume_ml = liver_ml;

  const auto lesion = [&](const Sphere& s, int session) {
    planning::PlanLesion l;
    l.id = s.id;
    l.centroid_lps = s.centre;
    l.diameter_mm = 2 * s.radius;
    l.volume_ml = 4.0 / 3.0 * std::numbers::pi * std::pow(s.radius, 3) / 1000;
    l.session = session;
    l.preview = {6.5, 100, 90, 0};
    return l;
  };
  const std::vector<Sphere> spheres = fixtureLesions();
  planning::PlanLesion l1 = lesion(spheres[0], 1);
  // Needle along +z (craniocaudal): its zone cuts slice 20 in a circle of radius 15 mm about the
  // centroid, and the tip projects onto the centroid.
  l1.placements.push_back(fixturePlacement(l1.centroid_lps, Vec3(0, 0, 1)));
  l1.uncertainty = planning::PlanUncertainty{3.7, 2.32, 50, 0.86, 4.1, 6.0};
  planning::PlanLesion l2 = lesion(spheres[1], 1);
  l2.placements.push_back(fixturePlacement(l2.centroid_lps, Vec3(0.6, 0.8, 0)));
  l2.vessel_gap_mm = 2.5;
  l2.near_major_vessel = true;
  l2.flag = planning::LesionFlag::kVessel;
  l2.reason = "a 6 mm portal branch runs 2.5 mm from the lesion";
  planning::PlanLesion l3 = lesion(spheres[2], 2);
  l3.placements.push_back(fixturePlacement(l3.centroid_lps, Vec3(-0.5, 0.7, -0.5)));
  planning::PlanLesion l4 = lesion(spheres[3], 0);
  l4.flag = planning::LesionFlag::kNoSafePath;
  l4.reason = "every candidate path crosses a rib";
  l4.preview = {};
  for (planning::PlanLesion* l : {&l1, &l2, &l3}) {
    l->preview.ablated_volume_ml = l->placements.front().zone.volumeMl();
  }
  plan.lesions = {l1, l2, l3, l4};

  planning::PlanSession s1;
  s1.index = 1;
  s1.lesion_ids = {1, 2};
  s1.ablated_volume_ml = l1.preview.ablated_volume_ml + l2.preview.ablated_volume_ml;
  s1.liver_fraction = s1.ablated_volume_ml / liver_ml;
  s1.reasons = {"the two largest lesions first", "both reached from a right anterior window"};
  planning::LabReport labs;
  labs.decision = planning::LabDecision::kPostpone;
  labs.checks.push_back({"PLT", "PLT", 42, 50, "e9/L", planning::CheckStatus::kFailed, false,
                         "PLT 42e9/L < 50e9/L", "NCT-test"});
  labs.checks.push_back({"INR", "INR", 1.1, 1.5, "", planning::CheckStatus::kPassed, true,
                         "INR 1.1 <= 1.5", "NCT-test"});
  labs.reasons = {"PLT 42e9/L < 50e9/L"};
  s1.labs = labs;
  s1.lab_date = "2025-03-08";
  s1.decision = planning::SessionDecision::kPostpone;
  s1.review_status = planning::ReviewStatus::kApproved;
  s1.review_comment = "board of 2025-03-09";
  planning::PlanSession s2;
  s2.index = 2;
  s2.lesion_ids = {3};
  s2.ablated_volume_ml = l3.preview.ablated_volume_ml;
  s2.liver_fraction = s2.ablated_volume_ml / liver_ml;
  plan.sessions = {s1, s2};
  plan.unplaced = {{4, "no safe path: every candidate path crosses a rib"}};
  plan.fits_profile = false;
  plan.cumulative_volume_ml = s1.ablated_volume_ml + s2.ablated_volume_ml;
  plan.cumulative_liver_fraction = plan.cumulative_volume_ml / liver_ml;
  plan.timeline = {
      {0, "2025-03-10", planning::EventKind::kRfa, 1, 0, "RFA session 1 of 2"},
      {21, "2025-03-31", planning::EventKind::kSystemicCycle, 1, 1, "cycle 1"},
      {30, "2025-04-09", planning::EventKind::kImagingTechnicalSuccess, 1, 0, "technical success"},
      {49, "2025-04-28", planning::EventKind::kRfa, 2, 0, "RFA session 2 of 2"}};
  plan.notes = {"lesion 4 is not scheduled: no safe path"};
  return c;
}

}  // namespace rfa::report::fixture
