#include "screenshot.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPixmap>
#include <cstdio>
#include <vector>

#include "followup_panel.h"
#include "main_window.h"
#include "vtk_view_widget.h"

namespace rfa::gui {

QSurfaceFormat defaultSurfaceFormat() {
  QSurfaceFormat f;
  f.setRenderableType(QSurfaceFormat::OpenGL);
  f.setVersion(3, 2);
  f.setProfile(QSurfaceFormat::CoreProfile);
  f.setDepthBufferSize(24);
  f.setStencilBufferSize(8);
  f.setAlphaBufferSize(0);  // an alpha channel would let the window show through the views
  f.setSamples(0);
  return f;
}

int runScreenshot(const ScreenshotRequest& request) {
  MainWindow::Layout layout = MainWindow::Layout::kMpr;
  if (request.layout == QLatin1String("3d")) {
    layout = MainWindow::Layout::k3d;
  } else if (request.layout == QLatin1String("board")) {
    layout = MainWindow::Layout::kBoard;
  } else if (request.layout == QLatin1String("ultrasound")) {
    layout = MainWindow::Layout::kUltrasound;
  } else if (request.layout == QLatin1String("followup")) {
    layout = MainWindow::Layout::kFollowup;
  } else if (request.layout != QLatin1String("mpr")) {
    std::fprintf(stderr,
                 "rfaplan-gui: --layout must be mpr, 3d, ultrasound, board or followup (got "
                 "'%s')\n",
                 qPrintable(request.layout));
    return 2;
  }
  MainWindow window;
  window.resize(request.size);
  window.show();
  CaseController& c = window.controller();
  c.open(request.input);
  c.waitIdle();
  if (!c.hasCase()) {
    std::fprintf(stderr, "rfaplan-gui: %s\n", qPrintable(window.lastError()));
    return c.lastErrorCode() != 0 ? c.lastErrorCode() : 1;
  }
  if (request.plan && !c.state()->plan) {
    c.plan(false);
    c.waitIdle();
    if (!c.state()->plan) {
      std::fprintf(stderr, "rfaplan-gui: %s\n", qPrintable(window.lastError()));
      return c.lastErrorCode() != 0 ? c.lastErrorCode() : 1;
    }
  }
  // Centre the slice views on the first lesion when there is one: the screen then shows it.
  if (c.state()->plan && !c.state()->plan->lesions.empty()) {
    window.setCursor(c.state()->plan->lesions.front().centroid_lps);
  }
  if (!request.followup.isEmpty()) {
    c.openFollowup(request.followup, 1);
    c.waitIdle();
    if (!c.followup()) {
      std::fprintf(stderr, "rfaplan-gui: %s\n", qPrintable(window.lastError()));
      return c.lastErrorCode() != 0 ? c.lastErrorCode() : 1;
    }
  }
  window.setLayoutMode(layout);
  c.waitIdle();  // the board's pictures are made in the background
  std::vector<VtkViewWidget*> views;
  for (int i = 0; i < 4; ++i) views.push_back(window.view(i));
  if (FollowupPanel* f = window.followupPanel()) {
    views.insert(views.end(), {f->planningView(), f->followupView(), f->followup3dView()});
  }
  // Let every visible view draw at least twice (first frame sets up the GL resources).
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < 20000) {
    QApplication::processEvents(QEventLoop::AllEvents, 50);
    bool drawn = true;
    for (VtkViewWidget* v : views) {
      if (v != nullptr && v->isVisible() && v->framesDrawn() < 2) {
        drawn = false;
        v->update();
      }
    }
    if (drawn && timer.elapsed() > 300) break;
  }
  const QImage image = window.grab().toImage();
  if (image.isNull() || !image.save(request.output, "PNG")) {
    std::fprintf(stderr, "rfaplan-gui: cannot write the screenshot %s\n",
                 qPrintable(request.output));
    return 8;
  }
  std::printf("screenshot %s: %dx%d, layout %s\nRESEARCH USE ONLY\n", qPrintable(request.output),
              image.width(), image.height(), qPrintable(request.layout));
  return 0;
}

}  // namespace rfa::gui
