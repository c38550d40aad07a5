// The plan's needles and targets as 3D Slicer Markups JSON (markups.h).
#include "rfa/navigation/markups.h"

#include <nlohmann/json.hpp>

#include "rfa/core/atomic_file.h"
#include "rfa/dicomexport/plan_rois.h"

namespace rfa::navigation {
namespace {

using nlohmann::json;

json position(const Vec3& p) {
  return json::array({p.x(), p.y(), p.z()});
}

json colour(const std::array<std::uint8_t, 3>& c) {
  return json::array({c[0] / 255.0, c[1] / 255.0, c[2] / 255.0});
}

json controlPoint(int id, const std::string& label, const std::string& description,
                  const Vec3& lps) {
  return json{{"id", std::to_string(id)},
              {"label", label},
              {"description", description},
              {"associatedNodeID", ""},
              {"position", position(lps)},
              // Slicer's identity orientation written in an LPS file.
              {"orientation", json::array({-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0})},
              {"selected", true},
              {"locked", true},
              {"visibility", true},
              {"positionStatus", "defined"}};
}

json display(const std::array<std::uint8_t, 3>& c) {
  return json{{"visibility", true},
              {"opacity", 1.0},
              {"color", colour(c)},
              {"selectedColor", colour(c)},
              {"propertiesLabelVisibility", true},
              {"pointLabelsVisibility", true},
              {"textScale", 3.0},
              {"glyphType", "Sphere3D"},
              {"glyphScale", 1.5},
              {"glyphSize", 5.0},
              {"useGlyphScale", true},
              {"lineThickness", 0.2}};
}

json markup(const char* type, const std::string& name, const std::string& description, json points,
            bool fixed, const std::array<std::uint8_t, 3>& c) {
  const auto n = static_cast<int>(points.size());
  return json{{"type", type},
              {"name", name},
              {"description", description},
              {"coordinateSystem", "LPS"},
              {"coordinateUnits", "mm"},
              {"locked", true},
              {"fixedNumberOfControlPoints", fixed},
              {"labelFormat", "%N-%d"},
              {"lastUsedControlPointNumber", n},
              {"controlPoints", std::move(points)},
              {"measurements", json::array()},
              {"display", display(c)}};
}

}  // namespace

std::string markupsJson(const NavigationPlan& plan) {
  json markups = json::array();
  for (const NavigationNeedle& n : plan.needles) {
    json points = json::array({controlPoint(1, n.name + " entry", "skin entry", n.entry_lps),
                               controlPoint(2, n.name + " tip", "electrode tip", n.tip_lps)});
    std::string description = "planned needle path, skin entry to tip";
    if (!n.electrode.empty()) description += ", " + n.electrode;
    if (!n.protocol.empty()) description += " " + n.protocol;
    description += "; rfaplan, research use only";
    markups.push_back(markup("Line", n.name, description, std::move(points), true, n.colour));
  }
  json targets = json::array();
  int id = 1;
  for (const NavigationTarget& t : plan.targets) {
    targets.push_back(controlPoint(
        id++, t.name, "lesion " + std::to_string(t.lesion_id) + " centroid", t.centre_lps));
  }
  markups.push_back(markup("Fiducial", "Targets",
                           "lesion centroids of the plan; rfaplan, research use only",
                           std::move(targets), false, dicomexport::kLesionColour));
  const json doc{{"@schema", kMarkupsSchema}, {"markups", std::move(markups)}};
  return doc.dump(2) + "\n";
}

void writeMarkupsFile(const std::filesystem::path& file, const NavigationPlan& plan) {
  writeFileAtomically(file, markupsJson(plan));
}

}  // namespace rfa::navigation
