#pragma once
// The shared machinery of the plan builder's stages (plan_builder.h): validated inputs, the
// trajectory planner, the electrodes with their preview models and the lesion measurements, and
// the per-lesion search and bioheat confirmation. Internal; LPS mm throughout.
#include <memory>
#include <string>
#include <vector>

#include "rfa/planning/plan_builder.h"
#include "rfa/segmentation/measurements.h"

namespace rfa::planning::detail {

class PlanContext {
 public:
  /// \throws as planLesions() (plan_builder.h).
  PlanContext(const PlanAnatomy& anatomy, const ProtocolProfile& profile,
              const PlanEquipment& equipment, const PlanBuildOptions& options);

  [[nodiscard]] const std::vector<segmentation::LesionMeasurement>& lesions() const {
    return measured_;
  }
  /// The measurement of lesion `id`. \throws NotFoundError when the map has no such lesion.
  [[nodiscard]] const segmentation::LesionMeasurement& lesion(int id) const;
  [[nodiscard]] double liverVolumeMl() const { return liver_volume_ml_; }
  /// The plan settings these inputs give (profile, electrodes, margins, ...).
  [[nodiscard]] PlanSettings settings() const;

  /// \brief Stage 1 for one lesion: trajectories, the placement search aiming at a minimal margin
  /// of `demanded_margin_mm` (>= the profile's minimum; more when a confirmation fell short), the
  /// electrode choice and the uncertainty; preview figures and flags against the profile's
  /// margins.
  [[nodiscard]] PlanLesion planLesion(const segmentation::LesionMeasurement& m,
                                      double demanded_margin_mm) const;

  /// \brief Stage 2 for one lesion: simulates its placements, stores the confirmation, and flags
  /// a lesion whose preview met the minimum margin but whose simulation does not. Returns true
  /// when it set such a flag (a refinement may help).
  bool confirm(PlanLesion& lesion) const;

 private:
  /// The lesion and large vessels resampled (nearest) to >= search_spacing_mm around the lesion.
  struct SearchGrid {
    bool used = false;  ///< false: search on the image grid
    Mask lesion;
    Mask vessels;
  };
  [[nodiscard]] SearchGrid searchGrid(const segmentation::LesionMeasurement& m,
                                      const MarginOptions& margins) const;

  /// options_.uncertainty with the uncertainty sample count, the mean targeting error of
  /// `placements` (the guidance's figure for their directions: out of plane when any needle is,
  /// or the user's value; the in-plane figure for an empty list) and, for electrodes the caller
  /// left out of zone_size_cv, the spread their preview calibration records.
  [[nodiscard]] UncertaintyOptions uncertaintyOptions(
      const std::vector<Placement>& placements = {}) const;

  struct Tool {
    const thermal::Electrode* electrode;
    const thermal::PreviewCalibration* calibration;
  };
  PlanAnatomy anatomy_;
  const ProtocolProfile& profile_;
  PlanEquipment equipment_;
  const PlanBuildOptions& options_;
  std::vector<Tool> tools_;
  GuidanceModality guidance_;  ///< options.guidance or the profile's
  std::vector<segmentation::LesionMeasurement> measured_;
  double liver_volume_ml_ = 0;
  MarginOptions margins_;         ///< the profile's
  TrajectoryOptions trajectory_;  ///< options.trajectory with the profile's access window
  std::unique_ptr<TrajectoryPlanner> planner_;
  Mask large_vessels_;
};

}  // namespace rfa::planning::detail
