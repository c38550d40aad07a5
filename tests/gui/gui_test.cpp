// Qt Test of the real rfaplan workstation under Xvfb (Mesa llvmpipe): opens a generated phantom,
// segments lesions by simulated clicks, plans, switches and moves sessions, saves and exports an
// RT Structure Set, checking the plan model after each step and the pixels of each view; a
// watchdog timer measures how long the UI thread is ever blocked while loading and planning.
// Without an X display the program exits with 77 (ctest: skipped) saying so.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "gui_test_support.h"
#include "lesion_table.h"
#include "main_window.h"
#include "orthanc_server.h"
#include "pacs_dialog.h"
#include "rfa/audit/audit_log.h"
#include "rfa/dicomexport/rtstruct.h"
#include "rfa/pacs/pacs.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/planning/plan_io.h"
#include "screenshot.h"
#include "sessions_widget.h"
#include "ultrasound_panel.h"
#include "vtk_view_widget.h"

namespace fs = std::filesystem;
using rfa::gui::MainWindow;
using rfa::gui::VtkViewWidget;

using namespace rfa::gui::test;  // NOLINT(google-build-using-namespace): test helpers

class GuiTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void workflowOnPhantom();
  void errorsKeepTheAppRunning();
  void seriesBrowser();
  void pacsOpenAndSend();
  void pacsOverTls();
  void crashRecovery();
  void screenshotCommand();
  void replanSessionNumbering();
  void candidateTriageInTheTables();
  void liverFromAtlasesActionAndItsErrors();
  void actionsAreEnabledWhenTheyCanRun();
  void ultrasoundLayout();
  void boardScreen();

 private:
  QTemporaryDir tmp_;
  rfa::phantom::Phantom phantom_;
  QString phantom_dir_;
};

void GuiTest::initTestCase() {
  QVERIFY(tmp_.isValid());
  rfa::phantom::PhantomOptions o;
  o.size = {160, 160, 80};
  o.spacing_mm = {2.4, 2.4, 2.5};
  o.lesions = 2;
  o.min_lesion_diameter_mm = 18;
  o.max_lesion_diameter_mm = 24;
  o.seed = 7;
  phantom_ = rfa::phantom::generatePhantom(o);
  phantom_dir_ = tmp_.filePath(QStringLiteral("phantom"));
  rfa::phantom::writePhantomFolder(phantom_, phantom_dir_.toStdString());
}

void GuiTest::workflowOnPhantom() {
  MainWindow w;
  w.resize(1400, 900);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  rfa::gui::CaseController& c = w.controller();
  Watchdog dog(c);
  double worst_busy_ms = 0;
  auto job = [&](const char* what) {
    worst_busy_ms = std::max(worst_busy_ms, dog.worstBusyMs());
    std::printf(
        "UI thread longest block while %s: %.1f ms during the job, %.1f ms applying the "
        "result and drawing\n",
        what, dog.worstBusyMs(), dog.worstOtherMs());
  };

  // 1. Open the phantom (DICOM CT of the phantom folder) in the background.
  dog.reset();
  c.open(phantom_dir_);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.hasCase(), qPrintable(w.lastError()));
  drawAll(w);
  job("loading");

  // Every view draws something: not a blank screen.
  for (int i = 0; i < 4; ++i) {
    QVERIFY2(w.view(i) != nullptr, "no view after opening a case");
    const QImage img = w.view(i)->grabFramebuffer();
    if (qEnvironmentVariableIsSet("RFA_GUI_TEST_SAVE")) {
      img.save(qEnvironmentVariable("RFA_GUI_TEST_SAVE") + "/view-" + w.view(i)->viewName() +
               ".png");
    }
    const Stats s = greyStats(img);
    std::printf("view %s: %dx%d mean %.1f sd %.1f\n", qPrintable(w.view(i)->viewName()),
                img.width(), img.height(), s.mean, s.sd);
    // The 3D view shows the CT's outline only (no layer yet; volume rendering is off on
    // software OpenGL): a weaker check there.
    QVERIFY2(s.sd > (i == 3 ? 1.0 : 10.0), qPrintable(w.view(i)->viewName()));
  }

  // 2. Segment both lesions by a click at their centres in the axial view (seed tool).
  w.seedToolAction()->setChecked(true);
  VtkViewWidget* axial = w.view(0);
  for (const auto& truth : phantom_.lesion_truth) {
    w.setCursor(truth.center_lps);
    drawAll(w, 1);
    const QPoint px = axial->lpsToWidget(truth.center_lps);
    // The click lands where the truth lesion is: the inverse mapping agrees within a voxel.
    QVERIFY((axial->widgetToLps(px) - truth.center_lps).norm() < 3.0);
    dog.reset();
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, px);
    QVERIFY(waitFor([&] { return !c.busy(); }));
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    const auto& lesions = c.state()->segmentation.lesions;
    QVERIFY(lesions.has_value());
    const int label = voxelLabel(*lesions, truth.center_lps);
    QVERIFY2(label > 0, "the click made no lesion at the clicked point");
    // Dice of the segmented lesion against the phantom's truth.
    std::size_t both = 0, a = 0, b = 0;
    for (std::size_t v = 0; v < lesions->data().size(); ++v) {
      const bool s = lesions->data()[v] == label;
      const bool t = phantom_.lesions.data()[v] == truth.label;
      both += (s && t) ? 1 : 0;
      a += s ? 1 : 0;
      b += t ? 1 : 0;
    }
    const double dice = 2.0 * static_cast<double>(both) / static_cast<double>(a + b);
    std::printf("lesion by click at (%.1f, %.1f, %.1f): label %d, Dice %.3f\n",
                truth.center_lps.x(), truth.center_lps.y(), truth.center_lps.z(), label, dice);
    QVERIFY(dice > 0.8);
    drawAll(w, 1);
    job("segmenting a lesion");
    // The lesion overlay (yellow) shows at the clicked pixel.
    const QColor col = meanColour(axial->grabFramebuffer(), px, axial->devicePixelRatioF());
    std::printf("axial pixel at the lesion: rgb %d %d %d\n", col.red(), col.green(), col.blue());
    QVERIFY(col.red() > col.blue() + 30 && col.green() > col.blue() + 30);
  }
  w.seedToolAction()->setChecked(false);
  QCOMPARE(c.state()->segmentation.lesions.has_value(), true);

  // 2b. Brush and eraser by mouse drags, undone and redone (one step per stroke).
  {
    const auto& truth = phantom_.lesion_truth.front();
    const int label = voxelLabel(*c.state()->segmentation.lesions, truth.center_lps);
    auto count = [&] {
      std::size_t n = 0;
      for (const auto v : c.state()->segmentation.lesions->data()) n += v == label ? 1 : 0;
      return n;
    };
    const std::size_t before = count();
    w.setCursor(truth.center_lps);
    drawAll(w, 1);
    // Drag from the lesion's centre 15 mm towards the patient's left (screen right, axial).
    const QPoint a = axial->lpsToWidget(truth.center_lps);
    const QPoint b = axial->lpsToWidget(truth.center_lps + rfa::Vec3(15, 0, 0));
    w.brushToolAction()->setChecked(true);
    QTest::mousePress(axial, Qt::LeftButton, Qt::NoModifier, a);
    for (int s = 1; s <= 5; ++s) {
      QMouseEvent move(QEvent::MouseMove, QPointF(a + (b - a) * s / 5),
                       axial->mapToGlobal(QPointF(a + (b - a) * s / 5)), Qt::LeftButton,
                       Qt::LeftButton, Qt::NoModifier);
      QApplication::sendEvent(axial, &move);
    }
    QTest::mouseRelease(axial, Qt::LeftButton, Qt::NoModifier, b);
    const std::size_t painted = count();
    std::printf("brush stroke: L%d %zu -> %zu voxels; undo: %s\n", label, before, painted,
                qPrintable(w.undoAction()->text()));
    QVERIFY(painted > before);
    QVERIFY(w.undoAction()->isEnabled());
    w.undoAction()->trigger();
    QCOMPARE(count(), before);
    w.redoAction()->trigger();
    QCOMPARE(count(), painted);
    w.undoAction()->trigger();
    // Eraser at the centre: fewer voxels; undone.
    w.eraserToolAction()->setChecked(true);
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, a);
    const std::size_t erased = count();
    std::printf("eraser: L%d %zu -> %zu voxels\n", label, before, erased);
    QVERIFY(erased < before);
    w.undoAction()->trigger();
    QCOMPARE(count(), before);
    w.eraserToolAction()->setChecked(false);
    QVERIFY(w.lastError().isEmpty());
    // Ruler: a drag over 30 mm (patient right to left) measures 30 mm within a pixel's size.
    w.rulerToolAction()->setChecked(true);
    const QPoint r0 = axial->lpsToWidget(truth.center_lps - rfa::Vec3(15, 0, 0));
    const QPoint r1 = axial->lpsToWidget(truth.center_lps + rfa::Vec3(15, 0, 0));
    QTest::mousePress(axial, Qt::LeftButton, Qt::NoModifier, r0);
    QMouseEvent move(QEvent::MouseMove, QPointF(r1), axial->mapToGlobal(QPointF(r1)),
                     Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(axial, &move);
    QTest::mouseRelease(axial, Qt::LeftButton, Qt::NoModifier, r1);
    const auto length = axial->sliceView()->rulerLengthMm();
    QVERIFY(length.has_value());
    const double px_mm = 30.0 / std::max(1, std::abs(r1.x() - r0.x()));
    std::printf("ruler: %.2f mm for 30 mm (%.2f mm per pixel)\n", *length, px_mm);
    QVERIFY(std::abs(*length - 30.0) <= 2 * px_mm);
    w.rulerToolAction()->setChecked(false);
  }

  // 3. Plan (preview model) in the background; the UI thread stays responsive.
  dog.reset();
  QVERIFY(w.view(3)->grabFramebuffer() != QImage());
  {
    // The 3D view shows the lesion surfaces (yellow) now.
    const QImage v3 = w.view(3)->grabFramebuffer();
    int yellow = 0;
    for (int y = 0; y < v3.height(); ++y) {
      for (int x = 0; x < v3.width(); ++x) {
        const QRgb p = v3.pixel(x, y);
        yellow += (qRed(p) > 120 && qGreen(p) > 100 && qBlue(p) < qRed(p) / 2) ? 1 : 0;
      }
    }
    std::printf("3D view: %d yellow (lesion surface) pixels\n", yellow);
    QVERIFY(yellow > 30);
  }
  c.plan(false);
  QVERIFY(c.busy());
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.state()->plan.has_value(), qPrintable(w.lastError()));
  drawAll(w);
  job("planning");
  // Steady frame times of the four views (llvmpipe here), ms.
  for (int i = 0; i < 4; ++i) {
    w.view(i)->update();
    drawAll(w, 1);
    std::printf("frame %s: %.1f ms\n", qPrintable(w.view(i)->viewName()), w.view(i)->lastFrameMs());
  }
  const rfa::planning::TreatmentPlan& plan = *c.state()->plan;
  QCOMPARE(plan.lesions.size(), phantom_.lesion_truth.size());
  QVERIFY(!plan.sessions.empty());
  for (const auto& l : plan.lesions) {
    QVERIFY2(l.session > 0 || !plan.unplaced.empty(), "a lesion is neither scheduled nor listed");
  }
  // The session tabs list the plan: session 1 holds its lesions.
  rfa::gui::LesionTable* t1 = w.sessionTabs()->table(1);
  QVERIFY(t1 != nullptr);
  QCOMPARE(t1->lesionIds().size(), plan.sessions.front().lesion_ids.size());

  // The zone overlay (session 1 green) shows at the first placement's tip in the axial view.
  const auto& first = plan.lesions.front();
  QVERIFY(!first.placements.empty());
  w.setCursor(first.placements.front().tip_lps);
  drawAll(w, 1);
  {
    const QPoint px = axial->lpsToWidget(first.placements.front().tip_lps);
    const QColor col = meanColour(axial->grabFramebuffer(), px, axial->devicePixelRatioF());
    std::printf("axial pixel at the first tip after planning: rgb %d %d %d\n", col.red(),
                col.green(), col.blue());
    QVERIFY(col.green() > col.blue() + 20);
    const QImage v3 = w.view(3)->grabFramebuffer();
    QVERIFY(greyStats(v3).sd > 10);
  }

  // 3b. Drag the first needle's tip 4 mm (patient left, in the axial plane): live preview, then
  // the plan holds the new tip and its preview zone moved with it.
  {
    const rfa::Vec3 tip = plan.lesions.front().placements.front().tip_lps;
    const rfa::Vec3 zone_centre = plan.lesions.front().placements.front().zone.centre_lps;
    w.setCursor(tip);
    drawAll(w, 1);
    w.needleToolAction()->setChecked(true);
    const QPoint p0 = axial->lpsToWidget(tip);
    const QPoint p1 = axial->lpsToWidget(tip + rfa::Vec3(4, 0, 0));
    QTest::mousePress(axial, Qt::LeftButton, Qt::NoModifier, p0);
    QMouseEvent move(QEvent::MouseMove, QPointF(p1), axial->mapToGlobal(QPointF(p1)),
                     Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(axial, &move);
    QVERIFY(c.scene()->layer("zone-preview") != nullptr);
    QTest::mouseRelease(axial, Qt::LeftButton, Qt::NoModifier, p1);
    w.needleToolAction()->setChecked(false);
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QVERIFY(c.scene()->layer("zone-preview") == nullptr);
    const auto& moved_placement = c.state()->plan->lesions.front().placements.front();
    const rfa::Vec3 released = axial->widgetToLps(p1);
    std::printf("needle tip dragged %.2f mm; zone centre moved %.2f mm; preview margin %.1f mm\n",
                (moved_placement.tip_lps - tip).norm(),
                (moved_placement.zone.centre_lps - zone_centre).norm(),
                c.lastNeedlePreviewMarginMm());
    QVERIFY((moved_placement.tip_lps - released).norm() < 1e-3);
    QVERIFY((moved_placement.tip_lps - tip).norm() > 2.0);
    QVERIFY((moved_placement.zone.centre_lps - zone_centre).norm() > 1.0);
    QVERIFY(c.unsavedChanges());
  }

  // 4. Switch sessions and move a lesion into a new session; the plan is re-validated.
  const int moved = plan.sessions.front().lesion_ids.back();
  const int sessions_before = static_cast<int>(plan.sessions.size());
  QVERIFY(c.moveLesion(moved, sessions_before + 1));
  const rfa::planning::TreatmentPlan& after = *c.state()->plan;
  QCOMPARE(static_cast<int>(after.sessions.size()), sessions_before + 1);
  for (const auto& l : after.lesions) {
    if (l.id == moved) QCOMPARE(l.session, sessions_before + 1);
  }
  std::printf("after moving L%d: %zu session(s), %lld problem(s)\n", moved, after.sessions.size(),
              static_cast<long long>(c.problems().size()));
  for (const QString& p : c.problems()) std::printf("  %s\n", qPrintable(p));
  w.sessionTabs()->showSession(sessions_before + 1);
  QCOMPARE(w.sessionTabs()->currentSession(), sessions_before + 1);
  QVERIFY(w.sessionTabs()->table(sessions_before + 1) != nullptr);
  QCOMPARE(w.sessionTabs()->table(sessions_before + 1)->lesionIds(), std::vector<int>{moved});
  QVERIFY(c.unsavedChanges());

  // Tumour-board page shows the sessions side by side; a review is stored in the plan.
  w.setLayoutMode(MainWindow::Layout::kBoard);
  QVERIFY(w.board()->table(1) != nullptr);
  QVERIFY(w.board()->table(sessions_before + 1) != nullptr);
  // Approved while the board's pictures are still being made: stored when they are done.
  QVERIFY(c.busy());
  c.setReview(1, QStringLiteral("approved"), QStringLiteral("ok by the board"));
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY(c.state()->plan->sessions.front().review_status ==
          rfa::planning::ReviewStatus::kApproved);
  w.setLayoutMode(MainWindow::Layout::kMpr);

  // 5. Save (atomic, versioned) and export an RT Structure Set from the saved plan.
  const QString plan_file = tmp_.filePath(QStringLiteral("plan.json"));
  QVERIFY2(c.savePlan(plan_file), qPrintable(w.lastError()));
  QVERIFY(!c.unsavedChanges());
  const rfa::planning::TreatmentPlan saved = rfa::planning::readPlanFile(plan_file.toStdString());
  QCOMPARE(saved.sessions.size(), after.sessions.size());
  QVERIFY(saved.sessions.front().review_status == rfa::planning::ReviewStatus::kApproved);
  const QString rt = tmp_.filePath(QStringLiteral("plan-rtstruct.dcm"));
  c.exportPlan(rfa::workflow::ExportKind::kRtstruct, rt);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
  const rfa::dicomexport::RtstructFile rtss = rfa::dicomexport::readRtstructFile(rt.toStdString());
  int gtv = 0;
  for (const auto& roi : rtss.rois) gtv += roi.name.rfind("GTV L", 0) == 0 ? 1 : 0;
  std::printf("RTSTRUCT: %zu ROIs (%d GTV/PTV), %zu contours\n", rtss.rois.size(), gtv,
              rtss.contourCount());
  QVERIFY(gtv >= 2 * static_cast<int>(phantom_.lesion_truth.size()));

  // While loading, segmenting and planning ran, the UI thread was never blocked > 100 ms.
  QVERIFY2(worst_busy_ms < 100, qPrintable(QString::number(worst_busy_ms)));
}

void GuiTest::errorsKeepTheAppRunning() {
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  rfa::gui::CaseController& c = w.controller();
  // A folder without DICOM: error dialog naming it, the app keeps running.
  const QString empty = tmp_.filePath(QStringLiteral("not-dicom"));
  QVERIFY(QDir().mkpath(empty));
  QFile junk(empty + "/notes.txt");
  QVERIFY(junk.open(QIODevice::WriteOnly));
  junk.write("not an image\n");
  junk.close();
  c.open(empty);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY(!c.hasCase());
  std::printf("error shown: %s\n", qPrintable(w.lastError()));
  QVERIFY(w.lastError().contains(QStringLiteral("not-dicom")));
  QVERIFY(w.findChild<QMessageBox*>(QStringLiteral("error-dialog")) != nullptr);
  // A corrupt plan file: error, the app still opens a good case afterwards.
  const QString bad = tmp_.filePath(QStringLiteral("corrupt-plan.json"));
  QFile f(bad);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write("{\"format\": \"rfaplan-plan\", \"format_version\": 1, \"lesions\": [");
  f.close();
  c.open(bad);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY(!c.hasCase());
  std::printf("error shown: %s\n", qPrintable(w.lastError()));
  QVERIFY(w.lastError().contains(QStringLiteral("corrupt-plan.json")));
  c.open(phantom_dir_);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY(c.hasCase());
  // The research-use notice is always visible.
  auto* notice = w.findChild<QLabel*>(QStringLiteral("research-notice"));
  QVERIFY(notice != nullptr && notice->isVisible());
  QVERIFY(notice->text().contains(QStringLiteral("RESEARCH USE ONLY")));
}

void GuiTest::seriesBrowser() {
  // A folder holding two CT series: the series browser lists both; choosing one opens it.
  const QString two = tmp_.filePath(QStringLiteral("two-series"));
  for (int n = 1; n <= 2; ++n) {
    rfa::phantom::CtSeriesOptions o;
    o.uid_key = "gui-test-series-" + std::to_string(n);
    o.series_number = n;
    o.series_description = "series " + std::to_string(n);
    rfa::phantom::writeCtSeries(phantom_.ct, (two + "/s" + QString::number(n)).toStdString(), o);
  }
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  bool seen = false;
  QTimer poll;
  connect(&poll, &QTimer::timeout, &w, [&] {
    auto* dialog = w.findChild<QDialog*>(QStringLiteral("series-browser"));
    if (dialog == nullptr || !dialog->isVisible()) return;
    auto* list = dialog->findChild<QTreeWidget*>();
    QVERIFY(list != nullptr);
    std::printf("series browser: %d series\n", list->topLevelItemCount());
    seen = list->topLevelItemCount() == 2;
    list->setCurrentItem(list->topLevelItem(1));
    dialog->accept();
  });
  poll.start(50);
  w.controller().open(two);
  QVERIFY(waitFor([&] { return w.controller().hasCase(); }, 60000));
  QVERIFY(seen);
  QCOMPARE(w.lastSeriesChoices(), 2);
  QVERIFY(w.lastError().isEmpty());
}

void GuiTest::pacsOpenAndSend() {
  if (!rfa::test::OrthancServer::available()) {
    QSKIP("Orthanc not installed (/usr/sbin/Orthanc): packaging/install-deps.sh installs it");
  }
  rfa::test::OrthancServer server;
  rfa::pacs::DicomNode node;
  node.host = "127.0.0.1";
  node.port = server.dicomPort();
  node.called_ae = server.aet();
  node.calling_ae = "RFAPLAN";
  const auto stored = rfa::pacs::store(node, {(phantom_dir_ + "/ct").toStdString()});
  QCOMPARE(stored.sent, static_cast<int>(phantom_.ct.geometry().size()[2]));
  // The dialog remembers the node (settings) and its search lists the phantom series.
  QSettings settings;
  settings.setValue("pacs/host", QStringLiteral("127.0.0.1"));
  settings.setValue("pacs/port", node.port);
  settings.setValue("pacs/called_ae", QString::fromStdString(node.called_ae));
  settings.setValue("pacs/tls", false);
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  rfa::gui::PacsDialog dialog(rfa::gui::PacsDialog::Mode::kOpen, &w);
  dialog.search();
  QVERIFY(waitFor([&] { return !dialog.searching(); }, 30000));
  QApplication::processEvents();
  std::printf("PACS search: %d image series\n", dialog.resultCount());
  QCOMPARE(dialog.resultCount(), 1);
  rfa::gui::CaseController& c = w.controller();
  c.openFromPacs(dialog.node(), dialog.studyUid(), dialog.seriesUid());
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.hasCase(), qPrintable(w.lastError()));
  QCOMPARE(c.state()->image.image.geometry().size(), phantom_.ct.geometry().size());
  // Plan, save, send the RT Structure Set back: the PACS then holds it.
  c.segmentLesionAt(phantom_.lesion_truth.front().center_lps);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  c.plan(false);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.state()->plan.has_value(), qPrintable(w.lastError()));
  QVERIFY(c.savePlan(tmp_.filePath(QStringLiteral("pacs-plan.json"))));
  c.sendToPacs(dialog.node(), rfa::workflow::ExportKind::kRtstruct);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
  rfa::pacs::QueryKeys keys;
  keys.modality = "RTSTRUCT";
  const auto found = rfa::pacs::find(node, rfa::pacs::QueryLevel::kSeries, keys);
  std::printf("RTSTRUCT series on the PACS after sending: %zu\n", found.size());
  QCOMPARE(found.size(), std::size_t{1});
  // The retrieved series and the outgoing export: owner only (folders 0700, files 0600).
  const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                          QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                          QFileDevice::WriteOther | QFileDevice::ExeOther;
  int checked = 0;
  for (const QString& root :
       {rfa::gui::CaseController::pacsCacheDir(), rfa::gui::CaseController::outgoingDir()}) {
    QVERIFY((QFile::permissions(root) & others) == QFileDevice::Permissions());
    QDirIterator it(root, QDir::AllEntries | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
      const QString f = it.next();
      QVERIFY2((QFile::permissions(f) & others) == QFileDevice::Permissions(), qPrintable(f));
      ++checked;
    }
  }
  std::printf("owner-only entries in the PACS cache and outgoing: %d\n", checked);
  QVERIFY(checked >= 3);  // a series folder, its instances, the RTSTRUCT sent
}

// The dialog's DICOM TLS fields against an Orthanc whose port speaks TLS only: remembered in
// the settings, passed into the node; a search and a retrieval over TLS; a CA that did not sign
// the PACS certificate shows the verification failure in the status line.
void GuiTest::pacsOverTls() {
  if (!rfa::test::OrthancServer::available()) {
    QSKIP("Orthanc not installed (/usr/sbin/Orthanc): packaging/install-deps.sh installs it");
  }
  if (!rfa::test::TestCertificates::available()) {
    QSKIP("openssl command line not installed: packaging/install-deps.sh installs it");
  }
  const rfa::test::TestCertificates certs;
  rfa::test::OrthancServer::Options o;
  o.tls.enabled = true;
  o.tls.certificate = certs.server_cert;
  o.tls.private_key = certs.server_key;
  o.tls.trusted = certs.ca_cert;
  rfa::test::OrthancServer server(o);
  rfa::pacs::DicomNode node;
  node.port = server.dicomPort();
  node.called_ae = server.aet();
  node.tls.enabled = true;
  node.tls.ca_file = certs.ca_cert;
  const auto stored = rfa::pacs::store(node, {(phantom_dir_ + "/ct").toStdString()});
  QCOMPARE(stored.sent, static_cast<int>(phantom_.ct.geometry().size()[2]));
  QSettings settings;
  settings.setValue("pacs/host", QStringLiteral("127.0.0.1"));
  settings.setValue("pacs/port", node.port);
  settings.setValue("pacs/called_ae", QString::fromStdString(node.called_ae));
  settings.setValue("pacs/tls", true);
  settings.setValue("pacs/tls_ca", QString::fromStdString(certs.ca_cert.string()));
  settings.setValue("pacs/tls_cert", QString());
  settings.setValue("pacs/tls_key", QString());
  MainWindow w;
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  {
    rfa::gui::PacsDialog dialog(rfa::gui::PacsDialog::Mode::kOpen, &w);
    auto* tls = dialog.findChild<QCheckBox*>(QStringLiteral("pacs-tls"));
    auto* ca = dialog.findChild<QLineEdit*>(QStringLiteral("pacs-tls-ca"));
    QVERIFY(tls != nullptr && ca != nullptr);
    QVERIFY(tls->isChecked());
    QVERIFY(ca->isEnabled());
    QCOMPARE(ca->text(), QString::fromStdString(certs.ca_cert.string()));
    const rfa::pacs::DicomNode n = dialog.node();
    QVERIFY(n.tls.enabled);
    QCOMPARE(n.tls.ca_file, certs.ca_cert);
    dialog.search();
    QVERIFY(waitFor([&] { return !dialog.searching(); }, 30000));
    QApplication::processEvents();
    std::printf("PACS search over TLS: %d image series\n", dialog.resultCount());
    QCOMPARE(dialog.resultCount(), 1);
    rfa::gui::CaseController& c = w.controller();
    c.openFromPacs(dialog.node(), dialog.studyUid(), dialog.seriesUid());
    QVERIFY(waitFor([&] { return !c.busy(); }));
    QVERIFY2(c.hasCase(), qPrintable(w.lastError()));
    QCOMPARE(c.state()->image.image.geometry().size(), phantom_.ct.geometry().size());
    // Another CA: the search fails and says why.
    ca->setText(QString::fromStdString(certs.other_ca_cert.string()));
    dialog.search();
    QVERIFY(waitFor([&] { return !dialog.searching(); }, 30000));
    QApplication::processEvents();
    const QString status = dialog.findChild<QLabel*>(QStringLiteral("pacs-status"))->text();
    std::printf("PACS search with another CA: %s\n", qPrintable(status));
    QCOMPARE(dialog.resultCount(), 0);
    QVERIFY2(status.contains(QStringLiteral("certificate verify failed")), qPrintable(status));
    // Unchecked: the TLS fields are disabled and not in the node; OK remembers the choice.
    tls->setChecked(false);
    QVERIFY(!ca->isEnabled());
    QVERIFY(!dialog.node().tls.enabled);
    QVERIFY(dialog.node().tls.ca_file.empty());
    auto* buttons = dialog.findChild<QDialogButtonBox*>();
    QVERIFY(buttons != nullptr);
    buttons->button(QDialogButtonBox::Ok)->click();
  }
  QCOMPARE(QSettings().value("pacs/tls").toBool(), false);
  QCOMPARE(QSettings().value("pacs/tls_ca").toString(),
           QString::fromStdString(certs.other_ca_cert.string()));
  QSettings().setValue("pacs/tls", false);
}

void GuiTest::crashRecovery() {
  rfa::gui::CaseController::clearAutosave();
  QVERIFY(!rfa::gui::CaseController::autosavedPlan().has_value());
  // A session plans a case and then "crashes": its window is never closed.
  auto crashed = std::make_unique<MainWindow>();
  crashed->show();
  rfa::gui::CaseController& c = crashed->controller();
  c.open(phantom_dir_);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  c.segmentLesionAt(phantom_.lesion_truth.front().center_lps);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  c.plan(false);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.state()->plan.has_value(), qPrintable(crashed->lastError()));
  QVERIFY(c.moveLesion(c.state()->plan->lesions.front().id, 2));  // an edit after the plan
  const rfa::planning::TreatmentPlan original = *c.state()->plan;
  const rfa::LabelMap lesions = *c.state()->segmentation.lesions;
  QVERIFY(rfa::gui::CaseController::autosavedPlan().has_value());
  crashed.release()->hide();  // no close event: as after a crash (leaked on purpose)

  // The next start recovers the plan, its segmentation and its series.
  MainWindow w;
  w.show();
  QVERIFY(w.recoverAutosave());
  rfa::gui::CaseController& r = w.controller();
  QVERIFY(waitFor([&] { return !r.busy(); }));
  QVERIFY2(r.hasCase() && r.state()->plan.has_value(), qPrintable(w.lastError()));
  // Equal but for where it records its segmentation (beside the autosave) and its absolute input.
  rfa::planning::TreatmentPlan recovered = *r.state()->plan;
  std::printf("recovered plan records: input %s, segmentation %s\n", recovered.source.input.c_str(),
              recovered.source.segmentation.c_str());
  QVERIFY(recovered.source.segmentation.find("autosave-plan-segmentation") != std::string::npos);
  recovered.source.segmentation = original.source.segmentation;
  recovered.source.input = original.source.input;
  QCOMPARE(rfa::planning::serializePlan(recovered), rfa::planning::serializePlan(original));
  QVERIFY(std::equal(lesions.data().begin(), lesions.data().end(),
                     r.state()->segmentation.lesions->data().begin()));
  QVERIFY(r.unsavedChanges());  // not saved anywhere yet
  QVERIFY(r.state()->plan_file.empty());
  std::printf("recovered: %zu lesion(s), %zu session(s)\n", r.state()->plan->lesions.size(),
              r.state()->plan->sessions.size());
  // Saved, then a clean exit clears the autosave.
  QVERIFY(r.savePlan(tmp_.filePath(QStringLiteral("recovered.json"))));
  QVERIFY(w.close());
  QVERIFY(!rfa::gui::CaseController::autosavedPlan().has_value());
}

void GuiTest::screenshotCommand() {
  // The real rfaplan-gui binary: --screenshot of each layout of the planned phantom.
  for (const QString& layout :
       {QStringLiteral("mpr"), QStringLiteral("3d"), QStringLiteral("board")}) {
    const QString out = tmp_.filePath(QStringLiteral("shot-%1.png").arg(layout));
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedChannels);
    p.start(QStringLiteral(RFAPLAN_GUI_EXE),
            {QStringLiteral("--screenshot"), out, QStringLiteral("--layout"), layout,
             QStringLiteral("--plan"), QStringLiteral("--size"), QStringLiteral("1200x800"),
             phantom_dir_});
    QVERIFY(p.waitForFinished(240000));
    QCOMPARE(p.exitCode(), 0);
    const QImage img(out);
    QCOMPARE(img.size(), QSize(1200, 800));
    const Stats s = greyStats(img);
    std::printf("screenshot %s: mean %.1f sd %.1f\n", qPrintable(layout), s.mean, s.sd);
    QVERIFY(s.sd > 10);
  }
  // Bad usage and a missing input: documented exit codes.
  QProcess p;
  p.start(QStringLiteral(RFAPLAN_GUI_EXE),
          {QStringLiteral("--screenshot"), tmp_.filePath("x.png"), QStringLiteral("--layout"),
           QStringLiteral("nope"), phantom_dir_});
  QVERIFY(p.waitForFinished(60000));
  QCOMPARE(p.exitCode(), 2);
  p.start(QStringLiteral(RFAPLAN_GUI_EXE),
          {QStringLiteral("--screenshot"), tmp_.filePath("x.png"), tmp_.filePath("missing")});
  QVERIFY(p.waitForFinished(60000));
  QCOMPARE(p.exitCode(), 3);
}

void GuiTest::replanSessionNumbering() {
  // A re-plan after one earlier session: its sessions are 2 and 3 of the treatment (max 3); the
  // tabs, the shown session and a lesion's move targets follow that numbering.
  rfa::planning::TreatmentPlan plan;
  plan.settings.prior_sessions = 1;
  plan.settings.prior_ablated_volume_ml = 42.0;
  for (int id : {4, 6, 7}) {
    rfa::planning::PlanLesion l;
    l.id = id;
    l.diameter_mm = 12;
    l.session = id == 7 ? 3 : 2;
    plan.lesions.push_back(l);
  }
  for (int index : {2, 3}) {
    rfa::planning::PlanSession s;
    s.index = index;
    for (const auto& l : plan.lesions) {
      if (l.session == index) s.lesion_ids.push_back(l.id);
    }
    plan.sessions.push_back(s);
  }
  rfa::gui::SessionsWidget w(rfa::gui::SessionsWidget::Mode::kTabs);
  w.setPlan(&plan, {}, 3);
  QCOMPARE(w.currentSession(), 2);
  QVERIFY(w.table(1) == nullptr);
  QVERIFY(w.table(2) != nullptr);
  QCOMPARE(w.table(2)->lesionIds(), (std::vector<int>{4, 6}));
  QCOMPARE(w.table(3)->lesionIds(), std::vector<int>{7});
  // Session 2's lesions can go to session 3 only (session 1 is done, 4 is beyond the limit).
  QCOMPARE(w.table(2)->moveTargets(), std::vector<int>{3});
  QCOMPARE(w.table(3)->moveTargets(), std::vector<int>{2});
  QCOMPARE(w.table(0)->moveTargets(), (std::vector<int>{2, 3}));
  bool mentions_prior = false;
  for (const QLabel* label : w.findChildren<QLabel*>()) {
    mentions_prior = mentions_prior || label->text().contains(QStringLiteral("after 1 earlier"));
  }
  QVERIFY(mentions_prior);
  // With one session planned after the earlier one, a new session 3 is offered.
  plan.sessions.pop_back();
  plan.lesions.back().session = 2;
  plan.sessions.front().lesion_ids.push_back(7);
  w.setPlan(&plan, {}, 3);
  QCOMPARE(w.table(2)->moveTargets(), std::vector<int>{3});
}

void GuiTest::liverFromAtlasesActionAndItsErrors() {
  // Tools > Liver from atlases... exists; a folder without atlases is an error the user sees (the
  // folder named), the case stays open and usable. (The method itself: atlas_tests, workflow's
  // LiverFromAtlases.* on real MR.)
  MainWindow w;
  w.resize(1000, 700);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QVERIFY(w.findChild<QAction*>(QStringLiteral("liver-from-atlases")) != nullptr);
  rfa::gui::CaseController& c = w.controller();
  c.open(phantom_dir_);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.hasCase(), qPrintable(w.lastError()));
  QSignalSpy failed(&c, &rfa::gui::CaseController::failed);
  const QString missing = QDir::temp().filePath(QStringLiteral("rfaplan-no-atlases-here"));
  c.liverFromAtlases(missing);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QCOMPARE(failed.count(), 1);
  QVERIFY2(failed.front().at(1).toString().contains(missing),
           qPrintable(failed.front().at(1).toString()));
  QVERIFY(c.hasCase());
}

void GuiTest::actionsAreEnabledWhenTheyCanRun() {
  // Each menu action's reaction keeps it enabled only when it can run: nothing to save or export
  // before a plan, nothing to plan before a case, no new job while one runs.
  MainWindow w;
  w.resize(1000, 700);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  const auto action = [&w](const char* name) {
    QAction* a = w.findChild<QAction*>(QString::fromLatin1(name));
    if (a == nullptr) qFatal("no action %s", name);
    return a;
  };
  QAction* open = action("open-folder");
  QAction* save = action("save-plan");
  QAction* exp = action("export-rtstruct");
  QAction* plan = action("plan-preview");
  QVERIFY(open->isEnabled());
  QVERIFY(!save->isEnabled());
  QVERIFY(!exp->isEnabled());
  QVERIFY(!plan->isEnabled());
  QVERIFY(!w.undoAction()->isEnabled());

  rfa::gui::CaseController& c = w.controller();
  c.open(phantom_dir_);
  QVERIFY(!open->isEnabled());  // a job runs
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.hasCase(), qPrintable(w.lastError()));
  QVERIFY(open->isEnabled());
  QVERIFY(plan->isEnabled());
  QVERIFY(!save->isEnabled());  // no plan yet

  plan->trigger();  // Tools > Plan (preview model), in the background
  QVERIFY(c.busy());
  QVERIFY(!plan->isEnabled());
  QVERIFY(!save->isEnabled());
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.state()->plan.has_value(), qPrintable(w.lastError()));
  QVERIFY(plan->isEnabled());
  QVERIFY(save->isEnabled());
  QVERIFY(exp->isEnabled());
}

void GuiTest::candidateTriageInTheTables() {
  // A plan with a given lesion and an automatic one in session 1 and a candidate to review left
  // out of every session: the tables say how each was found (the triage as tooltip); the candidate
  // to review is accepted by moving it into a session, and an automatic one can be rejected.
  rfa::planning::TreatmentPlan plan;
  using rfa::planning::Detection;
  const std::array<std::pair<int, Detection>, 3> found{
      {{1, Detection::kGiven}, {2, Detection::kAutomatic}, {3, Detection::kToReview}}};
  for (const auto& [id, detection] : found) {
    rfa::planning::PlanLesion l;
    l.id = id;
    l.diameter_mm = 20;
    l.session = id == 3 ? 0 : 1;
    l.detection = detection;
    if (id == 3) l.detection_reason = "score 0.52, hypodense, 41 mm; to review: score below 0.60";
    plan.lesions.push_back(l);
  }
  rfa::planning::PlanSession s;
  s.index = 1;
  s.lesion_ids = {1, 2};
  plan.sessions.push_back(s);
  rfa::gui::SessionsWidget w(rfa::gui::SessionsWidget::Mode::kTabs);
  w.setPlan(&plan, {}, 3);
  rfa::gui::LesionTable* t0 = w.table(0);
  rfa::gui::LesionTable* t1 = w.table(1);
  QVERIFY(t0 != nullptr && t1 != nullptr);
  const int found_column = t0->columnCount() - 1;
  QCOMPARE(t0->headerItem()->text(found_column), QStringLiteral("Found"));
  QCOMPARE(t0->topLevelItemCount(), 1);
  QCOMPARE(t0->topLevelItem(0)->text(found_column), QStringLiteral("to review"));
  QVERIFY(t0->topLevelItem(0)->toolTip(found_column).contains(QStringLiteral("score 0.52")));
  QCOMPARE(t1->topLevelItem(0)->text(found_column), QStringLiteral("given"));
  QCOMPARE(t1->topLevelItem(1)->text(found_column), QStringLiteral("automatic"));

  QSignalSpy moves(&w, &rfa::gui::SessionsWidget::moveRequested);
  QSignalSpy rejects(&w, &rfa::gui::SessionsWidget::rejectRequested);
  const auto texts = [](const QMenu& m) {
    QStringList out;
    for (const QAction* a : m.actions()) {
      if (!a->isSeparator()) out << a->text();
    }
    return out;
  };
  {
    QMenu menu;
    t0->fillMenu(menu, 3);
    const QStringList t = texts(menu);
    QVERIFY2(t.contains(QStringLiteral("Accept L3 into session 1")), qPrintable(t.join("; ")));
    QVERIFY2(t.contains(QStringLiteral("Reject L3: not a lesion (remove it)")),
             qPrintable(t.join("; ")));
    for (QAction* a : menu.actions()) {
      if (a->text().startsWith(QStringLiteral("Accept L3 into session 1"))) a->trigger();
    }
    QCOMPARE(moves.count(), 1);
    QCOMPARE(moves.front().at(0).toInt(), 3);
    QCOMPARE(moves.front().at(1).toInt(), 1);
  }
  {
    // A given lesion is moved, never rejected; an automatic one may be rejected.
    QMenu given;
    t1->fillMenu(given, 1);
    QVERIFY(!texts(given).join(";").contains(QStringLiteral("Reject")));
    QVERIFY(texts(given).contains(QStringLiteral("Move L1 to a new session 2")));
    QMenu automatic;
    t1->fillMenu(automatic, 2);
    for (QAction* a : automatic.actions()) {
      if (a->text().startsWith(QStringLiteral("Reject L2"))) a->trigger();
    }
    QCOMPARE(rejects.count(), 1);
    QCOMPARE(rejects.front().at(0).toInt(), 2);
  }
}

// The "Ultrasound" layout: the probe plane of each planned needle beside the 3D view, with the
// simulated image and the plan drawn; a rotation set by hand; live while a tip is dragged.
void GuiTest::ultrasoundLayout() {
  MainWindow w;
  w.resize(1400, 900);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  rfa::gui::CaseController& c = w.controller();
  c.open(phantom_dir_);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.hasCase(), qPrintable(w.lastError()));
  c.plan(false);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.state()->plan.has_value(), qPrintable(w.lastError()));
  // The workstation plans with the ultrasound assessment: every placed lesion has its window.
  int windows = 0;
  for (const auto& l : c.state()->plan->lesions) {
    if (l.placements.empty()) continue;
    QVERIFY2(l.ultrasound.has_value(), "a planned lesion without its acoustic window");
    QVERIFY(l.ultrasound->paths_assessed > 0);
    ++windows;
  }
  QVERIFY(windows > 0);

  w.setLayoutMode(MainWindow::Layout::kUltrasound);
  drawAll(w, 1);
  rfa::gui::UltrasoundPanel* panel = w.ultrasoundPanel();
  QVERIFY(panel != nullptr && panel->isVisible());
  QVERIFY(!w.view(MainWindow::ViewRole::kAxial)->isVisible());
  QVERIFY(w.view(MainWindow::ViewRole::k3d)->isVisible());
  QVERIFY(panel->needleBox()->count() > 0);
  QVERIFY2(panel->lastView().has_value(), qPrintable(panel->summary()));
  const QImage img = panel->image();
  QVERIFY(!img.isNull());
  // The lesion's outline (the report's lesion colour) and echo texture in the fan.
  int lesion_px = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      if (img.pixel(x, y) == qRgb(255, 220, 40)) ++lesion_px;
    }
  }
  const Stats grey = greyStats(img);
  std::printf("ultrasound view: %s; %d lesion outline px; grey mean %.1f sd %.1f; redraw %.0f ms\n",
              qPrintable(panel->summary()), lesion_px, grey.mean, grey.sd, panel->lastRedrawMs());
  if (qEnvironmentVariableIsSet("RFA_GUI_TEST_SAVE")) {
    img.save(qEnvironmentVariable("RFA_GUI_TEST_SAVE") + "/ultrasound-panel.png");
  }
  QVERIFY(lesion_px > 20);
  QVERIFY(grey.sd > 10);
  // The selected needle lies in the shown plane (its entry and tip within 0.5 mm of it).
  const QPoint pick = panel->needleBox()->currentData().toPoint();
  const rfa::planning::PlanPlacement* needle = nullptr;
  for (const auto& l : c.state()->plan->lesions) {
    if (l.id == pick.x()) needle = &l.placements.at(static_cast<std::size_t>(pick.y()));
  }
  QVERIFY(needle != nullptr);
  const auto inPlane = [&](const rfa::Vec3& p) {
    const auto& pose = panel->lastView()->window.pose;
    return std::abs((p - pose.contact_lps).dot(pose.elevation().normalized()));
  };
  QVERIFY(inPlane(needle->tip_lps) < 0.5);
  QVERIFY(inPlane(needle->entry_lps) < 0.5);

  // A rotation set by hand: the plane turns to it, the needle stays in it.
  panel->bestRotationBox()->setChecked(false);
  QVERIFY(panel->rotationSlider()->isEnabled());
  const int turned =
      (static_cast<int>(std::lround(panel->lastView()->window.rotation_deg)) + 90) % 180;
  panel->rotationSlider()->setValue(turned);
  QVERIFY(panel->lastView().has_value());
  QCOMPARE(static_cast<int>(std::lround(panel->lastView()->window.rotation_deg)), turned);
  QVERIFY(inPlane(needle->tip_lps) < 0.5);
  panel->bestRotationBox()->setChecked(true);

  // Live while the tip is dragged (the slice views are hidden in this layout: the drag goes
  // through the controller, as the views call it).
  const int frames = panel->frames();
  const rfa::Vec3 tip = needle->tip_lps;
  c.beginNeedleDrag(tip);
  c.moveNeedleDrag(tip + rfa::Vec3(4, 0, 0));
  QVERIFY(panel->frames() > frames);
  QVERIFY(c.needlePreview().has_value());
  const rfa::Vec3 dragged = c.needlePreview()->second.tip_lps;
  QVERIFY((dragged - tip).norm() > 2.0);
  QVERIFY2(inPlane(dragged) < 0.5, "the view does not follow the dragged needle");
  std::printf("ultrasound view while dragging: redraw %.0f ms\n", panel->lastRedrawMs());
  c.endNeedleDrag(tip + rfa::Vec3(4, 0, 0));
  QVERIFY(!c.needlePreview().has_value());
  // Export for navigation from the saved plan: Slicer markups with every needle, OpenIGTLink file.
  const QString plan_file = tmp_.filePath(QStringLiteral("us-plan.json"));
  QVERIFY2(c.savePlan(plan_file), qPrintable(w.lastError()));
  const QString nav = tmp_.filePath(QStringLiteral("navigation"));
  c.exportNavigation(nav);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
  QFile markups(nav + QStringLiteral("/plan.mrk.json"));
  QVERIFY(markups.open(QIODevice::ReadOnly));
  const QByteArray text = markups.readAll();
  std::size_t needles = 0;
  for (const auto& l : c.state()->plan->lesions) needles += l.placements.size();
  QCOMPARE(static_cast<std::size_t>(text.count("\"type\": \"Line\"")), needles);
  QVERIFY(text.contains("\"coordinateSystem\": \"LPS\""));
  QVERIFY(QFileInfo(nav + QStringLiteral("/plan.igtl")).size() > 1000);
  // De-identified research package from the saved plan (File > Export), the mapping kept apart.
  const QByteArray state = tmp_.filePath(QStringLiteral("state")).toUtf8();
  ::setenv("XDG_STATE_HOME", state.constData(), 1);
  const QString research = tmp_.filePath(QStringLiteral("research"));
  auto* research_action = w.findChild<QAction*>(QStringLiteral("export-research"));
  QVERIFY(research_action != nullptr && research_action->isEnabled());
  c.exportResearchPackage(research);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
  for (const char* f :
       {"plan.json", "rtss.dcm", "seg.dcm", "report.pdf", "segmentation/liver.nrrd"}) {
    QVERIFY2(QFileInfo::exists(research + "/" + f), f);
  }
  const rfa::planning::TreatmentPlan deid =
      rfa::planning::readPlanFile((research + QStringLiteral("/plan.json")).toStdString());
  QVERIFY(deid.source.patient_id.rfind("RFA", 0) == 0);
  QVERIFY(deid.source.series_instance_uid != c.state()->plan->source.series_instance_uid);
  QVERIFY(QFileInfo::exists(QString::fromUtf8(state) + "/rfaplan/deid-mapping.json"));
  QVERIFY(!QFileInfo::exists(research + "/deid-mapping.json"));
  std::printf("research package: patient %s, %lld CT file(s)\n", deid.source.patient_id.c_str(),
              static_cast<long long>(QDir(research + "/ct").entryList(QDir::Files).size()));

  w.setLayoutMode(MainWindow::Layout::kMpr);
  QVERIFY(!panel->isVisible());
}

// The tumour-board screen: per lesion its axial key image and simulated ultrasound (non-blank at
// the lesion), a 3D overview per session, approve/reject stored, and the presentation mode.
void GuiTest::boardScreen() {
  MainWindow w;
  w.resize(1600, 1000);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  rfa::gui::CaseController& c = w.controller();
  c.open(phantom_dir_);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.hasCase(), qPrintable(w.lastError()));
  c.plan(false);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.state()->plan.has_value(), qPrintable(w.lastError()));
  const rfa::planning::TreatmentPlan& plan = *c.state()->plan;
  // The board's pictures are made in the background: the UI thread stays free.
  Watchdog dog(c);
  w.setLayoutMode(MainWindow::Layout::kBoard);
  QVERIFY(c.busy());
  QVERIFY(waitFor([&] { return !c.busy(); }));
  std::printf("board pictures: UI thread longest block %.1f ms during the job\n",
              dog.worstBusyMs());
  QVERIFY(dog.worstBusyMs() < 100.0);
  int thumbs = 0;
  for (const auto& l : plan.lesions) {
    if (l.session == 0 && plan.unplaced.empty()) continue;
    QLabel* axial = w.board()->thumbnail(l.id, false);
    QVERIFY2(axial != nullptr, qPrintable(QStringLiteral("no thumbnail for L%1").arg(l.id)));
    const QImage img = axial->pixmap().toImage();
    QVERIFY(!img.isNull());
    // The key image is centred on the lesion: its centre shows the lesion's translucent yellow
    // fill (and the green zone and needle of session 1): a colour, not the CT's grey.
    const QColor centre = meanColour(img, QPoint(img.width() / 2, img.height() / 2), 1.0);
    std::printf("board L%d: thumbnail %dx%d, centre rgb %d %d %d, ultrasound %s\n", l.id,
                img.width(), img.height(), centre.red(), centre.green(), centre.blue(),
                w.board()->thumbnail(l.id, true) != nullptr ? "yes" : "no");
    QVERIFY(std::max(centre.red(), centre.green()) > centre.blue() + 30);
    QVERIFY(greyStats(img).sd > 10);
    if (l.ultrasound && !l.ultrasound->access.empty()) {
      QLabel* us = w.board()->thumbnail(l.id, true);
      QVERIFY(us != nullptr);
      QVERIFY(greyStats(us->pixmap().toImage()).sd > 10);
    }
    ++thumbs;
  }
  QVERIFY(thumbs > 0);
  QVERIFY(w.board()->findChild<QLabel*>(QStringLiteral("board-overview-S1")) != nullptr);
  // Approve from the board's own field: stored in the plan.
  auto* status = w.board()->findChild<QComboBox*>(QStringLiteral("review-status-1"));
  QVERIFY(status != nullptr);
  status->setCurrentIndex(status->findData(QStringLiteral("approved")));
  QVERIFY(c.state()->plan->sessions.front().review_status ==
          rfa::planning::ReviewStatus::kApproved);
  // Who approved and when, in the plan.
  QCOMPARE(QString::fromStdString(c.state()->plan->sessions.front().review_by),
           QString::fromStdString(rfa::audit::currentUser()));
  QVERIFY(QDateTime::fromString(QString::fromStdString(c.state()->plan->sessions.front().review_at),
                                Qt::ISODate)
              .isValid());
  // Presentation mode: one slide per lesion, arrows step, Esc closes.
  rfa::gui::PresentationDialog* p = w.present();
  QVERIFY(p != nullptr);
  QCOMPARE(p->count(), static_cast<int>(plan.lesions.size()));
  QCOMPARE(p->current(), 0);
  QTest::keyClick(p, Qt::Key_Right);
  QCOMPARE(p->current(), std::min(1, p->count() - 1));
  QTest::keyClick(p, Qt::Key_Left);
  QCOMPARE(p->current(), 0);
  QPointer<rfa::gui::PresentationDialog> alive(p);
  QTest::keyClick(p, Qt::Key_Escape);
  QVERIFY(waitFor([&] { return alive.isNull(); }, 5000));
  if (qEnvironmentVariableIsSet("RFA_GUI_TEST_SAVE")) {
    w.grab().save(qEnvironmentVariable("RFA_GUI_TEST_SAVE") + "/board.png");
  }
  w.setLayoutMode(MainWindow::Layout::kMpr);
}

int main(int argc, char** argv) {
  return guiTestMain<GuiTest>(argc, argv, "rfaplan-gui-test");
}

#include "gui_test.moc"
