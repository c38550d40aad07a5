#pragma once
/// \file case_controller.h
/// \brief The GUI's hold on the open case (workflow::CaseState) and its scene: runs the long
/// operations (open, segment, plan, confirm, export) off the UI thread with progress and cancel,
/// and the short ones (move a lesion between sessions, review fields, save) on it. Every step
/// calls the same library functions as the CLI (rfa::workflow, rfa::planning,
/// rfa::dicomexport, rfa::report): no planning, segmentation or export logic lives here.
///
/// Threading: while busy() the worker owns the state; the UI reads only the scene (whose layers
/// hold their own copies) and must not call the state-changing slots (they refuse, saying why).
/// Points are DICOM patient LPS mm.

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <functional>
#include <memory>

#include "rfa/core/geometry.h"
#include "rfa/render/scene.h"
#include "rfa/workflow/case_state.h"

namespace rfa::gui {

/// What a background job hands back to the UI thread.
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
  int new_lesion = 0;  ///< segment: the new label
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

  /// Blocks (running the event loop) until the current job ends; for the command line and tests.
  void waitIdle();

 public slots:
  void open(const QString& path);
  void segmentLesionAt(const rfa::Vec3& seed_lps);
  void removeLesion(int label);
  void plan(bool confirm);
  void cancel();
  /// Moves a lesion to a session (1-based; n+1 = a new session) and re-validates the plan.
  bool moveLesion(int lesion_id, int to_session);
  /// Tumour-board review of a session: status "", "approved" or "rejected", free comment.
  void setReview(int session, const QString& status, const QString& comment);
  /// Saves the plan (atomic, revisioned) and its segmentation; "" = the current plan file.
  bool savePlan(const QString& path = {});
  /// Exports of the saved plan (saved first when needed): kind "rtstruct", "seg" or "report".
  void exportPlan(const QString& kind, const QString& out, int session = 0);

 signals:
  void caseOpened();
  void sceneChanged();
  void planChanged();
  void busyChanged(bool busy, const QString& what);
  void progressed(const QString& stage, double fraction);
  void failed(const QString& title, const QString& text);
  void message(const QString& text);
  void lesionSegmented(int label);

 private:
  using Job = std::function<JobResult(const std::function<void(const std::string&, double)>&)>;
  void start(const QString& what, Job job);
  void finish();
  bool refuseWhenBusy(const QString& what);
  void autosave();

  std::shared_ptr<workflow::CaseState> state_;
  std::shared_ptr<render::Scene> scene_;
  QFutureWatcher<JobResult> watcher_;
  std::atomic<bool> cancel_{false};
  bool busy_ = false;
  bool dirty_ = false;
  QString busy_what_;
  QStringList problems_;
  int last_error_code_ = 0;
};

/// The scene layers and needles of a case (liver, vessels, lesions coloured by session, margins,
/// zones and needles of the plan via dicomexport::planRois). Pure; runs in the worker.
void sceneContentOf(const workflow::CaseState& state, std::vector<render::LabelLayer>& layers,
                    std::vector<render::NeedleLine>& needles);

}  // namespace rfa::gui
