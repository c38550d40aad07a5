// The review jobs of CaseController (case_controller.h): the tumour board's pictures
// (workflow::boardImages()); review a follow-up of the saved plan (registration, zones, margins,
// matching: workflow::reviewFollowup(), as `rfaplan followup`) and plan the next session on it
// (workflow::replanNextSession(), as `rfaplan followup --next-plan`). All run in the background
// with progress and Cancel; no review logic here.
#include <QStandardPaths>
#include <filesystem>
#include <memory>
#include <utility>

#include "case_controller.h"
#include "gui_convert.h"
#include "rfa/workflow/audit_events.h"
#include "rfa/workflow/pacs_case.h"
#include "rfa/workflow/replan.h"

namespace rfa::gui {

namespace {

// The job of a follow-up review: the review and its scene layers (surfaces extracted here).
JobResult reviewJob(const workflow::FollowupReviewRequest& request,
                    const workflow::Progress& progress) {
  auto review =
      std::make_shared<workflow::FollowupReview>(workflow::reviewFollowup(request, progress));
  JobResult r;
  std::vector<render::NeedleLine> none;
  sceneContentOf(workflow::followupScene(*review), r.followup_layers, none);
  const followup::TimepointResult& tp = review->timepoint();
  r.message = QObject::tr("Follow-up %1: RECIST 1.1 %2, mRECIST %3; registration %4")
                  .arg(qs(review->followup_input))
                  .arg(qs(tp.response.recist.category))
                  .arg(qs(tp.response.mrecist.category))
                  .arg(review->registration_poor ? QObject::tr("POOR: check the alignment")
                                                 : QObject::tr("acceptable"));
  audit::Event e = workflow::imageEvent("follow-up", {}, review->followup);
  const audit::Event plan = workflow::planFileEvent("follow-up", {}, request.plan_file);
  for (const auto& [role, uid] : plan.uids) e.uids["plan_" + role] = uid;
  for (const auto& [role, hash] : plan.sha256) e.sha256[role] = hash;
  e.details["sessions_done"] = request.sessions_done;
  e.details["registration_poor"] = review->registration_poor;
  if (const QString a = recordAudit(std::move(e)); !a.isEmpty()) r.message += "; " + a;
  r.followup = std::move(review);
  return r;
}

}  // namespace

std::optional<workflow::FollowupReviewRequest> CaseController::followupRequest(
    const QString& series_id, int sessions_done, bool force) {
  if (!state_ || refuseWhenBusy(tr("Follow-up"))) return std::nullopt;
  if (!state_->plan || dirty_ || state_->plan_file.empty()) {
    emit failed(tr("Follow-up"),
                tr("Save the plan first: a follow-up is assessed against the saved plan file."));
    return std::nullopt;
  }
  workflow::FollowupReviewRequest request;
  request.plan_file = state_->plan_file;
  request.followup_series = series_id.toStdString();
  request.sessions_done = sessions_done;
  request.force = force;
  return request;
}

void CaseController::openFollowup(const QString& path, int sessions_done, const QString& series_id,
                                  bool force) {
  std::optional<workflow::FollowupReviewRequest> request =
      followupRequest(series_id, sessions_done, force);
  if (!request) return;
  request->followup = path.toStdString();
  start(tr("Follow-up"),
        [request = *request](const auto& progress) { return reviewJob(request, progress); });
}

void CaseController::openFollowupFromPacs(const pacs::DicomNode& node, const QString& study_uid,
                                          const QString& series_uid, int sessions_done,
                                          bool force) {
  const std::optional<workflow::FollowupReviewRequest> checked =
      followupRequest(series_uid, sessions_done, force);
  if (!checked) return;
  const std::string cache = pacsCacheDir().toStdString();
  start(tr("Follow-up"), [request = *checked, node, study = study_uid.toStdString(),
                          cache](const auto& progress) mutable {
    progress("retrieving", 0.0);
    request.followup = workflow::retrieveSeries(node, study, request.followup_series, cache);
    return reviewJob(request, progress);
  });
}

void CaseController::makeBoardImages() {
  if (!state_ || !state_->plan || refuseWhenBusy(tr("Board pictures"))) return;
  auto state = state_;
  start(tr("Making the board's pictures"), [state](const auto& progress) {
    progress("pictures", 0.0);
    JobResult r;
    r.board_images = std::make_shared<workflow::BoardImages>(workflow::boardImages(*state));
    return r;
  });
}

void CaseController::planNextSession(bool confirm) {
  if (!state_ || refuseWhenBusy(tr("Plan next session"))) return;
  if (!followup_) {
    emit failed(tr("Plan next session"), tr("Open a follow-up of the saved plan first."));
    return;
  }
  auto review = followup_;
  start(tr("Planning the next session"), [review, confirm](const auto& progress) {
    const std::string previous = review->planned.plan_file.filename().string();
    auto state = std::make_shared<workflow::CaseState>(workflow::replanNextSession(
        review->planned.plan, previous, review->timepoint(), review->timeline.next,
        review->followup, review->followup_input, workflow::nextSessionRequest(confirm, true),
        RFAPLAN_VERSION, progress));
    JobResult r;
    sceneContentOf(*state, r.layers, r.needles);
    r.has_scene_update = true;
    const planning::TreatmentPlan& plan = *state->plan;
    r.message = tr("Next session planned on %1: %2 lesion(s), %3 session(s); not saved yet")
                    .arg(qs(review->followup_input))
                    .arg(plan.lesions.size())
                    .arg(plan.sessions.size());
    r.new_state = std::move(state);
    return r;
  });
}

}  // namespace rfa::gui
