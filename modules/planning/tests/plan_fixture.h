#pragma once
// A rich, consistent treatment plan for the plan_io and plan_check tests: five lesions (one
// unplaced without a safe path), two sessions, a lab report, a timeline, every optional member
// both present and absent somewhere, numbers with more than four decimals.

#include <cmath>
#include <numbers>
#include <vector>

#include "rfa/planning/plan.h"
#include "rfa/planning/profile.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/preview.h"

namespace rfa::planning::test {

inline ProtocolProfile testProfile() {
  ProtocolProfile p;
  p.name = "test-profile";
  p.description = "plan tests";
  p.sources = {"test"};
  p.sessions = {3, 2, 3};
  p.lesions.max_count = 6;
  p.lesions.max_diameter_mm = 50;
  p.margins = {5, 10};
  p.safety.max_ablated_liver_fraction = 1.0 / 3.0;
  return p;
}

inline thermal::PreviewCalibration testCalibration() {
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

inline PlanPlacement testPlacement(const Vec3& tip, const Vec3& direction) {
  PlanPlacement pl;
  pl.electrode = "cooltip-3cm";
  pl.protocol = "standard-12min";
  pl.tip_lps = tip;
  pl.direction_lps = direction.normalized();
  pl.entry_lps = tip - 80.123456 * pl.direction_lps;
  pl.path_length_mm = 80.123456;
  pl.zone = thermal::previewZone(testCalibration(), {pl.tip_lps, pl.direction_lps});
  return pl;
}

inline PlanLesion testLesion(int id, int session, double ablated_ml, double margin_mm) {
  PlanLesion l;
  l.id = id;
  l.centroid_lps = Vec3(10.123456 * id, -95.000049, 1e-5);
  l.diameter_mm = 12.345678 + id;
  l.volume_ml = 0.98765 * id;
  l.trajectories.push_back(
      {Vec3(90.1, -120.22222, 30.5), Vec3(10.0 * id, -95, 0), 88.888888, 12.5, 7.25, 0, 0.4321});
  l.trajectories.push_back(
      {Vec3(95.1, -100.5, 40.5), Vec3(10.0 * id, -95, 0), 91.5, 33.3333333, std::nullopt, 1, 1.2});
  l.rejected_paths = {{"bone", 12}, {"vessel", 3}};
  l.path_candidates = 200 + id;
  l.placements.push_back(testPlacement(Vec3(10.0 * id, -95, 0), Vec3(-0.6, 0.48, -0.64)));
  l.preview = {margin_mm, 99.5, 87.654321, ablated_ml};
  l.refinements = id % 2;
  l.search_evaluations = 135 * id;
  l.session = session;
  return l;
}

// Consistent with testProfile() and testCalibration(): validatePlan finds nothing.
inline TreatmentPlan richPlan() {
  TreatmentPlan plan;
  plan.revision = 1;
  plan.software = "rfaplan 0.9.0";
  PlanSource& s = plan.source;
  s.input = "/data/ct/series-7";
  s.patient_id = "ANON-0001";
  s.study_instance_uid = "1.2.3.4";
  s.series_instance_uid = "1.2.3.4.5";
  s.frame_of_reference_uid = "2.25.1234";
  s.frame_of_reference_generated = true;
  s.modality = "CT";
  s.size = {512, 512, 97};
  s.spacing_mm = Vec3(0.78125, 0.78125, 2.5);
  s.origin_lps_mm = Vec3(-200.109375, -180.0000049, -512.5);
  const double c = std::cos(0.1);
  const double sn = std::sin(0.1);
  s.direction << c, -sn, 0, sn, c, 0, 0, 0, 1;
  s.voxel_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  s.segmentation = "automatic";

  PlanSettings& st = plan.settings;
  st.profile = "test-profile";
  st.electrodes = {"cooltip-3cm", "starburst-xl"};
  st.uncertainty_samples = 200;
  st.confirmed = true;
  st.confirmation_spacing_mm = 1.5;
  st.start_date = "2025-03-03";

  plan.liver_volume_ml = 1500;
  PlanLesion l1 = testLesion(1, 1, 20, 6.000049);
  l1.uncertainty = PlanUncertainty{3.7, 2.1, 200, 0.875, 4.123456, 5.987654};
  PlanLesion l2 = testLesion(2, 1, 30, 5.2);
  l2.vessel_gap_mm = 4.2;
  l2.near_major_vessel = true;
  l2.placements.push_back(testPlacement(Vec3(25, -90, 5), Vec3(0, 0, 1)));
  l2.confirmation = PlanConfirmation{"cpu", 1.5, {5.5, 100, 80.25, 25}, {12.5, 12.5}, {104.2, 98}};
  PlanLesion l4 = testLesion(4, 2, 18, 7);
  PlanLesion l5 = testLesion(5, 2, 12, 5);
  PlanLesion l7 = testLesion(7, 0, 0, -3.5);
  l7.placements.clear();
  l7.trajectories.clear();
  l7.rejected_paths = {{"vessel", 150}};
  l7.flag = LesionFlag::kNoSafePath;
  l7.reason = "every candidate path crosses a vessel";
  plan.lesions = {l1, l2, l4, l5, l7};

  PlanSession s1;
  s1.index = 1;
  s1.lesion_ids = {1, 2};
  s1.ablated_volume_ml = 45;
  s1.liver_fraction = 0.03;
  s1.reasons = {"same lobe", "largest first"};
  LabReport labs;
  labs.decision = LabDecision::kIncomplete;
  labs.checks.push_back({"PLT", "PLT", 180, 50, "e9/L", CheckStatus::kPassed, true,
                         "PLT 180e9/L >= 50e9/L", "NCT07159048"});
  labs.checks.push_back({"Cr", "CrCl", std::nullopt, std::nullopt, "mL/min", CheckStatus::kMissing,
                         false, "Cr missing; CrCl missing", "NCT07159048"});
  labs.reasons = {"Cr missing; CrCl missing"};
  s1.labs = labs;
  s1.lab_date = "2025-03-01";
  s1.decision = SessionDecision::kIncomplete;
  s1.review_status = ReviewStatus::kApproved;
  s1.review_comment = "board 2025-03-02";
  PlanSession s2;
  s2.index = 2;
  s2.lesion_ids = {4, 5};
  s2.ablated_volume_ml = 30;
  s2.liver_fraction = 0.02;
  plan.sessions = {s1, s2};
  plan.unplaced = {{7, "no safe path: every candidate path crosses a vessel"}};
  plan.fits_profile = false;
  plan.cumulative_volume_ml = 75;
  plan.cumulative_liver_fraction = 0.05;
  plan.timeline = {{0, "2025-03-03", EventKind::kRfa, 1, 0, "RFA session 1 of 2"},
                   {30, "2025-04-02", EventKind::kImagingTechnicalSuccess, 1, 0, "imaging"},
                   {30, "2025-04-02", EventKind::kSystemicCycle, 1, 1, "cycle 1"},
                   {58, "2025-04-30", EventKind::kRfa, 2, 0, "RFA session 2 of 2"},
                   {150, "2025-07-31", EventKind::kImagingFollowup, 2, 0, "follow-up"}};
  plan.notes = {"research use only", "profile limits: none hit"};
  return plan;
}

}  // namespace rfa::planning::test
