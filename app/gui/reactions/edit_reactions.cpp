// The Edit menu's reactions (edit_reactions.h).
#include "reactions/edit_reactions.h"

#include <QAction>

#include "case_controller.h"
#include "main_window.h"

namespace rfa::gui {

HistoryReaction::HistoryReaction(QAction* action, MainWindow& window, bool back)
    : Reaction(action, window), back_(back) {}

void HistoryReaction::onTriggered(bool /*checked*/) {
  if (back_) {
    controller().undo();
  } else {
    controller().redo();
  }
}

bool HistoryReaction::enabledNow() const {
  const workflow::LesionEditHistory& h = controller().history();
  return back_ ? h.canUndo() : h.canRedo();
}

void HistoryReaction::updateEnableState() {
  Reaction::updateEnableState();
  const workflow::LesionEditHistory& h = controller().history();
  if (back_) {
    action()->setText(h.canUndo() ? tr("&Undo %1").arg(QString::fromStdString(h.undoText()))
                                  : tr("&Undo"));
  } else {
    action()->setText(h.canRedo() ? tr("&Redo %1").arg(QString::fromStdString(h.redoText()))
                                  : tr("&Redo"));
  }
}

}  // namespace rfa::gui
