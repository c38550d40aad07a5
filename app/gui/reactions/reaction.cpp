// The base of the workstation's reactions (reaction.h).
#include "reactions/reaction.h"

#include <QAction>

#include "case_controller.h"
#include "main_window.h"

namespace rfa::gui {

Reaction::Reaction(QAction* action, MainWindow& window)
    : QObject(action), action_(action), window_(window) {
  connect(action, &QAction::triggered, this, [this](bool checked) { onTriggered(checked); });
  CaseController& c = window.controller();
  connect(&c, &CaseController::busyChanged, this, &Reaction::updateEnableState);
  connect(&c, &CaseController::caseOpened, this, &Reaction::updateEnableState);
  connect(&c, &CaseController::planChanged, this, &Reaction::updateEnableState);
  connect(&c, &CaseController::historyChanged, this, &Reaction::updateEnableState);
}

void Reaction::updateEnableState() {
  action_->setEnabled(enabledNow());
}

bool Reaction::enabledNow() const {
  return !window_.controller().busy();
}

CaseController& Reaction::controller() const {
  return window_.controller();
}

bool Reaction::caseIdle() const {
  return controller().hasCase() && !controller().busy();
}

bool Reaction::planIdle() const {
  return caseIdle() && controller().state()->plan.has_value();
}

}  // namespace rfa::gui
