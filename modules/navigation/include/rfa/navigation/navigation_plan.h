#pragma once
/// \file navigation_plan.h
/// \brief A saved treatment plan as a navigation system needs it: the needle paths (skin entry,
/// tip), the lesion targets and the triangulated surfaces of the plan's structures. Research use
/// only: a planning aid, never a clinical decision or a guidance system.
///
/// Everything is taken from what the DICOM exports use, nothing is re-derived: the plan, its image
/// and segmentation from planning::loadPlanCase (the series is checked to be the one planned), the
/// structures from dicomexport::planRois (names, colours: "Liver", "GTV L<id> S<s>", "GTV L<id>
/// +<m>mm", "Zone L<id> S<s> #<n>", "Needle L<id> S<s> #<n>"). Surfaces by maskSurface().
///
/// Frames and units: every point here is DICOM patient LPS in millimetres, exactly the values of
/// plan.json. Frame::kRas exists only for the OpenIGTLink messages (3D Slicer's OpenIGTLinkIF reads
/// every message as RAS): see frameName() and igtl_messages.h.

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/dicomexport/roi.h"
#include "rfa/navigation/surface.h"
#include "rfa/planning/plan.h"

namespace rfa::navigation {

/// \brief The frame the coordinates of OpenIGTLink messages are sent in.
enum class Frame {
  kLps,  ///< DICOM patient LPS mm: the values of plan.json, unchanged (default)
  kRas,  ///< RAS mm: x and y negated (core/points.h lpsToRas), what 3D Slicer's OpenIGTLinkIF
         ///< expects
};

/// \brief "LPS" or "RAS": the suffix of every OpenIGTLink device name.
const char* frameName(Frame frame);

/// \brief The frame named `text` ("lps" or "ras", any case). \throws UsageError naming the value.
Frame parseFrame(std::string_view text);

/// \brief `lps` in `frame` (unchanged for kLps, x and y negated for kRas). mm.
Vec3 toFrame(const Vec3& lps, Frame frame);

/// \brief One planned needle: the RTSTRUCT's "Needle L<id> S<s> #<n>" ROI.
struct NavigationNeedle {
  std::string name;  ///< "Needle L1 S1 #1"
  int lesion_id = 0;
  int session = 0;    ///< 0: not scheduled
  int placement = 0;  ///< 1-based placement of the lesion
  std::string electrode;
  std::string protocol;
  Vec3 entry_lps{0, 0, 0};                      ///< skin entry, LPS mm (plan.json "entry_lps")
  Vec3 tip_lps{0, 0, 0};                        ///< electrode tip, LPS mm (plan.json "tip_lps")
  std::array<std::uint8_t, 3> colour{0, 0, 0};  ///< dicomexport::sessionColour(session)
};

/// \brief One lesion to reach: its centroid.
struct NavigationTarget {
  std::string name;  ///< "Target L1 S1" ("S-": not scheduled)
  int lesion_id = 0;
  int session = 0;
  Vec3 centre_lps{0, 0, 0};                     ///< plan.json "centroid_lps", LPS mm
  double diameter_mm = 0;                       ///< longest 3D diameter
  std::array<std::uint8_t, 3> colour{0, 0, 0};  ///< dicomexport::kLesionColour
};

/// \brief One structure of the plan as a surface.
struct NavigationStructure {
  std::string name;  ///< the ROI name of dicomexport::planRois ("Liver", "GTV L1 S1", ...)
  dicomexport::RoiRole role = dicomexport::RoiRole::kOther;
  std::array<std::uint8_t, 3> colour{0, 0, 0};
  std::size_t voxels = 0;  ///< of its mask
  TriangleMesh mesh;       ///< LPS mm
};

/// \brief What goes to the navigation system.
struct NavigationPlan {
  std::filesystem::path plan_file;
  int revision = 0;
  std::string series_instance_uid;              ///< of the planned series
  std::string frame_of_reference_uid;           ///< the frame every LPS point is in
  std::vector<NavigationNeedle> needles;        ///< in planRois order (lesion id, placement)
  std::vector<NavigationTarget> targets;        ///< one per lesion exported, by id
  std::vector<NavigationStructure> structures;  ///< liver, then per lesion: GTV, margin, zones
  std::vector<std::string> notes;               ///< loader warnings
};

/// \brief Which part of the plan, and overrides of the recorded inputs (planning::PlanCaseOptions).
struct NavigationOptions {
  int session = 0;  ///< 0: every session; N: the lesions of session N (the liver always)
  std::filesystem::path series;        ///< "": as the plan records it
  std::filesystem::path segmentation;  ///< "": as the plan records it
  /// Called with each loader note as soon as the plan is loaded (also in NavigationPlan::notes).
  std::function<void(const std::string&)> on_loader_note;
};

/// \brief The navigation content of `plan` from its ROIs (dicomexport::planRois of the same
/// plan): needles from the needle ROIs, targets from the lesion ROIs (centroids from the plan),
/// a surface per volumetric ROI. \throws NoDataError when a needle ROI has not two points or a
/// lesion ROI's id is not in the plan.
NavigationPlan navigationPlanOf(const planning::TreatmentPlan& plan,
                                const std::vector<dicomexport::Roi>& rois);

/// \brief Loads `plan_file` with its image and segmentation (planning::loadPlanCase), makes its
/// ROIs (dicomexport::planRois) and returns navigationPlanOf() them.
/// \throws what planning::loadPlanCase throws (NotFoundError naming the plan file when it does not
/// exist, CorruptDataError, SelectionError, GeometryError), UsageError for a session the plan
/// does not have, NoDataError.
NavigationPlan loadNavigationPlan(const std::filesystem::path& plan_file,
                                  const NavigationOptions& options = {});

}  // namespace rfa::navigation
