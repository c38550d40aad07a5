#pragma once
/// \file overview3d.h
/// \brief A software-rendered 3D overview of one session for the report (no GPU, no display):
/// an orthographic ray cast of the label volumes block-averaged onto a coarse grid (about 2.5 mm),
/// iso-surfaces at half occupancy with Lambert shading from the field's gradient. Liver
/// translucent (kLiverColour, front and back surfaces), the session's lesions opaque
/// (kLesionColour), other lesions opaque (kOtherLesionColour), the session's preview ablation zones
/// translucent in the session colour (exact ellipsoids, drawn as their union), its needles as lines
/// from skin entry to tip with the tip as a dot, each lesion labelled "L<id>", and a small
/// orientation triad (L, S, A).
///
/// View: from anterior (patient's Right on the picture's left, Superior up), turned by
/// `azimuth_deg` about the superior axis (positive: the camera moves towards the patient's left)
/// and raised by `elevation_deg` (positive: looking down from above). All geometry LPS mm.

#include <array>
#include <map>

#include "rfa/core/volume.h"
#include "rfa/planning/plan.h"
#include "rfa/report/image.h"

namespace rfa::report {

/// \brief How to render the 3D overview.
struct Overview3dOptions {
  int width_px = 360;
  int height_px = 300;
  double voxel_mm = 2.5;    ///< coarse grid spacing the volumes are averaged onto (>= the image's)
  double azimuth_deg = 25;  ///< turn about the superior axis
  double elevation_deg = 15;   ///< look down from above
  double liver_opacity = 0.2;  ///< per liver surface crossed (front and back)
  double zone_opacity = 0.3;   ///< of the union of the zones' front surface
  Rgb background{22, 24, 30};
};

/// \brief A rendered overview.
struct Overview3d {
  RgbImage pixels;
  int session = 0;
  /// Picture position (x, y) of each lesion centroid of the session, by lesion id.
  std::map<int, std::array<double, 2>> lesion_pixels;
  double mm_per_px = 1;           ///< scale of the orthographic projection
  Vec3 grid_spacing_mm{0, 0, 0};  ///< spacing of the coarse grid the volumes were averaged onto
};

/// \brief Renders session `session` of `plan` (0: every lesion, zones and needles of the plan).
/// \throws UsageError when `session` is not a session of the plan or a size is out of range
/// (32..4096 px, voxel_mm > 0); GeometryError when `liver` and `lesions` are not on one grid.
Overview3d renderOverview3d(const Mask& liver, const LabelMap& lesions,
                            const planning::TreatmentPlan& plan, int session,
                            const Overview3dOptions& options = {});

}  // namespace rfa::report
