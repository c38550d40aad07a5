#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkImageProperty.h>
#include <vtkImageResliceMapper.h>
#include <vtkImageSlice.h>
#include <vtkImageStack.h>
#include <vtkLineSource.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include "rfa/core/error.h"
#include "rfa/render/views.h"
#include "scene_internal.h"

namespace rfa::render {

WindowLevel presetWindowLevel(const std::string& name) {
  if (name == "liver") return {150, 90};
  if (name == "abdomen") return {400, 40};
  if (name == "bone") return {1800, 400};
  throw NotFoundError("unknown window/level preset '" + name + "' (presets: liver, abdomen, bone)");
}

namespace {

/// Camera frame of an orientation in LPS: n = direction of projection (away from the viewer),
/// up = screen up, right = n x up = screen right.
struct ViewFrame {
  Vec3 n, up, right;
  const char* name;
  std::array<const char*, 4> letters;  // left, right, top, bottom of the screen
};

ViewFrame frameOf(Orientation o) {
  switch (o) {
    case Orientation::kAxial:  // from the feet: L on screen right, A up
      return {{0, 0, 1}, {0, -1, 0}, {1, 0, 0}, "Axial", {"R", "L", "A", "P"}};
    case Orientation::kCoronal:  // from the front: L on screen right, S up
      return {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}, "Coronal", {"R", "L", "S", "I"}};
    case Orientation::kSagittal:  // from the patient's left: A on screen left, S up
      return {{-1, 0, 0}, {0, 0, 1}, {0, 1, 0}, "Sagittal", {"A", "P", "S", "I"}};
  }
  throw UsageError("SliceView: bad orientation");
}

constexpr double kCrosshairOffsetMm = 0.5;  // towards the camera, above the slice
constexpr double kNeedleOffsetMm = 0.6;
constexpr double kClipHalfDepthMm = 20;

vtkSmartPointer<vtkActor> lineActor(vtkLineSource* src, const Rgb& c, double width,
                                    double opacity) {
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputConnection(src->GetOutputPort());
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(c.r, c.g, c.b);
  actor->GetProperty()->SetLineWidth(static_cast<float>(width));
  actor->GetProperty()->SetOpacity(opacity);
  actor->GetProperty()->LightingOff();
  actor->PickableOff();
  return actor;
}

}  // namespace

struct SliceView::Impl {
  Orientation orientation;
  std::shared_ptr<Scene> scene;
  ViewFrame frame;
  int axis = 2;                 // grid axis closest to the view normal
  double axis_sign = 1;         // index step along `axis` that moves along frame.n
  std::array<Vec3, 8> corners;  // voxel-edge corners of the grid, LPS
  double cam_distance = 1000;

  vtkSmartPointer<vtkRenderer> renderer = vtkSmartPointer<vtkRenderer>::New();
  vtkSmartPointer<vtkImageStack> stack = vtkSmartPointer<vtkImageStack>::New();
  vtkSmartPointer<vtkImageSlice> ct_slice = vtkSmartPointer<vtkImageSlice>::New();
  vtkSmartPointer<vtkImageProperty> ct_prop = vtkSmartPointer<vtkImageProperty>::New();
  struct Overlay {
    detail::LayerImage image;
    vtkSmartPointer<vtkImageSlice> slice;
  };
  std::vector<Overlay> overlays;
  vtkSmartPointer<vtkLineSource> cross_h = vtkSmartPointer<vtkLineSource>::New();
  vtkSmartPointer<vtkLineSource> cross_v = vtkSmartPointer<vtkLineSource>::New();
  vtkSmartPointer<vtkActor> cross_h_actor, cross_v_actor;
  struct NeedleProp {
    NeedleLine needle;
    vtkSmartPointer<vtkPolyData> poly;
    vtkSmartPointer<vtkActor> actor;
  };
  std::vector<NeedleProp> needles;
  std::array<vtkSmartPointer<vtkTextActor>, 4> letters;
  vtkSmartPointer<vtkTextActor> info = vtkSmartPointer<vtkTextActor>::New();
  vtkSmartPointer<vtkCallbackCommand> on_start = vtkSmartPointer<vtkCallbackCommand>::New();
  unsigned long observer_tag = 0;

  Vec3 cursor{0, 0, 0};
  Vec3 focal{0, 0, 0};
  double parallel_scale = 100;
  WindowLevel wl;
  bool crosshair = true;
  std::uint64_t seen_revision = 0;

  Impl(Orientation o, std::shared_ptr<Scene> s)
      : orientation(o), scene(std::move(s)), frame(frameOf(o)) {}

  const ImageGeometry& geometry() const { return scene->ct().geometry(); }

  vtkSmartPointer<vtkImageSlice> makeSlice(vtkImageData* image, vtkImageProperty* prop) {
    auto mapper = vtkSmartPointer<vtkImageResliceMapper>::New();
    mapper->SetInputData(image);
    mapper->SliceFacesCameraOn();
    mapper->SliceAtFocalPointOn();
    mapper->BorderOn();  // whole voxels up to the grid's edge
    auto slice = vtkSmartPointer<vtkImageSlice>::New();
    slice->SetMapper(mapper);
    slice->SetProperty(prop);
    slice->SetUserMatrix(detail::copyIndexToLps(*scene));
    return slice;
  }

  void build() {
    const ImageGeometry& g = geometry();
    const Mat3& d = g.direction();
    double best = -1;
    for (int a = 0; a < 3; ++a) {
      const double dot = d.col(a).dot(frame.n);
      if (std::abs(dot) > best) {
        best = std::abs(dot);
        axis = a;
        axis_sign = dot >= 0 ? 1.0 : -1.0;
      }
    }
    int c = 0;
    for (int k = 0; k < 2; ++k) {
      for (int j = 0; j < 2; ++j) {
        for (int i = 0; i < 2; ++i) {
          const auto edge = [&](int bit, int ax) {
            return bit == 0 ? -0.5
                            : static_cast<double>(g.size()[static_cast<std::size_t>(ax)]) - 0.5;
          };
          corners[static_cast<std::size_t>(c++)] =
              g.indexToLps(Vec3(edge(i, 0), edge(j, 1), edge(k, 2)));
        }
      }
    }
    double diag = 0;
    for (const auto& p : corners) diag = std::max(diag, (p - corners[0]).norm());
    cam_distance = diag + 100;

    renderer->SetBackground(0, 0, 0);
    renderer->GetActiveCamera()->ParallelProjectionOn();
    renderer->SetUseDepthPeeling(0);

    ct_prop->SetInterpolationTypeToLinear();
    ct_prop->SetLayerNumber(0);
    ct_slice = makeSlice(detail::SceneAccess::ctImage(*scene), ct_prop);
    stack->AddImage(ct_slice);
    stack->SetActiveLayer(0);
    renderer->AddViewProp(stack);

    const Rgb cross_colour{1.0, 0.85, 0.1};
    cross_h_actor = lineActor(cross_h, cross_colour, 1.0, 0.8);
    cross_v_actor = lineActor(cross_v, cross_colour, 1.0, 0.8);
    renderer->AddActor(cross_h_actor);
    renderer->AddActor(cross_v_actor);

    const std::array<std::array<double, 2>, 4> pos{
        {{0.01, 0.5}, {0.99, 0.5}, {0.5, 0.99}, {0.5, 0.01}}};
    for (std::size_t i = 0; i < 4; ++i) {
      auto t = vtkSmartPointer<vtkTextActor>::New();
      t->SetInput(frame.letters[i]);
      t->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
      t->SetPosition(pos[i][0], pos[i][1]);
      vtkTextProperty* tp = t->GetTextProperty();
      tp->SetFontSize(18);
      tp->BoldOn();
      tp->SetColor(1.0, 0.7, 0.2);
      tp->SetJustification(i == 0 ? VTK_TEXT_LEFT : i == 1 ? VTK_TEXT_RIGHT : VTK_TEXT_CENTERED);
      tp->SetVerticalJustification(i == 2   ? VTK_TEXT_TOP
                                   : i == 3 ? VTK_TEXT_BOTTOM
                                            : VTK_TEXT_CENTERED);
      t->PickableOff();
      letters[i] = t;
      renderer->AddActor2D(t);
    }
    info->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    info->SetPosition(0.01, 0.01);
    info->GetTextProperty()->SetFontSize(13);
    info->GetTextProperty()->SetColor(0.9, 0.9, 0.9);
    info->GetTextProperty()->SetJustification(VTK_TEXT_LEFT);
    info->GetTextProperty()->SetVerticalJustification(VTK_TEXT_BOTTOM);
    info->PickableOff();
    renderer->AddActor2D(info);

    on_start->SetClientData(this);
    on_start->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
      static_cast<Impl*>(client)->update();
    });
    observer_tag = renderer->AddObserver(vtkCommand::StartEvent, on_start);
  }

  Vec3 clampToImage(const Vec3& p) const {
    const ImageGeometry& g = geometry();
    Vec3 idx = g.lpsToIndex(p);
    for (int a = 0; a < 3; ++a) {
      const double hi = static_cast<double>(g.size()[static_cast<std::size_t>(a)]) - 1.0;
      idx(a) = std::isfinite(idx(a)) ? std::clamp(idx(a), 0.0, hi) : 0.0;
    }
    return g.indexToLps(idx);
  }

  /// In-plane extent of the grid relative to `c`: {rmin, rmax, umin, umax} (mm).
  std::array<double, 4> extent(const Vec3& c) const {
    std::array<double, 4> e{1e300, -1e300, 1e300, -1e300};
    for (const auto& p : corners) {
      const double r = (p - c).dot(frame.right);
      const double u = (p - c).dot(frame.up);
      e[0] = std::min(e[0], r);
      e[1] = std::max(e[1], r);
      e[2] = std::min(e[2], u);
      e[3] = std::max(e[3], u);
    }
    return e;
  }

  bool hasSizedWindow() const {
    vtkRenderWindow* w = renderer->GetRenderWindow();
    if (w == nullptr) return false;
    const int* ws = w->GetSize();
    if (ws[0] <= 0 || ws[1] <= 0) return false;
    const int* s = renderer->GetSize();
    return s[0] > 0 && s[1] > 0;
  }

  Vec3 planePoint(const Vec3& p) const { return p - (p - cursor).dot(frame.n) * frame.n; }

  void syncCamera() {
    focal = planePoint(focal);
    vtkCamera* cam = renderer->GetActiveCamera();
    const Vec3 pos = focal - cam_distance * frame.n;
    cam->SetFocalPoint(focal.x(), focal.y(), focal.z());
    cam->SetPosition(pos.x(), pos.y(), pos.z());
    cam->SetViewUp(frame.up.x(), frame.up.y(), frame.up.z());
    cam->SetParallelScale(parallel_scale);
    cam->SetClippingRange(cam_distance - kClipHalfDepthMm, cam_distance + kClipHalfDepthMm);
  }

  void syncCrosshair() {
    const auto e = extent(cursor);
    const Vec3 off = -kCrosshairOffsetMm * frame.n;
    const Vec3 h0 = cursor + e[0] * frame.right + off, h1 = cursor + e[1] * frame.right + off;
    const Vec3 v0 = cursor + e[2] * frame.up + off, v1 = cursor + e[3] * frame.up + off;
    cross_h->SetPoint1(h0.data());
    cross_h->SetPoint2(h1.data());
    cross_v->SetPoint1(v0.data());
    cross_v->SetPoint2(v1.data());
    cross_h_actor->SetVisibility(crosshair ? 1 : 0);
    cross_v_actor->SetVisibility(crosshair ? 1 : 0);
  }

  void syncNeedles() {
    const Vec3 off = -kNeedleOffsetMm * frame.n;
    for (auto& np : needles) {
      const Vec3 a = planePoint(np.needle.entry_lps) + off;
      const Vec3 b = planePoint(np.needle.tip_lps) + off;
      vtkPoints* pts = np.poly->GetPoints();
      pts->SetPoint(0, a.data());
      pts->SetPoint(1, b.data());
      pts->Modified();
      np.poly->Modified();
    }
  }

  void syncText() {
    const ImageGeometry& g = geometry();
    // Patient coordinate of the slice: axial z (S+), coronal y (P+), sagittal x (L+).
    const int pa = orientation == Orientation::kAxial     ? 2
                   : orientation == Orientation::kCoronal ? 1
                                                          : 0;
    const double v = cursor(pa);
    const char* letter = pa == 2   ? (v >= 0 ? "S" : "I")
                         : pa == 1 ? (v >= 0 ? "P" : "A")
                                   : (v >= 0 ? "L" : "R");
    const double idx = g.lpsToIndex(cursor)(axis);
    const long slice = std::lround(idx) + 1;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s  %s %.1f mm  slice %ld/%zu\nW %.0f  L %.0f", frame.name,
                  letter, std::abs(v), slice, g.size()[static_cast<std::size_t>(axis)], wl.window,
                  wl.level);
    info->SetInput(buf);
  }

  void refresh() {
    syncCamera();
    syncCrosshair();
    syncNeedles();
    syncText();
  }

  void rebuild() {
    for (auto& o : overlays) stack->RemoveImage(o.slice);
    overlays.clear();
    int layer_number = 1;
    for (const std::string& name : scene->layerNames()) {
      const LabelLayer* l = scene->layer(name);
      if (l == nullptr || !l->visible) continue;
      Overlay o;
      o.image = detail::SceneAccess::layerImage(*scene, *l);
      auto prop = vtkSmartPointer<vtkImageProperty>::New();
      prop->SetLookupTable(detail::makeLayerLut(*l, o.image.max_value));
      prop->UseLookupTableScalarRangeOn();
      prop->SetInterpolationTypeToNearest();
      prop->SetOpacity(l->opacity);
      prop->SetLayerNumber(layer_number++);
      o.slice = makeSlice(o.image.image, prop);
      o.slice->PickableOff();
      stack->AddImage(o.slice);
      overlays.push_back(std::move(o));
    }
    for (auto& np : needles) renderer->RemoveActor(np.actor);
    needles.clear();
    for (const NeedleLine& n : scene->needles()) {
      if (!n.visible) continue;
      NeedleProp np;
      np.needle = n;
      np.poly = vtkSmartPointer<vtkPolyData>::New();
      auto pts = vtkSmartPointer<vtkPoints>::New();
      pts->SetNumberOfPoints(2);
      pts->SetPoint(0, 0, 0, 0);
      pts->SetPoint(1, 0, 0, 0);
      np.poly->SetPoints(pts);
      auto lines = vtkSmartPointer<vtkCellArray>::New();
      const vtkIdType seg[2] = {0, 1};
      lines->InsertNextCell(2, seg);
      np.poly->SetLines(lines);
      auto verts = vtkSmartPointer<vtkCellArray>::New();
      const vtkIdType tip[1] = {1};
      verts->InsertNextCell(1, tip);
      np.poly->SetVerts(verts);
      auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
      mapper->SetInputData(np.poly);
      np.actor = vtkSmartPointer<vtkActor>::New();
      np.actor->SetMapper(mapper);
      np.actor->GetProperty()->SetColor(n.colour.r, n.colour.g, n.colour.b);
      np.actor->GetProperty()->SetLineWidth(2.0F);
      np.actor->GetProperty()->SetPointSize(7.0F);
      np.actor->GetProperty()->LightingOff();
      np.actor->PickableOff();
      renderer->AddActor(np.actor);
      needles.push_back(std::move(np));
    }
    seen_revision = scene->revision();
  }

  void update() {
    if (seen_revision != scene->revision()) rebuild();
    refresh();
  }

  void requireWindow(const char* what) const {
    if (!hasSizedWindow()) {
      throw UsageError(std::string("SliceView::") + what +
                       ": the renderer is not in a render window with a size");
    }
  }
};

SliceView::SliceView(Orientation o, std::shared_ptr<Scene> scene) {
  if (!scene) throw UsageError("SliceView: null scene");
  impl_ = std::make_unique<Impl>(o, std::move(scene));
  impl_->build();
  impl_->cursor = impl_->clampToImage(impl_->geometry().centerLps());
  impl_->focal = impl_->cursor;
  impl_->ct_prop->SetColorWindow(impl_->wl.window);
  impl_->ct_prop->SetColorLevel(impl_->wl.level);
  impl_->rebuild();
  resetCamera();
}

SliceView::~SliceView() {
  if (impl_ && impl_->observer_tag != 0) impl_->renderer->RemoveObserver(impl_->observer_tag);
}

vtkRenderer* SliceView::renderer() const {
  return impl_->renderer;
}
Orientation SliceView::orientation() const {
  return impl_->orientation;
}

void SliceView::setCursorLps(const Vec3& p) {
  impl_->cursor = impl_->clampToImage(p);
  impl_->refresh();
}

Vec3 SliceView::cursorLps() const {
  return impl_->cursor;
}

void SliceView::scrollSlices(int n) {
  const ImageGeometry& g = impl_->geometry();
  Vec3 idx = g.lpsToIndex(impl_->cursor);
  idx(impl_->axis) += impl_->axis_sign * n;
  impl_->cursor = impl_->clampToImage(g.indexToLps(idx));
  impl_->refresh();
}

void SliceView::setWindowLevel(WindowLevel wl) {
  wl.window = std::max(wl.window, 1.0);
  impl_->wl = wl;
  impl_->ct_prop->SetColorWindow(wl.window);
  impl_->ct_prop->SetColorLevel(wl.level);
  impl_->syncText();
}

WindowLevel SliceView::windowLevel() const {
  return impl_->wl;
}

void SliceView::setCrosshairVisible(bool visible) {
  impl_->crosshair = visible;
  impl_->syncCrosshair();
}

bool SliceView::crosshairVisible() const {
  return impl_->crosshair;
}

void SliceView::zoom(double factor) {
  if (!(factor > 0) || !std::isfinite(factor)) return;
  impl_->parallel_scale /= factor;
  impl_->syncCamera();
}

void SliceView::pan(double dx_px, double dy_px) {
  if (!impl_->hasSizedWindow()) return;
  const double mm_per_px = 2.0 * impl_->parallel_scale / impl_->renderer->GetSize()[1];
  impl_->focal -= (dx_px * impl_->frame.right + dy_px * impl_->frame.up) * mm_per_px;
  impl_->syncCamera();
}

void SliceView::resetCamera() {
  auto& m = *impl_;
  const auto e = m.extent(m.cursor);
  m.focal = m.cursor + 0.5 * (e[0] + e[1]) * m.frame.right + 0.5 * (e[2] + e[3]) * m.frame.up;
  double aspect = 1.0;
  if (m.hasSizedWindow()) {
    const int* s = m.renderer->GetSize();
    aspect = static_cast<double>(s[0]) / s[1];
  }
  m.parallel_scale = std::max(0.5 * (e[3] - e[2]), 0.5 * (e[1] - e[0]) / aspect) * 1.02;
  m.refresh();
}

Vec3 SliceView::displayToLps(double x_px, double y_px) const {
  auto& m = *impl_;
  m.requireWindow("displayToLps");
  m.syncCamera();
  vtkRenderer* r = m.renderer;
  r->SetWorldPoint(m.focal.x(), m.focal.y(), m.focal.z(), 1.0);
  r->WorldToDisplay();
  const double z = r->GetDisplayPoint()[2];
  r->SetDisplayPoint(x_px, y_px, z);
  r->DisplayToWorld();
  const double* w = r->GetWorldPoint();
  const Vec3 p = Vec3(w[0], w[1], w[2]) / (w[3] != 0 ? w[3] : 1.0);
  return m.planePoint(p);
}

std::array<double, 2> SliceView::lpsToDisplay(const Vec3& p) const {
  auto& m = *impl_;
  m.requireWindow("lpsToDisplay");
  m.syncCamera();
  const Vec3 q = m.planePoint(p);
  vtkRenderer* r = m.renderer;
  r->SetWorldPoint(q.x(), q.y(), q.z(), 1.0);
  r->WorldToDisplay();
  const double* d = r->GetDisplayPoint();
  return {d[0], d[1]};
}

void SliceView::update() {
  impl_->update();
}

}  // namespace rfa::render
