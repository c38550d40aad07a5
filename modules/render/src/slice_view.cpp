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
#include <vtkImageSliceMapper.h>
#include <vtkImageStack.h>
#include <vtkLineSource.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>

#include "rfa/core/error.h"
#include "rfa/core/slice_plane.h"
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

/// Camera frame of a view in LPS: n = direction of projection (away from the viewer), up = screen
/// up, right = screen right (a screen frame: n = up x right, core/slice_plane.h).
struct ViewFrame {
  Vec3 n, up, right;
  std::string name;
  std::array<std::string, 4> letters;  // left, right, top, bottom of the screen
};

ViewFrame frameOfPlane(const SlicePlane& p, std::string name) {
  const std::array<std::string, 4> sides = sideLetters(p);  // right, left, top, bottom
  return {p.normal(), p.up(), p.right(), std::move(name), {sides[1], sides[0], sides[2], sides[3]}};
}

SlicePreset presetOf(Orientation o) {
  switch (o) {
    case Orientation::kAxial:
      return SlicePreset::kAxial;
    case Orientation::kCoronal:
      return SlicePreset::kCoronal;
    case Orientation::kSagittal:
      return SlicePreset::kSagittal;
  }
  throw UsageError("SliceView: bad orientation");
}

ViewFrame frameOf(Orientation o) {
  const char* names[] = {"Axial", "Coronal", "Sagittal"};
  return frameOfPlane(presetPlane(presetOf(o), Vec3(0, 0, 0)), names[static_cast<int>(o)]);
}

// A plane's frame must be orthonormal with normal = up x right (a screen frame).
void requireScreenFrame(const SlicePlane& p) {
  const double off = (p.frame.transpose() * p.frame - Mat3::Identity()).norm();
  if (!(off < 1e-6) || !((p.up().cross(p.right()) - p.normal()).norm() < 1e-6) ||
      !p.origin_lps.allFinite()) {
    throw UsageError(
        "SliceView: the plane's frame must be orthonormal with normal = up x right and a finite "
        "origin (core/slice_plane.h)");
  }
}

// The preset whose normal is closest to `n` (what orientation() reports for an oblique view).
Orientation nearestOrientation(const Vec3& n) {
  const Vec3 a = n.cwiseAbs();
  if (a.z() >= a.x() && a.z() >= a.y()) return Orientation::kAxial;
  return a.y() >= a.x() ? Orientation::kCoronal : Orientation::kSagittal;
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
  // Drawn in the opaque pass (still blended with its opacity, above the slice images): a
  // translucent actor would make every frame take the renderer's translucent pass, which costs a
  // lot on software GL (llvmpipe) and draws the same pixels here.
  actor->ForceOpaqueOn();
  return actor;
}

}  // namespace

struct SliceView::Impl {
  Orientation orientation;
  std::shared_ptr<Scene> scene;
  ViewFrame frame;
  bool oblique = false;         // built from a SlicePlane: the reslice path, setPlane() allowed
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
    vtkSmartPointer<vtkImageSlice> slice;    // per-layer reslice path only
    std::vector<std::array<float, 4>> rgba;  // composed path: LUT colour (0..255), alpha * opacity
  };
  std::vector<Overlay> overlays;

  // Composed path (grid axes along the LPS axes): the visible layers are blended on the CPU into
  // one RGBA image of the current slice (recomposed only when the slice index or the layers
  // change), drawn as one nearest-neighbour textured slice above the CT in the image stack instead
  // of one screen-resolution reslice per layer, each drawn in 3 stack passes at every frame.
  bool composed = false;
  vtkSmartPointer<vtkImageData> overlay_image;
  vtkSmartPointer<vtkImageSlice> overlay_slice;
  vtkSmartPointer<vtkMatrix4x4> overlay_matrix;
  long overlay_index = -1;  // slice index of overlay_image's content; -1: none / stale
  bool overlay_empty = true;
  vtkSmartPointer<vtkLineSource> cross_h = vtkSmartPointer<vtkLineSource>::New();
  vtkSmartPointer<vtkLineSource> cross_v = vtkSmartPointer<vtkLineSource>::New();
  vtkSmartPointer<vtkActor> cross_h_actor, cross_v_actor;
  struct NeedleProp {
    NeedleLine needle;
    vtkSmartPointer<vtkPolyData> poly;
    vtkSmartPointer<vtkActor> actor;
  };
  std::vector<NeedleProp> needles;
  vtkSmartPointer<vtkLineSource> ruler = vtkSmartPointer<vtkLineSource>::New();
  vtkSmartPointer<vtkActor> ruler_actor;
  vtkSmartPointer<vtkTextActor> ruler_text = vtkSmartPointer<vtkTextActor>::New();
  std::optional<std::array<Vec3, 2>> ruler_points;
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
  Impl(const SlicePlane& p, std::shared_ptr<Scene> s)
      : orientation(nearestOrientation(p.normal())),
        scene(std::move(s)),
        frame(frameOfPlane(p, "Oblique")),
        oblique(true) {}

  // The grid axis closest to the view normal and the index step that moves along it.
  void chooseAxis() {
    const Mat3& d = geometry().direction();
    double best = -1;
    for (int a = 0; a < 3; ++a) {
      const double dot = d.col(a).dot(frame.n);
      if (std::abs(dot) > best) {
        best = std::abs(dot);
        axis = a;
        axis_sign = dot >= 0 ? 1.0 : -1.0;
      }
    }
  }

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
    chooseAxis();
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
    composed = !oblique;  // every grid axis along +-an LPS axis: slices are grid slices
    for (int a = 0; a < 3; ++a) {
      const Vec3 col = d.col(a);
      if (std::abs(col.cwiseAbs().maxCoeff() - 1.0) > 1e-9 || col.cwiseAbs().sum() - 1.0 > 1e-9) {
        composed = false;
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
    if (composed) {
      std::array<int, 3> dims{static_cast<int>(g.size()[0]), static_cast<int>(g.size()[1]),
                              static_cast<int>(g.size()[2])};
      dims[static_cast<std::size_t>(axis)] = 1;
      overlay_image = vtkSmartPointer<vtkImageData>::New();
      overlay_image->SetDimensions(dims.data());
      overlay_image->SetSpacing(g.spacing().x(), g.spacing().y(), g.spacing().z());
      overlay_image->SetOrigin(0, 0, 0);
      overlay_image->AllocateScalars(VTK_UNSIGNED_CHAR, 4);
      auto mapper = vtkSmartPointer<vtkImageSliceMapper>::New();
      mapper->SetInputData(overlay_image);
      mapper->SetOrientation(axis);
      mapper->SetSliceNumber(0);
      mapper->SliceFacesCameraOff();
      mapper->SliceAtFocalPointOff();
      mapper->BorderOn();
      auto prop = vtkSmartPointer<vtkImageProperty>::New();
      prop->SetInterpolationTypeToNearest();
      prop->SetLayerNumber(1);
      overlay_matrix = vtkSmartPointer<vtkMatrix4x4>::New();
      overlay_matrix->DeepCopy(detail::SceneAccess::indexToLps(*scene));
      overlay_slice = vtkSmartPointer<vtkImageSlice>::New();
      overlay_slice->SetMapper(mapper);
      overlay_slice->SetProperty(prop);
      overlay_slice->SetUserMatrix(overlay_matrix);
      overlay_slice->PickableOff();
      overlay_slice->VisibilityOff();
      stack->AddImage(overlay_slice);
    }
    renderer->AddViewProp(stack);

    const Rgb cross_colour{1.0, 0.85, 0.1};
    cross_h_actor = lineActor(cross_h, cross_colour, 1.0, 0.8);
    cross_v_actor = lineActor(cross_v, cross_colour, 1.0, 0.8);
    renderer->AddActor(cross_h_actor);
    renderer->AddActor(cross_v_actor);
    ruler_actor = lineActor(ruler, Rgb{0.2, 1.0, 1.0}, 2.0, 1.0);
    ruler_actor->VisibilityOff();
    renderer->AddActor(ruler_actor);
    ruler_text->GetPositionCoordinate()->SetCoordinateSystemToWorld();
    ruler_text->GetTextProperty()->SetFontSize(16);
    ruler_text->GetTextProperty()->BoldOn();
    ruler_text->GetTextProperty()->SetColor(0.2, 1.0, 1.0);
    ruler_text->PickableOff();
    ruler_text->VisibilityOff();
    renderer->AddActor2D(ruler_text);

    const std::array<std::array<double, 2>, 4> pos{
        {{0.01, 0.5}, {0.99, 0.5}, {0.5, 0.99}, {0.5, 0.01}}};
    for (std::size_t i = 0; i < 4; ++i) {
      auto t = vtkSmartPointer<vtkTextActor>::New();
      t->SetInput(frame.letters[i].c_str());
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

  void syncRuler() {
    bool show = ruler_points.has_value();
    if (show) {
      const double half = 0.5 * scene->ct().geometry().spacing()(axis) + 1e-6;
      for (const Vec3& p : *ruler_points)
        show = show && std::abs((p - cursor).dot(frame.n)) <= half;
    }
    ruler_actor->SetVisibility(show ? 1 : 0);
    ruler_text->SetVisibility(show ? 1 : 0);
    if (!show) return;
    const Vec3 off = -kCrosshairOffsetMm * frame.n;
    const Vec3 a = planePoint((*ruler_points)[0]) + off;
    const Vec3 b = planePoint((*ruler_points)[1]) + off;
    ruler->SetPoint1(a.data());
    ruler->SetPoint2(b.data());
    const double length = ((*ruler_points)[1] - (*ruler_points)[0]).norm();
    char text[32];
    std::snprintf(text, sizeof text, "%.1f mm", length);
    ruler_text->SetInput(text);
    ruler_text->GetPositionCoordinate()->SetValue(b.x(), b.y(), b.z());
  }

  void syncNeedles() {
    const Vec3 off = -kNeedleOffsetMm * frame.n;
    for (auto& np : needles) {
      const Vec3 a = planePoint(np.needle.entry_lps) + off;
      const Vec3 b = planePoint(np.needle.tip_lps) + off;
      vtkPoints* pts = np.poly->GetPoints();
      double pa[3], pb[3];
      pts->GetPoint(0, pa);
      pts->GetPoint(1, pb);
      if (Vec3(pa[0], pa[1], pa[2]) == a && Vec3(pb[0], pb[1], pb[2]) == b) continue;
      pts->SetPoint(0, a.data());
      pts->SetPoint(1, b.data());
      pts->Modified();
      np.poly->Modified();
    }
  }

  void syncText() {
    const ImageGeometry& g = geometry();
    if (oblique) {
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "%s  through (%.1f, %.1f, %.1f) mm LPS, normal %s\nW %.0f  L %.0f",
                    frame.name.c_str(), cursor.x(), cursor.y(), cursor.z(),
                    orientationLetters(frame.n).c_str(), wl.window, wl.level);
      info->SetInput(buf);
      return;
    }
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
    std::snprintf(buf, sizeof buf, "%s  %s %.1f mm  slice %ld/%zu\nW %.0f  L %.0f",
                  frame.name.c_str(), letter, std::abs(v), slice,
                  g.size()[static_cast<std::size_t>(axis)], wl.window, wl.level);
    info->SetInput(buf);
  }

  /// Composed path: puts the overlay in the cursor's plane (as the CT slice) and recomposes it
  /// when the nearest slice index changed.
  void syncOverlay() {
    if (!composed) return;
    const ImageGeometry& g = geometry();
    const double t = g.lpsToIndex(cursor)(axis);
    // Nearest voxel along the slice axis, as vtkImageReslice's nearest-neighbour (floor(x + 0.5)).
    const long n_axis = static_cast<long>(g.size()[static_cast<std::size_t>(axis)]);
    const long k = std::clamp(static_cast<long>(std::floor(t + 0.5)), 0L, n_axis - 1);
    // The overlay image lies at index 0 along `axis`: shift it into the cursor plane.
    const vtkMatrix4x4* m = detail::SceneAccess::indexToLps(*scene);
    const double shift = t * g.spacing()(axis);
    for (int r = 0; r < 3; ++r) {
      const double v = m->GetElement(r, 3) + m->GetElement(r, axis) * shift;
      if (overlay_matrix->GetElement(r, 3) != v) overlay_matrix->SetElement(r, 3, v);
    }
    if (k != overlay_index) {
      compose(k);
      overlay_index = k;
    }
    const int visible = overlay_empty ? 0 : 1;
    if (overlay_slice->GetVisibility() != visible) overlay_slice->SetVisibility(visible);
  }

  /// Blends the visible layers' slice k (drawing order, "over", each colour * layer opacity) into
  /// overlay_image: non-premultiplied RGBA, as the framebuffer would have blended them one by one.
  void compose(long k) {
    const ImageGeometry& g = geometry();
    const auto nx = static_cast<std::size_t>(g.size()[0]);
    const auto ny = static_cast<std::size_t>(g.size()[1]);
    const auto nz = static_cast<std::size_t>(g.size()[2]);
    std::array<std::size_t, 3> lo{0, 0, 0}, hi{nx, ny, nz};
    lo[static_cast<std::size_t>(axis)] = static_cast<std::size_t>(k);
    hi[static_cast<std::size_t>(axis)] = static_cast<std::size_t>(k) + 1;
    auto* out = static_cast<unsigned char*>(overlay_image->GetScalarPointer());
    const std::size_t count = (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
    // Premultiplied accumulation (float) per output pixel.
    accum.assign(4 * count, 0.0F);
    for (const Overlay& o : overlays) {
      vtkDataArray* scalars = o.image.image->GetPointData()->GetScalars();
      const bool is16 = scalars->GetDataType() == VTK_UNSIGNED_SHORT;
      const void* base = scalars->GetVoidPointer(0);
      const std::size_t nvals = o.rgba.size();
      std::size_t p = 0;
      for (std::size_t z = lo[2]; z < hi[2]; ++z) {
        for (std::size_t y = lo[1]; y < hi[1]; ++y) {
          const std::size_t row = (z * ny + y) * nx;
          for (std::size_t x = lo[0]; x < hi[0]; ++x, ++p) {
            std::size_t v = is16 ? static_cast<const std::uint16_t*>(base)[row + x]
                                 : static_cast<const std::uint8_t*>(base)[row + x];
            if (v == 0) continue;
            if (v >= nvals) v = nvals - 1;  // the table clamps above its range
            const auto& c = o.rgba[v];
            const float a = c[3];
            if (a <= 0) continue;
            float* acc = &accum[4 * p];
            acc[0] = c[0] * a + acc[0] * (1 - a);
            acc[1] = c[1] * a + acc[1] * (1 - a);
            acc[2] = c[2] * a + acc[2] * (1 - a);
            acc[3] = a + acc[3] * (1 - a);
          }
        }
      }
    }
    overlay_empty = true;
    for (std::size_t p = 0; p < count; ++p) {
      const float* acc = &accum[4 * p];
      unsigned char* px = out + 4 * p;
      if (acc[3] <= 0) {
        px[0] = px[1] = px[2] = px[3] = 0;
        continue;
      }
      overlay_empty = false;
      const float inv = 1.0F / acc[3];
      for (int ch = 0; ch < 3; ++ch) {
        px[ch] = static_cast<unsigned char>(std::clamp(acc[ch] * inv + 0.5F, 0.0F, 255.0F));
      }
      px[3] = static_cast<unsigned char>(std::clamp(acc[3] * 255.0F + 0.5F, 0.0F, 255.0F));
    }
    overlay_image->Modified();
  }
  std::vector<float> accum;

  void refresh() {
    syncOverlay();
    syncCamera();
    syncCrosshair();
    syncRuler();
    syncNeedles();
    syncText();
  }

  void rebuild() {
    for (auto& o : overlays) {
      if (o.slice) stack->RemoveImage(o.slice);
    }
    overlays.clear();
    overlay_index = -1;
    int layer_number = 1;
    for (const std::string& name : scene->layerNames()) {
      const LabelLayer* l = scene->layer(name);
      if (l == nullptr || !l->visible) continue;
      Overlay o;
      o.image = detail::SceneAccess::layerImage(*scene, *l);
      if (composed) {
        if (o.image.max_value == 0 || l->opacity <= 0) continue;  // draws nothing
        // The colours the image mapper would take from the table (RGBA bytes), alpha * opacity.
        auto lut = detail::makeLayerLut(*l, o.image.max_value);
        const unsigned char* t = lut->GetPointer(0);
        o.rgba.resize(static_cast<std::size_t>(lut->GetNumberOfTableValues()));
        for (std::size_t v = 0; v < o.rgba.size(); ++v) {
          o.rgba[v] = {static_cast<float>(t[4 * v]), static_cast<float>(t[4 * v + 1]),
                       static_cast<float>(t[4 * v + 2]),
                       static_cast<float>(t[4 * v + 3]) / 255.0F * static_cast<float>(l->opacity)};
        }
        overlays.push_back(std::move(o));
        continue;
      }
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

SliceView::SliceView(const SlicePlane& plane, std::shared_ptr<Scene> scene) {
  if (!scene) throw UsageError("SliceView: null scene");
  requireScreenFrame(plane);
  impl_ = std::make_unique<Impl>(plane, std::move(scene));
  impl_->build();
  impl_->cursor = impl_->clampToImage(plane.origin_lps);
  impl_->focal = impl_->cursor;
  impl_->ct_prop->SetColorWindow(impl_->wl.window);
  impl_->ct_prop->SetColorLevel(impl_->wl.level);
  impl_->rebuild();
  resetCamera();
}

bool SliceView::oblique() const {
  return impl_->oblique;
}

SlicePlane SliceView::plane() const {
  SlicePlane p;
  p.origin_lps = impl_->cursor;
  p.frame.col(0) = impl_->frame.right;
  p.frame.col(1) = impl_->frame.up;
  p.frame.col(2) = impl_->frame.n;
  return p;
}

void SliceView::setPlane(const SlicePlane& plane) {
  if (!impl_->oblique) {
    throw UsageError(
        "SliceView::setPlane: an axial, coronal or sagittal view keeps its orientation (make an "
        "oblique view from a SlicePlane)");
  }
  requireScreenFrame(plane);
  auto& m = *impl_;
  const std::string name = m.frame.name;
  m.frame = frameOfPlane(plane, name);
  m.orientation = nearestOrientation(plane.normal());
  m.chooseAxis();
  for (std::size_t i = 0; i < 4; ++i) m.letters[i]->SetInput(m.frame.letters[i].c_str());
  m.cursor = m.clampToImage(plane.origin_lps);
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
  if (impl_->oblique) {  // along the normal, one spacing of the closest grid axis per step
    const double step = g.spacing()(impl_->axis);
    impl_->cursor = impl_->clampToImage(impl_->cursor + n * step * impl_->frame.n);
    impl_->refresh();
    return;
  }
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

void SliceView::setRuler(const std::optional<std::array<Vec3, 2>>& points_lps) {
  impl_->ruler_points = points_lps;
  impl_->syncRuler();
}

std::optional<double> SliceView::rulerLengthMm() const {
  if (!impl_->ruler_points) return std::nullopt;
  return ((*impl_->ruler_points)[1] - (*impl_->ruler_points)[0]).norm();
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
