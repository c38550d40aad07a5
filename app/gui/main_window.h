#pragma once
/// \file main_window.h
/// \brief The rfaplan workstation window: four linked views (axial, coronal, sagittal MPR and the
/// 3D view), the "Ultrasound" layout (the probe plane of a needle beside the 3D view), the session
/// tabs, the tumour-board page, the follow-up page (followup_panel.h), menus for open/save/export,
/// the planning tools, and the always visible "RESEARCH USE ONLY" notice. A thin shell over
/// CaseController (which calls the libraries) and rfa::render (which draws).

#include <QMainWindow>
#include <QString>
#include <array>
#include <optional>
#include <vector>

#include "case_controller.h"
#include "presentation_dialog.h"

class QAction;
class QActionGroup;
class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSlider;
class QStackedWidget;
class QGridLayout;

namespace rfa::gui {

class CaseListDialog;
class FollowupPanel;
class SessionsWidget;
class UltrasoundPanel;
class VtkViewWidget;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  enum class Layout { kMpr, k3d, kBoard, kUltrasound, kFollowup };
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  CaseController& controller() { return controller_; }
  void setLayoutMode(Layout layout);
  Layout layoutMode() const { return layout_; }
  /// What a view shows; its value is the view's index (view(int)).
  enum class ViewRole { kAxial = 0, kCoronal = 1, kSagittal = 2, k3d = 3 };
  /// The view widget of `role` (nullptr until a case is open).
  VtkViewWidget* view(ViewRole role) const { return views_[static_cast<std::size_t>(role)]; }
  /// view(ViewRole(index)): 0 axial, 1 coronal, 2 sagittal, 3 3D.
  VtkViewWidget* view(int index) const { return view(static_cast<ViewRole>(index)); }
  /// The axial, coronal and sagittal views that exist (none until a case is open).
  std::vector<VtkViewWidget*> sliceViews() const;
  SessionsWidget* sessionTabs() const { return tabs_; }
  SessionsWidget* board() const { return board_; }
  /// The "Ultrasound" layout's probe-plane view (beside the 3D view in that layout).
  UltrasoundPanel* ultrasoundPanel() const { return ultrasound_; }
  /// The "Follow-up" layout's page.
  FollowupPanel* followupPanel() const { return followup_; }
  /// Asks for a follow-up folder, then CaseController::openFollowup() (the plan must be saved).
  void openFollowupFolder(int sessions_done);
  /// Asks for a follow-up series on a PACS, then CaseController::openFollowupFromPacs().
  void openFollowupFromPacs(int sessions_done);
  /// Removes the retrieved series and outgoing exports (File > Clear cached patient data, after
  /// asking), says how much in the status bar.
  void clearCachedPatientData();
  /// The case worklist (case_list_dialog.h); opening a case there opens its plan here. Returns the
  /// dialog (owned by the window, deleted on close).
  CaseListDialog* showCases();
  QAction* seedToolAction() const { return seed_tool_; }
  QAction* brushToolAction() const { return brush_tool_; }
  QAction* eraserToolAction() const { return eraser_tool_; }
  QAction* rulerToolAction() const { return ruler_tool_; }
  QAction* needleToolAction() const { return needle_tool_; }
  QAction* undoAction() const { return undo_; }
  QAction* redoAction() const { return redo_; }
  /// The last error shown in a dialog (title: text), for tests and the command line.
  const QString& lastError() const { return last_error_; }
  /// Rows of the last series browser shown (0: none yet); for tests.
  int lastSeriesChoices() const { return last_series_choices_; }
  /// Centres every slice view on a point (LPS mm).
  void setCursor(const Vec3& p_lps);
  /// Applies a window/level preset ("liver", "abdomen", "bone") to the slice views.
  void applyPreset(const QString& name);
  /// Crash recovery: when an autosave is left by a session that did not close cleanly, asks
  /// (non-blocking) whether to open it. Called by main() at an interactive start.
  void offerRecovery();
  /// Opens the autosaved plan (with its segmentation and series); false when there is none.
  bool recoverAutosave();
  /// Asks before losing unsaved changes; true when it is fine to go on.
  bool confirmDiscard();
  /// Opens a path (DICOM folder/file, phantom folder, volume file or plan) after confirmDiscard().
  void openPath(const QString& path);
  /// Export of the saved plan: asks for the file (and the session of an RTSTRUCT/SEG), then
  /// CaseController::exportPlan().
  void exportAs(workflow::ExportKind kind);
  /// The tumour board's presentation mode (full screen, one lesion at a time); returns the dialog
  /// shown (owned by the window, deleted on close), or nullptr without a plan or while the board's
  /// pictures are still being made (the presentation then opens when they are ready).
  PresentationDialog* present();
  /// The slice views' cursor (LPS mm); none before the first case.
  std::optional<Vec3> cursor() const { return cursor_; }

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildMenus();
  void rebuildViews();
  void refreshPlan();
  /// Makes the board's pictures (CaseController::makeBoardImages(), in the background) ...
  void refreshBoardImages();
  /// ... and puts them into the board and the presentation slides.
  void applyBoardImages(const std::shared_ptr<const workflow::BoardImages>& images);
  void refreshViews();
  void showError(const QString& title, const QString& text);
  void addRecent(const QString& path);
  void fillRecentMenu();
  void applyTool();
  void chooseSeries(const QString& path, const std::vector<SeriesChoice>& choices);

  CaseController controller_;
  Layout layout_ = Layout::kMpr;
  QStackedWidget* stack_ = nullptr;
  QWidget* views_page_ = nullptr;
  QGridLayout* grid_ = nullptr;
  std::array<VtkViewWidget*, 4> views_{};
  SessionsWidget* tabs_ = nullptr;
  SessionsWidget* board_ = nullptr;
  UltrasoundPanel* ultrasound_ = nullptr;
  FollowupPanel* followup_ = nullptr;
  QAction* seed_tool_ = nullptr;
  QAction* brush_tool_ = nullptr;
  QAction* eraser_tool_ = nullptr;
  QAction* ruler_tool_ = nullptr;
  QAction* needle_tool_ = nullptr;
  QAction* undo_ = nullptr;
  QAction* redo_ = nullptr;
  QAction* volume_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QMenu* layers_menu_ = nullptr;
  QComboBox* preset_ = nullptr;
  QSlider* opacity_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QLabel* busy_label_ = nullptr;
  QString last_error_;
  int last_series_choices_ = 0;
  std::optional<Vec3> cursor_;
  std::vector<PresentationSlide> slides_;
  bool board_images_pending_ = false;  ///< asked while a job ran
  bool present_pending_ = false;       ///< present() asked before the pictures were made
};

}  // namespace rfa::gui
