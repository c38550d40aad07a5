#pragma once
/// \file followup_panel.h
/// \brief The "Follow-up" page of the workstation: a follow-up image of the saved plan reviewed
/// as `rfaplan followup` reviews it (CaseController::openFollowup()). Shows the registration
/// quality (a poor registration as a red warning), the planning CT and the registered follow-up
/// side by side with linked cursors (both on the planning grid: one LPS point is the same place in
/// both), the follow-up in 3D with each treated lesion's surface coloured by its margin, a table
/// per lesion (MAM, verdict, response status, RECIST diameters; a row click centres both views
/// on its minimal-margin point), the treatment timeline with the follow-up placed in it, and
/// "Plan next session". The margin colours are those of `rfaplan confirm`'s margin_L<id>.png
/// (workflow::MarginBins). A thin view over CaseController: no follow-up logic here.
/// Research use only. Points are DICOM patient LPS in millimetres.

#include <QWidget>
#include <memory>

#include "rfa/core/geometry.h"

class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;
class QSplitter;
class QTableWidget;

namespace rfa::render {
class Scene;
}

namespace rfa::gui {

class CaseController;
class VtkViewWidget;

class FollowupPanel : public QWidget {
  Q_OBJECT
 public:
  explicit FollowupPanel(CaseController& controller, QWidget* parent = nullptr);

  /// Shows the controller's follow-up, or what to do when there is none.
  void refresh();
  /// Centres the planning and the follow-up slice views on a point (LPS mm).
  void setCursor(const Vec3& p_lps);
  /// Centres both views on the minimal-margin point (else the centre) of a table row.
  void showRow(int row);

  /// The planning axial view, the registered follow-up's axial and 3D views (null without a
  /// follow-up).
  VtkViewWidget* planningView() const { return planning_view_; }
  VtkViewWidget* followupView() const { return followup_view_; }
  VtkViewWidget* followup3dView() const { return followup_3d_; }
  QTableWidget* lesionTable() const { return table_; }
  QListWidget* timelineList() const { return timeline_; }
  QLabel* registrationLabel() const { return registration_; }
  QPushButton* planNextButton() const { return plan_next_; }
  /// Sessions of the plan done before the follow-up to open (the spin box).
  int sessionsDone() const;

 signals:
  /// The user asked to open a follow-up folder / file, or to retrieve one from a PACS.
  void openFolderRequested(int sessions_done);
  void openFromPacsRequested(int sessions_done);

 private:
  void rebuildViews();
  void fillTable();
  void fillTimeline();

  CaseController& controller_;
  QLabel* registration_ = nullptr;
  QSplitter* views_ = nullptr;
  VtkViewWidget* planning_view_ = nullptr;
  VtkViewWidget* followup_view_ = nullptr;
  VtkViewWidget* followup_3d_ = nullptr;
  std::shared_ptr<render::Scene> planning_scene_;  ///< the scenes the views were made for
  std::shared_ptr<render::Scene> followup_scene_;
  QTableWidget* table_ = nullptr;
  QListWidget* timeline_ = nullptr;
  QSpinBox* sessions_done_ = nullptr;
  QPushButton* plan_next_ = nullptr;
  QPushButton* plan_next_confirm_ = nullptr;
};

}  // namespace rfa::gui
