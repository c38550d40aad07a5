#pragma once
/// \file probe.h
/// \brief Ultrasound probe models: the geometry of the imaging plane a probe sees (a curvilinear
/// fan or a linear rectangle), its imaging depth and the thickness of its beam across the plane
/// (elevation), read from resources/probes/<name>.json. Units: mm, degrees, MHz.

#include <filesystem>
#include <string>

namespace rfa::ultrasound {

enum class ProbeKind { kCurvilinear, kLinear };

/// \brief A probe. Curvilinear: a convex face of radius `radius_mm` whose scan lines fan out over
/// `aperture_deg` from the centre of curvature; linear: parallel scan lines over `width_mm`.
struct ProbeModel {
  std::string name;
  ProbeKind kind = ProbeKind::kCurvilinear;
  double radius_mm = 50;          ///< curvilinear: radius of the face (> 0)
  double aperture_deg = 70;       ///< curvilinear: field-of-view angle, in (0, 180)
  double width_mm = 40;           ///< linear: face width (> 0)
  double depth_mm = 200;          ///< imaging depth from the face (> 0)
  double slice_thickness_mm = 4;  ///< beam width across the plane (elevation), > 0
  double frequency_mhz = 3.5;     ///< centre frequency (> 0)
  std::string source;             ///< where the numbers come from
};

/// \brief Reads a probe JSON file: {"name", "kind": "curvilinear"|"linear", "radius_mm",
/// "aperture_deg" (curvilinear), "width_mm" (linear), "depth_mm", "slice_thickness_mm",
/// "frequency_mhz", "source"}. \throws NotFoundError when it cannot be opened; CorruptDataError
/// naming the file and member for invalid JSON, a missing member or a value out of range.
ProbeModel readProbeFile(const std::filesystem::path& file);

/// The folder of the shipped probes: $RFA_RESOURCES/probes, else the source tree's
/// resources/probes, else the installed one.
std::filesystem::path defaultProbeDir();

/// The probe the planner and the views use unless told otherwise (a convex abdominal probe).
inline constexpr const char* kDefaultProbe = "curvilinear-abdominal";

/// \brief readProbeFile(defaultProbeDir() / (name + ".json")). \throws as readProbeFile()
/// (NotFoundError names the probes available).
ProbeModel loadProbe(const std::string& name);

}  // namespace rfa::ultrasound
