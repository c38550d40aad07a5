#pragma once
/// \file screenshot.h
/// \brief `rfaplan-gui --screenshot`: opens an input in the real main window (and plans it when
/// asked), renders one screen and writes it as PNG; used for docs/ screens and by the tests.

#include <QSize>
#include <QString>
#include <QSurfaceFormat>

namespace rfa::gui {

/// The OpenGL format the VTK views need: 3.2 core profile, depth and stencil buffers. Set it as
/// the default before the QApplication exists.
QSurfaceFormat defaultSurfaceFormat();

struct ScreenshotRequest {
  QString input;
  QString output;
  QString layout = QStringLiteral("mpr");  ///< "mpr", "3d", "ultrasound", "board", "followup"
  bool plan = false;                       ///< plan an image input first (preview model)
  QString followup;  ///< a follow-up image of the (saved) plan INPUT, reviewed first ("" = none)
  QSize size{1600, 1000};
};

/// Runs the request; returns the process exit code (0 written; the rfaplan exit code of a load or
/// planning error; 2 bad layout; 8 the PNG could not be written). Messages go to stderr.
int runScreenshot(const ScreenshotRequest& request);

}  // namespace rfa::gui
