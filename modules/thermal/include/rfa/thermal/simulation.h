#pragma once
/// \file simulation.h
/// \brief An RF ablation simulated end to end: the tissue on a simulation grid around the
/// electrode, the electric potential and Joule heating scaled to the protocol's power, the bioheat
/// stepping on a backend, and the ablation zone with its measurements.
///
/// Frames and units: the simulation grid is axis-aligned in DICOM patient LPS, millimetres (its
/// direction matrix is the identity), centred on the electrode's active part; temperatures in C,
/// powers in W, times in s, volumes in mL.
///
/// Electric model: div(sigma(T) grad V) = 0 with the active part of the electrode at 1 V and the
/// faces of a box `potential_pad_mm` larger than the active part at 0 V (the ground pads are far
/// away compared with the zone, and the heating beyond that box is negligible: it falls as
/// 1/r^4); sigma(T) = sigma_37 (1 + c (T - 37)) below 100 C and x 0.01 above
/// (desiccation). The Joule heating q = sigma |grad V|^2 is scaled so that its total equals the
/// protocol's power at that time (the generator adjusts its voltage); the impedance is
/// V^2 / P of the 1 V solution. The potential is re-solved every `potential_interval_s` (warm
/// started) because sigma follows the temperature. Roll-off: when the impedance exceeds its
/// running minimum by the protocol's `impedance_rise_ohm`, the power is cut for `pause_s`, then
/// resumes at `resume_fraction` of the schedule.

#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/materials.h"

namespace rfa::thermal {

/// What counts as ablated.
enum class ZoneCriterion {
  kArrhenius,   ///< Omega >= 1 (default)
  kIsotherm50,  ///< T_max >= 50 C
  kIsotherm60,  ///< T_max >= 60 C
  kCem43,       ///< CEM43 >= 240 min
};

/// \brief Parses "arrhenius", "t50", "t60", "cem43". \throws UsageError (exit 2) naming the value
ZoneCriterion parseZoneCriterion(const std::string& s);

struct SimulationSettings {
  double spacing_mm = 1.0;  ///< isotropic simulation voxel
  double margin_mm = 30.0;  ///< box margin around the active part
  BackendChoice backend = BackendChoice::kAuto;
  double potential_interval_s = 5.0;  ///< sigma(T) re-solve period
  double potential_pad_mm = 15.0;     ///< potential box: active part bounding box + this
  double dt_s = 0;                    ///< 0 = 0.9 x the stability limit
  std::string protocol;               ///< empty = the electrode's first protocol
  std::optional<double> power_w;      ///< overrides the protocol: constant power
  std::optional<double> duration_s;   ///< overrides the protocol's duration
  ZoneCriterion zone = ZoneCriterion::kArrhenius;
  double vaporisation_c = 100.0;  ///< tissue temperature cap (HeatProblem::vaporisation_c)
  /// Cooled electrodes: the insulated shaft behind each active part (to the grid's edge) is
  /// chilled too, the saline running through the whole needle: held at the coolant temperature for
  /// the heat, an insulator for the current. False: only the active part is cooled.
  bool cool_shaft = true;
  MaterialTable materials = MaterialTable::defaults();
  DamageModel damage{};
};

/// \brief The tissue of a simulation: the grid (LPS, identity direction) and a Material per voxel.
struct TissueModel {
  Volume<std::uint8_t> material;
};

/// \brief Simulation grid for an electrode at `pose` (centred on its active part, cube of side
/// active extent + 2 margin, rounded to whole voxels).
ImageGeometry simulationGrid(const Electrode& electrode, const NeedlePose& pose,
                             const SimulationSettings& settings);

/// \brief Homogeneous perfused liver on `grid`.
TissueModel homogeneousLiver(const ImageGeometry& grid);

/// \brief Segmentation label maps (any grid; nearest-neighbour sampled onto `grid`). Masks may be
/// null (absent). Precedence: outside body or lung -> air; bone; vessel with radius_mm >=
/// `large_vessel_radius_mm` -> large vessel, with radius > 0 -> blood; lesion -> tumour; liver and
/// any other body voxel -> liver (generic perfused soft tissue). Without a body mask everything
/// not otherwise labelled is liver.
struct SegmentationLabels {
  const Mask* body = nullptr;
  const Mask* lung = nullptr;
  const Mask* bone = nullptr;
  const Mask* liver = nullptr;
  const LabelMap* lesions = nullptr;
  const ImageVolume* vessel_radius_mm = nullptr;
};
TissueModel tissueFromLabels(const ImageGeometry& grid, const SegmentationLabels& labels,
                             double large_vessel_radius_mm = 1.5);

/// A sample of the generator log.
struct GeneratorSample {
  double time_s = 0;
  double power_w = 0;
  double impedance_ohm = 0;
  bool rolled_off = false;
};

struct SimulationResult {
  ImageGeometry grid;
  ImageVolume temperature_max_c;
  ImageVolume damage_omega;
  ImageVolume cem43_min;
  Mask zone;
  std::string backend;          ///< name() of the backend used
  std::string fallback_reason;  ///< why GL was not used (kAuto), else empty
  double wall_seconds = 0;
  double simulated_seconds = 0;
  double dt_s = 0;
  int steps = 0;
  double energy_j = 0;  ///< delivered by the generator
  double zone_volume_ml = 0;
  double length_along_mm = 0;  ///< zone extent along the needle axis w
  double width_u_mm = 0;       ///< zone extent along u (through the axis)
  double width_v_mm = 0;       ///< zone extent along v
  double max_temperature_c = 0;
  std::vector<GeneratorSample> generator;  ///< one sample per potential solve
  int potential_solves = 0;
  int potential_iterations = 0;  ///< conjugate-gradient iterations, all solves
};

/// \brief Runs the simulation. `tissue` null = homogeneous liver on simulationGrid().
/// \throws GeometryError when the tip lies outside `tissue`'s grid or the electrode has no voxel
/// in it; UsageError (exit 2) when power or duration is <= 0; UnsupportedError
/// when the GL backend is asked for and cannot run.
SimulationResult simulateAblation(const Electrode& electrode, const NeedlePose& pose,
                                  const SimulationSettings& settings,
                                  const TissueModel* tissue = nullptr);

}  // namespace rfa::thermal
