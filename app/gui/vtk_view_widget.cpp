#include "vtk_view_widget.h"

#include <QElapsedTimer>
#include <QMouseEvent>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QWheelEvent>
#include <cmath>
#include <cstdio>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>

namespace rfa::gui {

namespace {
constexpr unsigned int kGlDrawFramebuffer = 0x8CA9;  // GL_DRAW_FRAMEBUFFER
constexpr unsigned int kGlLequal = 0x0203;           // GL_LEQUAL
constexpr unsigned int kGlColorBufferBit = 0x4000;   // GL_COLOR_BUFFER_BIT
}  // namespace

VtkViewWidget::VtkViewWidget(std::shared_ptr<render::Scene> scene,
                             std::optional<render::Orientation> orientation, QWidget* parent)
    : QOpenGLWidget(parent), scene_(std::move(scene)) {
  if (orientation) {
    slice_ = std::make_unique<render::SliceView>(*orientation, scene_);
  } else {
    volume_ = std::make_unique<render::VolumeView>(scene_);
  }
  window_ = vtkGenericOpenGLRenderWindow::New();
  vtkRenderer* renderer = slice_ ? slice_->renderer() : volume_->renderer();
  // Opaque background: the widget's framebuffer is composited with its alpha by Qt, and VTK's
  // default background alpha 0 would let the window show through (and tint translucent surfaces).
  renderer->SetBackgroundAlpha(1.0);
  window_->AddRenderer(renderer);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(160, 160);
  setObjectName(viewName());
}

VtkViewWidget::~VtkViewWidget() {
  // The GL resources of the views belong to this widget's context: release them while current.
  makeCurrent();
  window_->Finalize();
  slice_.reset();
  volume_.reset();
  window_->Delete();
  doneCurrent();
}

QString VtkViewWidget::openGlRenderer() {
  static const QString renderer = [] {
    QOffscreenSurface surface;
    surface.create();
    QOpenGLContext context;
    if (!context.create() || !context.makeCurrent(&surface)) return QStringLiteral("none");
    constexpr unsigned int kGlRenderer = 0x1F01;  // GL_RENDERER
    const auto* text = context.functions()->glGetString(kGlRenderer);
    QString r = text != nullptr ? QString::fromLatin1(reinterpret_cast<const char*>(text))
                                : QStringLiteral("unknown");
    context.doneCurrent();
    return r;
  }();
  return renderer;
}

bool VtkViewWidget::softwareOpenGl() {
  const QString r = openGlRenderer().toLower();
  return r.contains(QLatin1String("llvmpipe")) || r.contains(QLatin1String("softpipe")) ||
         r.contains(QLatin1String("software"));
}

QString VtkViewWidget::viewName() const {
  if (!slice_) return QStringLiteral("3d");
  switch (slice_->orientation()) {
    case render::Orientation::kAxial:
      return QStringLiteral("axial");
    case render::Orientation::kCoronal:
      return QStringLiteral("coronal");
    case render::Orientation::kSagittal:
      return QStringLiteral("sagittal");
  }
  return QStringLiteral("slice");
}

void VtkViewWidget::initializeGL() {
  window_->SetOwnContext(false);
  window_->SetIsCurrent(true);
  window_->SetMapped(1);
  window_->SetReadyForRendering(true);
  window_->OpenGLInitContext();
  window_->OpenGLInitState();
  const double ratio = devicePixelRatioF();
  window_->SetSize(static_cast<int>(std::lround(width() * ratio)),
                   static_cast<int>(std::lround(height() * ratio)));
  if (slice_) {
    slice_->resetCamera();
  } else if (focus_) {
    volume_->focusOn(focus_->first, focus_->second);
  } else {
    volume_->resetCamera();
  }
  gl_ready_ = true;
}

void VtkViewWidget::focusOn(const Vec3& min_lps, const Vec3& max_lps) {
  if (!volume_) return;
  focus_ = std::make_pair(min_lps, max_lps);
  if (gl_ready_) {
    volume_->focusOn(min_lps, max_lps);
    update();
  }
}

void VtkViewWidget::resizeGL(int w, int h) {
  const double ratio = devicePixelRatioF();
  window_->SetSize(static_cast<int>(std::lround(w * ratio)),
                   static_cast<int>(std::lround(h * ratio)));
}

void VtkViewWidget::paintGL() {
  QElapsedTimer timer;
  timer.start();
  if (slice_) {
    slice_->update();
  } else {
    volume_->update();
  }
  // Qt leaves its own GL state in this context: VTK's state cache starts from the real state,
  // and VTK expects GL_LEQUAL depth tests (Qt sets GL_LESS), as VTK's own Qt adapter does.
  vtkOpenGLState* state = window_->GetState();
  state->Reset();
  state->Push();
  state->vtkglDepthFunc(kGlLequal);
  window_->SetFrameBlitModeToNoBlit();
  window_->Render();
  state->Pop();
  QOpenGLFunctions* f = context()->functions();
  f->glBindFramebuffer(kGlDrawFramebuffer, defaultFramebufferObject());
  window_->BlitDisplayFramebuffer();
  // Opaque alpha everywhere: Qt composites the widget with its alpha, and on Mesa translucent
  // surfaces leave alpha < 1 that would blend the window behind into the view.
  f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  f->glClearColor(0, 0, 0, 1);
  f->glClear(kGlColorBufferBit);
  f->glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  ++frames_;
  last_frame_ms_ = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  if (qEnvironmentVariableIsSet("RFA_GUI_TRACE")) {
    std::fprintf(stderr, "paint %s #%d: %.1f ms\n", qPrintable(viewName()), frames_,
                 last_frame_ms_);
  }
}

std::array<double, 2> VtkViewWidget::toDisplay(const QPoint& p) const {
  const double ratio = devicePixelRatioF();
  return {p.x() * ratio, (height() - 1 - p.y()) * ratio};
}

QPoint VtkViewWidget::lpsToWidget(const Vec3& p_lps) const {
  const std::array<double, 2> d = slice_->lpsToDisplay(p_lps);
  const double ratio = devicePixelRatioF();
  return {static_cast<int>(std::lround(d[0] / ratio)),
          static_cast<int>(std::lround(height() - 1 - d[1] / ratio))};
}

Vec3 VtkViewWidget::widgetToLps(const QPoint& p) const {
  const std::array<double, 2> d = toDisplay(p);
  return slice_->displayToLps(d[0], d[1]);
}

void VtkViewWidget::mousePressEvent(QMouseEvent* e) {
  drag_button_ = e->button();
  last_ = e->position().toPoint();
  if (slice_ && e->button() == Qt::LeftButton) {
    const Vec3 p = widgetToLps(last_);
    switch (tool_) {
      case Tool::kSeed:
        emit seedClicked(p);
        break;
      case Tool::kBrush:
      case Tool::kEraser:
        emit strokeStarted(p, tool_ == Tool::kEraser);
        break;
      case Tool::kNeedle:
        emit needlePressed(p);
        break;
      case Tool::kRuler:
        ruler_start_ = p;
        slice_->setRuler(std::array<Vec3, 2>{p, p});
        update();
        break;
      case Tool::kCursor:
        emit cursorMoved(p);
        break;
    }
  }
  e->accept();
}

void VtkViewWidget::mouseMoveEvent(QMouseEvent* e) {
  const QPoint pos = e->position().toPoint();
  const QPoint delta = pos - last_;
  last_ = pos;
  if (drag_button_ == Qt::NoButton) return;
  if (slice_) {
    if (drag_button_ == Qt::LeftButton && tool_ == Tool::kCursor) {
      emit cursorMoved(widgetToLps(pos));
    } else if (drag_button_ == Qt::LeftButton &&
               (tool_ == Tool::kBrush || tool_ == Tool::kEraser)) {
      emit strokeMoved(widgetToLps(pos));
    } else if (drag_button_ == Qt::LeftButton && tool_ == Tool::kNeedle) {
      emit needleDragged(widgetToLps(pos));
    } else if (drag_button_ == Qt::LeftButton && tool_ == Tool::kRuler) {
      slice_->setRuler(std::array<Vec3, 2>{ruler_start_, widgetToLps(pos)});
      update();
    } else if (drag_button_ == Qt::RightButton) {
      render::WindowLevel wl = slice_->windowLevel();
      wl.window = std::max(1.0, wl.window * std::exp(0.005 * delta.x()));
      wl.level -= 2.0 * delta.y();
      slice_->setWindowLevel(wl);
      emit windowLevelChanged(wl.window, wl.level);
      update();
    } else if (drag_button_ == Qt::MiddleButton) {
      slice_->pan(delta.x() * devicePixelRatioF(), -delta.y() * devicePixelRatioF());
      update();
    }
  } else {
    if (drag_button_ == Qt::LeftButton) {
      volume_->rotate(-0.5 * delta.x(), 0.5 * delta.y());
    } else if (drag_button_ == Qt::RightButton) {
      volume_->zoom(std::exp(-0.01 * delta.y()));
    }
    update();
  }
  e->accept();
}

void VtkViewWidget::mouseReleaseEvent(QMouseEvent* e) {
  if (slice_ && drag_button_ == Qt::LeftButton &&
      (tool_ == Tool::kBrush || tool_ == Tool::kEraser)) {
    emit strokeEnded();
  }
  if (slice_ && drag_button_ == Qt::LeftButton && tool_ == Tool::kNeedle) {
    emit needleReleased(widgetToLps(e->position().toPoint()));
  }
  if (slice_ && drag_button_ == Qt::LeftButton && tool_ == Tool::kRuler) {
    slice_->setRuler(std::array<Vec3, 2>{ruler_start_, widgetToLps(e->position().toPoint())});
    update();
    emit measured(slice_->rulerLengthMm().value_or(0));
  }
  drag_button_ = Qt::NoButton;
  e->accept();
}

void VtkViewWidget::wheelEvent(QWheelEvent* e) {
  const int steps = e->angleDelta().y() / 120 != 0 ? e->angleDelta().y() / 120
                                                   : (e->angleDelta().y() > 0 ? 1 : -1);
  if (e->angleDelta().y() == 0) return;
  if (slice_ && !(e->modifiers() & Qt::ControlModifier)) {
    slice_->scrollSlices(steps);
    emit cursorMoved(slice_->cursorLps());
  } else if (slice_) {
    slice_->zoom(std::pow(1.1, steps));
  } else {
    volume_->zoom(std::pow(1.1, steps));
  }
  update();
  e->accept();
}

}  // namespace rfa::gui
