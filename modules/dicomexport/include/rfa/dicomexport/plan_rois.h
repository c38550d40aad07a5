#pragma once
/// \file plan_rois.h
/// \brief The regions of interest of a plan, on its image grid (LPS mm): what the RTSTRUCT, the
/// SEG and the report show.
///
///  - "Liver" (ORGAN);
///  - per lesion: "GTV L<id> S<session>" (GTV; "S-" when not scheduled), the lesion mask;
///  - "GTV L<id> +<m>mm" (PTV): the lesion grown by the minimum margin m of the plan (exact
///    Euclidean distance between voxel centres <= m);
///  - per placement n: "Zone L<id> S<s> #<n>" (TREATED_VOLUME): the placement's preview
///    ellipsoid (rasterised at voxel centres) — the zone the plan shows; the bioheat confirmation
///    is summarised in the plan, its zones are not stored;
///  - per placement n: "Needle L<id> S<s> #<n>": skin entry then tip (no interpreted type: the
///    RT ROI types have none for an applicator path); for a cluster electrode, its axis.
/// Colours: liver brown, lesions yellow, margins orange, zones and needles by session (1 green,
/// 2 blue, 3 magenta, unscheduled grey).

#include <array>
#include <cstdint>
#include <vector>

#include "rfa/dicomexport/roi.h"
#include "rfa/planning/plan.h"

namespace rfa::dicomexport {

/// \brief Display colours of the plan's ROIs (sRGB), shared with the report's pictures.
using RoiColour = std::array<std::uint8_t, 3>;
inline constexpr RoiColour kLiverColour{221, 130, 101};
inline constexpr RoiColour kLesionColour{255, 220, 40};
inline constexpr RoiColour kMarginColour{255, 150, 30};
/// \brief Zones and needles of session 1 green, 2 blue, 3 magenta, any other (unscheduled) grey.
RoiColour sessionColour(int session);

/// \brief Which ROIs to make.
struct PlanRoiOptions {
  int session = 0;  ///< 0: every lesion; N: the lesions of session N only (the liver always)
  bool liver = true;
  bool lesions = true;
  bool margins = true;
  bool zones = true;
  bool needles = true;
};

/// \brief The ROIs of `plan` on the grid of `liver` (numbered from 1 in the order above, per lesion
/// by id). \throws UsageError when `options.session` is not a session of the plan;
/// GeometryError when `lesions` is not on the grid of `liver`; NoDataError naming the lesion
/// when a planned lesion id has no voxel in `lesions`.
std::vector<Roi> planRois(const planning::TreatmentPlan& plan, const Mask& liver,
                          const LabelMap& lesions, const PlanRoiOptions& options = {});

}  // namespace rfa::dicomexport
