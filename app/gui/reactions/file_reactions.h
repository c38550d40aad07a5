#pragma once
/// \file file_reactions.h
/// \brief The File menu's reactions (reaction.h): open a DICOM folder, a plan or volume file, a
/// series from a PACS; save the plan (to its file, or as); export the saved plan (RT Structure
/// Set, SEG, PDF report) to a file or send it to a PACS.

#include "reactions/reaction.h"
#include "rfa/workflow/exports.h"

namespace rfa::gui {

/// File > Open DICOM folder: a folder dialog, then MainWindow::openPath(). Enabled when idle.
class OpenFolderReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
};

/// File > Open plan or volume file: a file dialog (*.json *.nrrd *.nii *.nii.gz *.mha), then
/// MainWindow::openPath(). Enabled when idle.
class OpenFileReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
};

/// File > Open from PACS: the PACS dialog (find, then retrieve one series), after asking before
/// losing unsaved changes. Enabled when idle.
class OpenFromPacsReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
};

/// File > Open follow-up of the plan: asks for the follow-up folder (sessions done as the
/// follow-up page's spin box says) and reviews it against the saved plan. Enabled when a plan
/// exists and no job runs.
class OpenFollowupReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override;
};

/// File > Save plan (to its file; asks for one when it has none) or Save plan as (always asks).
/// Enabled when a plan exists and no job runs.
class SavePlanReaction : public Reaction {
  Q_OBJECT
 public:
  enum class Mode { kSave, kSaveAs };
  SavePlanReaction(QAction* action, MainWindow& window, Mode mode);

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override;

 private:
  Mode mode_;
};

/// File > Export > one kind of the saved plan (saved first when needed), to a file
/// (MainWindow::exportAs()) or, for an RT Structure Set or SEG, to a PACS (the PACS dialog, then a
/// C-STORE). Enabled when a plan exists and no job runs.
class ExportReaction : public Reaction {
  Q_OBJECT
 public:
  enum class Destination { kFile, kPacs };
  ExportReaction(QAction* action, MainWindow& window, workflow::ExportKind kind,
                 Destination destination = Destination::kFile);

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override;

 private:
  workflow::ExportKind kind_;
  Destination destination_;
};

/// File > Export > For navigation: a folder for the saved plan's 3D Slicer Markups (needles and
/// targets, LPS) and OpenIGTLink messages (navigation::exportNavigation).
class NavigationExportReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override;
};

/// File > Export > De-identified research package: a folder for the saved plan, its CT,
/// segmentation, RTSTRUCT, SEG and report, de-identified (CaseController::exportResearchPackage).
class ResearchExportReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override;
};

}  // namespace rfa::gui
