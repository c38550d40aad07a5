// The interactive edits of CaseController, on the UI thread (case_controller.h): sessions and
// reviews of the plan, brush/eraser strokes, undo/redo, needle drags, and what follows a manual
// plan edit. The background jobs are in case_controller.cpp.
#include <QDateTime>
#include <exception>

#include "case_controller.h"
#include "gui_convert.h"
#include "rfa/core/error.h"
#include "rfa/planning/plan_io.h"
#include "rfa/planning/profile.h"
#include "rfa/planning/session_edit.h"
#include "rfa/workflow/audit_events.h"
#include "rfa/workflow/case_scene.h"

namespace rfa::gui {

bool CaseController::moveLesion(int lesion_id, int to_session) {
  if (!state_ || !state_->plan || refuseWhenBusy(tr("Move lesion"))) return false;
  try {
    const planning::ProtocolProfile profile = planning::resolveProfile(state_->profile_name);
    const std::vector<planning::PlanProblem> problems =
        planning::moveLesionToSession(*state_->plan, lesion_id, to_session, profile);
    setProblems(problems);
  } catch (const std::exception& e) {
    emit failed(tr("Move lesion"), qs(e.what()));
    return false;
  }
  planEdited();
  emit message(
      problems_.isEmpty()
          ? tr("L%1 moved to session %2: the plan keeps every rule").arg(lesion_id).arg(to_session)
          : tr("L%1 moved to session %2: %3 problem(s), see the session panel")
                .arg(lesion_id)
                .arg(to_session)
                .arg(problems_.size()));
  autosave();
  return true;
}

void CaseController::setReview(int session, const QString& status, const QString& comment) {
  if (!state_ || !state_->plan) return;
  if (busy_) {
    // The worker owns the case (e.g. making the board's pictures): the review waits for it.
    pending_reviews_[session] = {status, comment};
    emit message(
        tr("Review of session %1 is stored when \"%2\" ends").arg(session).arg(busy_what_));
    return;
  }
  const std::optional<planning::ReviewStatus> review =
      planning::fromString(planning::kReviewStatuses, status.toStdString());
  if (!review) {
    emit failed(tr("Review"), tr("Unknown review status \"%1\".").arg(status));
    return;
  }
  for (planning::PlanSession& s : state_->plan->sessions) {
    if (s.index != session) continue;
    if (s.review_status == *review && s.review_comment == comment.toStdString()) return;
    const bool status_changed = s.review_status != *review;
    s.review_status = *review;
    s.review_comment = comment.toStdString();
    // Who reviewed and when: this account, now (UTC).
    s.review_by = audit::currentUser();
    s.review_at = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    dirty_ = true;
    audit::Event e =
        workflow::planEvent(!status_changed                                ? "review-comment"
                            : *review == planning::ReviewStatus::kApproved ? "approve"
                            : *review == planning::ReviewStatus::kRejected ? "reject"
                                                                           : "review-cleared",
                            {}, *state_->plan, state_->plan_file);
    e.details["session"] = session;
    e.details["comment_given"] = !s.review_comment.empty();  // the text itself may name people
    if (const QString a = recordAudit(std::move(e)); !a.isEmpty()) emit message(a);
    autosave();
    return;
  }
}

void CaseController::refreshLesionLayer(bool surface) {
  if (!state_ || !scene_ || !state_->segmentation.lesions) return;
  render::LabelLayer l;
  if (const render::LabelLayer* old = scene_->layer("lesions")) {
    l = *old;
  } else {
    l.name = "lesions";
    l.colour = rgbOf(workflow::lesionColour());
    l.opacity = 0.6;
  }
  l.labels = std::make_shared<const LabelMap>(*state_->segmentation.lesions);
  l.mask.reset();
  l.prepared_surface = surface ? render::prepareLayerSurface(l) : nullptr;
  l.surface = surface;  // no 3D surface extraction while the brush moves
  scene_->setLayer(std::move(l));
  emit sceneChanged();
}

void CaseController::beginStroke(const Vec3& p_lps, bool erase) {
  if (!state_ || refuseWhenBusy(erase ? tr("Eraser") : tr("Brush"))) return;
  try {
    int label = 0;
    if (!erase) {
      const auto& lesions = state_->segmentation.lesions;
      if (lesions) {
        const Vec3 idx = lesions->geometry().lpsToIndex(p_lps);
        const Size3 n = lesions->geometry().size();
        const auto i = static_cast<long long>(std::lround(idx.x()));
        const auto j = static_cast<long long>(std::lround(idx.y()));
        const auto k = static_cast<long long>(std::lround(idx.z()));
        if (i >= 0 && j >= 0 && k >= 0 && i < static_cast<long long>(n[0]) &&
            j < static_cast<long long>(n[1]) && k < static_cast<long long>(n[2])) {
          label = (*lesions)(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                             static_cast<std::size_t>(k));
        }
      }
      if (label == 0) label = workflow::nextLesionLabel(*state_);
    }
    history_.begin(*state_, erase ? std::string("eraser") : "brush L" + std::to_string(label));
    stroking_ = true;
    stroke_erase_ = erase;
    stroke_label_ = label;
    continueStroke(p_lps);
  } catch (const std::exception& e) {
    history_.abandon();
    stroking_ = false;
    emit failed(erase ? tr("Eraser") : tr("Brush"), qs(e.what()));
  }
}

void CaseController::continueStroke(const Vec3& p_lps) {
  if (!stroking_ || !state_) return;
  const std::size_t changed =
      workflow::applyBrush(*state_, {p_lps, brush_radius_mm_, stroke_label_, stroke_erase_});
  if (changed > 0) refreshLesionLayer(false);
}

void CaseController::endStroke() {
  if (!stroking_ || !state_) return;
  stroking_ = false;
  if (history_.commit(*state_)) {
    segmentation_changed_ = true;
    dirty_ = dirty_ || state_->plan.has_value();
    refreshLesionLayer(true);
    emit message(tr("%1 done%2")
                     .arg(qs(history_.undoText()))
                     .arg(state_->plan && state_->plan_stale ? tr("; plan again to include it")
                                                             : QString()));
  }
  emit historyChanged();
}

void CaseController::undo() {
  stepHistory(true);
}

void CaseController::redo() {
  stepHistory(false);
}

void CaseController::stepHistory(bool back) {
  if (!state_ || refuseWhenBusy(back ? tr("Undo") : tr("Redo"))) return;
  if (back ? !history_.canUndo() : !history_.canRedo()) return;
  const std::string what = back ? history_.undoText() : history_.redoText();
  if (back) {
    history_.undo(*state_);
  } else {
    history_.redo(*state_);
  }
  refreshLesionLayer(true);
  segmentation_changed_ = true;
  emit message((back ? tr("Undone: %1") : tr("Redone: %1")).arg(qs(what)));
  emit historyChanged();
}

void CaseController::beginNeedleDrag(const Vec3& p_lps) {
  if (!state_ || !state_->plan || refuseWhenBusy(tr("Move needle"))) return;
  double best = 8.0;
  needle_edit_.reset();
  for (const planning::PlanLesion& l : state_->plan->lesions) {
    for (std::size_t k = 0; k < l.placements.size(); ++k) {
      const double d = (l.placements[k].tip_lps - p_lps).norm();
      if (d >= best) continue;
      best = d;
      needle_edit_ = planning::PlacementEdit{l.id, static_cast<int>(k), l.placements[k].tip_lps,
                                             l.placements[k].entry_lps};
      needle_old_tip_ = l.placements[k].tip_lps;
    }
  }
  if (!needle_edit_) {
    emit message(tr("No needle tip within 8 mm of the click"));
    return;
  }
  needle_base_ = scene_->needles();
  emit message(
      tr("Moving needle %1 of L%2").arg(needle_edit_->placement + 1).arg(needle_edit_->lesion_id));
}

void CaseController::moveNeedleDrag(const Vec3& p_lps) {
  if (!needle_edit_ || !state_ || busy_) return;
  needle_edit_->tip_lps = p_lps;
  try {
    const planning::PlacementEditResult r = workflow::previewNeedleEdit(*state_, *needle_edit_);
    needle_margin_mm_ = r.preview.minimal_margin_mm;
    needle_preview_.emplace(*needle_edit_, r.placement);
    render::LabelLayer zone;
    zone.name = "zone-preview";
    zone.mask =
        std::make_shared<const Mask>(r.placement.zone.rasterize(state_->image.image.geometry()));
    zone.colour = {1.0, 1.0, 1.0};
    zone.opacity = 0.35;
    zone.surface = false;
    scene_->setLayer(std::move(zone));
    std::vector<render::NeedleLine> needles = needle_base_;
    for (render::NeedleLine& n : needles) {
      if ((n.tip_lps - needle_old_tip_).norm() < 1e-3) {
        n.tip_lps = r.placement.tip_lps;
        n.entry_lps = r.placement.entry_lps;
      }
    }
    scene_->setNeedles(std::move(needles));
    emit sceneChanged();
    emit message(tr("L%1: preview margin %2 mm%3")
                     .arg(needle_edit_->lesion_id)
                     .arg(r.preview.minimal_margin_mm, 0, 'f', 1)
                     .arg(r.path_problems.empty()
                              ? QString()
                              : tr("; path: %1").arg(qs(r.path_problems.front()))));
  } catch (const std::exception& e) {
    emit message(tr("Needle: %1").arg(qs(e.what())));
  }
}

void CaseController::endNeedleDrag(const Vec3& p_lps) {
  if (!needle_edit_ || !state_) return;
  moveNeedleDrag(p_lps);
  const planning::PlacementEdit edit = *needle_edit_;
  needle_edit_.reset();
  needle_preview_.reset();
  if (scene_->layer("zone-preview") != nullptr) scene_->removeLayer("zone-preview");
  try {
    const std::vector<planning::PlanProblem> problems = workflow::applyNeedleEdit(*state_, edit);
    setProblems(problems);
  } catch (const std::exception& e) {
    scene_->setNeedles(needle_base_);
    emit sceneChanged();
    emit failed(tr("Move needle"), qs(e.what()));
    return;
  }
  planEdited();
  emit message(tr("Needle %1 of L%2 moved: preview margin %3 mm (the bioheat confirmation of this "
                  "lesion is dropped: confirm again)")
                   .arg(edit.placement + 1)
                   .arg(edit.lesion_id)
                   .arg(needle_margin_mm_, 0, 'f', 1));
  autosave();
}

void CaseController::setProblems(const std::vector<planning::PlanProblem>& problems) {
  problems_.clear();
  for (const planning::PlanProblem& p : problems) {
    problems_ << (p.error ? tr("rule broken: ") : tr("warning: ")) + qs(p.where) + ": " +
                     qs(p.text);
  }
}

void CaseController::planEdited() {
  dirty_ = true;
  std::vector<render::LabelLayer> layers;
  std::vector<render::NeedleLine> needles;
  sceneContentOf(*state_, layers, needles);
  for (render::LabelLayer& l : layers) scene_->setLayer(std::move(l));
  scene_->setNeedles(std::move(needles));
  emit sceneChanged();
  emit planChanged();
}

}  // namespace rfa::gui
