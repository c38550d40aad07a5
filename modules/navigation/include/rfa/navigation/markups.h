#pragma once
/// \file markups.h
/// \brief The plan's needles and targets as a 3D Slicer Markups JSON file (.mrk.json, schema
/// markups-schema-v1.0.3: https://raw.githubusercontent.com/slicer/slicer/main/Modules/Loadable/
/// Markups/Resources/Schema/markups-schema-v1.0.3.json). Research use only.
///
/// One file, one "markups" array: a "Line" markup per needle, named as the RTSTRUCT names it
/// ("Needle L1 S1 #1"), with two control points, the skin entry then the tip; then one "Fiducial"
/// markup "Targets" with a control point per lesion centroid ("Target L1 S1"). Colours as the
/// DICOM exports (needles by session: dicomexport::sessionColour; targets kLesionColour), markups
/// locked. `"coordinateSystem": "LPS"`, `"coordinateUnits": "mm"` and every position exactly the
/// plan.json value (LPS mm, written with round-trip precision): Slicer converts LPS files to its
/// RAS world itself, so this file is LPS whatever frame the OpenIGTLink messages use. Slicer loads
/// each markup of the array as its own node.

#include <filesystem>
#include <string>

#include "rfa/navigation/navigation_plan.h"

namespace rfa::navigation {

/// \brief The schema id written as "@schema" (Slicer accepts any markups-schema-v1.x.y.json id).
inline constexpr const char* kMarkupsSchema =
    "https://raw.githubusercontent.com/slicer/slicer/main/Modules/Loadable/Markups/Resources/"
    "Schema/markups-schema-v1.0.3.json#";

/// \brief The Markups JSON document of `plan` (text, 2-space indented, ending in a newline).
/// Never throws for a valid plan.
std::string markupsJson(const NavigationPlan& plan);

/// \brief Writes markupsJson(plan) to `file` atomically (rfa/core/atomic_file.h).
/// \throws WriteError naming `file`.
void writeMarkupsFile(const std::filesystem::path& file, const NavigationPlan& plan);

}  // namespace rfa::navigation
