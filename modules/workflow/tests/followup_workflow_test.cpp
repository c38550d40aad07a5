// Issue 8 acceptance on the phantom: a plan, a follow-up with a known deformation (up to 10 mm),
// known placement errors (one lesion with a deliberately short margin), a lesion that vanished,
// one that shrank and a new one. Registration error inside the liver, MAM per lesion against the
// analytic truth, technical success, matching, RECIST/mRECIST, and the next session's plan with
// the new lesion inside the remaining volume budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>

#include "rfa/core/error.h"
#include "rfa/followup/confirm.h"
#include "rfa/followup/timeline.h"
#include "rfa/followup/timepoint.h"
#include "rfa/phantom/phantom.h"
#include "rfa/phantom/synthetic_followup.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/profile.h"
#include "rfa/planning/session_edit.h"
#include "rfa/segmentation/components.h"
#include "rfa/segmentation/distance.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/replan.h"

namespace rfa::workflow {
namespace {

struct Scenario {
  phantom::Phantom planning;
  CaseState state;                            // planning image + truth segmentation + plan
  int good = 0, short_margin = 0, good2 = 0;  // session-1 lesions
  int vanish = 0, shrink = 0;                 // untreated lesions
  Vec3 new_lesion_lps{0, 0, 0};
  phantom::SyntheticFollowup followup;
  io::LoadedImage followup_image;
};

// The liver point farthest from lesions, vessels and the capsule (planning frame).
Vec3 isolatedLiverPoint(const phantom::Phantom& p) {
  Mask features(p.ct.geometry(), 0);
  auto f = features.data();
  const auto liver = p.liver.data();
  const auto les = p.lesions.data();
  const auto ves = p.vessel_radius.data();
  for (std::size_t q = 0; q < f.size(); ++q)
    f[q] = (liver[q] == 0 || les[q] != 0 || ves[q] > 0) ? 1 : 0;
  const Volume<float> d2 = segmentation::squaredDistanceMm2(features);
  const auto dv = d2.data();
  const std::size_t best =
      static_cast<std::size_t>(std::max_element(dv.begin(), dv.end()) - dv.begin());
  const Size3& n = p.ct.size();
  return p.ct.geometry().indexToLps(Vec3(static_cast<double>(best % n[0]),
                                         static_cast<double>((best / n[0]) % n[1]),
                                         static_cast<double>(best / (n[0] * n[1]))));
}

Vec3 liverCentroid(const phantom::Phantom& p) {
  Vec3 c(0, 0, 0);
  std::size_t count = 0;
  const Size3& n = p.ct.size();
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (p.liver(i, j, k) == 0) continue;
        c += p.ct.geometry().indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        ++count;
      }
    }
  }
  return c / static_cast<double>(count);
}

class FollowupAcceptance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_ = std::make_unique<Scenario>();
    Scenario& s = *s_;
    phantom::PhantomOptions o;
    o.size = {240, 192, 144};
    o.spacing_mm = Vec3(1.25, 1.25, 1.25);
    o.lesions = 5;
    o.seed = 3;
    o.min_lesion_diameter_mm = 14;
    o.max_lesion_diameter_mm = 24;
    s.planning = phantom::generatePhantom(o);
    // Plan on the truth segmentation (the follow-up's errors are what this suite measures).
    s.state.input = s.state.image_input = "phantom";
    s.state.image.image = s.planning.ct;
    s.state.segmentation.body = s.planning.body;
    s.state.segmentation.liver = s.planning.liver;
    s.state.segmentation.lesions = s.planning.lesions;
    s.state.segmentation.bone = s.planning.bone;
    s.state.segmentation.lung = s.planning.lung;
    s.state.segmentation.gallbladder = s.planning.gallbladder;
    s.state.segmentation.vessel_radius_mm = s.planning.vessel_radius;
    s.state.segmentation_record = "truth";
    PlanRequest r;
    r.base.uncertainty_samples = 0;
    planCase(s.state, r, "test");
    planning::TreatmentPlan& plan = *s.state.plan;
    // Three lesions in session 1, the other two in session 2 (moved by hand if needed).
    std::vector<int> placed;
    for (const planning::PlanLesion& l : plan.lesions) {
      if (!l.placements.empty()) placed.push_back(l.id);
    }
    ASSERT_GE(placed.size(), 5U) << "scenario: every lesion needs placements";
    // The two best-covered lesions (largest preview margin) are the ones ablated as planned; the
    // in-vivo zones leave the larger lesions short of the margin.
    const auto margin = [&](int id) {
      for (const planning::PlanLesion& l : plan.lesions) {
        if (l.id == id) return l.preview.minimal_margin_mm;
      }
      return -1e9;
    };
    std::stable_sort(placed.begin(), placed.end(),
                     [&](int a, int b) { return margin(a) > margin(b); });
    std::swap(placed[1], placed[2]);  // good, short margin, good2 = best, third, second
    const planning::ProtocolProfile profile = planning::resolveProfile(plan.settings.profile);
    for (std::size_t n = 0; n < placed.size(); ++n) {
      const int want = n < 3 ? 1 : 2;
      const auto it =
          std::find_if(plan.lesions.begin(), plan.lesions.end(),
                       [&](const planning::PlanLesion& l) { return l.id == placed[n]; });
      if (it->session != want) (void)planning::moveLesionToSession(plan, placed[n], want, profile);
    }
    s.good = placed[0];
    s.short_margin = placed[1];
    s.good2 = placed[2];
    s.vanish = placed[3];
    s.shrink = placed[4];

    phantom::SyntheticFollowupOptions fo;
    for (const planning::PlanLesion& l : plan.lesions) {
      if (l.session != 1) continue;
      for (const planning::PlanPlacement& p : l.placements) {
        phantom::FollowupZone z;
        z.centre_lps = p.zone.centre_lps;
        z.axes = p.zone.axes;
        z.semi_u_mm = p.zone.semi_u_mm + 2.0;
        z.semi_v_mm = p.zone.semi_v_mm + 2.0;
        z.semi_w_mm = p.zone.semi_w_mm + 2.0;
        z.lesion_label = l.id;
        if (l.id == s.short_margin) {
          // Placement error: 5 mm off along u, and no larger than predicted.
          z.centre_lps += 5.0 * p.zone.axes.col(0);
          z.semi_u_mm -= 2.0;
          z.semi_v_mm -= 2.0;
          z.semi_w_mm -= 2.0;
        }
        if (l.id == s.good2) z.centre_lps += 1.5 * p.zone.axes.col(1);  // a small error
        fo.zones.push_back(z);
      }
    }
    // Vessels in the zones occluded, so that two lesions keep a true margin >= 5 mm (technical
    // success); patent vessels (holes in the zones, as the truth carves them) have their own test.
    fo.patent_vessel_radius_mm = 1e9;
    fo.lesion_changes = {{s.vanish, 0.0}, {s.shrink, 0.6}};
    s.new_lesion_lps = isolatedLiverPoint(s.planning);
    fo.new_lesions = {{s.new_lesion_lps, 14.0, 45.0}};
    const Vec3 c = liverCentroid(s.planning);
    fo.deformation.rotation_centre_lps = c;
    fo.deformation.rotation_axis = Vec3(0.3, 0.2, 1.0);
    fo.deformation.rotation_deg = 2.0;
    fo.deformation.translation_mm = Vec3(3.0, -4.0, 4.0);
    fo.deformation.bumps = {{c + Vec3(-30, 10, 20), Vec3(3.0, 2.0, -3.0), 60.0},
                            {c + Vec3(40, -20, -30), Vec3(-2.0, 3.0, 2.0), 50.0}};
    s.followup = phantom::generateSyntheticFollowup(s.planning, fo);
    s.followup_image.image = s.followup.ct;
  }
  static void TearDownTestSuite() { s_.reset(); }

  static const phantom::MarginTruth& truth(int label) {
    for (const auto& m : s_->followup.margins) {
      if (m.lesion_label == label) return m;
    }
    throw std::runtime_error("no truth");
  }

  static const followup::ConfirmResult& confirmed() {
    static const followup::ConfirmResult r = [] {
      const Scenario& s = *s_;
      followup::ConfirmOptions o;
      o.session = 1;
      return followup::confirmSession(*s.state.plan, s.planning.ct, s.planning.liver,
                                      s.planning.lesions, s.followup_image, o);
    }();
    return r;
  }

  static std::unique_ptr<Scenario> s_;
};
std::unique_ptr<Scenario> FollowupAcceptance::s_;

TEST_F(FollowupAcceptance, ScenarioIsAsDesigned) {
  const Scenario& s = *s_;
  EXPECT_GE(s.followup.max_displacement_in_liver_mm, 6.0);
  EXPECT_LE(s.followup.max_displacement_in_liver_mm, 10.0);
  EXPECT_LT(truth(s.short_margin).minimal_margin_mm, 4.0) << "the short-margin lesion";
  EXPECT_GE(truth(s.good).minimal_margin_mm, 6.0);
  EXPECT_GE(truth(s.good2).minimal_margin_mm, 5.2);
  std::cout << "[ scenario ] max displacement " << s.followup.max_displacement_in_liver_mm
            << " mm; true MAM";
  for (const auto& m : s.followup.margins)
    std::cout << " L" << m.lesion_label << " " << m.minimal_margin_mm;
  std::cout << "\n";
}

TEST_F(FollowupAcceptance, RegistrationErrorInsideTheLiverBelow1_5mm) {
  const Scenario& s = *s_;
  const followup::Registration& reg = confirmed().registration;
  // Every 7th voxel of the liver eroded by 2 mm (points on the capsule border itself excluded).
  const Mask inner = segmentation::erode(s.planning.liver, 2.0);
  std::vector<double> err;
  const Size3& n = inner.size();
  std::size_t q = 0;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i, ++q) {
        if (inner(i, j, k) == 0 || q % 7 != 0) continue;
        const Vec3 x = inner.geometry().indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        err.push_back((reg.fixedToMoving(x) - s.followup.planningToFollowup(x)).norm());
      }
    }
  }
  ASSERT_GT(err.size(), 1000U);
  std::sort(err.begin(), err.end());
  double mean = 0;
  for (const double e : err) mean += e;
  mean /= static_cast<double>(err.size());
  const double p95 = err[err.size() * 95 / 100];
  std::cout << "[ TRE ] mean " << mean << " p95 " << p95 << " max " << err.back() << " mm over "
            << err.size() << " liver points (max displacement "
            << s.followup.max_displacement_in_liver_mm << " mm); registration "
            << reg.quality.seconds << " s\n";
  RecordProperty("tre_mean_mm", std::to_string(mean));
  RecordProperty("tre_p95_mm", std::to_string(p95));
  // Acceptance: target registration error < 1.5 mm inside the liver (mean; measured 0.85-0.93
  // mm). The 95th percentile (1.49-1.63 mm measured) is held to 2 mm.
  EXPECT_LT(mean, 1.5);
  EXPECT_LT(p95, 2.0);
  EXPECT_FALSE(reg.quality.poor);
}

TEST_F(FollowupAcceptance, MarginWithin1mmOfTruthAndVerdicts) {
  const Scenario& s = *s_;
  const followup::ConfirmResult& r = confirmed();
  ASSERT_EQ(r.lesions.size(), 3U);
  for (const followup::LesionConfirmation& l : r.lesions) {
    const phantom::MarginTruth& t = truth(l.lesion_id);
    std::cout << "[ MAM ] lesion " << l.lesion_id << ": measured " << l.margin.minimal_margin_mm
              << " (uncorrected " << l.margin.minimal_margin_uncorrected_mm << "), truth "
              << t.minimal_margin_mm << " (uncorrected " << t.minimal_margin_uncorrected_mm
              << ") mm; zone " << l.zone.volume_ml << " mL, Dice with planned "
              << l.zone.dice_with_expected << " -> " << l.margin.verdict << "\n";
    // Acceptance: within 1 mm of the truth (measured 0.04-0.86 mm off over registration seeds
    // 1-4, docs/validation.md).
    EXPECT_NEAR(l.margin.minimal_margin_mm, t.minimal_margin_mm, 1.0) << "lesion " << l.lesion_id;
    const bool truly_ok = t.minimal_margin_mm >= r.threshold_mm && t.residual_volume_ml == 0.0;
    EXPECT_EQ(l.margin.technical_success, truly_ok) << "lesion " << l.lesion_id;
  }
  const auto it = std::find_if(r.lesions.begin(), r.lesions.end(),
                               [&](const auto& l) { return l.lesion_id == s.short_margin; });
  ASSERT_NE(it, r.lesions.end());
  EXPECT_FALSE(it->margin.technical_success);
}

TEST_F(FollowupAcceptance, MarginWithin1mmOfTruthWithPatentVesselsInTheZones) {
  const Scenario& s = *s_;
  phantom::SyntheticFollowupOptions fo = s.followup.options;
  fo.patent_vessel_radius_mm = 1.5;  // the default: vessels >= 3 mm wide stay patent (heat sink)
  const phantom::SyntheticFollowup patent = phantom::generateSyntheticFollowup(s.planning, fo);
  io::LoadedImage image;
  image.image = patent.ct;
  followup::ConfirmOptions o;
  o.session = 1;
  const followup::ConfirmResult r = followup::confirmSession(
      *s.state.plan, s.planning.ct, s.planning.liver, s.planning.lesions, image, o);
  ASSERT_EQ(r.lesions.size(), 3U);
  int carved = 0;
  for (const followup::LesionConfirmation& l : r.lesions) {
    const auto t = std::find_if(patent.margins.begin(), patent.margins.end(),
                                [&](const auto& m) { return m.lesion_label == l.lesion_id; });
    ASSERT_NE(t, patent.margins.end());
    std::cout << "[ MAM patent ] lesion " << l.lesion_id << ": measured "
              << l.margin.minimal_margin_mm << ", truth " << t->minimal_margin_mm
              << " (occluded: " << truth(l.lesion_id).minimal_margin_mm << ") mm\n";
    if (t->minimal_margin_mm < truth(l.lesion_id).minimal_margin_mm - 1.0) ++carved;
    EXPECT_NEAR(l.margin.minimal_margin_mm, t->minimal_margin_mm, 1.0) << "lesion " << l.lesion_id;
    EXPECT_EQ(l.margin.technical_success,
              t->minimal_margin_mm >= r.threshold_mm && t->residual_volume_ml == 0.0);
  }
  EXPECT_GE(carved, 1) << "scenario: a patent vessel should limit at least one margin";
}

TEST_F(FollowupAcceptance, VanishedShrunkAndNewLesionsMatchedAndCategorised) {
  const Scenario& s = *s_;
  followup::TimepointOptions o;
  o.sessions_done = 1;
  const followup::TimepointResult tp = followup::assessTimepoint(
      *s.state.plan, s.planning.ct, s.planning.liver, s.planning.lesions, s.followup_image, o);
  std::map<int, std::string> status;
  int new_count = 0;
  for (const followup::LesionMatch& m : tp.response.lesions) {
    std::cout << "[ match ] baseline " << m.baseline_id << " follow-up " << m.followup_id << ": "
              << m.status << " - " << m.reason << "\n";
    if (m.baseline_id != 0) status[m.baseline_id] = m.status;
    if (m.status == "new") ++new_count;
  }
  EXPECT_EQ(status[s.vanish], "vanished");
  EXPECT_EQ(status[s.shrink], "shrunk");
  EXPECT_EQ(status[s.good], "ablated");
  EXPECT_EQ(status[s.good2], "ablated");
  EXPECT_EQ(new_count, 1);
  EXPECT_EQ(tp.response.new_lesions, 1);
  EXPECT_EQ(tp.response.recist.category, "PD");  // a new lesion
  EXPECT_EQ(tp.response.mrecist.category, "PD");
  // The new lesion was found where it was put (mapped into the planning frame).
  bool found = false;
  for (const followup::MeasuredLesion& l : tp.followup) {
    if ((l.centroid_lps - s.new_lesion_lps).norm() < 4.0) {
      found = true;
      EXPECT_NEAR(l.diameter_mm, 14.0, 2.5);
    }
  }
  EXPECT_TRUE(found);

  // The next session: the shrunk lesion (same id) and the new one (a new id), within the budget.
  const planning::TreatmentPlan& plan = *s.state.plan;
  const followup::NextSession next = followup::nextSession(plan, tp, 3);
  EXPECT_EQ(next.sessions_done, 1);
  EXPECT_EQ(next.sessions_left, 2);
  EXPECT_GT(next.ablated_volume_ml, 0.0);
  EXPECT_NEAR(next.remaining_volume_ml, next.budget_volume_ml - next.ablated_volume_ml, 1e-9);
  std::vector<int> ids;
  int max_plan_id = 0;
  for (const planning::PlanLesion& l : plan.lesions) max_plan_id = std::max(max_plan_id, l.id);
  for (const followup::NextTarget& t : next.targets) ids.push_back(t.id);
  EXPECT_NE(std::find(ids.begin(), ids.end(), s.shrink), ids.end());
  EXPECT_EQ(std::find(ids.begin(), ids.end(), s.vanish), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), max_plan_id + 1), ids.end());

  PlanRequest r;
  r.base.uncertainty_samples = 0;
  const CaseState next_case =
      replanNextSession(plan, "plan.json", tp, next, s.followup_image, "followup", r, "test");
  ASSERT_TRUE(next_case.plan);
  const planning::TreatmentPlan& np = *next_case.plan;
  EXPECT_EQ(np.settings.prior_sessions, 1);
  EXPECT_NEAR(np.settings.prior_ablated_volume_ml, next.ablated_volume_ml, 1e-6);
  bool has_new = false;
  for (const planning::PlanLesion& l : np.lesions) {
    if (l.id == max_plan_id + 1) has_new = l.session >= 2;
  }
  EXPECT_TRUE(has_new) << "the new lesion is planned in session 2 or later";
  ASSERT_FALSE(np.sessions.empty());
  EXPECT_EQ(np.sessions.front().index, 2);
  EXPECT_LE(np.cumulative_volume_ml,
            np.settings.max_ablated_liver_fraction * np.liver_volume_ml + 1e-6);
  EXPECT_GE(np.cumulative_volume_ml, next.ablated_volume_ml);
  const auto problems = planning::validatePlan(np, planning::resolveProfile(np.settings.profile));
  for (const auto& p : problems) EXPECT_FALSE(p.error) << p.where << ": " << p.text;
}

TEST_F(FollowupAcceptance, AnotherPatientIsRefusedUnlessForced) {
  const Scenario& s = *s_;
  planning::TreatmentPlan plan = *s.state.plan;
  plan.source.patient_id = "PATIENT-A";
  io::LoadedImage other;
  other.image = s.followup.ct;
  io::DicomSeries series;
  series.study.patient_id = "PATIENT-B";
  other.series = series;
  followup::ConfirmOptions o;
  try {
    (void)followup::confirmSession(plan, s.planning.ct, s.planning.liver, s.planning.lesions, other,
                                   o);
    FAIL() << "another patient's follow-up was accepted";
  } catch (const SelectionError& e) {
    EXPECT_NE(std::string(e.what()).find("PATIENT-B"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  const followup::IdentityCheck c = followup::checkIdentity(plan.source, other);
  EXPECT_NO_THROW(followup::requireSamePatient(c, true));
}

}  // namespace
}  // namespace rfa::workflow
