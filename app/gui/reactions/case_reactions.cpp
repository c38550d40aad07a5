// The Tools and Help menus' reactions (case_reactions.h).
#include "reactions/case_reactions.h"

#include <QFileDialog>
#include <QMessageBox>
#include <utility>

#include "case_controller.h"
#include "main_window.h"

namespace rfa::gui {

void DetectLesionsReaction::onTriggered(bool /*checked*/) {
  controller().detectLesions();
}

void LiverFromAtlasesReaction::onTriggered(bool /*checked*/) {
  const QString d = QFileDialog::getExistingDirectory(
      &window(), tr("Atlas folder: labelled images of other patients (image_<id> + label_<id>)"));
  if (!d.isEmpty()) controller().liverFromAtlases(d);
}

void RemoveLesionAtCursorReaction::onTriggered(bool /*checked*/) {
  if (const std::optional<Vec3> p = window().cursor()) controller().removeLesionAt(*p);
}

PlanReaction::PlanReaction(QAction* action, MainWindow& window, bool confirm)
    : Reaction(action, window), confirm_(confirm) {}

void PlanReaction::onTriggered(bool /*checked*/) {
  controller().plan(confirm_);
}

AboutReaction::AboutReaction(QAction* action, MainWindow& window, QString notice)
    : Reaction(action, window), notice_(std::move(notice)) {}

void AboutReaction::onTriggered(bool /*checked*/) {
  QMessageBox::about(&window(), tr("About rfaplan"),
                     tr("rfaplan — planning of ultrasound-guided radiofrequency ablation of "
                        "liver metastases.\n\n%1.\nA planning aid for research and tumour-board "
                        "discussion; every output must be checked by a physician.")
                         .arg(notice_));
}

}  // namespace rfa::gui
