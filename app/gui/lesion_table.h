#pragma once
/// \file lesion_table.h
/// \brief The lesions of one session (or the unscheduled ones) as a table: id, diameter,
/// electrode and ablations, minimal margin (preview / bioheat-confirmed), path length, flag and
/// reason, and how the lesion was found (given, automatic, to review, accepted; the candidate's
/// score and triage as tooltip). Lesions are dragged between tables (or moved by the context menu)
/// to another session; moving a "to review" candidate into a session accepts it. An automatic
/// candidate can be rejected from the context menu (removed from the segmentation).

#include <QTreeWidget>
#include <map>
#include <string>

class QMenu;

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
  /// Sessions a lesion of this table can be moved to (its context menu): the plan's sessions
  /// (numbered after the earlier ones of a re-plan) and one new session within max_sessions.
  std::vector<int> moveTargets() const;
  /// Adds the context-menu actions for lesion `lesion_id` of this table to `menu`: move (or, for a
  /// "to review" candidate, accept) into each move target, and reject for automatic candidates.
  void fillMenu(QMenu& menu, int lesion_id);

  static constexpr const char* kMimeType = "application/x-rfaplan-lesion";

 signals:
  void moveRequested(int lesion_id, int to_session);
  void rejectRequested(int lesion_id);  ///< an automatic candidate is not a lesion
  void lesionSelected(int lesion_id);

 protected:
  void startDrag(Qt::DropActions actions) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dragMoveEvent(QDragMoveEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void contextMenuEvent(QContextMenuEvent* e) override;

 private:
  int session_ = 0;
  int first_session_ = 1;  ///< the plan's first session number (earlier sessions + 1)
  int last_session_ = 0;   ///< the plan's last session number
  int max_sessions_ = 3;
  std::map<int, planning::Detection> detection_;  ///< lesion id -> PlanLesion::detection
};

/// Text of one lesion's minimal margin: "6.2 (sim 5.1)" mm.
QString marginText(const planning::PlanLesion& l);

}  // namespace rfa::gui
