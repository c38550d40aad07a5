// The follow-up jobs (followup_jobs.h).
#include "rfa/workflow/followup_jobs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <system_error>
#include <utility>

#include "rfa/core/error.h"
#include "rfa/io/volume_file.h"
#include "rfa/planning/profile.h"
#include "rfa/report/margin_image.h"
#include "rfa/segmentation/liver.h"

namespace rfa::workflow {
namespace fs = std::filesystem;

namespace {

std::string oneDecimal(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f", v);
  return s;
}

// The identity of a planning image as a plan's source records it (PatientID, frame of
// reference, grid), for followup::checkIdentity().
planning::PlanSource identityOf(const io::LoadedImage& image) {
  planning::PlanSource src;
  if (image.series) {
    src.patient_id = image.series->study.patient_id;
    src.frame_of_reference_uid = image.series->frame_of_reference_uid;
    src.frame_of_reference_generated = image.series->frame_of_reference_generated;
  }
  const ImageGeometry& g = image.image.geometry();
  src.size = g.size();
  src.spacing_mm = g.spacing();
  src.origin_lps_mm = g.origin();
  src.direction = g.direction();
  return src;
}

}  // namespace

void requireOutputFolder(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    throw WriteError(out.string() + " exists and is not a folder: not overwritten");
  }
}

FollowupRegistration registerFollowup(io::LoadedImage fixed, io::LoadedImage moving,
                                      bool rigid_only, bool force) {
  FollowupRegistration r;
  r.identity = followup::checkIdentity(identityOf(fixed), moving);
  followup::requireSamePatient(r.identity, force);
  const Mask fixed_liver = segmentation::segmentLiver(fixed.image).mask;
  const Mask moving_liver = segmentation::segmentLiver(moving.image).mask;
  followup::RegistrationOptions ro;
  ro.deformable = !rigid_only;
  r.registration = followup::registerImages(fixed.image, moving.image, fixed_liver, ro,
                                            &fixed_liver, &moving_liver);
  r.fixed = std::move(fixed);
  r.moving = std::move(moving);
  return r;
}

void writeFollowupRegistration(const FollowupRegistration& r, const fs::path& outdir) {
  fs::create_directories(outdir);
  followup::writeRegistration(r.registration, outdir / "registration");
  io::writeVolumeFile(outdir / "moving_registered.nrrd",
                      followup::resampleToFixed(r.moving.image, r.registration,
                                                r.fixed.image.geometry(), -1024.0F));
}

SessionConfirmation confirmPlannedSession(const fs::path& plan_file,
                                          const planning::PlanCaseOptions& where,
                                          const io::LoadedImage& followup,
                                          const followup::ConfirmOptions& options) {
  SessionConfirmation c;
  c.planned = planning::loadPlanCase(plan_file, where);
  c.result =
      followup::confirmSession(c.planned.plan, c.planned.image.image, *c.planned.segmentation.liver,
                               *c.planned.segmentation.lesions, followup, options);
  return c;
}

void writeSessionConfirmation(const SessionConfirmation& c, const fs::path& outdir) {
  const followup::ConfirmResult& r = c.result;
  followup::writeConfirmation(r, c.planned.plan, outdir);
  const LabelMap& lesions = *c.planned.segmentation.lesions;
  Mask zone(r.zones.geometry(), 0);
  auto zv = zone.data();
  const auto lv = r.zones.data();
  for (std::size_t q = 0; q < zv.size(); ++q) zv[q] = lv[q] != 0 ? 1 : 0;
  for (const followup::LesionConfirmation& l : r.lesions) {
    if (!std::isfinite(l.margin.minimal_margin_mm)) continue;  // not assessable: no surface
    Mask lesion(lesions.geometry(), 0);
    auto m = lesion.data();
    const auto src = lesions.data();
    for (std::size_t q = 0; q < m.size(); ++q) m[q] = src[q] == l.lesion_id ? 1 : 0;
    report::MarginImageOptions o;
    o.threshold_mm = r.threshold_mm;
    o.caption = "L" + std::to_string(l.lesion_id) + "  MAM " +
                oneDecimal(l.margin.minimal_margin_mm) + " mm  (" + l.margin.verdict + ")";
    const report::MarginImage img = report::renderMarginImage(
        r.followup_on_planning, zone, lesion, r.margin_map, l.margin.minimal_margin_point_lps, o);
    report::writePng(img.pixels, outdir / ("margin_L" + std::to_string(l.lesion_id) + ".png"));
  }
}

FollowupTimeline assessTimeline(const planning::PlanCase& planned,
                                const std::vector<TimepointInput>& inputs, bool force,
                                const followup::RegistrationProgress& progress) {
  if (inputs.empty()) throw UsageError("no follow-up time point to assess");
  FollowupTimeline t;
  std::optional<double> nadir_recist;
  std::optional<double> nadir_mrecist;
  for (const TimepointInput& in : inputs) {
    const io::LoadedImage fu = io::loadImage(in.path, in.series);
    followup::TimepointOptions o;
    o.sessions_done = in.sessions_done;
    o.force = force;
    o.confirm.progress = progress;
    followup::TimepointResult tp = followup::assessTimepoint(
        planned.plan, planned.image.image, *planned.segmentation.liver,
        *planned.segmentation.lesions, fu, o, nadir_recist, nadir_mrecist);
    tp.input = in.path.string();
    const auto& r = tp.response;
    if (!r.target_ids.empty()) {
      nadir_recist = std::min(nadir_recist.value_or(r.recist.baseline_sum_mm), r.recist.sum_mm);
      nadir_mrecist = std::min(nadir_mrecist.value_or(r.mrecist.baseline_sum_mm), r.mrecist.sum_mm);
    }
    t.timepoints.push_back(std::move(tp));
  }
  int max_sessions = 3;
  try {
    max_sessions = planning::resolveProfile(planned.plan.settings.profile).sessions.max_sessions;
  } catch (const Error& e) {
    t.profile_note = "the plan's profile '" + planned.plan.settings.profile +
                     "' is not available here (" + e.what() + "): 3 sessions assumed";
  }
  t.next = followup::nextSession(planned.plan, t.timepoints.back(), max_sessions);
  return t;
}

}  // namespace rfa::workflow
