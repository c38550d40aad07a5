#pragma once
/// \file fan.h
/// \brief The imaging plane of a probe held at a pose on the skin, and what it can see: each scan
/// line is followed into the body from the probe face until it meets bone or gas (ribs, lung,
/// bowel gas reflect nearly all the sound: behind them lies an acoustic shadow) or reaches the
/// probe's imaging depth. A point is visible when it lies in the plane (within half the beam's
/// slice thickness), inside the fan, and before its scan line's first obstacle. The model is
/// geometric (a ray per scan line, no attenuation, no refraction), in the spirit of acoustic-window
/// planning from CT (Goebl et al., IJCARS 2017, doi 10.1007/s11548-017-1551-3).
///
/// Frames and units: every point and direction is DICOM patient LPS, mm; angles in degrees.

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"
#include "rfa/ultrasound/probe.h"

namespace rfa::ultrasound {

/// \brief Where the probe is: the centre of its face on the skin, the beam axis into the body and
/// the in-plane direction across the face (both unit, perpendicular).
struct ProbePose {
  Vec3 contact_lps{0, 0, 0};
  Vec3 axial{0, 1, 0};    ///< into the body
  Vec3 lateral{0, 0, 1};  ///< across the face, in the imaging plane
  /// The plane's normal (elevation): axial x lateral.
  [[nodiscard]] Vec3 elevation() const { return axial.cross(lateral); }
};

/// \brief What blocks the sound, on a CT (Hounsfield units) with optional masks on its grid.
struct AcousticMedium {
  const ImageVolume* ct = nullptr;  ///< required
  const Mask* bone = nullptr;       ///< bone voxels block (besides HU >= bone_hu)
  const Mask* gas = nullptr;        ///< e.g. the lung mask: blocks (besides HU <= gas_hu)
  double bone_hu = 300;             ///< at or above: bone (cortical rib); an rfaplan model choice
  double gas_hu = -300;  ///< at or below, inside the body: gas (lung, bowel); model choice
  /// Air under the probe face before the first tissue sample is skipped for this long (the skin
  /// surface is only voxel-accurate); a scan line that finds no tissue in it sees nothing.
  double skin_search_mm = 6;
};

enum class Blocker { kNone, kBone, kGas, kNoContact };

/// \brief One scan line: where it starts and goes, and how deep it sees.
struct ScanLine {
  Vec3 start_lps;       ///< on the probe face
  Vec3 direction;       ///< unit, into the body
  double clear_mm = 0;  ///< depth from the face reached before the blocker (<= the probe's depth)
  Blocker blocker = Blocker::kNone;  ///< kNone: imaging depth or the CT's edge reached
};

enum class PointView { kVisible, kShadowed, kOutsideFan, kOutOfPlane };

/// \brief The fan of `probe` at `pose`, its scan lines traced through `medium` (every 0.25
/// degree for a curvilinear probe, every 0.25 mm for a linear one, 0.5 mm samples, nearest
/// voxel).
class Fan {
 public:
  /// \throws UsageError for a null CT or a pose whose axial and lateral are not unit and
  /// perpendicular (1e-6).
  Fan(const AcousticMedium& medium, const ProbeModel& probe, const ProbePose& pose);

  [[nodiscard]] const std::vector<ScanLine>& lines() const { return lines_; }
  [[nodiscard]] const ProbePose& pose() const { return pose_; }
  [[nodiscard]] const ProbeModel& probe() const { return probe_; }

  /// \brief How `p` (LPS mm) shows: out of the plane (farther than half the slice thickness),
  /// outside the fan (beside the aperture, above the face or beyond the imaging depth), shadowed
  /// (behind its scan line's blocker) or visible. `line`, when given, receives the scan line
  /// through `p` (null outside the aperture or out of the plane).
  [[nodiscard]] PointView classify(const Vec3& p, const ScanLine** line = nullptr) const;
  /// Depth of `p` below the probe face along its scan line, mm (negative above the face).
  [[nodiscard]] double depthMm(const Vec3& p) const;

 private:
  /// Index of the scan line through `p` and its depth; nullopt outside the aperture.
  [[nodiscard]] std::optional<std::size_t> lineOf(const Vec3& p, double& depth) const;

  ProbeModel probe_;
  ProbePose pose_;
  std::vector<ScanLine> lines_;
  double step_ = 0.25;  ///< between lines: degrees (curvilinear) or mm (linear)
};

/// \brief What a fan shows of a lesion and a needle path.
struct WindowView {
  std::size_t lesion_points = 0;  ///< lesion voxels in the plane (within the slice thickness)
  double lesion_visible = 0;      ///< fraction of those visible (0 when none in the plane)
  double needle_visible = 0;      ///< fraction of the needle path (entry -> tip) visible
  double lesion_depth_mm = 0;     ///< mean depth of the lesion's visible points (0: none)
  Blocker main_blocker = Blocker::kNone;  ///< of the lesion's shadowed points, the most common
};

/// \brief The lesion `label` of `lesions` (on the CT's grid) and the needle entry -> tip (sampled
/// every 0.5 mm) as the fan shows them.
WindowView viewOf(const Fan& fan, const LabelMap& lesions, int label,
                  const std::optional<std::array<Vec3, 2>>& needle_lps = std::nullopt);

/// \brief The same for a lesion given as its voxel centres (lesionPoints()), for many fans.
WindowView viewOf(const Fan& fan, const std::vector<Vec3>& lesion_points_lps,
                  const std::optional<std::array<Vec3, 2>>& needle_lps = std::nullopt);

/// The voxel centres (LPS mm) of label `label` of `lesions`.
std::vector<Vec3> lesionPoints(const LabelMap& lesions, int label);

}  // namespace rfa::ultrasound
