// The View menu's reactions (view_reactions.h).
#include "reactions/view_reactions.h"

#include "rfa/render/views.h"
#include "vtk_view_widget.h"

namespace rfa::gui {

LayoutReaction::LayoutReaction(QAction* action, MainWindow& window, MainWindow::Layout layout)
    : Reaction(action, window), layout_(layout) {}

void LayoutReaction::onTriggered(bool /*checked*/) {
  window().setLayoutMode(layout_);
}

void CrosshairReaction::onTriggered(bool checked) {
  for (VtkViewWidget* v : window().sliceViews()) {
    v->sliceView()->setCrosshairVisible(checked);
    v->update();
  }
}

void VolumeRenderingReaction::onTriggered(bool checked) {
  if (VtkViewWidget* v = window().view(MainWindow::ViewRole::k3d)) {
    v->volumeView()->setVolumeVisible(checked);
    v->update();
  }
}

}  // namespace rfa::gui
