#pragma once
/// \file electrode.h
/// \brief RF electrodes and their generator protocols, read from JSON files in
/// resources/electrodes/, and their placement (a needle pose) on a simulation grid.
///
/// Frames and units: a NeedlePose is in DICOM patient LPS millimetres; electrode dimensions are in
/// mm, powers in W, times in s, temperatures in C. The needle frame has its origin at the tip and
/// its axis w = the unit insertion direction (from the skin entry towards the tip); u and v
/// complete a right-handed orthonormal frame (u = normalise(w x e) with e the LPS axis least
/// aligned with w, v = w x u). Shaft offsets are (u, v) coordinates in that frame.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"

namespace rfa::thermal {

/// One straight needle of an electrode (a cluster has three).
struct Shaft {
  double offset_u_mm = 0;  ///< lateral offset of this shaft's axis in the needle frame
  double offset_v_mm = 0;
  double active_length_mm = 30;  ///< exposed (uninsulated) length, ending at the tip; 0 for the
                                 ///< insulated cannula of a tine electrode
  double diameter_mm = 1.5;      ///< 17 gauge = 1.47 mm
};

/// Deployable tines (multi-tine expandable electrode), leaving the cannula at its tip.
struct Tines {
  int count = 10;
  double deployed_diameter_mm = 40;  ///< array diameter when fully deployed
  double diameter_mm = 0.5;
  /// Tines curve back towards the handle (LeVeen umbrella) when true, forwards (StarBurst) when
  /// false; each tine is modelled as a circular arc from the tip to its end point at radius
  /// deployed_diameter/2, 0.3 x deployed_diameter behind the tip (recurved) or 0.5 x ahead of it
  /// (forward), tangent to w there (resources/electrodes/README.md).
  bool recurved = true;
};

/// A point of a piecewise-linear power curve.
struct PowerPoint {
  double time_s = 0;
  double power_w = 0;
};

/// Generator behaviour on a roll-off (impedance rise from tissue desiccation).
struct RollOff {
  double impedance_rise_ohm = 30;  ///< roll-off when impedance exceeds its minimum by this
  double pause_s = 15;             ///< power off for this long
  double resume_fraction = 0.5;    ///< then this fraction of the scheduled power
};

struct Protocol {
  std::string name;
  double duration_s = 720;
  std::vector<PowerPoint> power;  ///< >= 1 point, times ascending; held after the last point
  std::optional<RollOff> rolloff;
  std::string source;  ///< citation of the protocol

  /// Scheduled power at time t (linear interpolation, held outside the points).
  [[nodiscard]] double powerAt(double t_s) const;
};

struct Electrode {
  std::string name;  ///< key used on the command line, e.g. "cooltip-3cm"
  std::string description;
  std::vector<std::string> sources;  ///< citations
  std::vector<Shaft> shafts;         ///< >= 1
  std::optional<Tines> tines;
  bool cooled = false;
  double coolant_temperature_c = 20;  ///< electrode surface temperature when cooled
  double shaft_length_mm = 150;       ///< usable needle length (path length limit)
  std::vector<Protocol> protocols;    ///< >= 1; the first is the default

  /// \throws NotFoundError naming the protocol and the available ones.
  [[nodiscard]] const Protocol& protocol(const std::string& name) const;
};

/// \brief All electrodes of a folder (every *.json in it, sorted by file name).
struct ElectrodeCatalog {
  std::vector<Electrode> electrodes;
  /// \throws NotFoundError "unknown electrode 'x' (available: a, b, ...)".
  [[nodiscard]] const Electrode& find(const std::string& name) const;
};

/// \brief Reads one electrode file. \throws CorruptDataError naming the file and the field
/// (missing, wrong type, unknown key, out of range: lengths > 0 (a shaft's active length may be 0
/// when tines carry the current), powers >= 0 with one > 0, times >= 0 and non-decreasing).
/// \throws NotFoundError when the file cannot be opened.
Electrode readElectrodeFile(const std::filesystem::path& file);

/// \brief Reads every *.json of `dir`. \throws NotFoundError when `dir` does not exist or holds no
/// electrode; CorruptDataError as readElectrodeFile(); CorruptDataError on duplicate names.
ElectrodeCatalog loadElectrodeCatalog(const std::filesystem::path& dir);

/// \brief resources/electrodes: $RFA_RESOURCES/electrodes if that variable is set, else the
/// source tree's resources (build tree use), else the installed share/rfaplan/resources.
std::filesystem::path defaultElectrodeDir();

/// \brief Where the needle is: tip and insertion direction in LPS mm (direction need not be unit).
struct NeedlePose {
  Vec3 tip_lps{0, 0, 0};
  Vec3 direction_lps{0, 0, 1};
};

/// \brief Orthonormal needle frame (u, v, w) of `pose` (see file comment).
/// \throws GeometryError when the direction has zero length.
Mat3 needleFrame(const NeedlePose& pose);

/// \brief Voxels of `grid` in electrical contact with the tissue: each shaft's active part (a
/// cylinder of its diameter from the tip back along -w, its offset applied) and the tines. A
/// conductor thinner than the grid still marks the voxels its centre line passes through (nearest
/// voxel every 0.25 x the smallest spacing), so that every electrode has at least a line of voxels.
/// \throws GeometryError when no active voxel lies inside the grid.
Mask rasterizeActivePart(const Electrode& electrode, const NeedlePose& pose,
                         const ImageGeometry& grid);

}  // namespace rfa::thermal
