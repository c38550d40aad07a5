#pragma once
/// \file simulate_job.h
/// \brief The `rfaplan simulate` job as one library call: one RF ablation simulated at a needle
/// pose on an image (tissue from a segmentation folder, or homogeneous perfused liver), its
/// zone.json summary, and the output folder (zone, maximum temperature, damage on the simulation
/// grid). Research use only.
///
/// Frames and units: tip and direction in DICOM patient LPS, mm; the simulation grid is
/// axis-aligned in LPS (identity direction), centred on the electrode's active part; C, W, s, J,
/// mL.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "rfa/io/input.h"
#include "rfa/thermal/simulation.h"
#include "rfa/thermal/tissue_condition.h"

namespace rfa::workflow {

/// \brief What to simulate (the `rfaplan simulate` options).
struct SimulateRequest {
  std::string electrode;                ///< catalogue name, e.g. "cooltip-3cm"
  std::filesystem::path electrode_dir;  ///< empty: thermal::defaultElectrodeDir()
  std::string protocol;                 ///< empty: the electrode's first
  thermal::NeedlePose pose;             ///< tip and insertion direction, LPS
  /// Backend, zone criterion, spacing, margin, materials (of the tissue condition), power and
  /// duration overrides; `protocol` is set from the request.
  thermal::SimulationSettings settings;
  std::filesystem::path labels;  ///< a segmentation folder (tissue from labels); empty: liver
  thermal::TissueState tissue;   ///< recorded in zone.json
  std::string condition_name;    ///< the tissue condition as named by the user ("in-vivo")
  std::string zone_criterion;    ///< as named by the user ("arrhenius")
  std::string backend_name;      ///< as named by the user ("auto")
};

/// \brief A simulation and its zone.json document.
struct SimulateResult {
  thermal::SimulationResult result;
  std::string electrode;   ///< the electrode's name
  std::string protocol;    ///< the protocol simulated
  nlohmann::json summary;  ///< zone.json
};

/// \brief The checks simulateOnImage() makes first, for a front end that wants them before
/// loading the image: the electrode and protocol exist in the catalogue.
/// \throws NotFoundError / CorruptDataError naming the electrode, protocol or catalogue.
void checkSimulateRequest(const SimulateRequest& request);

/// \brief Simulates request on `image` (loaded from `input`, as given): the electrode and
/// protocol from the catalogue, the tip checked to lie in the image, the tissue on the simulation
/// grid (thermal::tissueFromLabels() of the folder's body, lung, bone, liver, lesions, vessels, or
/// thermal::homogeneousLiver()), thermal::simulateAblation(), and zone.json (input, image,
/// electrode, protocol, pose, settings, tissue condition and voxels per material, zone size,
/// energy, backend with any fallback, timings, grid, generator log).
/// \throws NotFoundError for an unknown electrode, protocol or labels folder; GeometryError when
/// the tip is outside the image (its LPS extent named); UnsupportedError when the GL backend was
/// asked and cannot run here; what simulateAblation() throws.
SimulateResult simulateOnImage(const io::LoadedImage& image, const std::string& input,
                               const SimulateRequest& request);

/// \brief Writes `dir`/zone.nrrd (uint8), temperature_max.nrrd (C), damage.nrrd (Arrhenius
/// Omega) and zone.json (atomically). \throws WriteError naming the file.
void writeSimulationFolder(const std::filesystem::path& dir, const SimulateResult& r);

}  // namespace rfa::workflow
