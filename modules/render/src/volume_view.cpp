#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkColorTransferFunction.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkGPUVolumeRayCastMapper.h>
#include <vtkImageData.h>
#include <vtkLineSource.h>
#include <vtkOutlineSource.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkTubeFilter.h>
#include <vtkUnsignedShortArray.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include "rfa/core/error.h"
#include "rfa/render/views.h"
#include "scene_internal.h"

namespace rfa::render {

namespace {

constexpr double kSurfaceGridMm = 2.0;  // surfaces are extracted on a grid of <= ~2 mm

/// Surface of every non-zero value of `v`: sampled every `stride` voxels inside the bounding box of
/// the non-zero voxels (plus a zero border so that surfaces close), discrete flying edges, windowed
/// sinc smoothing, normals. Points in the scaled index frame (see scene_internal.h); point scalars
/// = label value. Null when the layer is empty.
template <class T>
vtkSmartPointer<vtkPolyData> buildSurface(const Volume<T>& v) {
  const auto& n = v.size();
  std::array<std::size_t, 3> lo{n[0], n[1], n[2]}, hi{0, 0, 0};
  bool any = false;
  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      const T* row = &v(0, j, k);
      for (std::size_t i = 0; i < n[0]; ++i) {
        if (row[i] == 0) continue;
        any = true;
        lo = {std::min(lo[0], i), std::min(lo[1], j), std::min(lo[2], k)};
        hi = {std::max(hi[0], i), std::max(hi[1], j), std::max(hi[2], k)};
      }
    }
  }
  if (!any) return nullptr;
  const Vec3& sp = v.geometry().spacing();
  std::array<std::size_t, 3> stride{}, m{};
  for (int a = 0; a < 3; ++a) {
    const auto ua = static_cast<std::size_t>(a);
    stride[ua] = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::floor(kSurfaceGridMm / sp(a) + 1e-9)));
    m[ua] = (hi[ua] - lo[ua]) / stride[ua] + 1 + 2;  // + zero border on both sides
  }
  auto img = vtkSmartPointer<vtkImageData>::New();
  img->SetDimensions(static_cast<int>(m[0]), static_cast<int>(m[1]), static_cast<int>(m[2]));
  img->SetSpacing(sp.x() * static_cast<double>(stride[0]), sp.y() * static_cast<double>(stride[1]),
                  sp.z() * static_cast<double>(stride[2]));
  img->SetOrigin((static_cast<double>(lo[0]) - static_cast<double>(stride[0])) * sp.x(),
                 (static_cast<double>(lo[1]) - static_cast<double>(stride[1])) * sp.y(),
                 (static_cast<double>(lo[2]) - static_cast<double>(stride[2])) * sp.z());
  img->AllocateScalars(VTK_UNSIGNED_SHORT, 1);
  auto* dst = static_cast<std::uint16_t*>(img->GetScalarPointer());
  std::fill_n(dst, m[0] * m[1] * m[2], std::uint16_t{0});
  std::vector<bool> present(65536, false);
  for (std::size_t c = 1; c + 1 < m[2]; ++c) {
    const std::size_t k = lo[2] + (c - 1) * stride[2];
    for (std::size_t b = 1; b + 1 < m[1]; ++b) {
      const std::size_t j = lo[1] + (b - 1) * stride[1];
      for (std::size_t a = 1; a + 1 < m[0]; ++a) {
        const std::size_t i = lo[0] + (a - 1) * stride[0];
        const auto val = static_cast<std::uint16_t>(v(i, j, k));
        dst[a + m[0] * (b + m[1] * c)] = val;
        present[val] = true;
      }
    }
  }
  auto fe = vtkSmartPointer<vtkDiscreteFlyingEdges3D>::New();
  fe->SetInputData(img);
  fe->ComputeNormalsOff();
  fe->ComputeGradientsOff();
  fe->ComputeScalarsOn();
  int nc = 0;
  for (int val = 1; val < 65536; ++val) {
    if (present[static_cast<std::size_t>(val)]) fe->SetValue(nc++, val);
  }
  if (nc == 0) return nullptr;
  auto smooth = vtkSmartPointer<vtkWindowedSincPolyDataFilter>::New();
  smooth->SetInputConnection(fe->GetOutputPort());
  smooth->SetNumberOfIterations(15);
  smooth->SetPassBand(0.08);
  smooth->BoundarySmoothingOff();
  smooth->FeatureEdgeSmoothingOff();
  smooth->NonManifoldSmoothingOn();
  smooth->NormalizeCoordinatesOn();
  auto normals = vtkSmartPointer<vtkPolyDataNormals>::New();
  normals->SetInputConnection(smooth->GetOutputPort());
  normals->ComputePointNormalsOn();
  normals->SplittingOff();
  normals->ConsistencyOn();
  normals->Update();
  auto out = vtkSmartPointer<vtkPolyData>::New();
  out->ShallowCopy(normals->GetOutput());
  return out;
}

}  // namespace

std::shared_ptr<const LayerSurface> prepareLayerSurface(const LabelLayer& layer) {
  if (static_cast<bool>(layer.mask) == static_cast<bool>(layer.labels)) {
    throw UsageError("layer '" + layer.name + "': exactly one of mask / labels must be set");
  }
  vtkSmartPointer<vtkPolyData> poly =
      layer.mask ? buildSurface(*layer.mask) : buildSurface(*layer.labels);
  if (poly == nullptr) return nullptr;
  auto s = std::make_shared<LayerSurface>();
  s->poly = poly;
  return s;
}

struct VolumeView::Impl {
  std::shared_ptr<Scene> scene;
  vtkSmartPointer<vtkRenderer> renderer = vtkSmartPointer<vtkRenderer>::New();
  vtkSmartPointer<vtkVolume> volume = vtkSmartPointer<vtkVolume>::New();
  vtkSmartPointer<vtkGPUVolumeRayCastMapper> volume_mapper =
      vtkSmartPointer<vtkGPUVolumeRayCastMapper>::New();
  struct Surface {
    std::shared_ptr<const void> data;  // the layer buffer the surface was built from
    vtkSmartPointer<vtkPolyData> poly;
  };
  std::map<std::string, Surface> surface_cache;   // by layer name
  std::vector<vtkSmartPointer<vtkActor>> actors;  // surfaces and needles
  vtkSmartPointer<vtkActor> outline_actor = vtkSmartPointer<vtkActor>::New();
  vtkSmartPointer<vtkCallbackCommand> on_start = vtkSmartPointer<vtkCallbackCommand>::New();
  unsigned long observer_tag = 0;
  std::uint64_t seen_revision = 0;

  void build() {
    const ImageGeometry& g = scene->ct().geometry();
    volume_mapper->SetInputData(detail::SceneAccess::ctImage(*scene));
    volume_mapper->SetBlendModeToComposite();
    volume_mapper->AutoAdjustSampleDistancesOff();
    volume_mapper->SetSampleDistance(static_cast<float>(std::max(0.25, g.spacing().minCoeff())));
    volume_mapper->SetImageSampleDistance(1.0F);
    auto colour = vtkSmartPointer<vtkColorTransferFunction>::New();
    colour->AddRGBPoint(-1000, 0.0, 0.0, 0.0);
    colour->AddRGBPoint(-200, 0.55, 0.25, 0.15);
    colour->AddRGBPoint(40, 0.85, 0.45, 0.35);
    colour->AddRGBPoint(150, 1.0, 0.8, 0.7);
    colour->AddRGBPoint(400, 1.0, 1.0, 0.95);
    colour->AddRGBPoint(1500, 1.0, 1.0, 1.0);
    auto opacity = vtkSmartPointer<vtkPiecewiseFunction>::New();  // soft tissue, per mm
    opacity->AddPoint(-1000, 0.0);
    opacity->AddPoint(-200, 0.0);
    opacity->AddPoint(0, 0.004);
    opacity->AddPoint(80, 0.02);
    opacity->AddPoint(200, 0.08);
    opacity->AddPoint(500, 0.35);
    opacity->AddPoint(1500, 0.8);
    auto prop = vtkSmartPointer<vtkVolumeProperty>::New();
    prop->SetColor(colour);
    prop->SetScalarOpacity(opacity);
    prop->SetScalarOpacityUnitDistance(1.0);
    prop->SetInterpolationTypeToLinear();
    prop->ShadeOn();
    prop->SetAmbient(0.25);
    prop->SetDiffuse(0.75);
    prop->SetSpecular(0.15);
    volume->SetMapper(volume_mapper);
    volume->SetProperty(prop);
    volume->SetUserMatrix(detail::copyIndexToLps(*scene));
    volume->PickableOff();
    renderer->AddVolume(volume);
    // The CT's extent as a box outline: orientation in 3D even with the volume off and no layer.
    auto outline = vtkSmartPointer<vtkOutlineSource>::New();
    const Size3 n = g.size();
    const Vec3& sp = g.spacing();
    outline->SetBounds(-0.5 * sp.x(), (static_cast<double>(n[0]) - 0.5) * sp.x(), -0.5 * sp.y(),
                       (static_cast<double>(n[1]) - 0.5) * sp.y(), -0.5 * sp.z(),
                       (static_cast<double>(n[2]) - 0.5) * sp.z());
    auto outline_mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    outline_mapper->SetInputConnection(outline->GetOutputPort());
    outline_actor->SetMapper(outline_mapper);
    outline_actor->GetProperty()->SetColor(0.55, 0.55, 0.6);
    outline_actor->SetUserMatrix(detail::copyIndexToLps(*scene));
    outline_actor->PickableOff();
    renderer->AddActor(outline_actor);
    renderer->SetBackground(0.08, 0.08, 0.1);

    on_start->SetClientData(this);
    on_start->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
      auto* self = static_cast<Impl*>(client);
      self->update();
      self->renderer->ResetCameraClippingRange();
    });
    observer_tag = renderer->AddObserver(vtkCommand::StartEvent, on_start);
  }

  vtkPolyData* surfaceOf(const LabelLayer& l) {
    std::shared_ptr<const void> data =
        l.mask ? std::shared_ptr<const void>(l.mask) : std::shared_ptr<const void>(l.labels);
    auto it = surface_cache.find(l.name);
    if (it != surface_cache.end() && it->second.data == data) return it->second.poly;
    Surface s;
    s.data = data;
    if (l.prepared_surface) {
      s.poly = l.prepared_surface->poly;
    } else {
      s.poly = l.mask ? buildSurface(*l.mask) : buildSurface(*l.labels);
    }
    surface_cache[l.name] = s;
    return s.poly;
  }

  void rebuild() {
    for (auto& a : actors) renderer->RemoveActor(a);
    actors.clear();
    const auto names = scene->layerNames();
    for (auto it = surface_cache.begin(); it != surface_cache.end();) {  // drop removed layers
      it = std::find(names.begin(), names.end(), it->first) == names.end() ? surface_cache.erase(it)
                                                                           : std::next(it);
    }
    for (const std::string& name : names) {
      const LabelLayer* l = scene->layer(name);
      if (l == nullptr || !l->visible || !l->surface) continue;
      vtkPolyData* poly = surfaceOf(*l);
      if (poly == nullptr) continue;
      auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
      mapper->SetInputData(poly);
      auto actor = vtkSmartPointer<vtkActor>::New();
      if (l->labels) {
        const int max_value = detail::SceneAccess::layerImage(*scene, *l).max_value;
        mapper->SetLookupTable(detail::makeLayerLut(*l, max_value));
        mapper->UseLookupTableScalarRangeOn();
        mapper->SetScalarModeToUsePointData();
        mapper->ScalarVisibilityOn();
      } else {
        mapper->ScalarVisibilityOff();
        actor->GetProperty()->SetColor(l->colour.r, l->colour.g, l->colour.b);
      }
      actor->SetMapper(mapper);
      actor->SetUserMatrix(detail::copyIndexToLps(*scene));
      actor->GetProperty()->SetOpacity(l->surface_opacity);
      actor->GetProperty()->SetSpecular(0.2);
      actor->GetProperty()->SetSpecularPower(20);
      renderer->AddActor(actor);
      actors.push_back(actor);
    }
    for (const NeedleLine& n : scene->needles()) {
      if (!n.visible) continue;
      auto line = vtkSmartPointer<vtkLineSource>::New();
      line->SetPoint1(n.entry_lps.x(), n.entry_lps.y(), n.entry_lps.z());
      line->SetPoint2(n.tip_lps.x(), n.tip_lps.y(), n.tip_lps.z());
      auto tube = vtkSmartPointer<vtkTubeFilter>::New();
      tube->SetInputConnection(line->GetOutputPort());
      tube->SetRadius(1.0);
      tube->SetNumberOfSides(16);
      tube->CappingOn();
      auto tube_mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
      tube_mapper->SetInputConnection(tube->GetOutputPort());
      auto sphere = vtkSmartPointer<vtkSphereSource>::New();
      sphere->SetCenter(n.tip_lps.x(), n.tip_lps.y(), n.tip_lps.z());
      sphere->SetRadius(2.5);
      sphere->SetThetaResolution(20);
      sphere->SetPhiResolution(20);
      auto sphere_mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
      sphere_mapper->SetInputConnection(sphere->GetOutputPort());
      for (vtkPolyDataMapper* mapper : {tube_mapper.Get(), sphere_mapper.Get()}) {
        auto actor = vtkSmartPointer<vtkActor>::New();
        actor->SetMapper(mapper);
        actor->GetProperty()->SetColor(n.colour.r, n.colour.g, n.colour.b);
        actor->GetProperty()->SetSpecular(0.4);
        actor->GetProperty()->SetSpecularPower(30);
        renderer->AddActor(actor);
        actors.push_back(actor);
      }
    }
    seen_revision = scene->revision();
  }

  void update() {
    if (seen_revision != scene->revision()) rebuild();
  }
};

VolumeView::VolumeView(std::shared_ptr<Scene> scene) {
  if (!scene) throw UsageError("VolumeView: null scene");
  impl_ = std::make_unique<Impl>();
  impl_->scene = std::move(scene);
  impl_->build();
  resetCamera();
}

VolumeView::~VolumeView() {
  if (impl_ && impl_->observer_tag != 0) impl_->renderer->RemoveObserver(impl_->observer_tag);
}

vtkRenderer* VolumeView::renderer() const {
  return impl_->renderer;
}

void VolumeView::setVolumeVisible(bool visible) {
  impl_->volume->SetVisibility(visible ? 1 : 0);
}
bool VolumeView::volumeVisible() const {
  return impl_->volume->GetVisibility() != 0;
}

void VolumeView::setVolumeSampling(double sample_distance_mm, double image_sample_distance) {
  const double finest = std::max(0.25, impl_->scene->ct().geometry().spacing().minCoeff());
  impl_->volume_mapper->SetSampleDistance(
      static_cast<float>(sample_distance_mm > 0 ? std::max(sample_distance_mm, 0.05) : finest));
  impl_->volume_mapper->SetImageSampleDistance(
      static_cast<float>(std::clamp(image_sample_distance, 1.0, 8.0)));
}

void VolumeView::rotate(double azimuth_deg, double elevation_deg) {
  vtkCamera* cam = impl_->renderer->GetActiveCamera();
  cam->Azimuth(azimuth_deg);
  cam->Elevation(elevation_deg);
  cam->OrthogonalizeViewUp();
  impl_->renderer->ResetCameraClippingRange();
}

void VolumeView::zoom(double factor) {
  if (!(factor > 0) || !std::isfinite(factor)) return;
  impl_->renderer->GetActiveCamera()->Zoom(factor);
  impl_->renderer->ResetCameraClippingRange();
}

void VolumeView::focusOn(const Vec3& min_lps, const Vec3& max_lps) {
  if ((min_lps.array() > max_lps.array()).any()) return;
  const Vec3 c = 0.5 * (min_lps + max_lps);
  double b[6] = {min_lps.x(), max_lps.x(), min_lps.y(), max_lps.y(), min_lps.z(), max_lps.z()};
  vtkCamera* cam = impl_->renderer->GetActiveCamera();
  cam->ParallelProjectionOff();
  cam->SetFocalPoint(c.x(), c.y(), c.z());
  cam->SetPosition(c.x(), c.y() - 1000.0, c.z());  // anterior, as resetCamera()
  cam->SetViewUp(0, 0, 1);
  impl_->renderer->ResetCamera(b);
  impl_->renderer->ResetCameraClippingRange();
}

void VolumeView::resetCamera() {
  const ImageGeometry& g = impl_->scene->ct().geometry();
  double b[6] = {1e300, -1e300, 1e300, -1e300, 1e300, -1e300};
  for (int c = 0; c < 8; ++c) {
    Vec3 idx;
    for (int a = 0; a < 3; ++a) {
      idx(a) = (c >> a & 1) != 0 ? static_cast<double>(g.size()[static_cast<std::size_t>(a)]) - 0.5
                                 : -0.5;
    }
    const Vec3 p = g.indexToLps(idx);
    for (int a = 0; a < 3; ++a) {
      b[2 * a] = std::min(b[2 * a], p(a));
      b[2 * a + 1] = std::max(b[2 * a + 1], p(a));
    }
  }
  const Vec3 c = g.centerLps();
  vtkCamera* cam = impl_->renderer->GetActiveCamera();
  cam->ParallelProjectionOff();
  cam->SetFocalPoint(c.x(), c.y(), c.z());
  cam->SetPosition(c.x(), c.y() - 1000.0, c.z());  // anterior (-y), looking posterior
  cam->SetViewUp(0, 0, 1);                         // superior up: patient left on screen right
  impl_->renderer->ResetCamera(b);
  impl_->renderer->ResetCameraClippingRange(b);
}

void VolumeView::update() {
  impl_->update();
  impl_->renderer->ResetCameraClippingRange();
}

}  // namespace rfa::render
