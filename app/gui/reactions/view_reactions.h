#pragma once
/// \file view_reactions.h
/// \brief The View menu's reactions (reaction.h): the layout (MPR + 3D, 3D, tumour board), the
/// slice views' crosshair, the 3D view's volume rendering. Always enabled (they change how the
/// case is shown, not the case).

#include "main_window.h"
#include "reactions/reaction.h"

namespace rfa::gui {

/// View > one layout (a checkable action of an exclusive group).
class LayoutReaction : public Reaction {
  Q_OBJECT
 public:
  LayoutReaction(QAction* action, MainWindow& window, MainWindow::Layout layout);

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return true; }

 private:
  MainWindow::Layout layout_;
};

/// View > Crosshair (checkable): shown or hidden in every slice view.
class CrosshairReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return true; }
};

/// View > 3D volume rendering (checkable): the CT's ray-cast volume in the 3D view.
class VolumeRenderingReaction : public Reaction {
  Q_OBJECT
 public:
  using Reaction::Reaction;

 protected:
  void onTriggered(bool checked) override;
  bool enabledNow() const override { return true; }
};

}  // namespace rfa::gui
