#pragma once
/// \file pacs_dialog.h
/// \brief The PACS node (host, port, AE titles, remembered in the settings) and, for opening, a
/// series search (C-FIND, run off the UI thread) whose chosen series the caller retrieves.

#include <QDialog>
#include <QFutureWatcher>
#include <vector>

#include "rfa/pacs/pacs.h"

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
