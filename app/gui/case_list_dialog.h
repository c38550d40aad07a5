#pragma once
/// \file case_list_dialog.h
/// \brief The "Cases" worklist of the workstation: a thin view of rfa::cases::CaseDatabase (the
/// same database and queries as `rfaplan cases`). Research use only: a planning aid for a tumour
/// board, not an appointment system or a patient record.
///
/// What it shows: per case (one plan file) the patient key (the plan's patient id, never a name),
/// the plan file's name (full path as tooltip), its revision, the sessions done of all sessions
/// (sessions before this plan included, as `rfaplan cases list`) and the next open event: its date
/// and kind ("labs", "rfa", "systemic-cycle", "imaging-technical-success", "imaging-followup").
/// The detail pane lists the selected case's sessions, its whole timeline with dates and the
/// follow-ups recorded.
///
/// Units and frames: dates are "yyyy-mm-dd" (proleptic Gregorian, the local date for "today"); a
/// plan without a start date shows "day N", days counted from its first RFA (day 0). No image
/// coordinates are shown here.
///
/// Filters: the filter text matches a substring of the patient key (CaseFilter::patient, in the
/// database: ASCII case-insensitive) or of the plan file's name (case-insensitive); the rows keep
/// listCases()' order (patient key, then plan path). "Due only" keeps the cases with an open dated
/// event in [today, today + N days] (CaseFilter::due_only / due_days). The dialog runs no SQL of
/// its own: only CaseDatabase::listCases() and CaseDatabase::openCase().
///
/// Errors (a corrupt database, a newer schema, a folder that cannot be created) are shown in the
/// dialog in words naming the file; the dialog stays open and usable ("Reload" tries again).

#include <QDialog>
#include <QString>
#include <cstdint>
#include <filesystem>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace rfa::cases {
class CaseDatabase;
}

namespace rfa::gui {

class CaseListDialog : public QDialog {
  Q_OBJECT
 public:
  /// \brief The worklist of the database `db` (empty: cases::defaultDatabasePath(), i.e.
  /// $RFA_CASES_DB, else $XDG_DATA_HOME/rfaplan/cases.sqlite, else
  /// ~/.local/share/rfaplan/cases.sqlite), opened (created when missing) and listed at once.
  explicit CaseListDialog(QWidget* parent = nullptr, std::filesystem::path db = {});
  ~CaseListDialog() override;

  /// The database file shown (empty when no path could be resolved).
  [[nodiscard]] const std::filesystem::path& databaseFile() const { return file_; }
  /// The last error shown (empty: none): names the database file and says what is wrong.
  [[nodiscard]] QString errorText() const;

  // For tests (and scripting): the table as listed, the filters, the selection.
  /// Rows of the table (the cases matching the filters).
  [[nodiscard]] int rowCount() const;
  /// The plan file (absolute path) and case id of row `row` ("" / 0 when out of range).
  [[nodiscard]] QString planFileAt(int row) const;
  [[nodiscard]] std::int64_t caseIdAt(int row) const;
  /// The text of cell (row, column) as shown; columns: 0 patient, 1 plan file, 2 revision,
  /// 3 sessions done/total, 4 next event date, 5 next event kind.
  [[nodiscard]] QString cellText(int row, int column) const;
  /// Sets the filter text and applies it now (typing applies it after a short pause).
  void setFilterText(const QString& text);
  /// "Due in the next `days` days only" on or off; applied now.
  void setDueOnly(bool on, int days = 30);
  /// "Today" for the next event and the due window (yyyy-mm-dd; "" = the local date); applied now.
  void setToday(const QString& date);
  /// Selects row `row` (the detail pane shows its case); false when out of range.
  bool selectRow(int row);
  /// The detail pane's text for the selected case.
  [[nodiscard]] QString detailText() const;
  /// The "Open" button (enabled while a case is selected).
  [[nodiscard]] QPushButton* openButton() const { return open_button_; }
  /// The table (double-click on a row opens it).
  [[nodiscard]] QTableWidget* table() const { return table_; }

  /// Opens the database again when it failed, and lists the cases with the current filters
  /// (the "Reload" button).
  void reload();

 signals:
  /// The user chose the case of this plan file (absolute path) to open in the workstation.
  void openRequested(const QString& plan_file);

 private:
  void openDatabase();
  void refresh();
  void showDetail();
  void openSelected();
  void showError(const QString& text);

  std::filesystem::path requested_;  ///< the constructor's path (empty: the default)
  std::filesystem::path file_;       ///< the path resolved
  std::unique_ptr<cases::CaseDatabase> db_;
  QString today_;
  QLineEdit* filter_ = nullptr;
  QCheckBox* due_only_ = nullptr;
  QSpinBox* due_days_ = nullptr;
  QTableWidget* table_ = nullptr;
  QPlainTextEdit* detail_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* error_ = nullptr;
  QPushButton* open_button_ = nullptr;
  QTimer* typing_ = nullptr;
};

}  // namespace rfa::gui
