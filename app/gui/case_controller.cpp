#include "case_controller.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QSettings>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <utility>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "gui_convert.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/navigation/igtl_messages.h"
#include "rfa/navigation/navigation_plan.h"
#include "rfa/planning/plan_io.h"
#include "rfa/ultrasound/probe.h"
#include "rfa/workflow/atlas_liver_step.h"
#include "rfa/workflow/audit_events.h"
#include "rfa/workflow/autosave.h"
#include "rfa/workflow/exports.h"

#ifndef RFAPLAN_VERSION
#define RFAPLAN_VERSION "dev"
#endif

namespace rfa::gui {

namespace {

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

QString recordAudit(audit::Event event) {
  event.program = "rfaplan-gui";
  const std::optional<std::string> why = audit::record(event);
  return why ? qs(*why) : QString();
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
  // Progress reaches the UI thread queued, at most every 200 ms within a stage (every report
  // repaints the status bar, and on software OpenGL the window is composited with the GL views
  // each time); a cancel request turns into workflow::Cancelled.
  struct LastReport {
    std::string stage;
    std::chrono::steady_clock::time_point when{};
  };
  auto last = std::make_shared<LastReport>();
  auto progress = [this, last](const std::string& stage, double f) {
    if (cancel_) throw workflow::Cancelled();
    const auto now = std::chrono::steady_clock::now();
    if (stage == last->stage && now - last->when < std::chrono::milliseconds(200)) return;
    last->stage = stage;
    last->when = now;
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
    followup_.reset();  // a follow-up belongs to the case it was reviewed against
    followup_scene_.reset();
    QString audit_warning = recordAudit(workflow::imageEvent("open", {}, state_->image));
    if (state_->plan && !state_->plan_file.empty()) {
      const QString w = recordAudit(workflow::planFileEvent("open", {}, state_->plan_file));
      if (!w.isEmpty()) audit_warning = w;
    }
    if (!audit_warning.isEmpty()) emit message(audit_warning);
    const std::optional<QString> autosaved = autosavedPlan();
    // The CT is never changed after loading: the scene shares it with the state (no copy).
    scene_ = std::make_shared<render::Scene>(
        std::shared_ptr<const ImageVolume>(state_, &state_->image.image));
    // A next session planned on a follow-up is a new plan, not saved anywhere yet.
    dirty_ = what == tr("Planning the next session");
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
  // Reviews given while the job ran (none survive a job that opened another case).
  const auto reviews = std::exchange(pending_reviews_, {});
  if (!opened) {
    for (const auto& [session, review] : reviews) setReview(session, review.first, review.second);
  }
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
  if (r.board_images) {
    emit boardImagesReady(std::move(r.board_images));
    return;
  }
  if (r.followup) {
    followup_ = std::move(r.followup);
    // The registered follow-up is on the planning grid: its CT is shared with the review.
    followup_scene_ = std::make_shared<render::Scene>(std::shared_ptr<const ImageVolume>(
        followup_, &followup_->timepoint().confirmation.followup_on_planning));
    for (render::LabelLayer& l : r.followup_layers) followup_scene_->setLayer(std::move(l));
    if (!r.message.isEmpty()) emit message(r.message);
    emit followupReady();
    return;
  }
  if (r.new_lesion > 0) emit lesionSegmented(r.new_lesion);
  emit historyChanged();
  if (what == tr("Planning") || what == tr("Planning the next session")) {
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
    request.ultrasound_probe = ultrasound::kDefaultProbe;  // needles in a visible probe plane
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

bool CaseController::savePlan(const QString& path) {
  if (!state_ || refuseWhenBusy(tr("Save"))) return false;
  try {
    const planning::PlanWriteResult w = workflow::savePlan(*state_, path.toStdString());
    dirty_ = false;
    if (!w.unchanged) {
      const QString a =
          recordAudit(workflow::planEvent("save", {}, *state_->plan, state_->plan_file));
      if (!a.isEmpty()) emit message(a);
    }
    emit message(
        w.unchanged
            ? tr("Saved: same content as %1, not rewritten").arg(qs(state_->plan_file.string()))
            : tr("Saved %1 (revision %2)")
                  .arg(qs(state_->plan_file.string()))
                  .arg(state_->plan->revision));
  } catch (const std::exception& e) {
    emit failed(tr("Save plan"), qs(e.what()));
    return false;
  }
  // The saved plan joins the case worklist (cases::defaultDatabasePath(), as `rfaplan cases add`):
  // a new revision updates its case, the same bytes write nothing. Only where the database path
  // can be resolved (RFA_CASES_DB, XDG_DATA_HOME or HOME); a failure here never fails the save.
  std::filesystem::path db_file;
  try {
    db_file = cases::defaultDatabasePath();
  } catch (const std::exception&) {
    return true;  // no worklist location: the plan is saved, nothing to register
  }
  try {
    cases::CaseDatabase(db_file).addPlan(state_->plan_file);
  } catch (const std::exception& e) {
    emit message(tr("worklist: the saved plan %1 was not added to %2: %3")
                     .arg(qs(state_->plan_file.string()), qs(db_file.string()), qs(e.what())));
  }
  return true;
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
    audit::Event e = workflow::planFileEvent("export", {}, plan_file);
    e.details["kind"] = workflow::exportKindName(kind);
    workflow::addOutput(e, s.file, s.sop_instance_uid);
    JobResult r;
    r.message = qs(s.file.string()) + ": " + qs(s.text);
    if (const QString a = recordAudit(std::move(e)); !a.isEmpty()) r.message += "; " + a;
    return r;
  });
}

void CaseController::exportNavigation(const QString& dir) {
  if (!state_ || refuseWhenBusy(tr("Export for navigation"))) return;
  if (!state_->plan) {
    emit failed(tr("Export for navigation"),
                tr("There is no plan to export: plan the case first."));
    return;
  }
  if (dirty_ || state_->plan_file.empty()) {
    emit failed(tr("Export for navigation"),
                tr("Save the plan first: exports are made from the saved plan."));
    return;
  }
  const std::filesystem::path plan_file = state_->plan_file;
  const std::filesystem::path out = dir.toStdString();
  start(tr("Export for navigation"), [plan_file, out](const auto& progress) {
    progress("export", 0.0);
    const navigation::NavigationExport e =
        navigation::exportNavigation(navigation::loadNavigationPlan(plan_file), out);
    audit::Event ae = workflow::planFileEvent("export", {}, plan_file);
    ae.details["kind"] = "navigation";
    workflow::addOutput(ae, e.markups_file);
    JobResult r;
    if (const QString a = recordAudit(std::move(ae)); !a.isEmpty()) r.message = a + "; ";
    r.message += tr("Navigation export: %1 and %2 (%3 needle(s), %4 target(s), %5 surface(s), LPS)")
                     .arg(qs(e.markups_file.string()))
                     .arg(qs(e.igtl_file.string()))
                     .arg(e.needles)
                     .arg(e.targets)
                     .arg(e.structures);
    return r;
  });
}

void CaseController::exportResearchPackage(const QString& dir) {
  const QString what = tr("De-identified research export");
  if (!state_ || refuseWhenBusy(what)) return;
  if (!state_->plan) {
    emit failed(what, tr("There is no plan to export: plan the case first."));
    return;
  }
  if (dirty_ || state_->plan_file.empty()) {
    emit failed(what, tr("Save the plan first: exports are made from the saved plan."));
    return;
  }
  const QSettings settings;
  workflow::DeidSettings d;
  d.mapping_file = settings.value(QStringLiteral("deid/mapping_file")).toString().toStdString();
  d.retain_dates = settings.value(QStringLiteral("deid/retain_dates"), false).toBool();
  d.software = software();
  const std::filesystem::path plan_file = state_->plan_file;
  const std::filesystem::path out = dir.toStdString();
  start(what, [plan_file, out, d](const auto& progress) {
    progress("de-identify", 0.0);
    const workflow::DeidBundleSummary s = workflow::deidentifyPlanBundle(plan_file, out, d);
    audit::Event ae = workflow::planFileEvent("export", {}, plan_file);
    ae.details["kind"] = "deidentified plan";
    ae.details["images"] = s.images;
    ae.uids["deidentified_series"] = s.series_instance_uid;
    workflow::addOutput(ae, s.plan);
    JobResult r;
    if (const QString a = recordAudit(std::move(ae)); !a.isEmpty()) r.message = a + "; ";
    r.message += tr("De-identified research package %1: patient %2, %3 CT file(s), plan, RTSTRUCT, "
                    "SEG and report (DICOM PS3.15 E.1 Basic Profile%4); the mapping stays in %5")
                     .arg(qs(out.string()), qs(s.pseudonym))
                     .arg(s.images)
                     .arg(d.retain_dates ? tr(", dates kept") : QString())
                     .arg(qs(s.mapping_file.string()));
    return r;
  });
}

void CaseController::openFromPacs(const pacs::DicomNode& node, const QString& study_uid,
                                  const QString& series_uid) {
  if (refuseWhenBusy(tr("Open from PACS"))) return;
  const std::string cache = pacsCacheDir().toStdString();
  const workflow::CacheRetention retention = cacheRetention();
  start(tr("Retrieving from PACS"), [node, study = study_uid.toStdString(), retention,
                                     series = series_uid.toStdString(),
                                     cache](const auto& progress) {
    progress("retrieving", 0.0);
    auto state =
        std::make_shared<workflow::CaseState>(workflow::openFromPacs(node, study, series, cache));
    progress("retrieving", 1.0);
    (void)workflow::prunePatientCache(cache, retention, std::chrono::system_clock::now());
    audit::Event e = workflow::imageEvent("retrieve", {}, state->image);
    e.details["peer_ae"] = node.called_ae;
    JobResult r;
    if (const QString a = recordAudit(std::move(e)); !a.isEmpty()) r.message = a + "; ";
    sceneContentOf(*state, r.layers, r.needles);
    r.has_scene_update = true;
    r.message += tr("Retrieved from %1 and opened %2")
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
  const std::string work = outgoingDir().toStdString();
  start(tr("Sending to PACS"), [plan_file, node, kind, work](const auto& progress) {
    progress("sending", 0.0);
    workflow::ExportOptions eo;
    eo.software = software();
    const workflow::PacsSendSummary s = workflow::sendPlanToPacs(plan_file, kind, node, work, eo);
    audit::Event e = workflow::planFileEvent("send", {}, plan_file);
    e.details["kind"] = workflow::exportKindName(kind);
    e.details["peer_ae"] = node.called_ae;
    e.details["stored"] = s.stored.sent;
    workflow::addOutput(e, s.exported.file, s.exported.sop_instance_uid);
    JobResult r;
    if (const QString a = recordAudit(std::move(e)); !a.isEmpty()) r.message = a + "; ";
    r.message += tr("Sent to %1: %2 instance(s) stored (%3)")
                     .arg(qs(pacs::describeNode(node)))
                     .arg(s.stored.sent)
                     .arg(qs(s.exported.text));
    return r;
  });
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

QString CaseController::pacsCacheDir() {
  return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/pacs";
}

QString CaseController::outgoingDir() {
  return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/outgoing";
}

workflow::CacheRetention CaseController::cacheRetention() {
  const QSettings settings;
  workflow::CacheRetention r;
  const int days = std::max(1, settings.value(QStringLiteral("cache/retention_days"), 7).toInt());
  const double gb =
      std::max(0.1, settings.value(QStringLiteral("cache/retention_gb"), 20.0).toDouble());
  r.max_age = std::chrono::hours(24 * days);
  r.max_bytes = static_cast<std::uintmax_t>(gb * 1024.0 * 1024.0 * 1024.0);
  return r;
}

workflow::CachePruneResult CaseController::prunePacsCache(
    std::chrono::system_clock::time_point now) {
  return workflow::prunePatientCache(pacsCacheDir().toStdString(), cacheRetention(), now);
}

std::optional<workflow::CachePruneResult> CaseController::clearCachedPatientData() {
  if (refuseWhenBusy(tr("Clear cached patient data"))) return std::nullopt;
  workflow::CachePruneResult r =
      workflow::clearPatientCache({pacsCacheDir().toStdString(), outgoingDir().toStdString()});
  audit::Event e;
  e.action = "clear-cache";
  e.details["removed"] = r.removed;
  e.details["removed_bytes"] = r.removed_bytes;
  if (const QString a = recordAudit(std::move(e)); !a.isEmpty()) emit message(a);
  return r;
}

void CaseController::cleanExit() {
  clearAutosave();
  (void)workflow::clearPatientCache({outgoingDir().toStdString()});
  (void)prunePacsCache();
}

}  // namespace rfa::gui
