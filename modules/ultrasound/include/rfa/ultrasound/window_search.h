#pragma once
/// \file window_search.h
/// \brief The best acoustic window for a planned needle: the probe held in the needle's plane
/// (in-plane guidance: the needle runs in the image), the plane rotated about the shaft and the
/// probe slid across it on the skin, each pose scored by what its fan shows of the lesion and of
/// the needle path (fan.h). The pose search in the spirit of Goebl et al. (IJCARS 2017, doi
/// 10.1007/s11548-017-1551-3): candidate probe poses filtered and ranked by simulated shadowing.
///
/// Frames and units: DICOM patient LPS, mm; degrees.

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"
#include "rfa/ultrasound/fan.h"
#include "rfa/ultrasound/probe.h"

namespace rfa::ultrasound {

/// \brief The candidate poses.
struct WindowSearchOptions {
  /// Rotations of the needle plane about the shaft (core/slice_plane.h needlePlane()).
  std::vector<double> rotations_deg = {0, 15, 30, 45, 60, 75, 90, 105, 120, 135, 150, 165};
  /// Offsets of the probe across the needle (in its plane) from the skin entry; the probe sits on
  /// the skin there, aimed at the needle tip.
  std::vector<double> offsets_mm = {-40, -30, -20, -10, 0, 10, 20, 30, 40};
  /// Patient midline (x, LPS mm) for the access type; NaN: the CT grid's centre.
  double midline_x_mm = std::numeric_limits<double>::quiet_NaN();
};

/// \brief One probe pose and what it shows.
struct ProbeWindow {
  ProbePose pose;
  double rotation_deg = 0;
  double offset_mm = 0;
  WindowView view;
  /// "intercostal" (bone within 25 mm under the probe face), "epigastric" (anterior, within 40
  /// mm of the midline) or "subcostal".
  std::string access;
  double score = -1;  ///< lesion_visible + 0.5 needle_visible - 0.001 depth (mm)
};

/// \brief The best pose for the needle entry -> tip (LPS mm) to the lesion `label` of `lesions`
/// (on the CT's grid), or nullopt when no candidate probe touches the skin.
/// \throws GeometryError when entry and tip coincide; UsageError as Fan.
std::optional<ProbeWindow> bestNeedleWindow(const AcousticMedium& medium, const ProbeModel& probe,
                                            const LabelMap& lesions, int label,
                                            const Vec3& entry_lps, const Vec3& tip_lps,
                                            const WindowSearchOptions& options = {});

}  // namespace rfa::ultrasound
