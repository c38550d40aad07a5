#pragma once
/// \file scene.h
/// \brief What a case shows in the rendering views: the CT, label overlays on its grid and needles.
///
/// Frames and units: everything is DICOM patient LPS in millimetres (+x patient Left, +y Posterior,
/// +z Superior), as everywhere in rfaplan. The VTK world of every view of rfa::render is LPS mm
/// too. No Qt, no GL: a Scene can be built and edited without a display.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"

namespace rfa::render {

/// \brief A colour, each channel 0..1.
struct Rgb {
  double r = 1, g = 1, b = 1;
};

/// \brief A layer's 3D surface extracted ahead of rendering (prepareLayerSurface()); opaque.
struct LayerSurface;

/// \brief A label overlay on the CT grid: either a 0/1 mask (drawn in `colour`) or a label map
/// (colour per label value from `label_colours`, `colour` for values not listed). Voxels 0 are
/// transparent.
struct LabelLayer {
  std::string name;                        ///< unique key, e.g. "liver", "lesions", "zones"
  std::shared_ptr<const Mask> mask;        ///< exactly one of mask / labels is set
  std::shared_ptr<const LabelMap> labels;  ///< (kept alive by the layer: views wrap it, no copy)
  Rgb colour;                              ///< mask colour / default label colour
  std::map<int, Rgb> label_colours;        ///< per label value (labels only)
  double opacity = 0.4;                    ///< in the slice views, 0..1 (clamped)
  bool visible = true;
  bool surface = true;         ///< show as a surface in the 3D view (VolumeView)
  double surface_opacity = 1;  ///< opacity of that surface, 0..1 (e.g. 0.3 for the liver)
  /// The surface already extracted from this layer's data (prepareLayerSurface()); empty: the 3D
  /// view extracts it when it first draws the layer, on the rendering (UI) thread.
  std::shared_ptr<const LayerSurface> prepared_surface;
};

/// \brief Extracts the 3D surface of `layer` (the same surface VolumeView would build: one per
/// label value, on a grid of about 2 mm, smoothed, with normals), so that a worker thread can do
/// it and the UI thread only draws. Thread-safe: touches only `layer`'s data (read) and new VTK
/// objects. Returns null for an empty layer. \throws UsageError when not exactly one of
/// mask/labels is set.
std::shared_ptr<const LayerSurface> prepareLayerSurface(const LabelLayer& layer);

/// \brief A needle: straight segment from the skin entry to the tip, LPS mm.
struct NeedleLine {
  std::string name;
  Vec3 entry_lps{0, 0, 0};
  Vec3 tip_lps{0, 0, 0};
  Rgb colour;
  bool visible = true;
};

namespace detail {
struct SceneAccess;  // VTK side of a Scene (src/scene_internal.h), for the views only
}

/// \brief What a case shows. The CT must be set; every layer must be on the CT's grid.
/// Not thread-safe: use a Scene and its views from one thread (the GUI thread).
class Scene {
 public:
  /// \throws NoDataError when `ct` is null or has no voxels.
  explicit Scene(std::shared_ptr<const ImageVolume> ct);
  ~Scene();
  Scene(const Scene&) = delete;
  Scene& operator=(const Scene&) = delete;

  /// \brief The CT (HU), geometry in LPS mm.
  [[nodiscard]] const ImageVolume& ct() const;
  [[nodiscard]] std::shared_ptr<const ImageVolume> ctPtr() const;

  /// \brief Adds the layer, or replaces the layer of the same name (keeping its place in the
  /// drawing order). \throws UsageError for an empty name or when not exactly one of mask/labels
  /// is set; GeometryError naming the layer when its grid is not the CT's grid (size, spacing,
  /// origin, direction within 1e-3 mm).
  void setLayer(LabelLayer layer);
  /// \brief Removes the layer; no-op for an unknown name.
  void removeLayer(const std::string& name);
  /// \throws NotFoundError naming the layer (and listing the known ones) for an unknown name.
  void setLayerVisible(const std::string& name, bool visible);
  /// \brief Opacity in the slice views, clamped to 0..1. \throws NotFoundError for an unknown name.
  void setLayerOpacity(const std::string& name, double opacity);
  /// \brief Layer names in drawing order (first = bottom, drawn first above the CT).
  [[nodiscard]] std::vector<std::string> layerNames() const;
  /// \brief The layer, or nullptr for an unknown name. Valid until the next change of the scene.
  [[nodiscard]] const LabelLayer* layer(const std::string& name) const;

  /// \brief Replaces all needles (LPS mm).
  void setNeedles(std::vector<NeedleLine> needles);
  [[nodiscard]] const std::vector<NeedleLine>& needles() const;

  /// \brief Incremented by every change; views compare it to rebuild their VTK pipelines lazily.
  [[nodiscard]] std::uint64_t revision() const;

 private:
  friend struct detail::SceneAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rfa::render
