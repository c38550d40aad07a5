// The "Ultrasound" layout's probe-plane view (ultrasound_panel.h).
#include "ultrasound_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>
#include <cmath>

#include "gui_convert.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/ultrasound/probe.h"

namespace rfa::gui {

UltrasoundPanel::UltrasoundPanel(CaseController& controller, QWidget* parent)
    : QWidget(parent), controller_(controller) {
  probe_ = ultrasound::loadProbe(ultrasound::kDefaultProbe);
  auto* layout = new QVBoxLayout(this);
  auto* row = new QHBoxLayout;
  needles_ = new QComboBox(this);
  needles_->setToolTip(tr("The plan's needles: the probe is held in the chosen needle's plane"));
  best_ = new QCheckBox(tr("Best rotation"), this);
  best_->setChecked(true);
  best_->setToolTip(tr("Rotate the probe plane about the needle to the best acoustic window"));
  rotation_ = new QSlider(Qt::Horizontal, this);
  rotation_->setRange(0, 165);
  rotation_->setSingleStep(15);
  rotation_->setPageStep(15);
  rotation_->setTickInterval(15);
  rotation_->setTickPosition(QSlider::TicksBelow);
  rotation_->setEnabled(false);
  rotation_->setToolTip(tr("Rotation of the probe plane about the needle shaft (degrees)"));
  row->addWidget(new QLabel(tr("Needle:"), this));
  row->addWidget(needles_, 1);
  row->addWidget(best_);
  row->addWidget(rotation_, 1);
  layout->addLayout(row);
  picture_ = new QLabel(this);
  picture_->setAlignment(Qt::AlignCenter);
  picture_->setMinimumSize(256, 256);
  picture_->setStyleSheet(QStringLiteral("background: black;"));
  layout->addWidget(picture_, 1);
  text_ = new QLabel(this);
  text_->setWordWrap(true);
  layout->addWidget(text_);
  auto* note = new QLabel(
      tr("Simulated from the CT (probe %1): a planning picture, not an ultrasound examination. "
         "Research use only.")
          .arg(qs(probe_.name)),
      this);
  note->setWordWrap(true);
  layout->addWidget(note);

  connect(needles_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
  connect(best_, &QCheckBox::toggled, this, [this](bool on) {
    rotation_->setEnabled(!on);
    redraw();
  });
  connect(rotation_, &QSlider::valueChanged, this, [this] {
    if (!best_->isChecked()) redraw();
  });
  connect(&controller_, &CaseController::planChanged, this, [this] { refresh(); });
  connect(&controller_, &CaseController::caseOpened, this, [this] { refresh(); });
  // Live while a needle tip is dragged: the controller redraws the scene at every move.
  connect(&controller_, &CaseController::sceneChanged, this, [this] {
    if (isVisible() && controller_.needlePreview()) redraw();
  });
}

void UltrasoundPanel::refresh() {
  const QVariant keep = needles_->currentData();
  QSignalBlocker block(needles_);
  needles_->clear();
  const workflow::CaseState* s = controller_.state();
  if (s != nullptr && s->plan) {
    for (const planning::PlanLesion& l : s->plan->lesions) {
      for (std::size_t i = 0; i < l.placements.size(); ++i) {
        needles_->addItem(tr("L%1 needle %2 (session %3)")
                              .arg(l.id)
                              .arg(i + 1)
                              .arg(l.session > 0 ? QString::number(l.session) : tr("-")),
                          QVariant(QPoint(l.id, static_cast<int>(i))));
      }
    }
  }
  const int again = needles_->findData(keep);
  if (again >= 0) needles_->setCurrentIndex(again);
  block.unblock();
  redraw();
}

const Mask* UltrasoundPanel::vessels() {
  const workflow::CaseState* s = controller_.state();
  if (s == nullptr || !s->segmentation.vessel_radius_mm) return nullptr;
  if (vessels_of_ != s || !vessels_) {
    vessels_ = io::vesselMaskOf(s->segmentation);
    vessels_of_ = s;
  }
  return &*vessels_;
}

void UltrasoundPanel::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  if (stale_) redraw();
}

void UltrasoundPanel::redraw() {
  // Hidden (another layout): drawn when shown, so that planning and editing in the other layouts
  // never wait for the window search and the simulation.
  stale_ = !isVisible();
  if (stale_) return;
  QElapsedTimer timer;
  timer.start();
  view_.reset();
  image_ = QImage();
  const workflow::CaseState* s = controller_.state();
  if (s == nullptr || !s->plan || needles_->currentIndex() < 0 || controller_.busy()) {
    picture_->clear();
    text_->setText(s != nullptr && s->plan
                       ? tr("No needle selected.")
                       : tr("Plan the case to see its needles under ultrasound."));
    return;
  }
  const QPoint pick = needles_->currentData().toPoint();
  // The plan as shown: with the needle being dragged at its preview pose.
  planning::TreatmentPlan plan = *s->plan;
  if (const auto& preview = controller_.needlePreview()) {
    for (planning::PlanLesion& l : plan.lesions) {
      if (l.id == preview->first.lesion_id &&
          static_cast<std::size_t>(preview->first.placement) < l.placements.size()) {
        l.placements[static_cast<std::size_t>(preview->first.placement)] = preview->second;
      }
    }
  }
  try {
    // While a tip is dragged the plane keeps its rotation (only the probe's slide across the needle
    // is searched): fast enough to follow the drag.
    std::optional<double> rotation;
    if (!best_->isChecked() || controller_.needlePreview()) rotation = rotation_->value();
    view_ = workflow::needleProbeView(plan, pick.x(), static_cast<std::size_t>(pick.y()),
                                      s->image.image, s->segmentation, vessels(), probe_, rotation,
                                      512);
  } catch (const std::exception& e) {
    picture_->clear();
    text_->setText(tr("Ultrasound view: %1").arg(qs(e.what())));
    return;
  }
  if (!view_) {
    picture_->clear();
    text_->setText(tr("L%1: no probe pose in this needle's plane touches the skin.").arg(pick.x()));
    return;
  }
  image_ = toQImage(view_->image.pixels);
  if (best_->isChecked()) {
    QSignalBlocker block(rotation_);
    rotation_->setValue(static_cast<int>(std::lround(view_->window.rotation_deg)));
  }
  plan_note_.clear();
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.id != pick.x() || !l.ultrasound) continue;
    const planning::PlanUltrasound& u = *l.ultrasound;
    if (u.paths_assessed > 0) {
      plan_note_ = tr("Plan: %1 of %2 safe paths in a visible probe plane%3.")
                       .arg(u.paths_visible)
                       .arg(u.paths_assessed)
                       .arg(u.preferred ? tr(" (the needles were chosen among them)") : QString());
    }
    for (const std::string& f : u.flags)
      plan_note_ += QStringLiteral(" ") + tr("Flag: %1.").arg(qs(f));
  }
  showImage();
  ++frames_;
  last_redraw_ms_ = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  text_->setText(summary());
}

void UltrasoundPanel::showImage() {
  if (image_.isNull()) return;
  picture_->setPixmap(QPixmap::fromImage(image_).scaled(picture_->size(), Qt::KeepAspectRatio,
                                                        Qt::SmoothTransformation));
}

void UltrasoundPanel::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  showImage();
}

QString UltrasoundPanel::summary() const {
  if (!view_) return {};
  const ultrasound::ProbeWindow& w = view_->window;
  return tr("%1 window, probe rotated %2\u00b0 about the needle: lesion %3 %, needle %4 % "
            "visible, %5 mm deep (simulated in %6 ms)")
             .arg(qs(w.access))
             .arg(w.rotation_deg, 0, 'f', 0)
             .arg(100 * w.view.lesion_visible, 0, 'f', 0)
             .arg(100 * w.view.needle_visible, 0, 'f', 0)
             .arg(w.view.lesion_depth_mm, 0, 'f', 0)
             .arg(view_->image.frame_ms, 0, 'f', 0) +
         (plan_note_.isEmpty() ? QString() : QStringLiteral("\n") + plan_note_);
}

}  // namespace rfa::gui
