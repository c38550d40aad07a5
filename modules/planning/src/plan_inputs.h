#pragma once
// Checks of the plan builder's inputs shared by planLesions()/confirmLesions() (plan_lesions.cpp)
// and the hand-moved needle (placement_edit.cpp). Not public API.
#include <string>

#include "rfa/planning/plan_builder.h"

namespace rfa::planning::detail {

/// \brief Body, liver and lesion maps present and every given map on the body mask's grid; the
/// electrode catalog and the preview calibrations present. `what` starts the messages ("plan",
/// "placement edit"). \throws NoDataError for a missing map or equipment; GeometryError naming
/// the volume and both grids.
void requireAnatomyAndEquipment(const PlanAnatomy& anatomy, const PlanEquipment& equipment,
                                const std::string& what);

}  // namespace rfa::planning::detail
