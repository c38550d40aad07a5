#include "pacs_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace rfa::gui {

namespace {
QString qs(const std::string& s) {
  return QString::fromStdString(s);
}
}  // namespace

PacsDialog::PacsDialog(Mode mode, QWidget* parent) : QDialog(parent), mode_(mode) {
  setObjectName(mode == Mode::kOpen ? QStringLiteral("pacs-open") : QStringLiteral("pacs-send"));
  setWindowTitle(mode == Mode::kOpen ? tr("Open from PACS") : tr("Send to PACS"));
  QSettings settings;
  const pacs::DicomNode defaults;
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  host_ = new QLineEdit(settings.value("pacs/host", qs(defaults.host)).toString());
  port_ = new QSpinBox;
  port_->setRange(1, 65535);
  port_->setValue(settings.value("pacs/port", defaults.port).toInt());
  called_ = new QLineEdit(settings.value("pacs/called_ae", qs(defaults.called_ae)).toString());
  calling_ = new QLineEdit(settings.value("pacs/calling_ae", qs(defaults.calling_ae)).toString());
  form->addRow(tr("Host"), host_);
  form->addRow(tr("Port"), port_);
  form->addRow(tr("PACS AE title"), called_);
  form->addRow(tr("Our AE title"), calling_);
  layout->addLayout(form);
  if (mode_ == Mode::kOpen) {
    auto* filter = new QFormLayout;
    patient_id_ = new QLineEdit;
    patient_id_->setPlaceholderText(tr("any (wildcards * ?)"));
    patient_name_ = new QLineEdit;
    patient_name_->setPlaceholderText(tr("any, e.g. DOE^J*"));
    filter->addRow(tr("Patient ID"), patient_id_);
    filter->addRow(tr("Patient name"), patient_name_);
    layout->addLayout(filter);
    search_button_ = new QPushButton(tr("Search series"));
    layout->addWidget(search_button_);
    connect(search_button_, &QPushButton::clicked, this, &PacsDialog::search);
    results_ = new QTreeWidget;
    results_->setHeaderLabels(
        {tr("Patient"), tr("Study date"), tr("Study"), tr("Modality"), tr("Series"), tr("Images")});
    results_->setRootIsDecorated(false);
    results_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(results_, 1);
    connect(results_, &QTreeWidget::itemDoubleClicked, this, &QDialog::accept);
    connect(&watcher_, &QFutureWatcher<SearchResult>::finished, this, &PacsDialog::searchDone);
  }
  status_ = new QLabel;
  status_->setWordWrap(true);
  layout->addWidget(status_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)
      ->setText(mode_ == Mode::kOpen ? tr("Retrieve and open") : tr("Send"));
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    QSettings s;
    s.setValue("pacs/host", host_->text());
    s.setValue("pacs/port", port_->value());
    s.setValue("pacs/called_ae", called_->text());
    s.setValue("pacs/calling_ae", calling_->text());
    accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  resize(mode_ == Mode::kOpen ? 900 : 420, mode_ == Mode::kOpen ? 520 : 220);
}

PacsDialog::~PacsDialog() {
  watcher_.waitForFinished();
}

pacs::DicomNode PacsDialog::node() const {
  pacs::DicomNode n;
  n.host = host_->text().trimmed().toStdString();
  n.port = port_->value();
  n.called_ae = called_->text().trimmed().toStdString();
  n.calling_ae = calling_->text().trimmed().toStdString();
  return n;
}

void PacsDialog::search() {
  if (watcher_.isRunning() || results_ == nullptr) return;
  results_->clear();
  status_->setText(tr("Searching %1…").arg(qs(pacs::describeNode(node()))));
  search_button_->setEnabled(false);
  pacs::QueryKeys keys;
  keys.patient_id = patient_id_->text().trimmed().toStdString();
  keys.patient_name = patient_name_->text().trimmed().toStdString();
  const pacs::DicomNode n = node();
  watcher_.setFuture(QtConcurrent::run([n, keys] {
    SearchResult r;
    try {
      r.found = pacs::find(n, pacs::QueryLevel::kSeries, keys);
    } catch (const std::exception& e) {
      r.error = QString::fromUtf8(e.what());  // shown by searchDone() on the UI thread
    }
    return r;
  }));
}

void PacsDialog::searchDone() {
  search_button_->setEnabled(true);
  const SearchResult result = watcher_.result();
  for (const pacs::FindResult& f : result.found) {
    if (f.modality == "RTSTRUCT" || f.modality == "SEG" || f.modality == "SR") continue;
    auto* item = new QTreeWidgetItem(
        results_, {qs(f.patient_name + " (" + f.patient_id + ")"), qs(f.study_date),
                   qs(f.study_description), qs(f.modality),
                   (f.series_number ? QString::number(*f.series_number) + ": " : QString()) +
                       qs(f.series_description),
                   f.number_of_instances ? QString::number(*f.number_of_instances) : QString()});
    item->setData(0, Qt::UserRole, qs(f.study_instance_uid));
    item->setData(1, Qt::UserRole, qs(f.series_instance_uid));
  }
  if (results_->topLevelItemCount() > 0) results_->setCurrentItem(results_->topLevelItem(0));
  status_->setText(result.error.isEmpty()
                       ? tr("%1 image series found").arg(results_->topLevelItemCount())
                       : tr("Search failed: %1").arg(result.error));
}

int PacsDialog::resultCount() const {
  return results_ != nullptr ? results_->topLevelItemCount() : 0;
}

QString PacsDialog::studyUid() const {
  if (results_ == nullptr || results_->currentItem() == nullptr) return {};
  return results_->currentItem()->data(0, Qt::UserRole).toString();
}

QString PacsDialog::seriesUid() const {
  if (results_ == nullptr || results_->currentItem() == nullptr) return {};
  return results_->currentItem()->data(1, Qt::UserRole).toString();
}

}  // namespace rfa::gui
