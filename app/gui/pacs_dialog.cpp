#include "pacs_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace rfa::gui {

namespace {
QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

// A file field: the line edit (named `name`) and a "…" button that picks a file into it.
QWidget* fileField(QLineEdit* edit, const QString& name, const QString& title,
                   const QString& filter, QWidget* parent) {
  edit->setObjectName(name);
  auto* row = new QWidget;
  auto* h = new QHBoxLayout(row);
  h->setContentsMargins(0, 0, 0, 0);
  h->addWidget(edit, 1);
  auto* browse = new QToolButton;
  browse->setText(QStringLiteral("…"));
  browse->setToolTip(title);
  h->addWidget(browse);
  QObject::connect(browse, &QToolButton::clicked, parent, [edit, title, filter, parent] {
    const QString f = QFileDialog::getOpenFileName(parent, title, edit->text(), filter);
    if (!f.isEmpty()) edit->setText(f);
  });
  return row;
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
  // DICOM TLS: TLS 1.2 or newer (BCP 195), the PACS certificate checked against the CA file; a
  // client certificate and key only for PACS that require one.
  tls_ = new QCheckBox(tr("Use DICOM TLS"));
  tls_->setObjectName(QStringLiteral("pacs-tls"));
  tls_->setToolTip(
      tr("Encrypt every association (TLS 1.2 or newer, BCP 195 profile); the PACS "
         "certificate must be signed by a CA in the CA file"));
  tls_->setChecked(settings.value("pacs/tls", false).toBool());
  tls_ca_ = new QLineEdit(settings.value("pacs/tls_ca").toString());
  tls_ca_->setPlaceholderText(tr("PEM file of the CA that signed the PACS certificate"));
  tls_cert_ = new QLineEdit(settings.value("pacs/tls_cert").toString());
  tls_cert_->setPlaceholderText(tr("optional, PEM"));
  tls_key_ = new QLineEdit(settings.value("pacs/tls_key").toString());
  tls_key_->setPlaceholderText(tr("with the certificate, PEM, unencrypted"));
  const QString pem = tr("PEM files (*.pem *.crt *.cer *.key);;All files (*)");
  QWidget* ca_row =
      fileField(tls_ca_, QStringLiteral("pacs-tls-ca"), tr("CA certificate file"), pem, this);
  QWidget* cert_row = fileField(tls_cert_, QStringLiteral("pacs-tls-cert"),
                                tr("Client certificate file"), pem, this);
  QWidget* key_row =
      fileField(tls_key_, QStringLiteral("pacs-tls-key"), tr("Client private key file"), pem, this);
  form->addRow(QString(), tls_);
  form->addRow(tr("CA certificate"), ca_row);
  form->addRow(tr("Client certificate"), cert_row);
  form->addRow(tr("Client key"), key_row);
  auto enable_tls_fields = [ca_row, cert_row, key_row](bool on) {
    ca_row->setEnabled(on);
    cert_row->setEnabled(on);
    key_row->setEnabled(on);
  };
  enable_tls_fields(tls_->isChecked());
  connect(tls_, &QCheckBox::toggled, this, enable_tls_fields);
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
  status_->setObjectName(QStringLiteral("pacs-status"));
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
    s.setValue("pacs/tls", tls_->isChecked());
    s.setValue("pacs/tls_ca", tls_ca_->text().trimmed());
    s.setValue("pacs/tls_cert", tls_cert_->text().trimmed());
    s.setValue("pacs/tls_key", tls_key_->text().trimmed());
    accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  resize(mode_ == Mode::kOpen ? 900 : 480, mode_ == Mode::kOpen ? 620 : 330);
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
  n.tls.enabled = tls_->isChecked();
  if (n.tls.enabled) {
    n.tls.ca_file = tls_ca_->text().trimmed().toStdString();
    n.tls.cert_file = tls_cert_->text().trimmed().toStdString();
    n.tls.key_file = tls_key_->text().trimmed().toStdString();
  }
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
