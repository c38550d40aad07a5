#pragma once
/// \file reaction.h
/// \brief One user action of the workstation (a menu or toolbar QAction) and the object that
/// carries it out and decides when it can run: ParaView's pqReaction pattern. A reaction lives as
/// long as its action (it is the action's child), runs when the action is triggered, and updates
/// the action's enabled state whenever the case changes (opened, busy, plan, history). The
/// reactions hold no planning logic: they call CaseController / MainWindow, which call
/// rfa::workflow.

#include <QObject>

class QAction;

namespace rfa::gui {

class CaseController;
class MainWindow;

class Reaction : public QObject {
  Q_OBJECT
 public:
  /// Attaches to `action` (becomes its child) and to the window's controller signals. Create
  /// reactions with addReaction(), which also sets the first enabled state.
  Reaction(QAction* action, MainWindow& window);
  QAction* action() const { return action_; }
  /// action()->setEnabled(enabledNow()), plus what a subclass shows (e.g. its text).
  virtual void updateEnableState();

 protected:
  /// What the action does; `checked` for a checkable action.
  virtual void onTriggered(bool checked) = 0;
  /// Whether the action can run now. Default: no background job is running.
  virtual bool enabledNow() const;
  MainWindow& window() const { return window_; }
  CaseController& controller() const;
  /// A case is open and no background job runs.
  bool caseIdle() const;
  /// caseIdle() and the case has a plan.
  bool planIdle() const;

 private:
  QAction* action_;
  MainWindow& window_;
};

/// Creates a reaction of type `R` on `action` (constructor arguments: action, window, `args`)
/// and sets its first enabled state. \returns the reaction (owned by the action).
template <class R, class... Args>
R* addReaction(QAction* action, MainWindow& window, Args&&... args) {
  auto* r = new R(action, window, static_cast<Args&&>(args)...);
  r->updateEnableState();
  return r;
}

}  // namespace rfa::gui
