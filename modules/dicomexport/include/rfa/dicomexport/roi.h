#pragma once
/// \file roi.h
/// \brief A region of interest as it leaves rfaplan (RT Structure Set ROI, SEG segment) or comes
/// back (an imported RTSTRUCT ROI): a name, what it is, a colour and either a label mask on the
/// source series' grid or a polyline (needle paths). Coordinates are DICOM patient LPS in mm.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"

namespace rfa::dicomexport {

/// \brief A coded concept (DICOM Code Sequence item): value, scheme designator, meaning.
struct CodedConcept {
  std::string value;    ///< CodeValue (0008,0100), e.g. "10200004"
  std::string scheme;   ///< CodingSchemeDesignator (0008,0102), e.g. "SCT", or "99RFAPLAN"
  std::string meaning;  ///< CodeMeaning (0008,0104), e.g. "Liver"
};

/// \brief What a region is in the plan.
enum class RoiRole {
  kLiver,         ///< the liver (parenchyma with lesions and vessels inside)
  kLesion,        ///< a lesion (gross tumour volume)
  kLesionMargin,  ///< a lesion grown by the profile's minimum ablative margin
  kAblationZone,  ///< one planned ablation (the preview zone of one placement)
  kNeedle,        ///< a needle path: a two-point polyline, skin entry then tip
  kOther,         ///< an imported ROI of another system
};

/// \brief One region of interest.
struct Roi {
  int number = 0;           ///< ROI Number (3006,0022): 1.. unique in a structure set
  std::string name;         ///< ROI Name (3006,0026), <= 64 characters, e.g. "GTV L3 S1"
  std::string description;  ///< ROI Description (3006,0028), <= 64 characters
  RoiRole role = RoiRole::kOther;
  /// RT ROI Interpreted Type (3006,00A4): ORGAN, GTV, PTV, TREATED_VOLUME, MARKER, ...
  std::string interpreted_type;
  std::array<std::uint8_t, 3> colour{255, 0, 0};  ///< ROI Display Color / SEG colour (sRGB)
  CodedConcept category;       ///< SEG Segmented Property Category (empty value: not for SEG)
  CodedConcept type;           ///< SEG Segmented Property Type
  int lesion_id = 0;           ///< the plan's lesion id (0: not a lesion's ROI)
  int session = 0;             ///< the plan's session (0: none)
  int placement = 0;           ///< 1-based placement of the lesion (ablation zones and needles)
  std::optional<Mask> mask;    ///< volumetric ROIs: 0/1 on the source series' grid
  std::vector<Vec3> line_lps;  ///< needle ROIs: skin entry then tip, LPS mm
};

}  // namespace rfa::dicomexport
