#pragma once
/// \file pacs_dialog.h
/// \brief The PACS node (host, port, AE titles, DICOM TLS: "Use DICOM TLS", CA file, client
/// certificate and key; all remembered in the settings under pacs/) and, for opening, a series
/// search (C-FIND, run off the UI thread) whose chosen series the caller retrieves. File errors
/// and refused TLS connections show in the status line (the search) or come back from the
/// operations the caller runs with node().

#include <QDialog>
#include <QFutureWatcher>
#include <vector>

#include "rfa/pacs/pacs.h"

class QCheckBox;
class QLineEdit;
class QSpinBox;
class QTreeWidget;
class QLabel;
class QPushButton;

namespace rfa::gui {

class PacsDialog : public QDialog {
  Q_OBJECT
 public:
  enum class Mode { kOpen, kSend };
  explicit PacsDialog(Mode mode, QWidget* parent = nullptr);
  ~PacsDialog() override;
  /// The node as the fields give it; TLS files only when "Use DICOM TLS" is checked (they are
  /// kept in the settings either way).
  pacs::DicomNode node() const;
  /// The chosen series (open mode): study and series UIDs; empty when none.
  QString studyUid() const;
  QString seriesUid() const;
  /// Runs the series search (C-FIND at series level with the patient filters) in the background.
  void search();
  /// True while a search runs; the number of series found by the last one.
  bool searching() const { return watcher_.isRunning(); }
  int resultCount() const;
  QTreeWidget* results() const { return results_; }

 private:
  void searchDone();
  Mode mode_;
  QLineEdit* host_ = nullptr;
  QSpinBox* port_ = nullptr;
  QLineEdit* called_ = nullptr;
  QLineEdit* calling_ = nullptr;
  QCheckBox* tls_ = nullptr;
  QLineEdit* tls_ca_ = nullptr;
  QLineEdit* tls_cert_ = nullptr;
  QLineEdit* tls_key_ = nullptr;
  QLineEdit* patient_id_ = nullptr;
  QLineEdit* patient_name_ = nullptr;
  QTreeWidget* results_ = nullptr;
  QLabel* status_ = nullptr;
  QPushButton* search_button_ = nullptr;
  /// A search's outcome: the matches, or the error (what()) when it failed.
  struct SearchResult {
    std::vector<pacs::FindResult> found;
    QString error;
  };
  QFutureWatcher<SearchResult> watcher_;
};

}  // namespace rfa::gui
