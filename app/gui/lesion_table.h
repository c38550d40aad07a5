#pragma once
/// \file lesion_table.h
/// \brief The lesions of one session (or the unscheduled ones) as a table: id, diameter,
/// electrode and ablations, minimal margin (preview / bioheat-confirmed), path length, flag and
/// reason. Lesions are dragged between tables (or moved by the context menu) to another session.

#include <QTreeWidget>

#include "rfa/planning/plan.h"

namespace rfa::gui {

class LesionTable : public QTreeWidget {
  Q_OBJECT
 public:
  /// `session`: 1-based session this table shows; 0: the lesions not scheduled.
  LesionTable(int session, QWidget* parent = nullptr);
  int session() const { return session_; }
  /// Fills the table from `plan` (the lesions whose PlanLesion::session is this table's).
  void setPlan(const planning::TreatmentPlan& plan, int max_sessions);
  /// The lesion ids shown, in order.
  std::vector<int> lesionIds() const;

  static constexpr const char* kMimeType = "application/x-rfaplan-lesion";

 signals:
  void moveRequested(int lesion_id, int to_session);
  void lesionSelected(int lesion_id);

 protected:
  void startDrag(Qt::DropActions actions) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dragMoveEvent(QDragMoveEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void contextMenuEvent(QContextMenuEvent* e) override;

 private:
  int session_ = 0;
  int sessions_in_plan_ = 0;
  int max_sessions_ = 3;
};

/// Text of one lesion's minimal margin: "6.2 (sim 5.1)" mm.
QString marginText(const planning::PlanLesion& l);

}  // namespace rfa::gui
