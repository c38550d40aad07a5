#pragma once
/// \file case_reactions.h
/// \brief The Tools and Help menus' reactions (reaction.h) on the open case: detect lesions
/// automatically, the liver from atlases, remove the lesion at the cursor, plan (preview model, or
/// confirmed by the bioheat simulation); About. The case actions are enabled when a case is open
/// and no job runs.

#include "reactions/reaction.h"

namespace rfa::gui {

/// Tools > Detect lesions automatically (CaseController::detectLesions()).
class DetectLesionsReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return caseIdle(); }
};

/// Tools > Liver from atlases: a folder of labelled images, then
/// CaseController::liverFromAtlases().
class LiverFromAtlasesReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return caseIdle(); }
};

/// Tools > Remove lesion at cursor (the lesion under the slice views' cursor; undoable).
class RemoveLesionAtCursorReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return caseIdle(); }
};

/// Tools > Plan (preview model), or Plan and confirm with simulation (`confirm`).
class PlanReaction : public Reaction {
  Q_OBJECT
 public:
  PlanReaction(QAction* action, MainWindow& window, bool confirm);

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return caseIdle(); }

 private:
  bool confirm_;
};

/// Help > About: what rfaplan is, and that it is for research use only.
class AboutReaction : public Reaction {
  Q_OBJECT
 public:
  AboutReaction(QAction* action, MainWindow& window, QString notice);

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return true; }

 private:
  QString notice_;
};

}  // namespace rfa::gui
