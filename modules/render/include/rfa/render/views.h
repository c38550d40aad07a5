#pragma once
/// \file views.h
/// \brief VTK views of a Scene: multiplanar slice views and the 3D view. No Qt: each view owns a
/// vtkRenderer that the caller adds to a render window (a vtkGenericOpenGLRenderWindow inside a
/// QOpenGLWidget, or renderOffscreen()). The VTK world coordinates are DICOM patient LPS mm.
///
/// Views read the scene; call update() (or just render: each view also syncs itself from a
/// StartEvent observer on its renderer) after changing the scene. Use from one thread.

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "rfa/core/points.h"
#include "rfa/core/slice_plane.h"
#include "rfa/render/scene.h"

class vtkRenderer;

namespace rfa::render {

enum class Orientation { kAxial, kCoronal, kSagittal };

/// \brief Window/level in HU. Presets: liver (W 150 L 90), abdomen (W 400 L 40), bone (W 1800 L
/// 400).
struct WindowLevel {
  double window = 400, level = 40;
};
/// \brief "liver", "abdomen" or "bone". \throws NotFoundError otherwise (the message lists them).
WindowLevel presetWindowLevel(const std::string& name);

/// \brief One MPR view (its own vtkRenderer, parallel projection), radiological convention:
/// axial seen from the feet (patient left on screen right, anterior up), coronal from the front
/// (patient left on screen right, superior up), sagittal from the patient's left (anterior on
/// screen left, superior up). The slice planes are the patient planes (LPS axes), also for an
/// oblique CT grid, which is then resliced (linear for the CT, nearest for the labels).
///
/// The view owns its camera (synced from the cursor/zoom/pan at every render): move it with
/// setCursorLps/scrollSlices/zoom/pan/resetCamera, not with an interactor style's camera moves.
///
/// Shows the CT slice through the cursor with W/L, the visible label layers as coloured overlays
/// (their opacity), the needles (segment projected onto the slice plane, tip marked), the
/// crosshair through the cursor (toggle), an orientation letter on each side ("R"/"L"/"A"/"P"/
/// "S"/"I") and the slice position text (bottom left).
class SliceView {
 public:
  /// \brief Cursor at the CT centre, W/L "abdomen". \throws UsageError for a null scene.
  SliceView(Orientation o, std::shared_ptr<Scene> scene);
  /// \brief An oblique view of `plane` (core/slice_plane.h: e.g. needlePlane(), the in-plane
  /// ultrasound view of a needle): screen right/up and the normal from the plane's frame, the
  /// cursor at its origin (clamped into the image), letters on each side computed from the frame
  /// (orientationLetters(), e.g. "AS"), the CT and the layers resliced (linear / nearest). The
  /// presets of presetPlane() give the same frames as the Orientation views.
  /// \throws UsageError for a null scene or a frame that is not orthonormal with normal = up x
  /// right.
  SliceView(const SlicePlane& plane, std::shared_ptr<Scene> scene);
  ~SliceView();
  SliceView(const SliceView&) = delete;
  SliceView& operator=(const SliceView&) = delete;

  [[nodiscard]] vtkRenderer* renderer() const;
  /// The view's orientation; for an oblique view the preset whose normal is closest to its own.
  [[nodiscard]] Orientation orientation() const;
  /// Built from a SlicePlane (setPlane() allowed).
  [[nodiscard]] bool oblique() const;
  /// The current plane: origin = the cursor, frame = screen right, up, normal away (LPS).
  [[nodiscard]] SlicePlane plane() const;
  /// \brief An oblique view moves to `plane` (e.g. the needle plane at another rotation about
  /// the shaft): frame, letters and cursor (clamped into the image) are replaced and the camera
  /// reset. \throws UsageError for a view made from an Orientation, or a frame as above.
  void setPlane(const SlicePlane& plane);

  /// \brief Slice through p (LPS mm), crosshair at p. p is clamped into the image (voxel centres
  /// of the first and last voxel on each grid axis).
  void setCursorLps(const Vec3& p);
  [[nodiscard]] Vec3 cursorLps() const;
  /// \brief Moves the cursor by n slices away from the viewer (axial: towards superior, coronal:
  /// towards posterior, sagittal: towards the patient's right; oblique: along the normal), each
  /// step one grid spacing of the grid axis closest to the view normal; clamped into the image.
  void scrollSlices(int n);
  void setWindowLevel(WindowLevel wl);  ///< HU; window clamped to >= 1
  [[nodiscard]] WindowLevel windowLevel() const;
  void setCrosshairVisible(bool visible);
  [[nodiscard]] bool crosshairVisible() const;
  /// \brief A distance measurement: the segment between two LPS points (mm) with its length (the
  /// 3D distance, "12.3 mm") beside its second point; drawn while the slice passes within half a
  /// slice spacing of both points (the slice it was measured on). nullopt removes it.
  void setRuler(const std::optional<std::array<Vec3, 2>>& points_lps);
  /// \brief The ruler's length in mm (3D distance of its points); nullopt without a ruler.
  [[nodiscard]] std::optional<double> rulerLengthMm() const;
  /// \brief factor > 1 zooms in, about the view centre. Ignores factor <= 0.
  void zoom(double factor);
  /// \brief Moves the image by (dx, dy) display pixels (x right, y up) as a mouse drag does.
  /// Needs the renderer in a render window with a size (else no-op).
  void pan(double dx_px, double dy_px);
  /// \brief The whole slice fits the viewport (uses the viewport's aspect when the renderer is in
  /// a sized render window, else a square viewport), centred, crosshair kept.
  void resetCamera();
  /// \brief Display pixel (VTK convention: origin bottom-left of the window, pixel units) -> LPS
  /// mm point on the current slice plane. \throws UsageError when the renderer is not in a render
  /// window with a size.
  [[nodiscard]] Vec3 displayToLps(double x_px, double y_px) const;
  /// \brief LPS mm point -> display pixel (origin bottom-left), after projection onto the slice
  /// plane. \throws UsageError when the renderer is not in a render window with a size.
  [[nodiscard]] std::array<double, 2> lpsToDisplay(const Vec3& p) const;
  /// \brief Syncs the VTK pipeline with the scene (layers, needles) if its revision changed, and
  /// the camera with the cursor. Also run by a StartEvent observer of the renderer.
  void update();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// \brief The 3D view: GPU ray-cast volume rendering of the CT (vtkGPUVolumeRayCastMapper,
/// soft-tissue CT transfer function, can be switched off), surfaces of the visible layers with
/// surface=true (one surface per label value for label layers, coloured, smoothed; built on a
/// grid subsampled to <= ~2 mm and cached per layer data), needles as tubes with a tip sphere,
/// and the outline of the CT's extent (grey box).
class VolumeView {
 public:
  /// \throws UsageError for a null scene.
  explicit VolumeView(std::shared_ptr<Scene> scene);
  ~VolumeView();
  VolumeView(const VolumeView&) = delete;
  VolumeView& operator=(const VolumeView&) = delete;

  [[nodiscard]] vtkRenderer* renderer() const;
  void setVolumeVisible(bool visible);
  [[nodiscard]] bool volumeVisible() const;
  /// \brief Ray-casting quality: distance between samples along a ray in mm (<= 0: the CT's
  /// smallest spacing, the default) and the ray spacing in screen pixels (1 = one ray per pixel;
  /// 2 = a quarter of the rays, upscaled). Coarser settings make software GL (llvmpipe) usable.
  void setVolumeSampling(double sample_distance_mm, double image_sample_distance = 1.0);
  /// \brief Rotates the camera about the focal point (degrees): azimuth about the view up,
  /// elevation about the view's horizontal axis.
  void rotate(double azimuth_deg, double elevation_deg);
  /// \brief factor > 1 zooms in. Ignores factor <= 0.
  void zoom(double factor);
  /// \brief Anterior view (camera in front of the patient), superior up, the whole CT in view.
  void resetCamera();
  /// \brief Anterior view (as resetCamera()) of the box `min_lps`..`max_lps` (LPS mm, e.g. the
  /// treated lesions with a margin): the box fills the view. Ignores an empty box (min > max).
  void focusOn(const Vec3& min_lps, const Vec3& max_lps);
  /// \brief As SliceView::update (surfaces are rebuilt only when a layer's data changes).
  void update();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rfa::render
