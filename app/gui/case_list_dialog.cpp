#include "case_list_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rfa/cases/case_db.h"

namespace rfa::gui {

namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

enum Column { kPatient = 0, kPlan, kRevision, kSessions, kNextDate, kNextKind, kColumns };

/// "2027-03-01", or "day N" (days from the first RFA) for a plan without a start date.
QString whenOf(const cases::CaseEvent& e) {
  return e.date.empty() ? QObject::tr("day %1").arg(e.day) : qs(e.date);
}

QString fileNameOf(const std::string& path) {
  return QFileInfo(qs(path)).fileName();
}

/// The detail pane's text of one case: what `rfaplan cases show` prints, with the whole timeline.
QString detailOf(const cases::CaseDetail& c) {
  const cases::CaseSummary& s = c.summary;
  QString t;
  t += QObject::tr("Case %1, patient %2 (research use only)\n").arg(s.id).arg(qs(s.patient));
  t += QObject::tr("Plan:          %1\n").arg(qs(s.plan_file));
  t += QObject::tr("               revision %1, profile %2, start %3, %4 lesion(s)\n")
           .arg(s.revision)
           .arg(qs(s.profile))
           .arg(s.start_date.empty() ? QObject::tr("not set (days from the first RFA)")
                                     : qs(s.start_date))
           .arg(s.lesions);
  t += QObject::tr("Series:        %1\n").arg(qs(c.series_path.string()));
  t += QObject::tr("Segmentation:  %1\n")
           .arg(c.segmentation_folder.empty() ? qs(c.segmentation)
                                              : qs(c.segmentation_folder.string()));
  t += QObject::tr("Sessions done: %1 of %2\n")
           .arg(s.prior_sessions + s.sessions_done)
           .arg(s.prior_sessions + s.sessions);

  t += QObject::tr("\nSessions\n");
  if (s.prior_sessions > 0) {
    t += QObject::tr("  sessions 1..%1 done before this plan\n").arg(s.prior_sessions);
  }
  std::map<int, bool> done;
  for (const cases::SessionRecord& r : c.sessions) {
    done[r.index] = r.done;
    QStringList ids;
    for (const int l : r.lesion_ids) ids << QStringLiteral("L%1").arg(l);
    t += QObject::tr("  session %1: %2; labs: %3%4; review: %5%6\n")
             .arg(r.index)
             .arg(ids.join(QStringLiteral(", ")))
             .arg(qs(r.decision))
             .arg(r.lab_date.empty() ? QString() : QStringLiteral(" (%1)").arg(qs(r.lab_date)))
             .arg(r.review_status.empty() ? QObject::tr("not reviewed") : qs(r.review_status))
             .arg(r.done ? QObject::tr("; done") : QString());
  }

  t += QObject::tr("\nEvents (labs, RFA, imaging, systemic cycles; day 0 = first RFA)\n");
  if (c.events.empty()) t += QObject::tr("  none\n");
  for (const cases::CaseEvent& e : c.events) {
    const auto d = done.find(e.session);
    const bool session_done = d != done.end() && d->second;
    t += QStringLiteral("  %1  day %2  %3  session %4%5: %6%7\n")
             .arg(e.date.empty() ? QStringLiteral("----------") : qs(e.date))
             .arg(e.day, 4)
             .arg(qs(e.kind), -25)
             .arg(e.session)
             .arg(e.cycle > 0 ? QObject::tr(", cycle %1").arg(e.cycle) : QString())
             .arg(qs(e.text))
             .arg(session_done ? QObject::tr(" [session done]") : QString());
  }

  t += QObject::tr("\nFollow-ups recorded\n");
  if (c.followups.empty()) t += QObject::tr("  none\n");
  for (const cases::FollowupRecord& f : c.followups) {
    t += QObject::tr("  %1  session %2: %3\n")
             .arg(f.date.empty() ? QObject::tr("(undated)") : qs(f.date))
             .arg(f.session)
             .arg(qs(f.file));
  }
  return t;
}

}  // namespace

CaseListDialog::CaseListDialog(QWidget* parent, std::filesystem::path db)
    : QDialog(parent), requested_(std::move(db)) {
  setObjectName(QStringLiteral("case-list"));
  setWindowTitle(tr("Cases (research use only)"));
  auto* layout = new QVBoxLayout(this);

  auto* filters = new QHBoxLayout;
  filter_ = new QLineEdit;
  filter_->setObjectName(QStringLiteral("case-filter"));
  filter_->setPlaceholderText(tr("Filter: patient id or plan file name"));
  filter_->setClearButtonEnabled(true);
  filters->addWidget(filter_, 1);
  due_only_ = new QCheckBox(tr("Due in next"));
  due_only_->setObjectName(QStringLiteral("case-due-only"));
  due_days_ = new QSpinBox;
  due_days_->setObjectName(QStringLiteral("case-due-days"));
  due_days_->setRange(0, 3650);
  due_days_->setValue(30);
  due_days_->setSuffix(tr(" days only"));
  due_days_->setEnabled(false);
  filters->addWidget(due_only_);
  filters->addWidget(due_days_);
  layout->addLayout(filters);

  error_ = new QLabel;
  error_->setObjectName(QStringLiteral("case-error"));
  error_->setWordWrap(true);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->setStyleSheet(QStringLiteral("QLabel { color: #b00020; }"));
  error_->hide();
  layout->addWidget(error_);

  auto* split = new QSplitter(Qt::Vertical);
  table_ = new QTableWidget(0, kColumns);
  table_->setObjectName(QStringLiteral("case-table"));
  table_->setHorizontalHeaderLabels({tr("Patient"), tr("Plan file"), tr("Revision"),
                                     tr("Sessions done"), tr("Next event"), tr("Kind")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  split->addWidget(table_);
  detail_ = new QPlainTextEdit;
  detail_->setObjectName(QStringLiteral("case-detail"));
  detail_->setReadOnly(true);
  detail_->setLineWrapMode(QPlainTextEdit::NoWrap);
  detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  detail_->setPlaceholderText(tr("Select a case to see its sessions, events and follow-ups."));
  split->addWidget(detail_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);

  status_ = new QLabel;
  status_->setObjectName(QStringLiteral("case-status"));
  status_->setWordWrap(true);
  layout->addWidget(status_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  open_button_ = buttons->addButton(tr("Open"), QDialogButtonBox::AcceptRole);
  open_button_->setObjectName(QStringLiteral("case-open"));
  open_button_->setEnabled(false);
  QPushButton* reload_button = buttons->addButton(tr("Reload"), QDialogButtonBox::ResetRole);
  reload_button->setObjectName(QStringLiteral("case-reload"));
  layout->addWidget(buttons);

  typing_ = new QTimer(this);
  typing_->setSingleShot(true);
  typing_->setInterval(150);
  connect(typing_, &QTimer::timeout, this, &CaseListDialog::refresh);
  connect(filter_, &QLineEdit::textChanged, typing_, qOverload<>(&QTimer::start));
  connect(due_only_, &QCheckBox::toggled, this, [this](bool on) {
    due_days_->setEnabled(on);
    refresh();
  });
  connect(due_days_, &QSpinBox::valueChanged, this, [this] {
    if (due_only_->isChecked()) refresh();
  });
  connect(table_, &QTableWidget::itemSelectionChanged, this, &CaseListDialog::showDetail);
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    selectRow(row);
    openSelected();
  });
  // The Open button only: Close rejects (QDialogButtonBox::rejected), Reload reloads.
  connect(open_button_, &QPushButton::clicked, this, &CaseListDialog::openSelected);
  connect(reload_button, &QPushButton::clicked, this, &CaseListDialog::reload);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  resize(980, 640);
  reload();
}

CaseListDialog::~CaseListDialog() = default;

QString CaseListDialog::errorText() const {
  return error_->isHidden() ? QString() : error_->text();
}

void CaseListDialog::showError(const QString& text) {
  error_->setText(text);
  error_->setVisible(!text.isEmpty());
}

void CaseListDialog::openDatabase() {
  db_.reset();
  try {
    file_ = requested_.empty() ? cases::defaultDatabasePath() : requested_;
  } catch (const std::exception& e) {
    file_.clear();
    showError(tr("No case worklist: %1").arg(qs(e.what())));
    return;
  }
  try {
    db_ = std::make_unique<cases::CaseDatabase>(file_);
    showError({});
  } catch (const std::exception& e) {
    // CorruptDataError, UnsupportedError (a newer schema) and WriteError name the file; the
    // path is given again in case a message does not.
    showError(tr("Cannot open the case worklist %1:\n%2\nThe file is left as it is; \"Reload\" "
                 "tries again.")
                  .arg(qs(file_.string()), qs(e.what())));
  }
}

void CaseListDialog::reload() {
  if (!db_) openDatabase();
  refresh();
}

void CaseListDialog::refresh() {
  typing_->stop();
  const std::int64_t selected = caseIdAt(table_->currentRow());
  table_->clearContents();
  table_->setRowCount(0);
  if (!db_) {
    status_->setText(file_.empty()
                         ? tr("No case database.")
                         : tr("No cases shown: %1 could not be opened.").arg(qs(file_.string())));
    showDetail();
    return;
  }
  cases::CaseFilter base;
  base.today = today_.toStdString();
  base.due_only = due_only_->isChecked();
  base.due_days = due_days_->value();
  const QString text = filter_->text().trimmed();
  std::vector<cases::CaseSummary> rows;
  try {
    rows = db_->listCases(base);
    if (!text.isEmpty()) {
      // The patient key in the database's own terms; the plan file by its name.
      cases::CaseFilter by_patient = base;
      by_patient.patient = text.toStdString();
      QSet<qint64> ids;
      for (const cases::CaseSummary& c : db_->listCases(by_patient)) ids.insert(c.id);
      std::erase_if(rows, [&](const cases::CaseSummary& c) {
        return !ids.contains(c.id) && !fileNameOf(c.plan_file).contains(text, Qt::CaseInsensitive);
      });
    }
    showError({});  // a listing error of an earlier refresh is gone
  } catch (const std::exception& e) {
    rows.clear();
    showError(tr("Cannot list the cases of %1:\n%2").arg(qs(file_.string()), qs(e.what())));
  }

  table_->setUpdatesEnabled(false);
  table_->setRowCount(static_cast<int>(rows.size()));
  int reselect = -1;
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    const cases::CaseSummary& c = rows[static_cast<std::size_t>(r)];
    auto put = [&](int column, const QString& value, const QString& tip = {}) {
      auto* item = new QTableWidgetItem(value);
      if (!tip.isEmpty()) item->setToolTip(tip);
      table_->setItem(r, column, item);
      return item;
    };
    QTableWidgetItem* patient = put(kPatient, qs(c.patient));
    patient->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(c.id));
    patient->setData(Qt::UserRole + 1, qs(c.plan_file));
    put(kPlan, fileNameOf(c.plan_file), qs(c.plan_file));
    put(kRevision, QString::number(c.revision));
    put(kSessions, QStringLiteral("%1/%2")
                       .arg(c.prior_sessions + c.sessions_done)
                       .arg(c.prior_sessions + c.sessions));
    if (c.next) {
      put(kNextDate, whenOf(*c.next));
      put(kNextKind, qs(c.next->kind), qs(c.next->text));
    } else {
      put(kNextDate, tr("none"));
      put(kNextKind, QString());
    }
    if (c.id == selected) reselect = r;
  }
  table_->resizeColumnsToContents();
  table_->setUpdatesEnabled(true);
  if (reselect >= 0) table_->selectRow(reselect);
  status_->setText(tr("%1 case(s) in %2. Dates yyyy-mm-dd; \"day N\": days from the first RFA of "
                      "a plan without a start date. Research use only.")
                       .arg(rows.size())
                       .arg(qs(file_.string())));
  showDetail();
}

int CaseListDialog::rowCount() const {
  return table_->rowCount();
}

QString CaseListDialog::planFileAt(int row) const {
  const QTableWidgetItem* item =
      row >= 0 && row < table_->rowCount() ? table_->item(row, kPatient) : nullptr;
  return item != nullptr ? item->data(Qt::UserRole + 1).toString() : QString();
}

std::int64_t CaseListDialog::caseIdAt(int row) const {
  const QTableWidgetItem* item =
      row >= 0 && row < table_->rowCount() ? table_->item(row, kPatient) : nullptr;
  return item != nullptr ? item->data(Qt::UserRole).toLongLong() : 0;
}

QString CaseListDialog::cellText(int row, int column) const {
  const QTableWidgetItem* item = table_->item(row, column);
  return item != nullptr ? item->text() : QString();
}

void CaseListDialog::setFilterText(const QString& text) {
  filter_->setText(text);
  refresh();
}

void CaseListDialog::setDueOnly(bool on, int days) {
  const QSignalBlocker a(due_only_);
  const QSignalBlocker b(due_days_);
  due_only_->setChecked(on);
  due_days_->setValue(days);
  due_days_->setEnabled(on);
  refresh();
}

void CaseListDialog::setToday(const QString& date) {
  today_ = date;
  refresh();
}

bool CaseListDialog::selectRow(int row) {
  if (row < 0 || row >= table_->rowCount()) return false;
  table_->selectRow(row);
  table_->setCurrentCell(row, kPatient);
  return true;
}

QString CaseListDialog::detailText() const {
  return detail_->toPlainText();
}

void CaseListDialog::showDetail() {
  const QList<QTableWidgetItem*> items = table_->selectedItems();
  const int row = items.isEmpty() ? -1 : items.front()->row();
  const std::int64_t id = caseIdAt(row);
  open_button_->setEnabled(id != 0);
  if (id == 0 || !db_) {
    detail_->clear();
    return;
  }
  try {
    detail_->setPlainText(detailOf(db_->openCase(id)));
  } catch (const std::exception& e) {
    detail_->setPlainText(
        tr("Case %1 of %2 cannot be shown:\n%3").arg(id).arg(qs(file_.string()), qs(e.what())));
  }
}

void CaseListDialog::openSelected() {
  const QList<QTableWidgetItem*> items = table_->selectedItems();
  if (items.isEmpty()) return;
  const QString plan = planFileAt(items.front()->row());
  if (plan.isEmpty()) return;
  accept();
  emit openRequested(plan);
}

}  // namespace rfa::gui
