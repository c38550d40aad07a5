// The open case on a small phantom: open like a CT, click-to-segment lesions, plan, cancel,
// save and open again; the errors of each step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "needle_plane_check.h"
#include "rfa/core/error.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/planning/plan_io.h"
#include "rfa/workflow/acoustic_windows.h"
#include "rfa/workflow/case_scene.h"
#include "rfa/workflow/case_state.h"
#include "test_support.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

// One phantom folder and its opened, segmented case for the whole suite (segmentation is the
// slow part).
class Workflow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<test::TempDir>();
    phantom::PhantomOptions o;
    o.size = {160, 140, 90};
    o.spacing_mm = Vec3(2, 2, 2.5);
    o.lesions = 3;
    o.min_lesion_diameter_mm = 12;
    o.max_lesion_diameter_mm = 25;
    phantom_ = std::make_unique<phantom::Phantom>(phantom::generatePhantom(o));
    phantom::writePhantomFolder(*phantom_, phantomDir());
    opened_ = std::make_unique<CaseState>(openCase(phantomDir()));
    segmented_ = std::make_unique<CaseState>(*opened_);
    ensureAnatomy(*segmented_, false);
  }
  static void TearDownTestSuite() {
    segmented_.reset();
    opened_.reset();
    phantom_.reset();
    dir_.reset();
  }
  static fs::path phantomDir() { return dir_->path() / "phantom"; }

  static double dice(const LabelMap& a, int la, const LabelMap& b, int lb) {
    std::size_t na = 0;
    std::size_t nb = 0;
    std::size_t both = 0;
    for (std::size_t i = 0; i < a.voxelCount(); ++i) {
      const bool x = a.data()[i] == la;
      const bool y = b.data()[i] == lb;
      na += x ? 1 : 0;
      nb += y ? 1 : 0;
      both += x && y ? 1 : 0;
    }
    return na + nb == 0 ? 0.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
  }

  // The segmented case with every truth lesion clicked.
  static CaseState withAllLesions() {
    CaseState s = *segmented_;
    for (const phantom::LesionTruth& t : phantom_->lesion_truth) {
      (void)addLesionFromSeed(s, t.center_lps);
    }
    return s;
  }

  static PlanRequest quickRequest() {
    PlanRequest r;
    r.base.uncertainty_samples = 10;
    return r;
  }

  static std::unique_ptr<test::TempDir> dir_;
  static std::unique_ptr<phantom::Phantom> phantom_;
  static std::unique_ptr<CaseState> opened_;
  static std::unique_ptr<CaseState> segmented_;
};

std::unique_ptr<test::TempDir> Workflow::dir_;
std::unique_ptr<phantom::Phantom> Workflow::phantom_;
std::unique_ptr<CaseState> Workflow::opened_;
std::unique_ptr<CaseState> Workflow::segmented_;

TEST_F(Workflow, PhantomOpensLikeACt) {
  const CaseState& s = *opened_;
  EXPECT_EQ(s.input, phantomDir().string());
  EXPECT_EQ(s.image_input, s.input);
  EXPECT_TRUE(s.image.series.has_value());
  EXPECT_FALSE(s.segmentation.liver || s.segmentation.lesions || s.segmentation.body);
  EXPECT_FALSE(s.plan);
  EXPECT_TRUE(s.plan_file.empty());
  const planning::PlanSource src = planSourceOf(s.image, s.input);
  EXPECT_EQ(src.size, s.image.image.geometry().size());
  EXPECT_EQ(src.modality, "CT");
  EXPECT_EQ(src.voxel_sha256.size(), 64U);
  // ensureAnatomy without automatic lesions: anatomy, no lesion.
  const CaseState& g = *segmented_;
  ASSERT_TRUE(g.segmentation.body && g.segmentation.liver && g.segmentation.lesions);
  EXPECT_EQ(g.segmentation_record, "automatic");
  EXPECT_NO_THROW((void)anatomyOf(g.segmentation));
}

TEST_F(Workflow, ClickToSegmentAndRemove) {
  CaseState s = *segmented_;
  const phantom::LesionTruth& t0 = phantom_->lesion_truth.at(0);
  const int a = addLesionFromSeed(s, t0.center_lps);
  EXPECT_EQ(a, 1);
  EXPECT_GT(dice(*s.segmentation.lesions, a, phantom_->lesions, t0.label), 0.8);
  EXPECT_EQ(s.segmentation_record, "edited");
  EXPECT_FALSE(s.plan_stale);  // no plan yet
  const phantom::LesionTruth& t1 = phantom_->lesion_truth.at(1);
  const int b = addLesionFromSeed(s, t1.center_lps);
  EXPECT_EQ(b, 2);
  EXPECT_GT(dice(*s.segmentation.lesions, b, phantom_->lesions, t1.label), 0.8);
  // A second click on a segmented lesion adds nothing.
  EXPECT_THROW((void)addLesionFromSeed(s, t0.center_lps), UsageError);
  // A click outside the image.
  EXPECT_THROW((void)addLesionFromSeed(s, Vec3(1e4, 1e4, 1e4)), GeometryError);

  removeLesion(s, a);
  EXPECT_EQ(dice(*s.segmentation.lesions, a, phantom_->lesions, t0.label), 0.0);
  EXPECT_GT(dice(*s.segmentation.lesions, b, phantom_->lesions, t1.label), 0.8);
  EXPECT_THROW(removeLesion(s, a), NotFoundError);
  EXPECT_THROW(removeLesion(s, 77), NotFoundError);
  // Labels are not reused while a larger one exists: the next click gets 3.
  EXPECT_EQ(addLesionFromSeed(s, t0.center_lps), 3);
}

TEST_F(Workflow, AutomaticCandidatesAreTriagedAndOnlyConfidentOnesScheduled) {
  CaseState s = *segmented_;  // anatomy, no lesion: planning detects the candidates
  EXPECT_EQ(s.modality, segmentation::Modality::kCT);
  planCase(s, quickRequest(), "9.9.9");
  ASSERT_TRUE(s.plan);
  ASSERT_FALSE(s.plan->lesions.empty());
  EXPECT_EQ(s.candidate_triage.size(), s.plan->lesions.size());
  int confident = 0;
  for (const planning::PlanLesion& l : s.plan->lesions) {
    ASSERT_TRUE(s.candidate_triage.count(l.id)) << l.id;
    const segmentation::CandidateTriage& t = s.candidate_triage.at(l.id);
    EXPECT_EQ(l.detection,
              t.confident ? planning::Detection::kAutomatic : planning::Detection::kToReview)
        << l.id;
    EXPECT_EQ(l.detection_reason, t.reason);
    if (!t.confident) {
      EXPECT_EQ(l.session, 0) << l.id;
    } else {
      ++confident;
    }
  }
  EXPECT_GT(confident, 0);  // lesions of 12-25 mm: the larger ones are confident
  // Rejecting a candidate drops its triage; the lesion clicked instead is the user's (no triage).
  const int first = s.plan->lesions.front().id;
  removeLesion(s, first);
  EXPECT_EQ(s.candidate_triage.count(first), 0U);
  const int label = addLesionFromSeed(s, s.plan->lesions.front().centroid_lps);
  EXPECT_EQ(s.candidate_triage.count(label), 0U);
}

TEST_F(Workflow, PlanCancelSaveAndOpenAgain) {
  CaseState s = withAllLesions();
  std::vector<std::string> stages;
  planCase(s, quickRequest(), "9.9.9",
           [&](const std::string& stage, double) { stages.push_back(stage); });
  ASSERT_TRUE(s.plan);
  const planning::TreatmentPlan& plan = *s.plan;
  EXPECT_FALSE(s.plan_stale);
  EXPECT_EQ(plan.software, "rfaplan 9.9.9");
  EXPECT_EQ(plan.source.input, phantomDir().string());
  EXPECT_EQ(plan.source.segmentation, "edited");
  EXPECT_FALSE(stages.empty());
  ASSERT_EQ(plan.lesions.size(), 3U);
  EXPECT_FALSE(plan.sessions.empty());
  for (const planning::PlanLesion& l : plan.lesions) {
    bool unplaced = false;
    for (const planning::PlanUnplaced& u : plan.unplaced) unplaced = unplaced || u.id == l.id;
    EXPECT_TRUE(l.session > 0 || unplaced) << "lesion " << l.id;
  }

  // Cancel during the lesion stage: the state keeps its plan and segmentation.
  const std::string before = planning::serializePlan(*s.plan);
  PlanRequest other = quickRequest();
  other.cycles_between_sessions = 2;
  EXPECT_THROW(planCase(s, other, "9.9.9",
                        [](const std::string& stage, double) {
                          if (stage == "lesions") throw Cancelled();
                        }),
               Cancelled);
  EXPECT_EQ(planning::serializePlan(*s.plan), before);
  EXPECT_FALSE(s.plan_stale);

  // Save, open again: the same plan and lesions.
  const fs::path file = dir_->path() / "case" / "plan.json";
  fs::create_directories(file.parent_path());
  EXPECT_THROW((void)savePlan(s), UsageError);  // never saved, no file given
  const planning::PlanWriteResult w = savePlan(s, file);
  EXPECT_EQ(w.revision, 1);
  EXPECT_EQ(s.plan_file, file);
  EXPECT_EQ(s.plan->source.segmentation, "automatic (written to plan-segmentation/)");
  EXPECT_TRUE(fs::exists(file.parent_path() / "plan-segmentation" / "lesions.nrrd"));
  const CaseState back = openCase(file);
  ASSERT_TRUE(back.plan);
  EXPECT_EQ(planning::serializePlan(*back.plan), planning::serializePlan(*s.plan));
  EXPECT_EQ(back.plan_file, file);
  EXPECT_EQ(back.image_input, s.image_input);
  EXPECT_EQ(back.profile_name, "batch-rfa");
  ASSERT_TRUE(back.segmentation.lesions);
  EXPECT_TRUE(std::equal(back.segmentation.lesions->data().begin(),
                         back.segmentation.lesions->data().end(),
                         s.segmentation.lesions->data().begin()));
  // Saving it again unchanged writes nothing.
  CaseState again = back;
  EXPECT_TRUE(savePlan(again).unchanged);

  // An edit makes the plan stale.
  removeLesion(s, 1);
  EXPECT_TRUE(s.plan_stale);
}

TEST_F(Workflow, Errors) {
  EXPECT_THROW((void)openCase(dir_->path() / "missing"), NotFoundError);
  EXPECT_THROW((void)openCase(dir_->path() / "missing.json"), NotFoundError);
  const fs::path not_plan = dir_->path() / "other.json";
  std::ofstream(not_plan) << "{\"format\": \"something else\"}\n";
  EXPECT_THROW((void)openCase(not_plan), CorruptDataError);
  CaseState s = *opened_;
  EXPECT_THROW((void)savePlan(s, dir_->path() / "x.json"), NoDataError);
  EXPECT_THROW((void)anatomyOf(s.segmentation), NoDataError);
  // A plan is never written over a file that is not a plan.
  s.plan = planning::TreatmentPlan{};
  EXPECT_THROW((void)savePlan(s, not_plan), CorruptDataError);
  CaseState cycles = *segmented_;
  PlanRequest r = quickRequest();
  r.cycles_between_sessions = 9;
  EXPECT_THROW(planCase(cycles, r, "0"), UsageError);
  EXPECT_THROW((void)checkPlanRequest(r, "batch-rfa"), UsageError);
  r.cycles_between_sessions = 1;
  EXPECT_EQ(checkPlanRequest(r, "batch-rfa").name, "batch-rfa");
  r.base.electrodes = {"no-such-electrode"};
  EXPECT_THROW((void)checkPlanRequest(r, "batch-rfa"), NotFoundError);
}

// A segmentation folder given to the case (`rfaplan plan --segmentation`): required structures,
// same grid, recorded as given.
TEST_F(Workflow, SegmentationFolder) {
  const fs::path dir = dir_->path() / "seg-folder";
  io::writeSegmentationFolder(dir, segmented_->segmentation);
  CaseState s = *opened_;
  useSegmentationFolder(s, dir);
  EXPECT_EQ(s.segmentation_record, dir.string());
  ASSERT_TRUE(s.segmentation.liver);
  EXPECT_TRUE(std::equal(s.segmentation.liver->data().begin(), s.segmentation.liver->data().end(),
                         segmented_->segmentation.liver->data().begin()));

  fs::remove(dir / "lesions.nrrd");
  CaseState t = *opened_;
  try {
    useSegmentationFolder(t, dir);
    FAIL() << "no NoDataError";
  } catch (const NoDataError& e) {
    EXPECT_NE(std::string(e.what()).find("lesions.nrrd"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(t.segmentation.liver);  // unchanged

  const fs::path other = dir_->path() / "seg-other-grid";
  io::SegmentationFolder small;
  const ImageGeometry g({8, 8, 8}, Vec3(2, 2, 2), Vec3(0, 0, 0));
  small.body = Mask(g, 1);
  small.liver = Mask(g, 1);
  small.lesions = LabelMap(g, 0);
  io::writeSegmentationFolder(other, small);
  EXPECT_THROW(useSegmentationFolder(t, other), GeometryError);
}

// The acoustic window of each planned needle on the phantom (CT, bone and lung of the automatic
// segmentation): every lesion with a placement gets a probe pose on the skin, its fractions are
// fractions and its flags follow them; no plan, no windows.
TEST_F(Workflow, AcousticWindowsOfThePlannedNeedles) {
  CaseState s = withAllLesions();
  const ultrasound::ProbeModel probe = ultrasound::loadProbe("curvilinear-abdominal");
  EXPECT_THROW((void)acousticWindows(s, probe), NoDataError);
  planCase(s, quickRequest(), "9.9.9");
  const std::vector<LesionWindow> windows = acousticWindows(s, probe);
  std::size_t with_placements = 0;
  for (const planning::PlanLesion& l : s.plan->lesions)
    with_placements += l.placements.empty() ? 0 : 1;
  ASSERT_EQ(windows.size(), with_placements);
  ASSERT_GT(windows.size(), 0U);
  for (const LesionWindow& w : windows) {
    ASSERT_TRUE(w.window.has_value()) << "lesion " << w.lesion_id;
    const ultrasound::WindowView& v = w.window->view;
    std::printf(
        "lesion %d: %s window, rotation %.0f deg, offset %.0f mm: lesion %.2f visible (%zu "
        "points), needle %.2f, depth %.0f mm\n",
        w.lesion_id, w.window->access.c_str(), w.window->rotation_deg, w.window->offset_mm,
        v.lesion_visible, v.lesion_points, v.needle_visible, v.lesion_depth_mm);
    EXPECT_GE(v.lesion_visible, 0.0);
    EXPECT_LE(v.lesion_visible, 1.0);
    EXPECT_GT(v.lesion_points, 0U);
    const bool none =
        std::find(w.flags.begin(), w.flags.end(), "no acoustic window") != w.flags.end();
    EXPECT_EQ(none, v.lesion_visible < 0.5) << w.lesion_id;
  }
  expectNeedlesInTheirProbePlanes(*s.plan);
}

// The phantom's lesion behind a rib (its truth: the rib lies on the line from the lesion to the
// nearest skin): a probe straight over the rib, aimed at the lesion, sees it in the rib's shadow;
// the plan made with the ultrasound preference records a window that sees it, intercostal or
// subcostal, with its needle in a visible probe plane.
TEST_F(Workflow, LesionBehindARibIsSeenAroundTheRib) {
  const auto truth = std::find_if(phantom_->lesion_truth.begin(), phantom_->lesion_truth.end(),
                                  [](const phantom::LesionTruth& t) {
                                    return t.location.find("behind rib") != std::string::npos;
                                  });
  ASSERT_NE(truth, phantom_->lesion_truth.end()) << "the phantom has a lesion behind a rib";
  CaseState s = withAllLesions();
  PlanRequest r = quickRequest();
  r.ultrasound_probe = "curvilinear-abdominal";
  planCase(s, r, "9.9.9");
  const planning::PlanLesion* lesion = nullptr;
  for (const planning::PlanLesion& l : s.plan->lesions) {
    if ((l.centroid_lps - truth->center_lps).norm() < 5) lesion = &l;
  }
  ASSERT_NE(lesion, nullptr) << "the lesion behind the rib was not planned";
  ASSERT_FALSE(lesion->placements.empty()) << lesion->reason;

  // The nearest skin point (a body voxel with a 6-neighbour outside the body).
  const Mask& body = phantom_->body;
  const ImageGeometry& g = body.geometry();
  const auto& n = g.size();
  Vec3 skin = truth->center_lps;
  double best = 1e9;
  for (std::size_t k = 1; k + 1 < n[2]; ++k) {
    for (std::size_t j = 1; j + 1 < n[1]; ++j) {
      for (std::size_t i = 1; i + 1 < n[0]; ++i) {
        if (body(i, j, k) == 0) continue;
        if (body(i - 1, j, k) != 0 && body(i + 1, j, k) != 0 && body(i, j - 1, k) != 0 &&
            body(i, j + 1, k) != 0 && body(i, j, k - 1) != 0 && body(i, j, k + 1) != 0) {
          continue;
        }
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const double d = (p - truth->center_lps).norm();
        if (d < best) {
          best = d;
          skin = p;
        }
      }
    }
  }
  const ultrasound::ProbeModel probe = ultrasound::loadProbe("curvilinear-abdominal");
  const ultrasound::AcousticMedium medium = acousticMedium(s.image.image, s.segmentation);
  const std::vector<Vec3> points = ultrasound::lesionPoints(*s.segmentation.lesions, lesion->id);
  // Straight over the rib: the beam axis from the skin through the rib to the lesion's centre, the
  // plane turned about it; the lesion stays in the rib's shadow whichever way the plane is turned.
  ultrasound::ProbePose over;
  over.axial = (truth->center_lps - skin).normalized();
  over.contact_lps = skin - 2.0 * over.axial;  // the face on the skin surface, not inside it
  double worst = 0;
  for (const Vec3& side : {Vec3(0, 0, 1), Vec3(1, 0, 0)}) {
    over.lateral = (side - side.dot(over.axial) * over.axial).normalized();
    const ultrasound::Fan fan(medium, probe, over);
    const ultrasound::WindowView v = ultrasound::viewOf(fan, points);
    std::printf(
        "behind-rib lesion %d, probe over the rib (%.0f mm from the skin): %.2f visible "
        "(%zu in-plane points), main blocker %s\n",
        lesion->id, best, v.lesion_visible, v.lesion_points,
        v.main_blocker == ultrasound::Blocker::kBone ? "bone" : "other");
    ASSERT_GT(v.lesion_points, 0U);
    worst = std::max(worst, v.lesion_visible);
  }
  EXPECT_LT(worst, 0.5) << "the lesion is not in the rib's shadow from straight over the rib";
  // The plan's window goes around it.
  ASSERT_TRUE(lesion->ultrasound.has_value());
  const planning::PlanUltrasound& u = *lesion->ultrasound;
  std::printf(
      "plan's window: %s, rotation %.0f deg, lesion %.2f, needle %.2f visible; %d/%d paths "
      "visible\n",
      u.access.c_str(), u.rotation_deg, u.lesion_visible, u.needle_visible, u.paths_visible,
      u.paths_assessed);
  EXPECT_TRUE(u.access == "intercostal" || u.access == "subcostal") << u.access;
  EXPECT_GE(u.lesion_visible, 0.5);
  EXPECT_GE(u.needle_visible, 0.5);
  EXPECT_GT(u.paths_visible, 0);
  expectNeedlesInTheirProbePlanes(*s.plan);
}

// What the workstation shows: the anatomy, and with a plan its margins, zones by session and
// needles, in the exports' colours.
TEST_F(Workflow, SceneOfAPlannedCase) {
  CaseState s = withAllLesions();
  CaseScene before = caseScene(s);
  std::vector<std::string> names;
  for (const SceneRegion& r : before.regions) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"liver", "vessels", "lesions"}));
  EXPECT_TRUE(before.needles.empty());
  EXPECT_EQ(before.regions[2].colour, lesionColour());
  planCase(s, quickRequest(), "9.9.9");
  const CaseScene after = caseScene(s);
  names.clear();
  for (const SceneRegion& r : after.regions) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"liver", "vessels", "lesions", "margins", "zones"}));
  std::size_t placements = 0;
  for (const planning::PlanLesion& l : s.plan->lesions) placements += l.placements.size();
  EXPECT_EQ(after.needles.size(), placements);
  const SceneRegion& zones = after.regions.back();
  ASSERT_TRUE(zones.labels);
  EXPECT_FALSE(zones.mask);
  EXPECT_EQ(zones.label_colours.size(), 4U);
  // Every zone voxel carries a session 1-4.
  std::uint16_t highest = 0;
  for (const std::uint16_t v : zones.labels->data()) highest = std::max(highest, v);
  EXPECT_GE(highest, 1);
  EXPECT_LE(highest, 4);
}

}  // namespace
}  // namespace rfa::workflow
