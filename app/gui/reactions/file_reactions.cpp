// The File menu's reactions (file_reactions.h).
#include "reactions/file_reactions.h"

#include <QDialog>
#include <QFileDialog>

#include "case_controller.h"
#include "followup_panel.h"
#include "main_window.h"
#include "pacs_dialog.h"

namespace rfa::gui {

void OpenFolderReaction::onTriggered(bool /*checked*/) {
  const QString d = QFileDialog::getExistingDirectory(&window(), tr("DICOM folder"));
  if (!d.isEmpty()) window().openPath(d);
}

void OpenFileReaction::onTriggered(bool /*checked*/) {
  const QString f =
      QFileDialog::getOpenFileName(&window(), tr("Plan or volume"), {},
                                   tr("Plans and volumes (*.json *.nrrd *.nii *.nii.gz *.mha)"));
  if (!f.isEmpty()) window().openPath(f);
}

void OpenFromPacsReaction::onTriggered(bool /*checked*/) {
  if (!window().confirmDiscard()) return;
  PacsDialog dialog(PacsDialog::Mode::kOpen, &window());
  if (dialog.exec() != QDialog::Accepted || dialog.seriesUid().isEmpty()) return;
  controller().openFromPacs(dialog.node(), dialog.studyUid(), dialog.seriesUid());
}

void OpenFollowupReaction::onTriggered(bool /*checked*/) {
  window().openFollowupFolder(window().followupPanel()->sessionsDone());
}

bool OpenFollowupReaction::enabledNow() const {
  return planIdle();
}

SavePlanReaction::SavePlanReaction(QAction* action, MainWindow& window, Mode mode)
    : Reaction(action, window), mode_(mode) {}

void SavePlanReaction::onTriggered(bool /*checked*/) {
  const bool ask = mode_ == Mode::kSaveAs || controller().state()->plan_file.empty();
  if (!ask) {
    controller().savePlan();
    return;
  }
  const QString f = QFileDialog::getSaveFileName(&window(), tr("Save plan"),
                                                 QStringLiteral("plan.json"), tr("Plans (*.json)"));
  if (!f.isEmpty()) controller().savePlan(f);
}

bool SavePlanReaction::enabledNow() const {
  return planIdle();
}

ExportReaction::ExportReaction(QAction* action, MainWindow& window, workflow::ExportKind kind,
                               Destination destination)
    : Reaction(action, window), kind_(kind), destination_(destination) {}

void ExportReaction::onTriggered(bool /*checked*/) {
  if (destination_ == Destination::kFile) {
    window().exportAs(kind_);
    return;
  }
  PacsDialog dialog(PacsDialog::Mode::kSend, &window());
  if (dialog.exec() == QDialog::Accepted) controller().sendToPacs(dialog.node(), kind_);
}

bool ExportReaction::enabledNow() const {
  return planIdle();
}

void NavigationExportReaction::onTriggered(bool /*checked*/) {
  const QString dir = QFileDialog::getExistingDirectory(
      &window(), tr("Export for navigation: choose a folder (plan.mrk.json, plan.igtl)"));
  if (!dir.isEmpty()) controller().exportNavigation(dir);
}

bool NavigationExportReaction::enabledNow() const {
  return planIdle();
}

void ResearchExportReaction::onTriggered(bool /*checked*/) {
  const QString dir = QFileDialog::getExistingDirectory(
      &window(), tr("De-identified research package: choose an empty folder"));
  if (!dir.isEmpty()) controller().exportResearchPackage(dir);
}

bool ResearchExportReaction::enabledNow() const {
  return planIdle();
}

}  // namespace rfa::gui
