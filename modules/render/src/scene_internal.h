#pragma once
/// \file scene_internal.h
/// \brief The VTK objects of a Scene shared by its views (internal to rfa::render).
///
/// Every vtkImageData here is in the grid's scaled index frame: point (i, j, k) of the data is at
/// (i*sx, j*sy, k*sz), origin 0, no direction. The props that show it get `indexToLps` as their
/// UserMatrix: p_LPS = origin + direction * (i*sx, j*sy, k*sz), i.e. [direction | origin].

#include <memory>

#include <vtkImageData.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include "rfa/render/scene.h"

namespace rfa::render {
/// \brief The surface of a layer, in the scaled index frame (point scalars = label value).
struct LayerSurface {
  vtkSmartPointer<vtkPolyData> poly;
};
}  // namespace rfa::render

namespace rfa::render::detail {

/// \brief A layer's voxels wrapped as vtkImageData (no copy) and what keeps the buffer alive.
struct LayerImage {
  vtkSmartPointer<vtkImageData> image;  ///< unsigned char (mask) or unsigned short (labels)
  std::shared_ptr<const void> keep_alive;
  int max_value = 0;  ///< largest voxel value (0 for an empty layer)
};

struct SceneAccess {
  /// \brief The CT as float vtkImageData wrapping the volume's buffer (no copy).
  static vtkImageData* ctImage(const Scene& s);
  /// \brief [direction | origin] (4x4): scaled index frame -> LPS mm. Shared: do not modify.
  static vtkMatrix4x4* indexToLps(const Scene& s);
  /// \brief The layer's voxels as vtkImageData (cached per data buffer).
  static LayerImage layerImage(const Scene& s, const LabelLayer& layer);
};

/// \brief Colours of a layer by voxel value 0..max_value (table range -0.5..max+0.5, one entry per
/// value): 0 fully transparent, a mask's 1 / a label without its own colour in layer.colour,
/// others from layer.label_colours; alpha 1.
vtkSmartPointer<vtkLookupTable> makeLayerLut(const LabelLayer& layer, int max_value);

/// \brief A fresh copy of the scene's index->LPS matrix.
vtkSmartPointer<vtkMatrix4x4> copyIndexToLps(const Scene& s);

}  // namespace rfa::render::detail
