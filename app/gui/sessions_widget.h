#pragma once
/// \file sessions_widget.h
/// \brief The sessions of a plan: as tabs (Session 1-3, Not scheduled) beside the views, or side
/// by side for the tumour board with the review fields (approve/reject, comment) stored in the
/// plan. Each session shows its lesions (LesionTable), its ablated volume against the liver
/// limit, the lab check decision, why its lesions were grouped, and the plan's rule problems.

#include <QWidget>
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

 signals:
  void moveRequested(int lesion_id, int to_session);
  void rejectRequested(int lesion_id);
  void lesionSelected(int lesion_id);
  void reviewChanged(int session, const QString& status, const QString& comment);

 private:
  QWidget* sessionPage(const planning::TreatmentPlan& plan, const planning::PlanSession* s,
                       int max_sessions);
  Mode mode_;
  QTabWidget* tabs_ = nullptr;
  QHBoxLayout* columns_ = nullptr;
  QLabel* header_ = nullptr;
  QLabel* problems_ = nullptr;
  std::vector<LesionTable*> tables_;
  std::vector<QWidget*> pages_;
};

}  // namespace rfa::gui
