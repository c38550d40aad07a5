#pragma once
/// \file edit_reactions.h
/// \brief The Edit menu's reactions (reaction.h): undo and redo one lesion edit (a click, a
/// brush or eraser stroke, a removal, the atlas liver). Each names the edit it would undo or redo
/// ("Undo brush stroke") and is enabled when there is one.

#include "reactions/reaction.h"

namespace rfa::gui {

/// Edit > Undo (`back`) or Edit > Redo.
class HistoryReaction : public Reaction {
  Q_OBJECT
 public:
  HistoryReaction(QAction* action, MainWindow& window, bool back);
  void updateEnableState() override;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override;

 private:
  bool back_;
};

}  // namespace rfa::gui
