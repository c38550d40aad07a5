#pragma once
/// \file guidance.h
/// \brief Image guidance of the needle placement (ultrasound freehand, ultrasound-CT fusion,
/// CT-guided) and its published targeting error, as the margin Monte Carlo (coverage.h,
/// targetingUncertainty) uses it. The modalities and their citations are data:
/// resources/guidance/modalities.json. Research use only.
///
/// Units: errors in mm, angles in degrees; needle directions are unit vectors in DICOM patient LPS.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"

namespace rfa::planning {

/// What a published targeting error measures.
enum class ErrorMeasure {
  kEuclidean3d,  ///< 3D distance from the planned target to the needle tip
  kLateral2d,    ///< distance perpendicular to the needle (2D)
};

/// A published error: mean and standard deviation, mm.
struct ReportedError {
  double mean_mm = 0;
  double sd_mm = 0;
};

/// \brief One guidance modality and its cited targeting error.
struct GuidanceModality {
  std::string id;    ///< "ultrasound-freehand", "ultrasound-ct-fusion", "ct-guided"
  std::string name;  ///< for people
  ErrorMeasure measure = ErrorMeasure::kEuclidean3d;
  std::string condition;   ///< of the study: "in vivo" or "phantom"
  ReportedError in_plane;  ///< the needle in the imaging plane
  std::optional<ReportedError> out_of_plane;
  /// CT: a needle more than this angle off the axial plane is out of plane. None: the needle is
  /// always taken as in plane (ultrasound: every planned needle lies in a probe plane).
  std::optional<double> out_of_plane_above_deg;
  std::string source;  ///< citation
  std::string note;
};

/// \brief Mean 3D tip error (mm) of an isotropic 3D Gaussian with the per-axis sigma that gives
/// `reported` under `measure`: sigma = mean / (2 sqrt(2/pi)) for kEuclidean3d (the Maxwell mean;
/// returns `reported` unchanged), sigma = mean / sqrt(pi/2) for kLateral2d (the Rayleigh mean),
/// then 2 sigma sqrt(2/pi). \throws UsageError for a negative or non-finite value.
double meanError3dMm(double reported_mean_mm, ErrorMeasure measure);

/// \brief Whether a needle of direction `direction_lps` (unit, LPS) counts as out of the imaging
/// plane for `modality` (only a modality with out_of_plane_above_deg and out_of_plane can say yes).
bool outOfPlane(const GuidanceModality& modality, const Vec3& direction_lps);

/// \brief The modality's error for a needle of that direction (in plane or out of plane).
const ReportedError& errorFor(const GuidanceModality& modality, const Vec3& direction_lps);

/// \brief The default catalogue: resources/guidance/modalities.json ($RFA_RESOURCES/guidance when
/// set, the source tree, then the installed resources).
std::filesystem::path defaultGuidanceFile();

/// \brief Reads a modality catalogue ({"modalities": [...]}).
/// \throws NotFoundError when the file cannot be opened; CorruptDataError naming the file and the
/// member for invalid JSON, a missing or wrong member, an unknown measure, an error < 0, an
/// out_of_plane_above_deg without out_of_plane, or a repeated id.
std::vector<GuidanceModality> readGuidanceFile(const std::filesystem::path& file);

/// \brief The modality `id` of `catalogue`.
/// \throws NotFoundError "unknown guidance modality 'X' (available: ...)".
const GuidanceModality& findGuidance(const std::vector<GuidanceModality>& catalogue,
                                     const std::string& id);

/// \brief findGuidance(readGuidanceFile(defaultGuidanceFile()), id), by value.
GuidanceModality loadGuidance(const std::string& id);

/// "euclidean-3d" / "lateral-2d".
std::string toString(ErrorMeasure measure);

}  // namespace rfa::planning
