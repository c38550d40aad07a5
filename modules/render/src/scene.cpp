#include "rfa/render/scene.h"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <utility>

#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkUnsignedShortArray.h>

#include "rfa/core/error.h"
#include "scene_internal.h"

namespace rfa::render {

struct Scene::Impl {
  std::shared_ptr<const ImageVolume> ct;
  std::vector<LabelLayer> layers;  // drawing order
  std::vector<NeedleLine> needles;
  std::uint64_t revision = 1;
  vtkSmartPointer<vtkImageData> ct_image;
  vtkSmartPointer<vtkMatrix4x4> index_to_lps;
  std::map<const void*, detail::LayerImage> layer_images;  // by data buffer

  LabelLayer* find(const std::string& name) {
    auto it = std::find_if(layers.begin(), layers.end(),
                           [&](const LabelLayer& l) { return l.name == name; });
    return it == layers.end() ? nullptr : &*it;
  }
  LabelLayer& get(const std::string& name) {
    LabelLayer* l = find(name);
    if (l == nullptr) {
      std::ostringstream os;
      os << "render scene: no layer named '" << name << "' (layers:";
      for (const auto& x : layers) os << " '" << x.name << "'";
      os << (layers.empty() ? " none)" : ")");
      throw NotFoundError(os.str());
    }
    return *l;
  }
  void pruneImages() {
    for (auto it = layer_images.begin(); it != layer_images.end();) {
      const bool used = std::any_of(layers.begin(), layers.end(), [&](const LabelLayer& l) {
        return static_cast<const void*>(l.mask.get()) == it->first ||
               static_cast<const void*>(l.labels.get()) == it->first;
      });
      it = used ? std::next(it) : layer_images.erase(it);
    }
  }
};

namespace {

vtkSmartPointer<vtkImageData> makeImage(const ImageGeometry& g) {
  auto img = vtkSmartPointer<vtkImageData>::New();
  img->SetDimensions(static_cast<int>(g.size()[0]), static_cast<int>(g.size()[1]),
                     static_cast<int>(g.size()[2]));
  img->SetSpacing(g.spacing().x(), g.spacing().y(), g.spacing().z());
  img->SetOrigin(0, 0, 0);
  return img;
}

template <class Array, class T>
vtkSmartPointer<vtkImageData> wrap(const Volume<T>& v, const char* name) {
  auto img = makeImage(v.geometry());
  auto arr = vtkSmartPointer<Array>::New();
  arr->SetNumberOfComponents(1);
  // save = 1: VTK never frees the buffer; the owner (scene / LayerImage::keep_alive) keeps it.
  // VTK's API is not const-correct: the views only read it.
  arr->SetArray(const_cast<T*>(v.data().data()), static_cast<vtkIdType>(v.voxelCount()), 1);
  arr->SetName(name);
  img->GetPointData()->SetScalars(arr);
  return img;
}

}  // namespace

Scene::Scene(std::shared_ptr<const ImageVolume> ct) : impl_(std::make_unique<Impl>()) {
  if (!ct || ct->empty()) throw NoDataError("render scene: the CT volume is empty");
  impl_->ct = std::move(ct);
}

Scene::~Scene() = default;

const ImageVolume& Scene::ct() const {
  return *impl_->ct;
}
std::shared_ptr<const ImageVolume> Scene::ctPtr() const {
  return impl_->ct;
}

void Scene::setLayer(LabelLayer layer) {
  if (layer.name.empty()) throw UsageError("render scene: a layer needs a name");
  if (static_cast<bool>(layer.mask) == static_cast<bool>(layer.labels)) {
    throw UsageError("render scene: layer '" + layer.name +
                     "' needs exactly one of a mask or a label map");
  }
  const ImageGeometry& g = layer.mask ? layer.mask->geometry() : layer.labels->geometry();
  const std::size_t n = layer.mask ? layer.mask->voxelCount() : layer.labels->voxelCount();
  if (!g.sameGrid(impl_->ct->geometry()) || n != impl_->ct->voxelCount()) {
    throw GeometryError("render scene: layer '" + layer.name + "' is not on the CT grid (layer " +
                        g.describe() + ", CT " + impl_->ct->geometry().describe() + ")");
  }
  layer.opacity = std::clamp(layer.opacity, 0.0, 1.0);
  layer.surface_opacity = std::clamp(layer.surface_opacity, 0.0, 1.0);
  if (LabelLayer* existing = impl_->find(layer.name)) {
    *existing = std::move(layer);
  } else {
    impl_->layers.push_back(std::move(layer));
  }
  impl_->pruneImages();
  ++impl_->revision;
}

void Scene::removeLayer(const std::string& name) {
  auto& ls = impl_->layers;
  auto it =
      std::remove_if(ls.begin(), ls.end(), [&](const LabelLayer& l) { return l.name == name; });
  if (it == ls.end()) return;
  ls.erase(it, ls.end());
  impl_->pruneImages();
  ++impl_->revision;
}

void Scene::setLayerVisible(const std::string& name, bool visible) {
  LabelLayer& l = impl_->get(name);
  if (l.visible == visible) return;
  l.visible = visible;
  ++impl_->revision;
}

void Scene::setLayerOpacity(const std::string& name, double opacity) {
  LabelLayer& l = impl_->get(name);
  l.opacity = std::clamp(opacity, 0.0, 1.0);
  ++impl_->revision;
}

std::vector<std::string> Scene::layerNames() const {
  std::vector<std::string> names;
  names.reserve(impl_->layers.size());
  for (const auto& l : impl_->layers) names.push_back(l.name);
  return names;
}

const LabelLayer* Scene::layer(const std::string& name) const {
  return impl_->find(name);
}

void Scene::setNeedles(std::vector<NeedleLine> needles) {
  impl_->needles = std::move(needles);
  ++impl_->revision;
}

const std::vector<NeedleLine>& Scene::needles() const {
  return impl_->needles;
}

std::uint64_t Scene::revision() const {
  return impl_->revision;
}

namespace detail {

vtkImageData* SceneAccess::ctImage(const Scene& s) {
  auto& impl = *s.impl_;
  if (!impl.ct_image) impl.ct_image = wrap<vtkFloatArray>(*impl.ct, "ct_hu");
  return impl.ct_image;
}

vtkMatrix4x4* SceneAccess::indexToLps(const Scene& s) {
  auto& impl = *s.impl_;
  if (!impl.index_to_lps) {
    const ImageGeometry& g = impl.ct->geometry();
    impl.index_to_lps = vtkSmartPointer<vtkMatrix4x4>::New();
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) impl.index_to_lps->SetElement(r, c, g.direction()(r, c));
      impl.index_to_lps->SetElement(r, 3, g.origin()(r));
    }
  }
  return impl.index_to_lps;
}

LayerImage SceneAccess::layerImage(const Scene& s, const LabelLayer& layer) {
  auto& impl = *s.impl_;
  const void* key = layer.mask ? static_cast<const void*>(layer.mask.get())
                               : static_cast<const void*>(layer.labels.get());
  auto it = impl.layer_images.find(key);
  if (it != impl.layer_images.end()) return it->second;
  LayerImage li;
  if (layer.mask) {
    li.image = wrap<vtkUnsignedCharArray>(*layer.mask, layer.name.c_str());
    li.keep_alive = layer.mask;
    const auto d = layer.mask->data();
    li.max_value = d.empty() ? 0 : *std::max_element(d.begin(), d.end());
  } else {
    li.image = wrap<vtkUnsignedShortArray>(*layer.labels, layer.name.c_str());
    li.keep_alive = layer.labels;
    const auto d = layer.labels->data();
    li.max_value = d.empty() ? 0 : *std::max_element(d.begin(), d.end());
  }
  impl.layer_images.emplace(key, li);
  return li;
}

vtkSmartPointer<vtkLookupTable> makeLayerLut(const LabelLayer& layer, int max_value) {
  const int n = std::max(max_value, 1) + 1;
  auto lut = vtkSmartPointer<vtkLookupTable>::New();
  lut->SetNumberOfTableValues(n);
  lut->SetTableRange(-0.5, n - 0.5);
  lut->SetTableValue(0, 0, 0, 0, 0);
  for (int v = 1; v < n; ++v) {
    Rgb c = layer.colour;
    if (layer.labels) {
      auto it = layer.label_colours.find(v);
      if (it != layer.label_colours.end()) c = it->second;
    }
    lut->SetTableValue(v, c.r, c.g, c.b, 1.0);
  }
  return lut;
}

vtkSmartPointer<vtkMatrix4x4> copyIndexToLps(const Scene& s) {
  auto m = vtkSmartPointer<vtkMatrix4x4>::New();
  m->DeepCopy(SceneAccess::indexToLps(s));
  return m;
}

}  // namespace detail
}  // namespace rfa::render
