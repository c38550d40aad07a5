#pragma once
/// \file key_image.h
/// \brief An axial key image of one lesion for the report: the image slice through the lesion's
/// centroid, windowed, cropped around the lesion and upsampled, with the plan drawn over it.
///
/// Display convention (DICOM/radiological): the picture lies in the plane of the image slice; its
/// +x axis (to the right on screen) is the in-plane direction closest to patient Left (+x LPS) and
/// its +y axis (down on screen) the one closest to Posterior (+y LPS), so on an axial slice the
/// patient's Right is on the left of the picture and Anterior at the top. The letters at the edges
/// name the patient direction each edge faces (R/L/A/P, or S/I for other orientations).
///
/// Overlays, bottom to top: liver outline (kLiverColour), every lesion cut by the slice filled
/// translucent (kLesionColour), the lesion's minimum-margin outline (kMarginColour: voxel centres
/// within the plan's minimum margin of a lesion voxel centre, as the "GTV +m mm" ROI), the outline
/// of each preview ablation zone of the lesion's session cut by the slice (session colour; exact
/// ellipsoid section), each of the session's needles projected on the slice (solid where the
/// needle lies within +-`solid_slices` slices of the plane, dashed beyond), its tip (filled dot)
/// and skin entry (ring) when in the field; a 10 mm scale bar and the orientation letters.
///
/// All coordinates are DICOM patient LPS in millimetres.

#include <array>
#include <cstddef>
#include <string>

#include "rfa/core/volume.h"
#include "rfa/planning/plan.h"
#include "rfa/report/image.h"

namespace rfa::report {

/// \brief How to draw a key image.
struct KeyImageOptions {
  int size_px = 300;         ///< width = height of the picture
  double field_mm = 120;     ///< minimum field of view (grown for a large lesion to keep its zones)
  double window = 150;       ///< grey window width (liver window W 150 / L 60 HU; abdomen 400/40)
  double level = 60;         ///< grey window centre
  bool auto_window = false;  ///< window from the 1st-99th percentile of the field (MR)
  int solid_slices = 2;      ///< needle solid within this many slice spacings of the plane
};

/// \brief A rendered key image and where it lies in the patient.
struct KeyImage {
  RgbImage pixels;
  int lesion_id = 0;
  int session = 0;           ///< the lesion's session (0: not scheduled)
  std::size_t slice = 0;     ///< 0-based slice index k of the image through the lesion centroid
  std::size_t slices = 0;    ///< slices of the series
  Vec3 centre_lps{0, 0, 0};  ///< LPS of the picture's centre (on the slice plane)
  Vec3 right_lps{1, 0, 0};   ///< unit LPS direction of the picture's +x
  Vec3 down_lps{0, 1, 0};    ///< unit LPS direction of the picture's +y
  double mm_per_px = 0.4;
  double window = 0;  ///< the window used
  double level = 0;
  /// Patient directions at the left, right, top and bottom edges ("R", "L", "A", "P", ...).
  std::array<std::string, 4> edge_letters;
  int zones_cut = 0;      ///< ablation zones of the session that the slice cuts
  int needles_shown = 0;  ///< needles of the session drawn (any part in the field)

  /// \brief Picture coordinates (x right, y down, pixel centres at integers) of an LPS point
  /// projected on the slice plane.
  [[nodiscard]] std::array<double, 2> pixelOf(const Vec3& lps) const;
};

/// \brief Renders the key image of lesion `lesion_id` of `plan` on `image` (HU for CT).
/// `liver` may be null (no outline); `lesions` is the plan's lesion label map. All volumes on one
/// grid. \throws UsageError when the plan has no lesion `lesion_id` or a size is out of range
/// (size_px 32..2048, field_mm > 0, window > 0); GeometryError when the volumes are not on one
/// grid or the lesion's centroid lies outside the image.
KeyImage renderKeyImage(const ImageVolume& image, const Mask* liver, const LabelMap& lesions,
                        const planning::TreatmentPlan& plan, int lesion_id,
                        const KeyImageOptions& options = {});

}  // namespace rfa::report
