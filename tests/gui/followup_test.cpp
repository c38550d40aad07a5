// Qt Test of the workstation's follow-up page under Xvfb (Mesa llvmpipe), against the real
// command line: a phantom plan made by `rfaplan plan`, its synthetic follow-up with a known zone
// shift (`rfaplan phantom-followup`), then in the workstation: open the saved plan, open the
// follow-up (registration in the background, UI thread watched), and check that each lesion's MAM
// equals `rfaplan confirm`'s margins.json, that the margin colour map is drawn at the
// minimal-margin point in the colour of its margin, that the 3D view shows the coloured surface,
// and that "Plan next session" gives the plan `rfaplan followup --next-plan` writes. Without an X
// display the program exits 77 (ctest: skipped) saying so.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "followup_panel.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "rfa/audit/audit_log.h"
#include "rfa/followup/confirm.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/planning/plan_io.h"
#include "rfa/workflow/followup_review.h"
#include "screenshot.h"
#include "vtk_view_widget.h"

namespace fs = std::filesystem;
using namespace rfa::gui::test;  // NOLINT(google-build-using-namespace): test helpers
using rfa::gui::FollowupPanel;

namespace {

/// Runs the real `rfaplan` with `args`; fails the test (with its output) unless it exits 0.
bool runCli(const QStringList& args, QString* output = nullptr) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(QStringLiteral(RFAPLAN_CLI_EXE), args);
  if (!p.waitForFinished(600000)) return false;
  const QString out = QString::fromLocal8Bit(p.readAll());
  if (output != nullptr) *output = out;
  if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
    std::printf("rfaplan %s failed (%d):\n%s\n", qPrintable(args.join(' ')), p.exitCode(),
                qPrintable(out));
    return false;
  }
  return true;
}

/// Pixels of `img` (device pixels) within `radius` of `centre` whose colour is within `tolerance`
/// (sum of the channel differences) of `want`.
int pixelsNear(const QImage& img, QPoint centre, int radius, const QColor& want, int tolerance) {
  int n = 0;
  for (int y = centre.y() - radius; y <= centre.y() + radius; ++y) {
    for (int x = centre.x() - radius; x <= centre.x() + radius; ++x) {
      if (x < 0 || y < 0 || x >= img.width() || y >= img.height()) continue;
      const QRgb c = img.pixel(x, y);
      const int d = std::abs(qRed(c) - want.red()) + std::abs(qGreen(c) - want.green()) +
                    std::abs(qBlue(c) - want.blue());
      if (d <= tolerance) ++n;
    }
  }
  return n;
}

/// Pixels of a view's framebuffer whose saturation is high (a coloured surface, not the grey CT).
int saturatedPixels(const QImage& img) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      const QColor c = QColor::fromRgb(img.pixel(x, y));
      if (c.hsvSaturation() > 140 && c.value() > 60) ++n;
    }
  }
  return n;
}

/// Draws `v` at least two more frames.
void draw(VtkViewWidget* v) {
  const int start = v->framesDrawn();
  waitFor([&] {
    if (v->framesDrawn() >= start + 2) return true;
    v->update();
    return false;
  });
}

/// A point deep in the liver (12 mm of liver each way, no vessel) at least 35 mm from every plan
/// lesion: where a new lesion can appear at follow-up.
std::optional<rfa::Vec3> placeForANewLesion(const QString& phantom_dir,
                                            const rfa::planning::TreatmentPlan& plan) {
  const rfa::io::SegmentationFolder truth =
      rfa::io::readSegmentationFolder(phantom_dir.toStdString() + "/truth");
  if (!truth.liver) return std::nullopt;
  const rfa::Mask& liver = *truth.liver;
  const rfa::ImageGeometry& g = liver.geometry();
  const auto inside = [&](const rfa::Vec3& p) {
    const rfa::Vec3 idx = g.lpsToIndex(p);
    const rfa::Size3 n = g.size();
    for (int a = 0; a < 3; ++a) {
      if (idx(a) < 0 || idx(a) > static_cast<double>(n[static_cast<std::size_t>(a)] - 1)) {
        return false;
      }
    }
    const auto at = [&](int a) { return static_cast<std::size_t>(std::lround(idx(a))); };
    const bool in_liver = liver.data()[at(0) + n[0] * (at(1) + n[1] * at(2))] != 0;
    const bool in_vessel =
        truth.vessel_radius_mm &&
        truth.vessel_radius_mm->data()[at(0) + n[0] * (at(1) + n[1] * at(2))] > 0;
    return in_liver && !in_vessel;
  };
  const rfa::Size3 n = g.size();
  for (std::size_t k = 0; k < n[2]; k += 2) {
    for (std::size_t j = 0; j < n[1]; j += 2) {
      for (std::size_t i = 0; i < n[0]; i += 2) {
        const rfa::Vec3 p = g.indexToLps(
            rfa::Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        bool ok = inside(p);
        for (const auto& l : plan.lesions) ok = ok && (l.centroid_lps - p).norm() > 35.0;
        for (int a = 0; ok && a < 3; ++a) {
          for (const double d : {-12.0, 12.0}) {
            rfa::Vec3 q = p;
            q(a) += d;
            ok = ok && inside(q);
          }
        }
        if (ok) return p;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

class FollowupGuiTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void followupViewEqualsTheCommandLine();

 private:  // NOLINT(readability-redundant-access-specifiers): after the Qt slots
  QTemporaryDir tmp_;
  QString ph_, plan_, fu_, audit_;
  int shifted_ = 0;
};

void FollowupGuiTest::initTestCase() {
  QVERIFY(tmp_.isValid());
  // The audit trail of this test (the workstation and the command lines it starts).
  audit_ = tmp_.filePath(QStringLiteral("audit/audit.jsonl"));
  qputenv("RFA_AUDIT_LOG", audit_.toLocal8Bit());
  ph_ = tmp_.filePath(QStringLiteral("ph"));
  plan_ = tmp_.filePath(QStringLiteral("plan.json"));
  fu_ = tmp_.filePath(QStringLiteral("fu"));
  QVERIFY(runCli({"phantom", "--out", ph_, "--lesions", "2", "--lesion-diameters", "14,18",
                  "--size", "128,128,60", "--spacing", "2.5", "--seed", "3"}));
  QVERIFY(runCli({"plan", ph_, "--segmentation", ph_ + "/truth", "--no-confirm",
                  "--uncertainty-samples", "0", "-o", plan_}));
  const rfa::planning::TreatmentPlan plan = rfa::planning::readPlanFile(plan_.toStdString());
  for (const auto& l : plan.lesions) {
    if (l.session == 1 && !l.placements.empty()) {
      shifted_ = l.id;
      break;
    }
  }
  QVERIFY2(shifted_ != 0, "no lesion treated in session 1");
  // The known placement error: lesion `shifted_`'s zones 3 mm to the patient's left; and a new
  // 12 mm lesion, which the next session has to treat.
  const std::optional<rfa::Vec3> fresh = placeForANewLesion(ph_, plan);
  QVERIFY2(fresh.has_value(), "no room for a new lesion in the phantom's liver");
  QVERIFY(runCli({"phantom-followup", plan_, "--phantom", ph_, "--out", fu_, "--deform", "4",
                  "--zone-shift", QStringLiteral("%1:3,0,0").arg(shifted_),
                  QStringLiteral("--new-lesion=%1,%2,%3:12")
                      .arg(fresh->x(), 0, 'f', 1)
                      .arg(fresh->y(), 0, 'f', 1)
                      .arg(fresh->z(), 0, 'f', 1)}));
}

void FollowupGuiTest::followupViewEqualsTheCommandLine() {
  // The command line's answers.
  const QString conf = tmp_.filePath(QStringLiteral("confirm"));
  QVERIFY(runCli({"confirm", plan_, fu_, "-o", conf}));
  const std::vector<rfa::followup::MarginsRow> cli_rows =
      rfa::followup::readMarginsFile(conf.toStdString() + "/margins.json");
  QVERIFY(!cli_rows.empty());

  MainWindow w;
  w.resize(1500, 950);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  rfa::gui::CaseController& c = w.controller();
  w.openPath(plan_);
  QVERIFY(waitFor([&] { return !c.busy(); }));
  QVERIFY2(c.hasCase() && c.state()->plan, qPrintable(w.lastError()));
  drawAll(w);  // the first frames (shader compilation) before the watched job

  // Cancel: the review stops at its next progress report and nothing changes.
  c.openFollowup(fu_, 1);
  QVERIFY(c.busy());
  c.cancel();
  QVERIFY(waitFor([&] { return !c.busy(); }, 600000));
  QVERIFY(c.followup() == nullptr);
  QVERIFY(w.lastError().isEmpty());

  // The follow-up in the background: progress reported, the UI thread never blocked > 100 ms.
  Watchdog dog(c);
  QSignalSpy progress(&c, &rfa::gui::CaseController::progressed);
  QSignalSpy ready(&c, &rfa::gui::CaseController::followupReady);
  QElapsedTimer t;
  t.start();
  c.openFollowup(fu_, 1);
  QVERIFY(c.busy());
  QVERIFY(waitFor([&] { return !c.busy(); }, 600000));
  std::printf(
      "follow-up reviewed in %.1f s; UI thread longest block %.1f ms during the job, "
      "%d progress reports\n",
      static_cast<double>(t.elapsed()) / 1000.0, dog.worstBusyMs(),
      static_cast<int>(progress.count()));
  QCOMPARE(ready.count(), 1);
  QVERIFY2(c.followup() != nullptr, qPrintable(w.lastError()));
  QVERIFY2(dog.worstBusyMs() < 100.0, "the UI thread was blocked during the registration");
  QVERIFY(progress.count() >= 3);
  QCOMPARE(w.layoutMode(), MainWindow::Layout::kFollowup);

  // Each lesion's MAM and verdict as `rfaplan confirm` wrote them, in the model and the table.
  FollowupPanel* panel = w.followupPanel();
  const rfa::workflow::FollowupReview& review = *c.followup();
  QTableWidget* table = panel->lesionTable();
  QCOMPARE(table->rowCount(), static_cast<int>(review.rows.size()));
  for (const rfa::followup::MarginsRow& m : cli_rows) {
    int row = -1;
    for (std::size_t i = 0; i < review.rows.size(); ++i) {
      if (review.rows[i].lesion_id == m.lesion) row = static_cast<int>(i);
    }
    QVERIFY2(row >= 0, qPrintable(QStringLiteral("lesion %1 not in the view").arg(m.lesion)));
    const rfa::workflow::FollowupLesionRow& r = review.rows[static_cast<std::size_t>(row)];
    QVERIFY(r.mam_mm.has_value());
    std::printf("L%d: view MAM %.3f mm (%s), confirm %.3f mm (%s)%s\n", m.lesion, *r.mam_mm,
                r.verdict.c_str(), m.minimal_margin_mm, m.verdict.c_str(),
                m.lesion == shifted_ ? " - zones shifted 3 mm" : "");
    QVERIFY(std::abs(*r.mam_mm - m.minimal_margin_mm) < 6e-4);  // margins.json: 3 decimals
    QCOMPARE(QString::fromStdString(r.verdict), QString::fromStdString(m.verdict));
    QCOMPARE(table->item(row, 2)->text(), QString::number(*r.mam_mm, 'f', 1));
  }
  QVERIFY(!panel->registrationLabel()->text().isEmpty());
  // A poor registration is shown in red, an acceptable one not.
  std::printf("registration: %s\n", review.registration_summary.c_str());
  QCOMPARE(panel->registrationLabel()->styleSheet().contains(QStringLiteral("#b00020")),
           review.registration_poor);
  QVERIFY(panel->timelineList()->count() >= 3);

  // The colour map: at the minimal-margin point of each treated lesion, the follow-up's axial
  // view shows the colour of that voxel's margin (workflow::MarginBins, the confirm PNGs' colours).
  const rfa::workflow::MarginBins bins{review.threshold_mm};
  const rfa::followup::ConfirmResult& conf_result = review.timepoint().confirmation;
  VtkViewWidget* fv = panel->followupView();
  QVERIFY(fv != nullptr && panel->planningView() != nullptr && panel->followup3dView() != nullptr);
  for (int row = 0; row < static_cast<int>(review.rows.size()); ++row) {
    const rfa::workflow::FollowupLesionRow& r = review.rows[static_cast<std::size_t>(row)];
    if (!r.mam_point_lps) continue;
    panel->showRow(row);
    // Linked cursors: both views on the same point.
    QVERIFY((panel->planningView()->sliceView()->cursorLps() - *r.mam_point_lps).norm() < 1e-6);
    QVERIFY((fv->sliceView()->cursorLps() - *r.mam_point_lps).norm() < 1e-6);
    fv->sliceView()->setCrosshairVisible(false);
    draw(fv);
    const QImage img = fv->grabFramebuffer();
    if (qEnvironmentVariableIsSet("RFA_GUI_TEST_SAVE")) {
      img.save(qEnvironmentVariable("RFA_GUI_TEST_SAVE") +
               QStringLiteral("/followup-L%1.png").arg(r.lesion_id));
    }
    // The margin of the surface voxels around the point, and the colours they are drawn in.
    const rfa::ImageGeometry& g = conf_result.margin_map.geometry();
    const rfa::Vec3 idx = g.lpsToIndex(*r.mam_point_lps);
    const rfa::Size3 n = g.size();
    float value = NAN;
    double best = 1e9;
    for (int dk = -1; dk <= 1; ++dk) {
      for (int dj = -1; dj <= 1; ++dj) {
        for (int di = -1; di <= 1; ++di) {
          const long i = std::lround(idx.x()) + di, j = std::lround(idx.y()) + dj;
          const long k = std::lround(idx.z());
          if (i < 0 || j < 0 || i >= static_cast<long>(n[0]) || j >= static_cast<long>(n[1]))
            continue;
          const float v = conf_result.margin_map.data()[static_cast<std::size_t>(
              i + static_cast<long>(n[0]) * (j + static_cast<long>(n[1]) * k))];
          const double d = std::hypot(di, dj) + std::abs(dk);
          if (std::isfinite(v) && d < best) {
            best = d;
            value = v;
          }
        }
      }
    }
    QVERIFY2(std::isfinite(value), "no margin value at the minimal-margin point");
    const rfa::workflow::SceneColour want = bins.colourOf(bins.labelOf(value));
    const QColor wanted = QColor::fromRgbF(static_cast<float>(want[0]), static_cast<float>(want[1]),
                                           static_cast<float>(want[2]));
    const double ratio = fv->devicePixelRatioF();
    const QPoint p = fv->lpsToWidget(*r.mam_point_lps);
    const QPoint dp(static_cast<int>(std::lround(p.x() * ratio)),
                    static_cast<int>(std::lround(p.y() * ratio)));
    const int near = pixelsNear(img, dp, 6, wanted, 60);
    std::printf("L%d: margin %.2f mm at the MAM point, %d pixel(s) in its colour (%d,%d,%d)\n",
                r.lesion_id, static_cast<double>(value), near, wanted.red(), wanted.green(),
                wanted.blue());
    QVERIFY2(near >= 2, "the margin colour map is not drawn at the minimal-margin point");
    // Hidden, the colour goes: it is the margin map that drew it.
    c.followupScene()->setLayerVisible("margin map", false);
    draw(fv);
    const int without = pixelsNear(fv->grabFramebuffer(), dp, 6, wanted, 60);
    c.followupScene()->setLayerVisible("margin map", true);
    QVERIFY2(without < near, "the colour at the point does not come from the margin map");
  }

  // The 3D view: each treated lesion's surface in its margin colours (the zones hidden: they are
  // orange too).
  VtkViewWidget* v3 = panel->followup3dView();
  c.followupScene()->setLayerVisible("zones", false);
  draw(v3);
  const QImage with_surface = v3->grabFramebuffer();
  if (qEnvironmentVariableIsSet("RFA_GUI_TEST_SAVE")) {
    with_surface.save(qEnvironmentVariable("RFA_GUI_TEST_SAVE") + "/followup-3d.png");
  }
  c.followupScene()->setLayerVisible("margin surface", false);
  draw(v3);
  const int coloured = saturatedPixels(with_surface);
  const int uncoloured = saturatedPixels(v3->grabFramebuffer());
  c.followupScene()->setLayerVisible("margin surface", true);
  c.followupScene()->setLayerVisible("zones", true);
  draw(v3);
  if (qEnvironmentVariableIsSet("RFA_GUI_TEST_SAVE")) {
    v3->grabFramebuffer().save(qEnvironmentVariable("RFA_GUI_TEST_SAVE") +
                               "/followup-3d-zones.png");
  }
  std::printf("3D: %d saturated pixels with the margin surface, %d without\n", coloured,
              uncoloured);
  QVERIFY2(coloured > uncoloured + 50, "no margin-coloured surface in the 3D view");

  // "Plan next session" gives the plan `rfaplan followup --next-plan` writes.
  QVERIFY(panel->planNextButton()->isEnabled());
  dog.reset();
  QTest::mouseClick(panel->planNextButton(), Qt::LeftButton);
  QVERIFY(c.busy());
  QVERIFY(waitFor([&] { return !c.busy(); }, 600000));
  std::printf("next session planned; UI thread longest block %.1f ms during the job\n",
              dog.worstBusyMs());
  QVERIFY2(c.state() != nullptr && c.state()->plan && c.unsavedChanges(),
           qPrintable(w.lastError()));
  QVERIFY(c.followup() == nullptr);  // the follow-up belonged to the previous case
  const QString gui_next = tmp_.filePath(QStringLiteral("gui-next.json"));
  QVERIFY(c.savePlan(gui_next));
  const QString cli_next = tmp_.filePath(QStringLiteral("cli-next.json"));
  QVERIFY(runCli({"followup", plan_, fu_ + "@1", "--next-plan", cli_next, "--no-confirm", "-o",
                  tmp_.filePath(QStringLiteral("timeline.json"))}));
  const rfa::planning::TreatmentPlan a = rfa::planning::readPlanFile(gui_next.toStdString());
  const rfa::planning::TreatmentPlan b = rfa::planning::readPlanFile(cli_next.toStdString());
  QCOMPARE(a.lesions.size(), b.lesions.size());
  QCOMPARE(a.sessions.size(), b.sessions.size());
  QCOMPARE(a.settings.prior_sessions, b.settings.prior_sessions);
  for (std::size_t i = 0; i < a.lesions.size(); ++i) {
    QCOMPARE(a.lesions[i].id, b.lesions[i].id);
    QCOMPARE(a.lesions[i].session, b.lesions[i].session);
    QCOMPARE(a.lesions[i].placements.size(), b.lesions[i].placements.size());
    for (std::size_t k = 0; k < a.lesions[i].placements.size(); ++k) {
      QVERIFY((a.lesions[i].placements[k].tip_lps - b.lesions[i].placements[k].tip_lps).norm() <
              1e-3);
      QVERIFY((a.lesions[i].placements[k].entry_lps - b.lesions[i].placements[k].entry_lps).norm() <
              1e-3);
    }
  }
  QVERIFY(std::abs(a.cumulative_volume_ml - b.cumulative_volume_ml) < 1e-3);
  std::printf("next plan: %zu lesion(s), %zu session(s), identical to the command line's\n",
              a.lesions.size(), a.sessions.size());

  // The workstation's audit lines: open (image and plan), follow-up, save; no path, no name.
  const rfa::audit::LogContents log = rfa::audit::readLog(audit_.toStdString());
  QCOMPARE(log.torn_lines, 0);
  std::vector<std::string> gui_actions;
  for (const auto& e : log.events) {
    if (e["program"] == "rfaplan-gui") gui_actions.push_back(e["action"].get<std::string>());
  }
  std::string listed;
  for (const std::string& a2 : gui_actions) listed += a2 + " ";
  std::printf("audit (rfaplan-gui): %s\n", listed.c_str());
  for (const char* want : {"open", "follow-up", "save"}) {
    QVERIFY2(std::find(gui_actions.begin(), gui_actions.end(), want) != gui_actions.end(), want);
  }
  QFile f(audit_);
  QVERIFY(f.open(QIODevice::ReadOnly));
  const QByteArray all = f.readAll();
  QVERIFY(!all.contains(tmp_.path().toUtf8()));
  QVERIFY(!all.contains("RFA^Phantom"));

  // The workstation's cache is owner only; a clean exit leaves no outgoing export, no autosave.
  const QString cache = QFileInfo(rfa::gui::CaseController::pacsCacheDir()).path();
  QCOMPARE(QFile::permissions(cache) & (QFileDevice::ReadGroup | QFileDevice::ReadOther |
                                        QFileDevice::ExeGroup | QFileDevice::ExeOther),
           QFileDevice::Permissions());
  QVERIFY(QDir().mkpath(rfa::gui::CaseController::outgoingDir()));
  QFile left(rfa::gui::CaseController::outgoingDir() + "/plan-rtstruct.dcm");
  QVERIFY(left.open(QIODevice::WriteOnly));
  left.close();
  QVERIFY(w.close());
  QVERIFY(QDir(rfa::gui::CaseController::outgoingDir()).isEmpty());
  QVERIFY(!rfa::gui::CaseController::autosavedPlan().has_value());
}

int main(int argc, char** argv) {
  return guiTestMain<FollowupGuiTest>(argc, argv, "rfaplan-followup-gui-test");
}

#include "followup_test.moc"
