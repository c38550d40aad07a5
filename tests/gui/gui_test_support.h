#pragma once
/// \file gui_test_support.h
/// \brief What the workstation's Qt Tests share: a watchdog of the UI thread, waiting with the
/// event loop running, drawing every view, pixel statistics and colours of view framebuffers.
/// Points are DICOM patient LPS in millimetres.
#include <QApplication>
#include <QColor>
#include <QElapsedTimer>
#include <QImage>
#include <QObject>
#include <QPoint>
#include <QSurfaceFormat>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "case_controller.h"
#include "main_window.h"
#include "rfa/core/volume.h"
#include "screenshot.h"
#include "vtk_view_widget.h"

namespace rfa::gui::test {

using rfa::gui::MainWindow;
using rfa::gui::VtkViewWidget;

/// Longest gaps between ticks of a 5 ms timer on the UI thread: how long the event loop was
/// blocked, split into gaps while the controller was busy (a background job running: loading,
/// segmenting, planning, simulating) and the others (applying a result, drawing frames).
class Watchdog : public QObject {
 public:
  explicit Watchdog(const rfa::gui::CaseController& c) : c_(c) {
    connect(&timer_, &QTimer::timeout, this, [this] {
      const qint64 now = clock_.nsecsElapsed();
      const bool busy = c_.busy();
      if (last_ >= 0) {
        const double gap = static_cast<double>(now - last_) / 1e6;
        if (busy && last_busy_) {
          worst_busy_ms_ = std::max(worst_busy_ms_, gap);
        } else {
          worst_other_ms_ = std::max(worst_other_ms_, gap);
        }
      }
      last_ = now;
      last_busy_ = busy;
    });
    clock_.start();
    timer_.start(5);
  }
  /// Longest block while a job ran (ms).
  double worstBusyMs() const { return worst_busy_ms_; }
  /// Longest block otherwise: applying results, first frames (shader compilation), repaints.
  double worstOtherMs() const { return worst_other_ms_; }
  void reset() {
    worst_busy_ms_ = worst_other_ms_ = 0;
    last_ = -1;
  }

 private:
  const rfa::gui::CaseController& c_;
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ = -1;
  bool last_busy_ = false;
  double worst_busy_ms_ = 0;
  double worst_other_ms_ = 0;
};

/// Waits (event loop running) until `done` or the timeout.
template <class F>
bool waitFor(F done, int timeout_ms = 120000) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeout_ms) return false;
    QApplication::processEvents(QEventLoop::AllEvents, 20);
  }
  return true;
}

/// Lets every visible view draw at least `frames` more frames.
inline void drawAll(MainWindow& w, int frames = 2) {
  std::array<int, 4> start{};
  for (int i = 0; i < 4; ++i) {
    if (w.view(i) != nullptr) {
      start[static_cast<std::size_t>(i)] = w.view(i)->framesDrawn();
      w.view(i)->update();
    }
  }
  waitFor([&] {
    for (int i = 0; i < 4; ++i) {
      VtkViewWidget* v = w.view(i);
      if (v == nullptr || !v->isVisible()) continue;
      if (v->framesDrawn() < start[static_cast<std::size_t>(i)] + frames) {
        v->update();
        return false;
      }
    }
    return true;
  });
}

struct Stats {
  double mean = 0, sd = 0;
};
inline Stats greyStats(const QImage& img) {
  double s = 0, s2 = 0;
  const int n = img.width() * img.height();
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      const double g = qGray(img.pixel(x, y));
      s += g;
      s2 += g * g;
    }
  }
  const double m = s / n;
  return {m, std::sqrt(std::max(0.0, s2 / n - m * m))};
}

/// Mean colour of a 5x5 block around a widget pixel of a view's framebuffer.
inline QColor meanColour(const QImage& img, QPoint p, double ratio) {
  const int cx = static_cast<int>(std::lround(p.x() * ratio));
  const int cy = static_cast<int>(std::lround(p.y() * ratio));
  double r = 0, g = 0, b = 0;
  int n = 0;
  for (int y = cy - 2; y <= cy + 2; ++y) {
    for (int x = cx - 2; x <= cx + 2; ++x) {
      if (x < 0 || y < 0 || x >= img.width() || y >= img.height()) continue;
      const QRgb c = img.pixel(x, y);
      r += qRed(c);
      g += qGreen(c);
      b += qBlue(c);
      ++n;
    }
  }
  if (n == 0) return {};
  return QColor(static_cast<int>(r / n), static_cast<int>(g / n), static_cast<int>(b / n));
}

inline int voxelLabel(const rfa::LabelMap& labels, const rfa::Vec3& p_lps) {
  const rfa::Vec3 idx = labels.geometry().lpsToIndex(p_lps);
  const rfa::Size3 n = labels.geometry().size();
  const auto i = static_cast<std::size_t>(std::lround(idx.x()));
  const auto j = static_cast<std::size_t>(std::lround(idx.y()));
  const auto k = static_cast<std::size_t>(std::lround(idx.z()));
  return labels.data()[i + n[0] * (j + n[1] * k)];
}

/// The main() of a workstation Qt Test: exits 77 (ctest: skipped) saying so without a display,
/// else makes the QApplication (OpenGL surface format of the workstation when `gl`), the test
/// object `T` and runs it.
template <class T>
int guiTestMain(int argc, char** argv, const char* application_name, bool gl = true) {
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
    std::printf(
        "SKIPPED: no display; run under xvfb-run -a -s \"-screen 0 1280x1024x24\" (ctest does "
        "this when xvfb-run is installed)\n");
    return 77;
  }
  if (gl) QSurfaceFormat::setDefaultFormat(rfa::gui::defaultSurfaceFormat());
  QApplication app(argc, argv);
  QApplication::setApplicationName(QString::fromUtf8(application_name));
  T test;
  return QTest::qExec(&test, argc, argv);
}

}  // namespace rfa::gui::test
