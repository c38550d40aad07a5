#pragma once
/// \file placement_edit.h
/// \brief A needle of a plan moved by hand: the radiologist drags a needle's tip or skin entry in
/// a slice view with the ablation-zone preview following live, then drops it. The preview is fast
/// and changes nothing; applying it updates the plan. Research use only: a planning aid, never a
/// clinical decision.
///
/// Frames and units as in plan.h: points DICOM patient LPS mm, directions unit LPS vectors,
/// margins mm, volumes mL.
///
/// The moved needle is the line through the given skin entry and tip; the needle enters where
/// that line, followed back from the tip, leaves the body (as TrajectoryPlanner::checkNeedle()
/// finds it): PlanPlacement::entry_lps is that skin point (the dragged entry handle snaps to the
/// skin) and path_length_mm the distance from it to the tip. The path is checked against the hard
/// constraints of the plan builder's needle check (trajectory.h; every shaft of the electrode,
/// each no longer than the electrode's shaft), with the profile's access window and vessel safety
/// and the default TrajectoryOptions otherwise, and, beyond the builder, that every shaft tip lies
/// in the liver. Every broken constraint is reported (the builder stops at the first).
///
/// The preview margins are those planLesions() reports: the lesion's MarginEvaluator on the image
/// grid with the profile's margins and the default MarginOptions::crop_pad_mm, against the preview
/// zones of all of the lesion's placements; the ablated volume is unionVolumeMl() of those zones
/// at the spacing of the builder's default placement search (the image's smallest spacing, at
/// least PlanBuildOptions::search_spacing_mm by default).

#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/planning/plan.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_check.h"
#include "rfa/planning/profile.h"

namespace rfa::planning {

/// A needle of a plan moved by hand (LPS mm).
struct PlacementEdit {
  int lesion_id = 0;
  int placement = 0;  ///< 0-based index in PlanLesion::placements
  Vec3 tip_lps{0, 0, 0};
  Vec3 entry_lps{0, 0, 0};  ///< skin entry; the direction is entry -> tip
};

/// What the lesion would look like with the needle there.
struct PlacementEditResult {
  /// The moved placement: its electrode and protocol, the new tip, the direction entry -> tip,
  /// the skin entry and path length (file comment) and the preview zone at the new pose
  /// (thermal::previewZone with the placement's electrode/protocol calibration).
  PlanPlacement placement;
  /// The lesion's preview margins with all its placements (this one moved), computed as
  /// planLesions() reports them (file comment).
  PlanMargins preview;
  /// Hard path constraints the moved needle breaks, in words with numbers (tip outside the body or
  /// the liver, entry facing backwards or outside the craniocaudal window, longer than the
  /// electrode's shaft, skin angle, leaves the body, crosses bone/lung/gallbladder, passes within
  /// vessel_safety of a large vessel); empty = allowed.
  std::vector<std::string> path_problems;
};

/// \brief What the lesion would look like with the needle moved: fast, no change to the plan (for
/// live dragging). Works on the neighbourhood of the lesion and of the needle only.
/// \throws NotFoundError for an unknown lesion id or placement index, an electrode that is not in
/// the catalog or an electrode/protocol without a preview calibration; UsageError when the tip
/// equals the entry or a point is not finite; NoDataError when the body, liver or lesion map,
/// the catalog or the calibrations are missing, or the lesion map holds no voxel of the lesion;
/// GeometryError when the anatomy volumes are not on one grid.
PlacementEditResult previewPlacementEdit(const TreatmentPlan& plan, const PlanAnatomy& anatomy,
                                         const ProtocolProfile& profile,
                                         const PlanEquipment& equipment, const PlacementEdit& edit);

/// \brief Applies the edit: the placement is replaced by the preview's placement and the lesion's
/// preview margins by the preview's; its bioheat confirmation is removed (it was for the old
/// pose; settings.confirmed is kept), and so is its targeting uncertainty (stale); its flag is
/// recomputed from the new preview margin as planLesions() sets it for a preview result ("none"
/// when the minimum margin is reached, else "vessel" when a large vessel lies within minimum
/// margin + one voxel of the lesion's worst voxel, otherwise "too large", with the margin in the
/// reason). The lesion's session gets its ablated volume, liver fraction and "ablated volume ..."
/// reason recomputed and its review_status reset to "" (the board must review it again); the
/// cumulative totals, the notes on flagged scheduled lesions and fits_profile are recomputed as
/// moveLesionToSession() does. The edit is made even when a rule breaks (a human decision).
/// \returns validatePlan(plan, profile) of the edited plan plus one warning per path problem
/// (where: "lesions[i].placements[j]").
/// \throws as previewPlacementEdit(), leaving `plan` unchanged.
std::vector<PlanProblem> applyPlacementEdit(TreatmentPlan& plan, const PlanAnatomy& anatomy,
                                            const ProtocolProfile& profile,
                                            const PlanEquipment& equipment,
                                            const PlacementEdit& edit);

}  // namespace rfa::planning
