#pragma once
/// \file vtk_view_widget.h
/// \brief A Qt6 QOpenGLWidget that hosts one rfa::render view (a slice view or the 3D view) in a
/// vtkGenericOpenGLRenderWindow, without VTK's Qt module (Debian builds it against Qt5): the
/// recipe of docs/design.md "GUI". Mouse handling is our own (no VTK interactor):
///  - slice views: wheel scrolls slices; left click/drag moves the linked cursor (or, in the
///    seed tool, emits seedClicked); right drag changes window (x) and level (y); middle drag
///    pans; Ctrl+wheel zooms;
///  - 3D view: left drag rotates; wheel zooms; right drag zooms.
/// Points are DICOM patient LPS in millimetres.

#include <QOpenGLWidget>
#include <QPoint>
#include <memory>
#include <optional>
#include <utility>

#include "rfa/core/geometry.h"
#include "rfa/render/views.h"

class vtkGenericOpenGLRenderWindow;

namespace rfa::gui {

class VtkViewWidget : public QOpenGLWidget {
  Q_OBJECT
 public:
  /// A slice view (orientation) or, with no orientation, the 3D view, over `scene`.
  VtkViewWidget(std::shared_ptr<render::Scene> scene,
                std::optional<render::Orientation> orientation, QWidget* parent = nullptr);
  ~VtkViewWidget() override;

  render::SliceView* sliceView() const { return slice_.get(); }
  render::VolumeView* volumeView() const { return volume_.get(); }
  /// A short name for the view: "axial", "coronal", "sagittal" or "3d".
  QString viewName() const;

  /// What a left click/drag does in a slice view: move the cursor, seed a lesion (seedClicked),
  /// paint or erase lesion voxels (strokeStarted/Moved/Ended).
  enum class Tool { kCursor, kSeed, kBrush, kEraser, kRuler, kNeedle };
  void setTool(Tool tool) { tool_ = tool; }
  Tool tool() const { return tool_; }

  /// 3D view: shows the box `min_lps`..`max_lps` (render::VolumeView::focusOn()), now or, before
  /// the first frame, instead of the whole CT.
  void focusOn(const Vec3& min_lps, const Vec3& max_lps);
  /// Widget pixel (origin top-left, device-independent) of an LPS point; slice views only.
  QPoint lpsToWidget(const Vec3& p_lps) const;
  /// LPS point on the slice plane under a widget pixel; slice views only.
  Vec3 widgetToLps(const QPoint& p) const;

  /// The OpenGL renderer string of this machine's default context (e.g. "llvmpipe (LLVM 15.0.6,
  /// 256 bits)"), queried once.
  static QString openGlRenderer();
  /// True for Mesa's software rasterisers (llvmpipe, softpipe): GPU ray casting of a CT takes
  /// seconds per frame there (docs/benchmarks.md), so the 3D view starts with surfaces only.
  static bool softwareOpenGl();

  /// Frames drawn (paintGL calls): the tests wait for a first frame.
  int framesDrawn() const { return frames_; }
  /// Wall time of the last paintGL (VTK render + blit), ms.
  double lastFrameMs() const { return last_frame_ms_; }

 signals:
  void cursorMoved(const rfa::Vec3& p_lps);
  void seedClicked(const rfa::Vec3& p_lps);
  void strokeStarted(const rfa::Vec3& p_lps, bool erase);
  void strokeMoved(const rfa::Vec3& p_lps);
  void strokeEnded();
  /// The ruler measured by a drag (ruler tool): its length in mm.
  void measured(double length_mm);
  /// Needle tool: press near a needle tip, drag it, release (LPS on the slice plane).
  void needlePressed(const rfa::Vec3& p_lps);
  void needleDragged(const rfa::Vec3& p_lps);
  void needleReleased(const rfa::Vec3& p_lps);
  void windowLevelChanged(double window, double level);

 protected:
  void initializeGL() override;
  void paintGL() override;
  void resizeGL(int w, int h) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;

 private:
  /// Device pixels, VTK convention (origin bottom-left), of a widget point.
  std::array<double, 2> toDisplay(const QPoint& p) const;

  std::shared_ptr<render::Scene> scene_;
  std::unique_ptr<render::SliceView> slice_;
  std::unique_ptr<render::VolumeView> volume_;
  vtkGenericOpenGLRenderWindow* window_ = nullptr;  // owned (VTK reference count)
  Tool tool_ = Tool::kCursor;
  Vec3 ruler_start_{0, 0, 0};
  Qt::MouseButton drag_button_ = Qt::NoButton;
  QPoint last_;
  int frames_ = 0;
  bool gl_ready_ = false;
  std::optional<std::pair<Vec3, Vec3>> focus_;  ///< 3D: the box to show at the first frame
  double last_frame_ms_ = 0;
};

}  // namespace rfa::gui
