#pragma once
/// \file ultrasound_panel.h
/// \brief The "Ultrasound" layout's probe-plane view: pick a needle of the plan, the probe held in
/// its plane (rotated about the shaft: the best rotation, or one set on the slider), and the
/// simulated ultrasound of that plane with the lesion, zones and needle drawn
/// (workflow::needleProbeView). Redrawn live while a needle tip is dragged. A thin shell: the
/// window search and the simulation are the libraries'.

#include <QImage>
#include <QWidget>
#include <optional>

#include "case_controller.h"
#include "rfa/ultrasound/probe.h"
#include "rfa/workflow/acoustic_windows.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace rfa::gui {

class UltrasoundPanel : public QWidget {
  Q_OBJECT

 public:
  explicit UltrasoundPanel(CaseController& controller, QWidget* parent = nullptr);

  /// Refills the needle list from the case's plan, keeping the selection when it still exists.
  void refresh();
  /// Draws the selected needle (the dragged pose while a needle is being dragged); when hidden,
  /// only marks the view stale (drawn when shown).
  void redraw();

  QComboBox* needleBox() const { return needles_; }
  QSlider* rotationSlider() const { return rotation_; }
  QCheckBox* bestRotationBox() const { return best_; }
  /// The last picture drawn (null when none) and its view (window, image, frame time).
  const QImage& image() const { return image_; }
  const std::optional<workflow::NeedleProbeView>& lastView() const { return view_; }
  /// The text under the picture.
  QString summary() const;
  /// Pictures drawn so far, and the time of the last redraw (window search, simulation, drawing).
  int frames() const { return frames_; }
  double lastRedrawMs() const { return last_redraw_ms_; }

 protected:
  void resizeEvent(QResizeEvent* e) override;
  void showEvent(QShowEvent* e) override;

 private:
  const Mask* vessels();
  void showImage();

  CaseController& controller_;
  QComboBox* needles_ = nullptr;
  QSlider* rotation_ = nullptr;
  QCheckBox* best_ = nullptr;
  QLabel* picture_ = nullptr;
  QLabel* text_ = nullptr;
  QImage image_;
  QString plan_note_;  ///< the plan's record of the lesion's window (paths, flags)
  std::optional<workflow::NeedleProbeView> view_;
  ultrasound::ProbeModel probe_;
  std::optional<Mask> vessels_;
  const void* vessels_of_ = nullptr;  ///< the case state the cached vessel mask belongs to
  int frames_ = 0;
  bool stale_ = true;  ///< not drawn since the last change (hidden then)
  double last_redraw_ms_ = 0;
};

}  // namespace rfa::gui
