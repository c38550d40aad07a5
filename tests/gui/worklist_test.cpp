// Qt Test of the case worklist in the workstation (rfa::gui::CaseListDialog over
// rfa::cases::CaseDatabase) on real SQLite files and real plan files: 200 synthetic cases listed
// and filtered as CaseDatabase::listCases() filters them (typing, plan file names, due only), the
// detail pane, Open (button and double-click) handing the plan path on, a corrupt and a newer
// database shown in words naming the file with the dialog still usable, and
// CaseController::savePlan() registering a planned phantom in the worklist (a failing worklist
// never failing the save). The database is always a file in this test's temporary folder
// (RFA_CASES_DB, set here before any use). Without an X display the program exits with 77 (ctest:
// skipped) saying so.
#include <QApplication>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "case_controller.h"
#include "case_list_dialog.h"
#include "case_test_support.h"
#include "gui_test_support.h"
#include "rfa/cases/case_db.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/planning/plan_io.h"

namespace fs = std::filesystem;
using rfa::cases::CaseDatabase;
using rfa::cases::CaseFilter;
using rfa::cases::CaseSummary;
using rfa::gui::CaseListDialog;

namespace {

constexpr int kCases = 200;
constexpr const char* kToday = "2027-03-01";

std::string patientOf(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "P%03d", i);
  return id;
}

/// Plan file names unlike the patient ids, so that a name filter is told from a patient filter.
std::string planNameOf(int i) {
  return "plan-" + std::to_string(1000 + i) + ".json";
}

/// The case ids of the dialog's rows, in order.
std::vector<std::int64_t> idsOf(const CaseListDialog& d) {
  std::vector<std::int64_t> ids;
  ids.reserve(static_cast<std::size_t>(d.rowCount()));
  for (int r = 0; r < d.rowCount(); ++r) ids.push_back(d.caseIdAt(r));
  return ids;
}

std::vector<std::int64_t> idsOf(const std::vector<CaseSummary>& rows) {
  std::vector<std::int64_t> ids;
  ids.reserve(rows.size());
  for (const CaseSummary& c : rows) ids.push_back(c.id);
  return ids;
}

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

}  // namespace

class WorklistTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void twoHundredCasesAreListedAndFiltered();
  void detailPaneShowsEventsAndFollowups();
  void openHandsThePlanPathOn();
  void corruptOrNewerDatabaseIsShownNamingTheFile();
  void savePlanRegistersThePlanInTheWorklist();

 private:  // NOLINT(readability-redundant-access-specifiers): "private slots" above is moc's
  QTemporaryDir tmp_;
  fs::path dir_;
  fs::path db_file_;  ///< the 200 cases
  fs::path default_db_;
};

void WorklistTest::initTestCase() {
  QVERIFY(tmp_.isValid());
  dir_ = fs::path(tmp_.path().toStdString());
  // Never the user's worklist: the default database of this process is in the temporary folder.
  default_db_ = dir_ / "default" / "cases.sqlite";
  qputenv("RFA_CASES_DB", QByteArray::fromStdString(default_db_.string()));
  QCOMPARE(rfa::cases::defaultDatabasePath(), default_db_);

  // 200 plans as in the cases module's test: patients P000..P199, batch-rfa (2 sessions) for even
  // i and multimodal-thermal-therapy (1 session) for odd i, starts spread over 2027, every tenth
  // undated.
  db_file_ = dir_ / "worklist" / "cases.sqlite";
  fs::create_directories(dir_ / "plans");
  CaseDatabase db(db_file_);
  for (int i = 0; i < kCases; ++i) {
    std::string start;
    if (i % 10 != 0) {
      char d[16];
      std::snprintf(d, sizeof d, "2027-%02d-%02d", 1 + i % 12, 1 + i % 28);
      start = d;
    }
    const bool batch = i % 2 == 0;
    const fs::path file = dir_ / "plans" / planNameOf(i);
    rfa::cases::test::writePlanFast(
        file, rfa::cases::test::syntheticPlan(patientOf(i), start, batch ? 2 : 1, 3,
                                              batch ? "batch-rfa" : "multimodal-thermal-therapy"));
    QCOMPARE(db.addPlan(file).outcome, rfa::cases::AddOutcome::kAdded);
  }
  QCOMPARE(db.listCases().size(), std::size_t{kCases});
}

void WorklistTest::twoHundredCasesAreListedAndFiltered() {
  const CaseDatabase db(db_file_);
  CaseFilter base;
  base.today = kToday;

  QElapsedTimer clock;
  clock.start();
  CaseListDialog d(nullptr, db_file_);
  const double open_ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
  d.show();
  QVERIFY(QTest::qWaitForWindowExposed(&d));
  QVERIFY2(d.errorText().isEmpty(), qPrintable(d.errorText()));
  QCOMPARE(d.databaseFile(), db_file_);
  d.setToday(QString::fromLatin1(kToday));
  QCOMPARE(d.rowCount(), kCases);
  // Same cases, same order (patient key, then plan path) as the library lists them.
  const std::vector<CaseSummary> all = db.listCases(base);
  QVERIFY(idsOf(d) == idsOf(all));
  // Every cell as the summary says: patient, file name, revision, sessions done/total, next event.
  for (int r = 0; r < d.rowCount(); ++r) {
    const CaseSummary& c = all[static_cast<std::size_t>(r)];
    QCOMPARE(d.cellText(r, 0), qs(c.patient));
    QCOMPARE(d.cellText(r, 1), QFileInfo(qs(c.plan_file)).fileName());
    QCOMPARE(d.planFileAt(r), qs(c.plan_file));
    QCOMPARE(d.cellText(r, 2), QString::number(c.revision));
    QCOMPARE(d.cellText(r, 3), QStringLiteral("%1/%2")
                                   .arg(c.prior_sessions + c.sessions_done)
                                   .arg(c.prior_sessions + c.sessions));
    QVERIFY2(c.next.has_value(), c.patient.c_str());  // every plan has a later or undated event
    QCOMPARE(d.cellText(r, 4),
             c.next->date.empty() ? QStringLiteral("day %1").arg(c.next->day) : qs(c.next->date));
    QCOMPARE(d.cellText(r, 5), qs(c.next->kind));
  }
  QCOMPARE(d.cellText(0, 0), QStringLiteral("P000"));
  QCOMPARE(d.cellText(0, 1), QStringLiteral("plan-1000.json"));
  QCOMPARE(d.cellText(0, 4), QStringLiteral("day 0"));  // P000 is undated: days from the 1st RFA

  // Patient filters: exactly listCases() with that patient filter (case-insensitive substring).
  std::vector<double> filter_ms;
  for (const char* text : {"p01", "P1", "p19", "199", "nobody"}) {
    clock.restart();
    d.setFilterText(QString::fromLatin1(text));
    filter_ms.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
    CaseFilter f = base;
    f.patient = text;
    const std::vector<CaseSummary> expected = db.listCases(f);
    QVERIFY2(idsOf(d) == idsOf(expected), text);
    for (int r = 0; r < d.rowCount(); ++r) {
      QVERIFY(d.cellText(r, 0).contains(QString::fromLatin1(text), Qt::CaseInsensitive));
    }
  }
  d.setFilterText(QStringLiteral("p01"));
  QCOMPARE(d.rowCount(), 10);  // P010..P019
  d.setFilterText(QStringLiteral("nobody"));
  QCOMPARE(d.rowCount(), 0);
  // Plan file names: "plan-105" is plan-1050..plan-1059, i.e. patients P050..P059.
  clock.restart();
  d.setFilterText(QStringLiteral("PLAN-105"));
  filter_ms.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
  QCOMPARE(d.rowCount(), 10);
  for (int r = 0; r < d.rowCount(); ++r) {
    QCOMPARE(d.cellText(r, 0), qs(patientOf(50 + r)));
    QCOMPARE(d.cellText(r, 1), qs(planNameOf(50 + r)));
  }
  // Typing applies the filter by itself (after a short pause).
  d.setFilterText({});
  QCOMPARE(d.rowCount(), kCases);
  auto* edit = d.findChild<QLineEdit*>(QStringLiteral("case-filter"));
  QVERIFY(edit != nullptr);
  QTest::keyClicks(edit, QStringLiteral("p01"));
  QTRY_COMPARE(d.rowCount(), 10);
  edit->clear();
  QTRY_COMPARE(d.rowCount(), kCases);

  // Due only: listCases() with due_only and the same window, through the check box and spin box.
  auto* due = d.findChild<QCheckBox*>(QStringLiteral("case-due-only"));
  auto* days = d.findChild<QSpinBox*>(QStringLiteral("case-due-days"));
  QVERIFY(due != nullptr && days != nullptr);
  QVERIFY(!days->isEnabled());
  days->setValue(30);
  clock.restart();
  due->setChecked(true);
  filter_ms.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
  QVERIFY(days->isEnabled());
  CaseFilter f = base;
  f.due_only = true;
  f.due_days = 30;
  std::vector<CaseSummary> expected = db.listCases(f);
  QVERIFY(!expected.empty() && expected.size() < all.size());
  QVERIFY(idsOf(d) == idsOf(expected));
  for (int r = 0; r < d.rowCount(); ++r) {
    QVERIFY(d.cellText(r, 4) >= QStringLiteral("2027-03-01"));
    QVERIFY(d.cellText(r, 4) <= QStringLiteral("2027-03-31"));
  }
  const int due30 = d.rowCount();
  days->setValue(7);
  f.due_days = 7;
  expected = db.listCases(f);
  QVERIFY(idsOf(d) == idsOf(expected));
  QVERIFY(d.rowCount() < due30);
  // Due only and a patient filter together.
  days->setValue(30);
  d.setFilterText(QStringLiteral("P0"));
  f.due_days = 30;
  f.patient = "P0";
  expected = db.listCases(f);
  QVERIFY(!expected.empty());
  QVERIFY(idsOf(d) == idsOf(expected));
  // Off again: everything of P0xx.
  due->setChecked(false);
  f.due_only = false;
  QVERIFY(idsOf(d) == idsOf(db.listCases(f)));
  QCOMPARE(d.rowCount(), 100);

  double worst = 0;
  double sum = 0;
  for (const double ms : filter_ms) {
    worst = std::max(worst, ms);
    sum += ms;
  }
  std::printf(
      "worklist of %d cases: dialog opened and listed in %.1f ms; filter applied in "
      "%.1f ms on average, %.1f ms at worst (%zu filters)\n",
      kCases, open_ms, sum / static_cast<double>(filter_ms.size()), worst, filter_ms.size());
  // Typing must stay fluid: far below a second even on a slow machine.
  QVERIFY2(worst < 1000, qPrintable(QStringLiteral("%1 ms").arg(worst)));
}

void WorklistTest::detailPaneShowsEventsAndFollowups() {
  // A follow-up of P002's session 1 (the result file must exist): its session is done.
  CaseDatabase db(db_file_);
  CaseFilter f;
  f.today = kToday;
  f.patient = "P002";
  const std::vector<CaseSummary> rows = db.listCases(f);
  QCOMPARE(rows.size(), std::size_t{1});
  const fs::path margins = dir_ / "margins-P002.json";
  std::ofstream(margins) << "{}\n";
  db.addFollowup(rows.front().id, 1, "2027-04-02", margins);

  CaseListDialog d(nullptr, db_file_);
  d.show();
  d.setToday(QString::fromLatin1(kToday));
  d.setFilterText(QStringLiteral("P002"));
  QCOMPARE(d.rowCount(), 1);
  QCOMPARE(d.cellText(0, 3), QStringLiteral("1/2"));
  QVERIFY(d.detailText().isEmpty());
  QVERIFY(!d.openButton()->isEnabled());
  QVERIFY(d.selectRow(0));
  QVERIFY(!d.selectRow(1));
  QVERIFY(d.openButton()->isEnabled());
  const QString text = d.detailText();
  const rfa::cases::CaseDetail c = db.openCase(rows.front().id);
  QVERIFY(text.contains(qs(c.summary.plan_file)));
  QVERIFY(text.contains(QStringLiteral("revision %1").arg(c.summary.revision)));
  QVERIFY(text.contains(QStringLiteral("Sessions done: 1 of 2")));
  // Every event of the timeline (labs, RFA, imaging, systemic cycles) with its date and kind.
  std::set<std::string> kinds;
  QVERIFY(!c.events.empty());
  const QStringList lines = text.split(QLatin1Char('\n'));
  for (const rfa::cases::CaseEvent& e : c.events) {
    kinds.insert(e.kind);
    const bool listed = std::any_of(lines.begin(), lines.end(), [&](const QString& line) {
      return line.contains(qs(e.date)) && line.contains(qs(e.kind)) && line.contains(qs(e.text));
    });
    QVERIFY2(listed, (e.date + " " + e.kind + ": " + e.text).c_str());
  }
  for (const char* k : {"labs", "rfa", "systemic-cycle", "imaging-followup"}) {
    QVERIFY2(kinds.count(k) == 1, k);
  }
  QVERIFY(text.contains(QStringLiteral("[session done]")));
  // The follow-up recorded, with its date and file.
  QVERIFY(text.contains(QStringLiteral("2027-04-02  session 1: ") + qs(margins.string())));
  // An undated plan's events are in days from the first RFA.
  d.setFilterText(QStringLiteral("P010"));
  QVERIFY(d.selectRow(0));
  QVERIFY(d.detailText().contains(QStringLiteral("start not set")));
  QVERIFY(d.detailText().contains(QStringLiteral("----------  day    0")));
}

void WorklistTest::openHandsThePlanPathOn() {
  {
    CaseListDialog d(nullptr, db_file_);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QSignalSpy spy(&d, &CaseListDialog::openRequested);
    d.setFilterText(QStringLiteral("p12"));
    QCOMPARE(d.rowCount(), 10);
    QVERIFY(d.selectRow(3));
    QTest::mouseClick(d.openButton(), Qt::LeftButton);
    QCOMPARE(spy.count(), 1);
    const QString plan = spy.front().front().toString();
    QCOMPARE(plan, qs((dir_ / "plans" / planNameOf(123)).string()));
    QVERIFY(QFileInfo(plan).isAbsolute() && QFileInfo::exists(plan));
    QCOMPARE(d.result(), static_cast<int>(QDialog::Accepted));
    QVERIFY(!d.isVisible());
  }
  {
    // A double-click on a row opens it too.
    CaseListDialog d(nullptr, db_file_);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QSignalSpy spy(&d, &CaseListDialog::openRequested);
    d.setFilterText(QStringLiteral("P07"));
    QTableWidget* t = d.table();
    const QRect cell = t->visualItemRect(t->item(5, 1));
    QVERIFY(cell.isValid());
    // As a real double-click arrives: press and release, then the double-click.
    QTest::mouseClick(t->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(spy.count(), 0);  // one click selects only
    QCOMPARE(d.table()->currentRow(), 5);
    QTest::mouseDClick(t->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.front().front().toString(), qs((dir_ / "plans" / planNameOf(75)).string()));
    QCOMPARE(d.result(), static_cast<int>(QDialog::Accepted));
  }
}

void WorklistTest::corruptOrNewerDatabaseIsShownNamingTheFile() {
  const fs::path bad = dir_ / "bad" / "cases.sqlite";
  fs::create_directories(bad.parent_path());
  {
    std::ofstream out(bad, std::ios::binary);
    for (int i = 0; i < 400; ++i) out << "this is not an SQLite database, line " << i << "\n";
  }
  const auto size_before = fs::file_size(bad);
  CaseListDialog d(nullptr, bad);
  d.show();
  QVERIFY(QTest::qWaitForWindowExposed(&d));
  std::printf("corrupt database: %s\n", qPrintable(d.errorText()));
  QVERIFY(d.errorText().contains(qs(bad.string())));
  QCOMPARE(d.rowCount(), 0);
  // Still usable: filters, due only, reload, nothing selected to open; the file left as it is.
  d.setFilterText(QStringLiteral("P0"));
  d.setDueOnly(true, 10);
  d.reload();
  QCOMPARE(d.rowCount(), 0);
  QVERIFY(!d.selectRow(0));
  QVERIFY(!d.openButton()->isEnabled());
  QVERIFY(d.errorText().contains(qs(bad.string())));
  QCOMPARE(fs::file_size(bad), size_before);
  // Once the file is sound, "Reload" lists it.
  fs::remove(bad);
  {
    CaseDatabase fixed(bad);
    fixed.addPlan(dir_ / "plans" / planNameOf(7));
  }
  d.setDueOnly(false);
  d.findChild<QPushButton*>(QStringLiteral("case-reload"))->click();
  QVERIFY2(d.errorText().isEmpty(), qPrintable(d.errorText()));
  QCOMPARE(d.rowCount(), 1);
  QCOMPARE(d.cellText(0, 0), QStringLiteral("P007"));

  // A newer schema (PRAGMA user_version, bytes 60..63 of the SQLite header, big-endian) than this
  // program knows: said so, naming the file and the versions.
  const fs::path newer = dir_ / "newer" / "cases.sqlite";
  { const CaseDatabase made(newer); }
  {
    std::fstream io(newer, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(60);
    const char version[4] = {0, 0, 0, 99};
    io.write(version, 4);
    QVERIFY(io.good());
  }
  CaseListDialog n(nullptr, newer);
  n.show();
  std::printf("newer database: %s\n", qPrintable(n.errorText()));
  QVERIFY(n.errorText().contains(qs(newer.string())));
  QVERIFY(n.errorText().contains(QStringLiteral("99")));
  QCOMPARE(n.rowCount(), 0);
  n.setFilterText(QStringLiteral("x"));
  QCOMPARE(n.rowCount(), 0);
}

void WorklistTest::savePlanRegistersThePlanInTheWorklist() {
  // A phantom opened, segmented and planned as in the workstation test, then saved.
  rfa::phantom::PhantomOptions o;
  o.size = {160, 160, 80};
  o.spacing_mm = {2.4, 2.4, 2.5};
  o.lesions = 2;
  o.min_lesion_diameter_mm = 18;
  o.max_lesion_diameter_mm = 24;
  o.seed = 7;
  const rfa::phantom::Phantom phantom = rfa::phantom::generatePhantom(o);
  const fs::path phantom_dir = dir_ / "phantom";
  rfa::phantom::writePhantomFolder(phantom, phantom_dir);

  rfa::gui::CaseController c;
  QString failure;
  connect(&c, &rfa::gui::CaseController::failed, this,
          [&failure](const QString& title, const QString& text) { failure = title + ": " + text; });
  QSignalSpy messages(&c, &rfa::gui::CaseController::message);
  c.open(qs(phantom_dir.string()));
  c.waitIdle();
  QVERIFY2(c.hasCase(), qPrintable(failure));
  for (const auto& truth : phantom.lesion_truth) {
    c.segmentLesionAt(truth.center_lps);
    c.waitIdle();
  }
  c.plan(false);
  c.waitIdle();
  QVERIFY2(c.state()->plan.has_value(), qPrintable(failure));
  QVERIFY(!fs::exists(default_db_));

  const fs::path plan_file = dir_ / "phantom-plan.json";
  messages.clear();
  QVERIFY2(c.savePlan(qs(plan_file.string())), qPrintable(failure));
  auto worklistMessages = [&messages] {
    QStringList out;
    for (const QList<QVariant>& m : messages) {
      if (m.front().toString().startsWith(QStringLiteral("worklist:"))) {
        out << m.front().toString();
      }
    }
    return out;
  };
  QVERIFY2(worklistMessages().isEmpty(), qPrintable(worklistMessages().join('\n')));
  QVERIFY(fs::exists(default_db_));
  const std::string saved = fs::canonical(plan_file).string();
  auto casesOfThePlan = [&] {
    std::vector<CaseSummary> found;
    for (CaseSummary& s : CaseDatabase(default_db_).listCases()) {
      if (s.plan_file == saved) found.push_back(std::move(s));
    }
    return found;
  };
  std::vector<CaseSummary> found = casesOfThePlan();
  QCOMPARE(found.size(), std::size_t{1});
  QCOMPARE(found.front().revision, c.state()->plan->revision);
  QCOMPARE(found.front().lesions, static_cast<int>(c.state()->plan->lesions.size()));
  QCOMPARE(found.front().sessions, static_cast<int>(c.state()->plan->sessions.size()));
  const int first_revision = found.front().revision;

  // The dialog on the default database (no path given) lists it.
  {
    CaseListDialog d;
    QCOMPARE(d.databaseFile(), default_db_);
    QVERIFY2(d.errorText().isEmpty(), qPrintable(d.errorText()));
    QCOMPARE(d.rowCount(), 1);
    QCOMPARE(d.planFileAt(0), qs(saved));
  }

  // A new revision (session 1 approved by the board) replaces the same case's record.
  QCOMPARE(CaseDatabase(default_db_).openCase(found.front().id).sessions.front().review_status,
           std::string());
  c.setReview(1, QStringLiteral("approved"), QStringLiteral("tumour board 1"));
  QVERIFY(c.unsavedChanges());
  QVERIFY2(c.savePlan(), qPrintable(failure));
  found = casesOfThePlan();
  QCOMPARE(found.size(), std::size_t{1});
  QCOMPARE(found.front().revision, first_revision + 1);
  QCOMPARE(CaseDatabase(default_db_).openCase(found.front().id).sessions.front().review_status,
           std::string("approved"));
  QCOMPARE(CaseDatabase(default_db_).listCases().size(), std::size_t{1});

  // A worklist that cannot be opened: the plan is still saved, the reason is said.
  const fs::path bad = dir_ / "bad-default.sqlite";
  std::ofstream(bad) << "not a database\n";
  qputenv("RFA_CASES_DB", QByteArray::fromStdString(bad.string()));
  c.setReview(1, QStringLiteral("approved"), QStringLiteral("tumour board 2"));
  messages.clear();
  failure.clear();
  QVERIFY2(c.savePlan(), qPrintable(failure));
  QVERIFY(failure.isEmpty());
  QVERIFY(!c.unsavedChanges());
  QCOMPARE(worklistMessages().size(), 1);
  std::printf("%s\n", qPrintable(worklistMessages().front()));
  QVERIFY(worklistMessages().front().contains(qs(bad.string())));
  QCOMPARE(c.state()->plan->revision, first_revision + 2);
  QCOMPARE(rfa::planning::readPlanFile(plan_file).revision, first_revision + 2);

  // No place for a worklist at all (no RFA_CASES_DB, XDG_DATA_HOME or HOME): saved, nothing said.
  const QByteArray home = qgetenv("HOME");
  const QByteArray data_home = qgetenv("XDG_DATA_HOME");
  qunsetenv("RFA_CASES_DB");
  qunsetenv("XDG_DATA_HOME");
  qunsetenv("HOME");
  c.setReview(1, QStringLiteral("approved"), QStringLiteral("tumour board 3"));
  messages.clear();
  const bool ok = c.savePlan();
  qputenv("HOME", home);
  if (!data_home.isEmpty()) qputenv("XDG_DATA_HOME", data_home);
  qputenv("RFA_CASES_DB", QByteArray::fromStdString(default_db_.string()));
  QVERIFY2(ok, qPrintable(failure));
  QVERIFY(worklistMessages().isEmpty());
  // The database of the first saves still holds revision 2 only (nothing written elsewhere).
  QCOMPARE(casesOfThePlan().front().revision, first_revision + 1);
  rfa::gui::CaseController::clearAutosave();
}

int main(int argc, char** argv) {
  return rfa::gui::test::guiTestMain<WorklistTest>(argc, argv, "rfaplan-worklist-test", false);
}

#include "worklist_test.moc"
