#include "case_controller.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "rfa/core/error.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/planning/plan_io.h"
#include "rfa/planning/profile.h"
#include "rfa/planning/session_edit.h"
#include "rfa/workflow/atlas_liver_step.h"
#include "rfa/workflow/autosave.h"
#include "rfa/workflow/case_scene.h"
#include "rfa/workflow/exports.h"

#ifndef RFAPLAN_VERSION
#define RFAPLAN_VERSION "dev"
#endif

namespace rfa::gui {

namespace {

render::Rgb rgbOf(const workflow::SceneColour& c) {
  return {c[0], c[1], c[2]};
}

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

std::string software() {
  return std::string("rfaplan ") + RFAPLAN_VERSION;
}

/// Error dialog title and text of an exception: rfa errors name the file/tag/value at fault.
void describeError(const std::exception& e, JobResult& r, const QString& what) {
  r.error_title = what + QObject::tr(" failed");
  r.error_text = qs(e.what());
  r.error_code = 1;
  if (const auto* re = dynamic_cast<const Error*>(&e)) {
    r.error_text += QObject::tr("\n\n(exit code %1 of the rfaplan command line)")
                        .arg(static_cast<int>(re->code()));
    r.error_code = static_cast<int>(re->code());
  }
}

}  // namespace

namespace {
/// Background jobs run below the UI thread's priority (nice +10, inherited by the threads the
/// libraries start), so that on a busy machine the event loop is still scheduled first.
void lowerThisThreadsPriority() {
#ifdef __linux__
  static thread_local bool done = false;
  if (done) return;
  done = true;
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  const int current = ::getpriority(PRIO_PROCESS, tid);
  (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + 10));
#endif
}

/// One undoable edit of the case in a background job: `edit` between history begin and commit
/// (abandoned if it throws), then the scene of the edited case into `r`.
template <class Edit>
void recordedEdit(workflow::LesionEditHistory& history, workflow::CaseState& state,
                  const std::string& what, JobResult& r, Edit&& edit) {
  history.begin(state, what);
  try {
    edit();
  } catch (...) {
    history.abandon();
    throw;
  }
  history.commit(state);
  sceneContentOf(state, r.layers, r.needles);
  r.has_scene_update = true;
}

}  // namespace

void sceneContentOf(const workflow::CaseState& state, std::vector<render::LabelLayer>& layers,
                    std::vector<render::NeedleLine>& needles) {
  const workflow::CaseScene scene = workflow::caseScene(state);
  for (const workflow::SceneRegion& r : scene.regions) {
    render::LabelLayer l;
    l.name = r.name;
    l.mask = r.mask;
    l.labels = r.labels;
    l.colour = rgbOf(r.colour);
    for (const auto& [label, colour] : r.label_colours) l.label_colours[label] = rgbOf(colour);
    l.opacity = r.opacity;
    l.surface = r.surface;
    l.surface_opacity = r.surface_opacity;
    layers.push_back(std::move(l));
  }
  for (const workflow::SceneNeedle& n : scene.needles) {
    render::NeedleLine line;
    line.name = n.name;
    line.entry_lps = n.entry_lps;
    line.tip_lps = n.tip_lps;
    line.colour = rgbOf(n.colour);
    needles.push_back(std::move(line));
  }
  // The 3D surfaces are extracted here (worker thread), not when the 3D view first draws them.
  for (render::LabelLayer& l : layers) {
    if (l.surface) l.prepared_surface = render::prepareLayerSurface(l);
  }
}

CaseController::CaseController(QObject* parent) : QObject(parent) {
  pool_.setMaxThreadCount(1);  // one job at a time; its libraries parallelise inside
  connect(&watcher_, &QFutureWatcher<JobResult>::finished, this, &CaseController::finish);
}

CaseController::~CaseController() {
  cancel_ = true;
  watcher_.waitForFinished();
}

QString CaseController::autosaveDir() {
  return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
         QStringLiteral("/autosave");
}

bool CaseController::refuseWhenBusy(const QString& what) {
  if (!busy_) return false;
  emit failed(what, tr("%1 is running: wait for it or cancel it first.").arg(busy_what_));
  return true;
}

void CaseController::start(const QString& what, Job job) {
  busy_ = true;
  busy_what_ = what;
  cancel_ = false;
  emit busyChanged(true, what);
  // Progress reaches the UI thread queued; a cancel request turns into workflow::Cancelled.
  auto progress = [this](const std::string& stage, double f) {
    if (cancel_) throw workflow::Cancelled();
    QMetaObject::invokeMethod(
        this, [this, s = qs(stage), f] { emit progressed(s, f); }, Qt::QueuedConnection);
  };
  watcher_.setFuture(QtConcurrent::run(&pool_, [job = std::move(job), progress, what]() {
    lowerThisThreadsPriority();
    JobResult r;
    try {
      r = job(progress);
    } catch (const workflow::Cancelled&) {
      r = JobResult{};
      r.cancelled = true;
    } catch (const std::exception& e) {
      r = JobResult{};
      describeError(e, r, what);
    }
    return r;
  }));
}

void CaseController::finish() {
  JobResult r = watcher_.result();
  const QString what = busy_what_;
  const bool opened = r.new_state != nullptr;
  if (opened) {
    state_ = std::move(r.new_state);
    history_.clear();
    const std::optional<QString> autosaved = autosavedPlan();
    // The CT is never changed after loading: the scene shares it with the state (no copy).
    scene_ = std::make_shared<render::Scene>(
        std::shared_ptr<const ImageVolume>(state_, &state_->image.image));
    dirty_ = false;
    problems_.clear();
    if (autosaved && state_->plan_file == std::filesystem::path(autosaved->toStdString())) {
      // A recovered plan is not saved anywhere yet: Save asks where, closing asks first.
      state_->plan_file.clear();
      dirty_ = true;
    }
  }
  if (r.has_scene_update) segmentation_changed_ = true;
  if (r.has_scene_update && scene_) {
    for (const std::string& name : scene_->layerNames()) {
      const bool still = std::any_of(r.layers.begin(), r.layers.end(),
                                     [&](const render::LabelLayer& l) { return l.name == name; });
      if (!still) scene_->removeLayer(name);
    }
    for (render::LabelLayer& l : r.layers) scene_->setLayer(std::move(l));
    scene_->setNeedles(std::move(r.needles));
  }
  busy_ = false;
  busy_what_.clear();
  emit busyChanged(false, {});
  if (opened) emit caseOpened();
  if (r.has_scene_update) emit sceneChanged();
  if (r.cancelled) {
    emit message(tr("%1 cancelled: nothing changed").arg(what));
    return;
  }
  if (!r.error_title.isEmpty()) {
    last_error_code_ = r.error_code;
    emit failed(r.error_title, r.error_text);
    return;
  }
  if (!r.series_choices.empty()) {
    emit seriesChoiceNeeded(r.series_path, r.series_choices);
    return;
  }
  if (r.new_lesion > 0) emit lesionSegmented(r.new_lesion);
  emit historyChanged();
  if (what == tr("Planning")) {
    segmentation_changed_ = false;  // autosaved with the plan by the job
    emit planChanged();
  }
  if (!r.message.isEmpty()) emit message(r.message);
}

void CaseController::waitIdle() {
  while (busy_) {
    QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
  }
}

void CaseController::open(const QString& path, const QString& series_id) {
  if (refuseWhenBusy(tr("Open"))) return;
  const std::string p = path.toStdString();
  const std::string id = series_id.toStdString();
  start(tr("Opening"), [p, id, path](const auto& progress) {
    progress("loading", 0.0);
    std::shared_ptr<workflow::CaseState> state;
    try {
      state = std::make_shared<workflow::CaseState>(workflow::openCase(p, id));
    } catch (const SelectionError&) {
      // Several series and none chosen: list them for the series browser.
      if (!id.empty()) throw;
      const io::ScanResult scan = io::scanDicom(p);
      if (scan.series.size() < 2) throw;
      JobResult r;
      r.series_path = path;
      for (const io::DicomSeries& d : scan.series) {
        SeriesChoice c;
        c.id = qs(d.id);
        c.patient = qs(d.study.patient_name + " (" + d.study.patient_id + ")");
        c.study = qs(d.study.study_date + " " + d.study.study_description);
        c.series = (d.series_number ? QString::number(*d.series_number) + ": " : QString()) +
                   qs(d.description);
        c.modality = qs(d.modality);
        c.slices = static_cast<int>(d.slices.size());
        c.loadable = d.loadable;
        c.problem = qs(d.error);
        r.series_choices.push_back(std::move(c));
      }
      return r;
    }
    progress("loading", 1.0);
    JobResult r;
    sceneContentOf(*state, r.layers, r.needles);
    r.has_scene_update = true;
    r.message = tr("Opened %1").arg(qs(state->image.source));
    r.new_state = std::move(state);
    return r;
  });
}

void CaseController::segmentLesionAt(const Vec3& seed_lps) {
  if (!state_ || refuseWhenBusy(tr("Segment lesion"))) return;
  auto state = state_;
  auto* history = &history_;  // the worker owns the history while busy, as the state
  start(tr("Segmenting"), [state, seed_lps, history](const auto& progress) {
    progress("segmentation", 0.0);
    JobResult r;
    recordedEdit(*history, *state, "segment lesion by click", r,
                 [&] { r.new_lesion = workflow::addLesionFromSeed(*state, seed_lps); });
    r.message = tr("Lesion L%1 segmented; plan again to include it").arg(r.new_lesion);
    return r;
  });
}

void CaseController::removeLesion(int label) {
  if (!state_ || refuseWhenBusy(tr("Remove lesion"))) return;
  auto state = state_;
  auto* history = &history_;
  start(tr("Removing lesion"), [state, label, history](const auto&) {
    JobResult r;
    recordedEdit(*history, *state, "remove lesion L" + std::to_string(label), r,
                 [&] { workflow::removeLesion(*state, label); });
    r.message = tr("Lesion L%1 removed").arg(label);
    return r;
  });
}

void CaseController::removeLesionAt(const Vec3& p_lps) {
  if (!state_ || !state_->segmentation.lesions) {
    emit failed(tr("Remove lesion"), tr("There is no segmented lesion."));
    return;
  }
  const LabelMap& labels = *state_->segmentation.lesions;
  const Vec3 idx = labels.geometry().lpsToIndex(p_lps);
  const Size3 n = labels.geometry().size();
  int label = 0;
  const auto i = std::lround(idx.x()), j = std::lround(idx.y()), k = std::lround(idx.z());
  if (i >= 0 && j >= 0 && k >= 0 && i < static_cast<long>(n[0]) && j < static_cast<long>(n[1]) &&
      k < static_cast<long>(n[2])) {
    label = labels(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                   static_cast<std::size_t>(k));
  }
  if (label == 0) {
    emit failed(tr("Remove lesion"),
                tr("No lesion at the cursor (%1, %2, %3) mm LPS: click inside the lesion first.")
                    .arg(p_lps.x(), 0, 'f', 1)
                    .arg(p_lps.y(), 0, 'f', 1)
                    .arg(p_lps.z(), 0, 'f', 1));
    return;
  }
  removeLesion(label);
}

void CaseController::detectLesions() {
  if (!state_ || refuseWhenBusy(tr("Detect lesions"))) return;
  auto state = state_;
  auto* history = &history_;
  start(tr("Detecting lesions"), [state, history](const auto& progress) {
    JobResult r;
    const auto& lesions = state->segmentation.lesions;
    if (lesions && std::any_of(lesions->data().begin(), lesions->data().end(),
                               [](std::uint16_t v) { return v != 0; })) {
      throw UsageError(
          "the case already has lesions: automatic detection runs on a case without any (remove "
          "them, or add more by click)");
    }
    recordedEdit(*history, *state, "detect lesions automatically", r,
                 [&] { workflow::ensureAnatomy(*state, true, progress); });
    int found = 0;
    if (state->segmentation.lesions) {
      for (const std::uint16_t v : state->segmentation.lesions->data())
        found = std::max<int>(found, v);
    }
    r.message = tr("%1 lesion candidate(s) found: check each (Tools > Remove lesion at cursor "
                   "rejects one; Undo restores it)")
                    .arg(found);
    return r;
  });
}

void CaseController::liverFromAtlases(const QString& folder) {
  if (!state_ || refuseWhenBusy(tr("Liver from atlases"))) return;
  auto state = state_;
  auto* history = &history_;
  dirty_ = true;
  const std::filesystem::path dir = folder.toStdString();
  start(tr("Liver from atlases"), [state, history, dir](const auto& progress) {
    JobResult r;
    workflow::AtlasLiverSummary s;
    recordedEdit(*history, *state, "liver from atlases", r,
                 [&] { s = workflow::liverFromAtlases(*state, dir, 1, progress); });
    r.message = tr("Liver from %1 atlases: %2 mL in %3 s (multi-atlas; check it on the views)")
                    .arg(s.atlases)
                    .arg(s.volume_ml, 0, 'f', 0)
                    .arg(s.seconds, 0, 'f', 1);
    return r;
  });
}

void CaseController::plan(bool confirm) {
  if (!state_ || refuseWhenBusy(tr("Plan"))) return;
  auto state = state_;
  dirty_ = true;
  const std::string autosave_dir = autosaveDir().toStdString();
  start(tr("Planning"), [state, confirm, autosave_dir](const auto& progress) {
    workflow::PlanRequest request;
    request.confirm = confirm;
    workflow::planCase(*state, request, RFAPLAN_VERSION, progress);
    JobResult r;
    try {
      // Crash recovery: plan and segmentation, written here off the UI thread.
      (void)workflow::autosaveCase(*state, autosave_dir, true);
    } catch (const std::exception& e) {
      r.message = tr("autosave failed: %1").arg(qs(e.what()));
    }
    sceneContentOf(*state, r.layers, r.needles);
    r.has_scene_update = true;
    const auto& plan = *state->plan;
    r.message = r.message.isEmpty() ? QString() : r.message + "; ";
    r.message += tr("Planned %1 lesion(s) in %2 session(s)%3")
                     .arg(plan.lesions.size())
                     .arg(plan.sessions.size())
                     .arg(confirm ? tr(", bioheat confirmation done") : QString());
    return r;
  });
}

void CaseController::cancel() {
  cancel_ = true;
}

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
  if (!state_ || !state_->plan || busy_) return;
  const std::optional<planning::ReviewStatus> review =
      planning::fromString(planning::kReviewStatuses, status.toStdString());
  if (!review) {
    emit failed(tr("Review"), tr("Unknown review status \"%1\".").arg(status));
    return;
  }
  for (planning::PlanSession& s : state_->plan->sessions) {
    if (s.index != session) continue;
    if (s.review_status == *review && s.review_comment == comment.toStdString()) return;
    s.review_status = *review;
    s.review_comment = comment.toStdString();
    dirty_ = true;
    autosave();
    return;
  }
}

bool CaseController::savePlan(const QString& path) {
  if (!state_ || refuseWhenBusy(tr("Save"))) return false;
  try {
    const planning::PlanWriteResult w = workflow::savePlan(*state_, path.toStdString());
    dirty_ = false;
    emit message(
        w.unchanged
            ? tr("Saved: same content as %1, not rewritten").arg(qs(state_->plan_file.string()))
            : tr("Saved %1 (revision %2)")
                  .arg(qs(state_->plan_file.string()))
                  .arg(state_->plan->revision));
    return true;
  } catch (const std::exception& e) {
    emit failed(tr("Save plan"), qs(e.what()));
    return false;
  }
}

void CaseController::exportPlan(workflow::ExportKind kind, const QString& out, int session) {
  if (!state_ || refuseWhenBusy(tr("Export"))) return;
  if (!state_->plan) {
    emit failed(tr("Export"), tr("There is no plan to export: plan the case first."));
    return;
  }
  if (dirty_ || state_->plan_file.empty()) {
    emit failed(tr("Export"), tr("Save the plan first: exports are made from the saved plan."));
    return;
  }
  const std::filesystem::path plan_file = state_->plan_file;
  const std::string o = out.toStdString();
  start(tr("Export"), [plan_file, kind, o, session](const auto& progress) {
    progress("export", 0.0);
    workflow::ExportOptions eo;
    eo.session = session;
    eo.software = software();
    const workflow::ExportSummary s = workflow::exportPlan(kind, plan_file, o, eo);
    JobResult r;
    r.message = qs(s.file.string()) + ": " + qs(s.text);
    return r;
  });
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

void CaseController::openFromPacs(const pacs::DicomNode& node, const QString& study_uid,
                                  const QString& series_uid) {
  if (refuseWhenBusy(tr("Open from PACS"))) return;
  const std::string cache =
      (QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/pacs").toStdString();
  start(tr("Retrieving from PACS"), [node, study = study_uid.toStdString(),
                                     series = series_uid.toStdString(),
                                     cache](const auto& progress) {
    progress("retrieving", 0.0);
    auto state =
        std::make_shared<workflow::CaseState>(workflow::openFromPacs(node, study, series, cache));
    progress("retrieving", 1.0);
    JobResult r;
    sceneContentOf(*state, r.layers, r.needles);
    r.has_scene_update = true;
    r.message = tr("Retrieved from %1 and opened %2")
                    .arg(qs(pacs::describeNode(node)))
                    .arg(qs(state->image.source));
    r.new_state = std::move(state);
    return r;
  });
}

void CaseController::sendToPacs(const pacs::DicomNode& node, workflow::ExportKind kind) {
  if (!state_ || refuseWhenBusy(tr("Send to PACS"))) return;
  if (!state_->plan || dirty_ || state_->plan_file.empty()) {
    emit failed(tr("Send to PACS"),
                tr("Save the plan first: exports are made from the saved plan."));
    return;
  }
  const std::filesystem::path plan_file = state_->plan_file;
  const std::string work =
      (QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/outgoing").toStdString();
  start(tr("Sending to PACS"), [plan_file, node, kind, work](const auto& progress) {
    progress("sending", 0.0);
    workflow::ExportOptions eo;
    eo.software = software();
    const workflow::PacsSendSummary s = workflow::sendPlanToPacs(plan_file, kind, node, work, eo);
    JobResult r;
    r.message = tr("Sent to %1: %2 instance(s) stored (%3)")
                    .arg(qs(pacs::describeNode(node)))
                    .arg(s.stored.sent)
                    .arg(qs(s.exported.text));
    return r;
  });
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

void CaseController::autosave() {
  if (!state_ || !state_->plan) return;
  try {
    // The segmentation is rewritten only when a lesion edit changed it since the last autosave.
    (void)workflow::autosaveCase(*state_, autosaveDir().toStdString(), segmentation_changed_);
    segmentation_changed_ = false;
  } catch (const std::exception& e) {
    emit message(tr("autosave failed: %1").arg(qs(e.what())));
  }
}

std::optional<QString> CaseController::autosavedPlan() {
  const auto f = workflow::findAutosave(autosaveDir().toStdString());
  if (!f) return std::nullopt;
  return qs(f->string());
}

void CaseController::clearAutosave() {
  workflow::clearAutosave(autosaveDir().toStdString());
}

}  // namespace rfa::gui
