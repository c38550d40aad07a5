#pragma once
/// \file sessions_widget.h
/// \brief The sessions of a plan: as tabs (Session 1-3, Not scheduled) beside the views, or side
/// by side for the tumour board with the review fields (approve/reject, comment) stored in the
/// plan. Each session shows its lesions (LesionTable), its ablated volume against the liver
/// limit, the lab check decision, why its lesions were grouped, and the plan's rule problems.

#include <QImage>
#include <QWidget>
#include <map>
#include <vector>

#include "rfa/planning/plan.h"

class QTabWidget;
class QLabel;
class QHBoxLayout;

namespace rfa::gui {

class LesionTable;

class SessionsWidget : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { kTabs, kBoard };
  explicit SessionsWidget(Mode mode, QWidget* parent = nullptr);

  /// Rebuilds from `plan` (nullptr: no plan yet), the plan's rule problems and the profile's
  /// session limit.
  void setPlan(const planning::TreatmentPlan* plan, const QStringList& problems, int max_sessions);
  /// Tabs mode: shows session `index` (1-based; 0 = not scheduled).
  void showSession(int index);
  int currentSession() const;
  /// The lesion table of a session (nullptr if absent); for tests.
  LesionTable* table(int session) const;
  /// Board mode: the pictures to show under each session's table (per lesion the axial key image
  /// and, when the plan has its acoustic window, the simulated ultrasound; per session the 3D
  /// overview: workflow::boardImages). Takes effect at the next setPlan().
  void setImages(std::map<int, QImage> axial, std::map<int, QImage> ultrasound,
                 std::map<int, QImage> overviews);
  /// A lesion's thumbnail label in board mode (nullptr when not shown); for tests.
  QLabel* thumbnail(int lesion_id, bool ultrasound) const;

 signals:
  void moveRequested(int lesion_id, int to_session);
  void rejectRequested(int lesion_id);
  void lesionSelected(int lesion_id);
  void reviewChanged(int session, const QString& status, const QString& comment);
  /// Board mode: the "Presentation" button (full screen, one lesion at a time).
  void presentRequested();
  /// Board mode: the "Report (PDF)" button (the tumour-board report of the saved plan).
  void reportRequested();

 private:
  QWidget* sessionPage(const planning::TreatmentPlan& plan, const planning::PlanSession* s,
                       int max_sessions);
  /// Board mode: the lesions' thumbnails and the session's overview under its table.
  QWidget* gallery(const planning::TreatmentPlan& plan, int session, QWidget* parent);
  Mode mode_;
  QTabWidget* tabs_ = nullptr;
  QHBoxLayout* columns_ = nullptr;
  QLabel* header_ = nullptr;
  QLabel* problems_ = nullptr;
  std::vector<LesionTable*> tables_;
  std::vector<QWidget*> pages_;
  std::map<int, QImage> axial_, ultrasound_, overviews_;
  std::map<std::pair<int, bool>, QLabel*> thumbs_;
};

}  // namespace rfa::gui
