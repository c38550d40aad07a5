// rfaplan-gui: the RFA planning workstation (Qt6 + VTK). RESEARCH USE ONLY.
//   rfaplan-gui [DIR|volume file|plan.json]
//   rfaplan-gui --screenshot OUT.png [--layout mpr|3d|ultrasound|board|followup] [--plan]
//               [--followup DIR] [--size WxH] INPUT
// Exit codes (screenshot mode): those of the rfaplan CLI for the input (README "Exit codes"),
// 2 bad usage, 8 the screenshot could not be written.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QImage>
#include <QSurfaceFormat>
#include <QTimer>
#include <cstdio>

#include "main_window.h"
#include "screenshot.h"

int main(int argc, char** argv) {
  QSurfaceFormat::setDefaultFormat(rfa::gui::defaultSurfaceFormat());
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("rfaplan"));
  QApplication::setOrganizationName(QStringLiteral("rfaplan"));
  QApplication::setApplicationVersion(QStringLiteral(RFAPLAN_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("rfaplan workstation: planning of ultrasound-guided RFA of liver metastases. "
                     "RESEARCH USE ONLY."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("INPUT"),
                               QStringLiteral("DICOM folder, phantom folder, volume file or plan"));
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QStringLiteral("Render one screen to OUT.png and exit"),
                                      QStringLiteral("OUT.png"));
  const QCommandLineOption layout(QStringLiteral("layout"),
                                  QStringLiteral("Screen to render: mpr, 3d, ultrasound, board or "
                                                 "followup"),
                                  QStringLiteral("LAYOUT"), QStringLiteral("mpr"));
  const QCommandLineOption plan(QStringLiteral("plan"),
                                QStringLiteral("Plan an image input (preview model) first"));
  const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size WxH"),
                                QStringLiteral("WxH"), QStringLiteral("1600x1000"));
  const QCommandLineOption followup(
      QStringLiteral("followup"),
      QStringLiteral("Review this follow-up image of the plan INPUT (after session 1) first"),
      QStringLiteral("DIR"));
  parser.addOptions({screenshot, layout, plan, size, followup});
  parser.process(app);

  const QStringList inputs = parser.positionalArguments();
  if (inputs.size() > 1) {
    std::fprintf(stderr, "rfaplan-gui: give at most one INPUT\n");
    return 2;
  }
  if (parser.isSet(screenshot)) {
    if (inputs.isEmpty()) {
      std::fprintf(stderr, "rfaplan-gui: --screenshot needs an INPUT\n");
      return 2;
    }
    rfa::gui::ScreenshotRequest r;
    r.input = inputs.front();
    r.output = parser.value(screenshot);
    r.layout = parser.value(layout);
    r.plan = parser.isSet(plan);
    r.followup = parser.value(followup);
    const QStringList wh = parser.value(size).split('x');
    if (wh.size() != 2 || wh[0].toInt() < 320 || wh[1].toInt() < 240) {
      std::fprintf(stderr, "rfaplan-gui: --size must be WxH with W >= 320 and H >= 240\n");
      return 2;
    }
    r.size = QSize(wh[0].toInt(), wh[1].toInt());
    return rfa::gui::runScreenshot(r);
  }

  rfa::gui::MainWindow window;
  window.show();
  if (!inputs.isEmpty()) {
    window.controller().open(inputs.front());
  } else {
    window.offerRecovery();
  }
  return QApplication::exec();
}
