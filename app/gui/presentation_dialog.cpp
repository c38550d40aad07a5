// The tumour board's presentation mode (presentation_dialog.h).
#include "presentation_dialog.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>

namespace rfa::gui {

PresentationDialog::PresentationDialog(std::vector<PresentationSlide> slides, QWidget* parent)
    : QDialog(parent), slides_(std::move(slides)) {
  setWindowTitle(tr("Tumour board: presentation (research use only)"));
  setStyleSheet(QStringLiteral("QDialog { background: black; } QLabel { color: white; }"));
  auto* layout = new QVBoxLayout(this);
  title_ = new QLabel(this);
  QFont big = font();
  big.setPointSizeF(big.pointSizeF() * 2.2);
  title_->setFont(big);
  layout->addWidget(title_);
  auto* row = new QHBoxLayout;
  axial_ = new QLabel(this);
  ultrasound_ = new QLabel(this);
  for (QLabel* l : {axial_, ultrasound_}) {
    l->setAlignment(Qt::AlignCenter);
    l->setMinimumSize(200, 200);
    row->addWidget(l, 1);
  }
  layout->addLayout(row, 1);
  text_ = new QLabel(this);
  QFont text = font();
  text.setPointSizeF(text.pointSizeF() * 1.6);
  text_->setFont(text);
  text_->setWordWrap(true);
  text_->setTextFormat(Qt::RichText);
  layout->addWidget(text_);
  auto* hint = new QLabel(tr("\u2190 \u2192 previous / next lesion \u00b7 Esc closes \u00b7 "
                             "RESEARCH USE ONLY"),
                          this);
  layout->addWidget(hint);
  show(0);
}

void PresentationDialog::show(int index) {
  if (slides_.empty()) {
    title_->setText(tr("No lesion to present: plan the case first."));
    return;
  }
  current_ = std::clamp(index, 0, count() - 1);
  const PresentationSlide& s = slides_[static_cast<std::size_t>(current_)];
  title_->setText(tr("L%1 \u00b7 %2 \u00b7 %3 of %4")
                      .arg(s.lesion_id)
                      .arg(s.session > 0 ? tr("session %1").arg(s.session) : tr("not scheduled"))
                      .arg(current_ + 1)
                      .arg(count()));
  const auto put = [](QLabel* label, const QImage& img) {
    if (img.isNull()) {
      label->setText(tr("no probe window recorded"));
      return;
    }
    label->setPixmap(QPixmap::fromImage(img).scaled(label->size(), Qt::KeepAspectRatio,
                                                    Qt::SmoothTransformation));
  };
  put(axial_, s.axial);
  put(ultrasound_, s.ultrasound);
  text_->setText(s.text);
}

void PresentationDialog::keyPressEvent(QKeyEvent* e) {
  switch (e->key()) {
    case Qt::Key_Right:
    case Qt::Key_Down:
    case Qt::Key_PageDown:
    case Qt::Key_Space:
      show(current_ + 1);
      return;
    case Qt::Key_Left:
    case Qt::Key_Up:
    case Qt::Key_PageUp:
      show(current_ - 1);
      return;
    default:
      QDialog::keyPressEvent(e);  // Esc closes
  }
}

void PresentationDialog::resizeEvent(QResizeEvent* e) {
  QDialog::resizeEvent(e);
  show(current_);
}

}  // namespace rfa::gui
