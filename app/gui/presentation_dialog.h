#pragma once
/// \file presentation_dialog.h
/// \brief The tumour board's presentation mode: full screen, large type, one lesion at a time
/// (its axial key image and simulated ultrasound side by side, its figures and flags), stepped
/// with the arrow keys, Page Up/Down or Space; Esc closes.

#include <QDialog>
#include <QImage>
#include <QString>
#include <vector>

class QLabel;

namespace rfa::gui {

/// \brief One slide: a lesion's pictures and text (rich text).
struct PresentationSlide {
  int lesion_id = 0;
  int session = 0;
  QImage axial;
  QImage ultrasound;  ///< null when the plan has no window for the lesion
  QString text;
};

class PresentationDialog : public QDialog {
  Q_OBJECT
 public:
  explicit PresentationDialog(std::vector<PresentationSlide> slides, QWidget* parent = nullptr);
  /// The slide shown (0-based) and how many there are.
  int current() const { return current_; }
  int count() const { return static_cast<int>(slides_.size()); }
  void show(int index);

 protected:
  void keyPressEvent(QKeyEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  std::vector<PresentationSlide> slides_;
  int current_ = 0;
  QLabel* title_ = nullptr;
  QLabel* axial_ = nullptr;
  QLabel* ultrasound_ = nullptr;
  QLabel* text_ = nullptr;
};

}  // namespace rfa::gui
