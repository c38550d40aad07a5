#pragma once
/// \file case_controller.h
/// \brief The GUI's hold on the open case (workflow::CaseState) and its scene: runs the long
/// operations (open, segment, plan, confirm, export) off the UI thread with progress and cancel,
/// and the short ones (move a lesion between sessions, review fields, save) on it. Every step
/// calls the same library functions as the CLI (rfa::workflow, rfa::planning,
/// rfa::report): no planning, segmentation or export logic lives here.
///
/// Threading: while busy() the worker owns the state; the UI reads only the scene (whose layers
/// hold their own copies) and must not call the state-changing slots (they refuse, saying why).
/// Points are DICOM patient LPS mm.

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "rfa/audit/audit_log.h"
#include "rfa/core/geometry.h"
#include "rfa/render/scene.h"
#include "rfa/workflow/board_images.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/followup_review.h"
#include "rfa/workflow/lesion_edit.h"
#include "rfa/workflow/needle_edit.h"
#include "rfa/workflow/pacs_case.h"
#include "rfa/workflow/patient_cache.h"

namespace rfa::gui {

/// What a background job hands back to the UI thread.
/// One series of a DICOM folder that holds several, for the series browser.
struct SeriesChoice {
  QString id;  ///< io::DicomSeries::id (what openCase takes)
  QString patient, study, series, modality;
  int slices = 0;
  bool loadable = true;
  QString problem;  ///< why it cannot be loaded
};

struct JobResult {
  QString error_title;  ///< empty: success
  QString error_text;
  int error_code = 0;  ///< the rfaplan exit code of the error (1: not an rfa::Error)
  bool cancelled = false;
  QString message;                                 ///< status-bar text on success
  std::shared_ptr<workflow::CaseState> new_state;  ///< open: the case opened
  std::vector<render::LabelLayer> layers;          ///< the scene layers to (re)place
  std::vector<render::NeedleLine> needles;
  bool has_scene_update = false;
  int new_lesion = 0;                        ///< segment: the new label
  std::vector<SeriesChoice> series_choices;  ///< open: several series, none chosen
  QString series_path;                       ///< open: the folder they are in
  /// follow-up: the review and its scene layers (on the planning grid), needles none
  std::shared_ptr<const workflow::FollowupReview> followup;
  std::vector<render::LabelLayer> followup_layers;
  /// board pictures: the key, probe and overview images of the plan
  std::shared_ptr<const workflow::BoardImages> board_images;
};

class CaseController : public QObject {
  Q_OBJECT
 public:
  explicit CaseController(QObject* parent = nullptr);
  ~CaseController() override;

  bool busy() const { return busy_; }
  bool hasCase() const { return state_ != nullptr; }
  /// The open case; nullptr without one. Do not read while busy().
  const workflow::CaseState* state() const { return state_.get(); }
  /// The scene of the open case (nullptr without one).
  std::shared_ptr<render::Scene> scene() const { return scene_; }
  /// The plan differs from the last saved/opened one.
  bool unsavedChanges() const { return dirty_; }
  /// Rule problems of the plan after the last manual edit (empty: none).
  const QStringList& problems() const { return problems_; }
  /// Exit code of the last failure (rfa::ExitCode, 1 for an unexpected error; 0: none yet).
  int lastErrorCode() const { return last_error_code_; }
  /// Where autosave writes (a folder per process under the user's cache); recovery looks there.
  static QString autosaveDir();
  /// The autosaved plan left by a session that did not close cleanly (crash recovery).
  static std::optional<QString> autosavedPlan();
  /// Removes the autosave (on a clean exit).
  static void clearAutosave();
  /// The workstation's own cache of patient data (owner only: 0700 folders, 0600 files): the
  /// series retrieved from a PACS and the exports on their way to one.
  static QString pacsCacheDir();
  static QString outgoingDir();
  /// The retention of the retrieved series (QSettings "cache/retention_days", default 7, and
  /// "cache/retention_gb", default 20).
  static workflow::CacheRetention cacheRetention();
  /// Applies cacheRetention() to the retrieved series at `now` (a clock for tests).
  static workflow::CachePruneResult prunePacsCache(
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  /// Removes every retrieved series and outgoing export ("Clear cached patient data"); refused
  /// (nullopt) while a job runs, as it may be writing there.
  std::optional<workflow::CachePruneResult> clearCachedPatientData();
  /// On a clean exit: the autosave and the outgoing exports removed, the retention applied.
  static void cleanExit();

  /// The follow-up reviewed against the open (saved) plan; null before openFollowup() succeeds and
  /// after another case is opened.
  std::shared_ptr<const workflow::FollowupReview> followup() const { return followup_; }
  /// The registered follow-up's scene (CT on the planning grid, zones, margin map); null without
  /// a follow-up.
  std::shared_ptr<render::Scene> followupScene() const { return followup_scene_; }

  /// Blocks (running the event loop) until the current job ends; for the command line and tests.
  void waitIdle();

 public slots:  // NOLINT(readability-redundant-access-specifiers): Qt slots section
  /// Opens a DICOM folder/file, phantom folder, volume file or plan; a folder with several series
  /// asks (seriesChoiceNeeded) unless `series_id` names one.
  void open(const QString& path, const QString& series_id = {});
  void segmentLesionAt(const rfa::Vec3& seed_lps);
  void removeLesion(int label);
  /// Removes the lesion whose voxel holds `p_lps` (undoable); says so when there is none.
  void removeLesionAt(const rfa::Vec3& p_lps);
  /// Automatic lesion candidates (segmentation::detectLesionCandidates through
  /// workflow::ensureAnatomy) on a case without lesions; each is then kept or removed.
  void detectLesions();
  /// Replaces the liver by the multi-atlas liver (workflow::liverFromAtlases) with the labelled
  /// atlases of `folder` (image_<id> + label_<id>), in the background; undoable.
  void liverFromAtlases(const QString& folder);
  void plan(bool confirm);
  void cancel();
  /// Moves a lesion to a session (1-based; n+1 = a new session) and re-validates the plan.
  bool moveLesion(int lesion_id, int to_session);
  /// Tumour-board review of a session: status "", "approved" or "rejected", free comment. While a
  /// job runs it is kept and applied when the job ends (dropped when the job opens another case).
  void setReview(int session, const QString& status, const QString& comment);
  /// Saves the plan (atomic, revisioned) and its segmentation; "" = the current plan file.
  bool savePlan(const QString& path = {});
  /// Brush/eraser strokes in LPS mm (press, moves, release); painting starts on the lesion under
  /// the first point, or a new lesion. One stroke = one undo step.
  void beginStroke(const rfa::Vec3& p_lps, bool erase);
  void continueStroke(const rfa::Vec3& p_lps);
  void endStroke();
  void setBrushRadius(double mm) { brush_radius_mm_ = mm; }
  double brushRadius() const { return brush_radius_mm_; }
  void undo();
  void redo();
  /// Needle drag: press within 8 mm of a placement's tip (LPS, 3D distance) picks it; while it
  /// moves the tip follows with the zone preview (layer "zone-preview") and the margin in the
  /// status; release applies it to the plan (re-validated, the lesion's confirmation dropped).
  void beginNeedleDrag(const rfa::Vec3& p_lps);
  void moveNeedleDrag(const rfa::Vec3& p_lps);
  void endNeedleDrag(const rfa::Vec3& p_lps);
  /// Preview margin (mm) of the dragged lesion at the last move; for tests.
  double lastNeedlePreviewMarginMm() const { return needle_margin_mm_; }
  /// While a needle is dragged: which one and its placement at the last move (tip, entry, zone;
  /// LPS mm); none otherwise.
  const std::optional<std::pair<planning::PlacementEdit, planning::PlanPlacement>>& needlePreview()
      const {
    return needle_preview_;
  }
  const workflow::LesionEditHistory& history() const { return history_; }
  /// Retrieves one series from a PACS (C-GET into the cache folder) and opens it.
  void openFromPacs(const pacs::DicomNode& node, const QString& study_uid,
                    const QString& series_uid);
  /// Sends the saved plan's RT Structure Set ("rtstruct") or SEG ("seg") to a PACS (C-STORE).
  void sendToPacs(const pacs::DicomNode& node, workflow::ExportKind kind);
  /// The saved plan for navigation systems into `dir`: plan.mrk.json (3D Slicer Markups, LPS) and
  /// plan.igtl (OpenIGTLink TRAJ + POLYDATA, LPS), as `rfaplan export-igt`; in the background.
  void exportNavigation(const QString& dir);
  /// The saved plan as a de-identified research package in `dir` (workflow::deidentifyPlanBundle,
  /// as `rfaplan deidentify PLAN`: ct/, segmentation/, plan.json, rtss.dcm, seg.dcm, report.pdf),
  /// with the mapping file of the settings (deid/mapping_file, default
  /// deid::defaultMappingFile()) and deid/retain_dates; in the background, audited.
  void exportResearchPackage(const QString& dir);
  /// Reviews a follow-up image (DICOM folder/file, phantom folder, volume) of the open plan, which
  /// must be saved: workflow::reviewFollowup() in the background (registration with progress and
  /// Cancel), as `rfaplan followup PLAN PATH@sessions_done` assesses it. followupReady() on
  /// success.
  void openFollowup(const QString& path, int sessions_done, const QString& series_id = {},
                    bool force = false);
  /// The same with a series retrieved from a PACS (C-GET into the cache folder) first.
  void openFollowupFromPacs(const pacs::DicomNode& node, const QString& study_uid,
                            const QString& series_uid, int sessions_done, bool force = false);
  /// Plans the next session on the reviewed follow-up (workflow::replanNextSession() with
  /// workflow::nextSessionRequest(confirm, true), as `rfaplan followup --next-plan`): the result
  /// is opened as the case, on the follow-up's grid, unsaved.
  void planNextSession(bool confirm);
  /// The tumour board's pictures of the plan (workflow::boardImages(): key and probe images per
  /// lesion, a 3D overview per session) in the background; boardImagesReady() with them.
  void makeBoardImages();
  /// Exports of the saved plan (saved first when needed): kind "rtstruct", "seg" or "report".
  void exportPlan(workflow::ExportKind kind, const QString& out, int session = 0);

 signals:
  void caseOpened();
  void sceneChanged();
  void planChanged();
  void busyChanged(bool busy, const QString& what);
  void progressed(const QString& stage, double fraction);
  void failed(const QString& title, const QString& text);
  void message(const QString& text);
  void lesionSegmented(int label);
  void historyChanged();
  void seriesChoiceNeeded(const QString& path, const std::vector<rfa::gui::SeriesChoice>& choices);
  /// A follow-up was reviewed (followup(), followupScene()).
  void followupReady();
  /// The board's pictures of the plan as it was when makeBoardImages() ran.
  void boardImagesReady(std::shared_ptr<const rfa::workflow::BoardImages> images);

 private:
  using Job = std::function<JobResult(const std::function<void(const std::string&, double)>&)>;
  void start(const QString& what, Job job);
  void finish();
  bool refuseWhenBusy(const QString& what);
  void autosave();
  /// Replaces the scene's lesion layer by a copy of the case's labels (with its 3D surface when
  /// `surface`: at the end of a stroke).
  void refreshLesionLayer(bool surface);
  /// The plan's rule problems after a manual edit, as the session panel lists them.
  void setProblems(const std::vector<planning::PlanProblem>& problems);
  /// After a manual plan edit (UI thread): unsaved, scene rebuilt, views and panels told.
  void planEdited();
  /// Undo (back) or redo one lesion edit.
  void stepHistory(bool back);
  /// The request of a follow-up review of the open plan (its saved file); none, having said why,
  /// while busy or when the plan is not saved.
  std::optional<workflow::FollowupReviewRequest> followupRequest(const QString& series_id,
                                                                 int sessions_done, bool force);

  std::shared_ptr<workflow::CaseState> state_;
  std::shared_ptr<render::Scene> scene_;
  QThreadPool pool_;  ///< the jobs' thread (lowered priority)
  QFutureWatcher<JobResult> watcher_;
  std::atomic<bool> cancel_{false};
  bool busy_ = false;
  bool dirty_ = false;
  QString busy_what_;
  QStringList problems_;
  int last_error_code_ = 0;
  workflow::LesionEditHistory history_;
  double brush_radius_mm_ = 4.0;
  bool stroking_ = false;
  bool stroke_erase_ = false;
  int stroke_label_ = 0;
  std::optional<planning::PlacementEdit> needle_edit_;
  std::optional<std::pair<planning::PlacementEdit, planning::PlanPlacement>> needle_preview_;
  std::vector<render::NeedleLine> needle_base_;
  Vec3 needle_old_tip_{0, 0, 0};
  double needle_margin_mm_ = 0;
  bool segmentation_changed_ = true;  ///< since the last autosave
  std::shared_ptr<const workflow::FollowupReview> followup_;
  std::shared_ptr<render::Scene> followup_scene_;
  std::map<int, std::pair<QString, QString>> pending_reviews_;  ///< session -> status, comment
};

/// Records an event of the workstation ("rfaplan-gui") in the audit log (audit::record()): "" or
/// the reason it could not be written (shown as a status message; the work itself stands). Any
/// thread.
QString recordAudit(audit::Event event);

/// The render layers and needles of a case (workflow::caseScene(): liver, vessels, lesions,
/// margins, zones by session and needles of the plan), with their 3D surfaces extracted. Pure;
/// runs in the worker.
void sceneContentOf(const workflow::CaseState& state, std::vector<render::LabelLayer>& layers,
                    std::vector<render::NeedleLine>& needles);

/// The render layers and needles of a workflow scene, with their 3D surfaces extracted. Pure.
void sceneContentOf(const workflow::CaseScene& scene, std::vector<render::LabelLayer>& layers,
                    std::vector<render::NeedleLine>& needles);

}  // namespace rfa::gui
