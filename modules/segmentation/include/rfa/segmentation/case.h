#pragma once
/// \file case.h
/// \brief Segmentation of a whole CT case, as `rfaplan segment`, `rfaplan plan` and the GUI run
/// it: body, lungs, bone, liver, liver vessels (with radius), lesions (from seeds and, optionally,
/// automatic candidates) and the per-lesion measurements. Research use only.
///
/// Frames and units: points are DICOM patient LPS in millimetres, lengths in mm, intensities in
/// HU, volumes in mL, times in seconds. Every volume of the result is on the grid of the CT (same
/// ImageGeometry).
///
/// Steps, in this order, all with default options:
///  1. segmentBody(), segmentLungs() and segmentBone() (body.h);
///  2. segmentLiver() with the liver seeds (liver.h), or the given liver mask;
///  3. segmentVessels() inside the liver mask (vessels.h);
///  4. one lesion per lesion seed, in the given order, by segmentLesionFromSeed() restricted to the
///     liver (lesion.h): seed n gets label n + 1; a voxel claimed by an earlier lesion keeps its
///     label;
///  5. with auto_lesions, detectLesionCandidates() in the liver (candidates.h), in its order
///     (decreasing score), minus the hyperdense ones lying mostly (>= half their voxels) in the
///     vessel mask: each candidate takes the next label and the voxels still unlabelled; a
///     candidate left with no voxel (the lesion was already segmented from a seed) is dropped and
///     does not use a label;
///  6. measureLesions() of the label map with the vessel radius map (measurements.h).

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/segmentation/liver.h"
#include "rfa/segmentation/measurements.h"
#include "rfa/segmentation/modality.h"
#include "rfa/segmentation/vessels.h"

namespace rfa::segmentation {

/// \brief Inputs of segmentCase() besides the CT.
struct CaseSegmentationOptions {
  std::vector<Vec3> liver_seeds_lps;   ///< points inside the liver, LPS mm (may be empty)
  std::vector<Vec3> lesion_seeds_lps;  ///< one point inside each lesion, LPS mm (may be empty)
  bool auto_lesions = false;           ///< also detect lesion candidates automatically (CT only)
  /// CT (HU) or MR (normalised first, modality.h): on MR the body and the liver are segmented and
  /// lesions from seeds (not validated on MR yet); lungs, bone and vessels are left empty (their
  /// steps are HU thresholds) and auto_lesions throws UnsupportedError.
  Modality modality = Modality::kCT;
  /// A liver segmented beforehand (e.g. by the multi-atlas method, rfa::atlas), 0/1 on the CT's
  /// grid: step 2 takes it instead of running segmentLiver() (the liver seeds are then unused);
  /// LiverSegmentation's intensity model is the mean and SD of the image inside it (normalised
  /// scale on MR), its window and seed are left 0 / the centroid.
  std::optional<Mask> liver_mask;
};

/// \brief How one lesion label of CaseSegmentation::lesions was obtained, and its measurements.
struct LesionRecord {
  int label = 0;            ///< its value in CaseSegmentation::lesions (1..65535)
  std::string source;       ///< "seed" (lesion_seeds_lps) or "automatic candidate"
  Vec3 seed_lps{0, 0, 0};   ///< the user's seed, or the candidate's deepest voxel, LPS mm
  bool hyperdense = false;  ///< brighter than its surrounding / the parenchyma
  /// Voxels of this lesion's own segmentation that an earlier label had already taken.
  std::size_t voxels_shared_with_earlier_lesions = 0;

  // Source "seed" only (LesionSegmentation, lesion.h); empty for candidates.
  std::optional<double> lesion_median_hu;    ///< median of the core ball (HU)
  std::optional<double> surround_median_hu;  ///< surrounding median (HU)
  std::optional<double> threshold_hu;        ///< lesion/surrounding threshold (HU)
  std::optional<bool> reached_search_limit;  ///< the region touched the search ball

  // Source "automatic candidate" only (LesionCandidate, candidates.h); empty for seeds.
  std::optional<double> score;              ///< [0, 1], higher = more likely a lesion
  std::optional<double> contrast_hu;        ///< mean HU - parenchyma median (HU)
  std::optional<double> contrast_to_noise;  ///< |contrast| / parenchyma SD
  std::optional<double> compactness;        ///< [0, 1], 1 for a ball
  /// Candidates: planned without a look (triageCandidate()); seeds are always confident.
  bool confident = true;
  std::string triage;  ///< candidates: the triage's reason (score, polarity, size, what is unmet)

  /// Measurements of the label (volume, centroid, RECIST, longest 3D diameter, gap to vessels
  /// of radius >= 3 mm); empty when the label holds no voxel (a seeded lesion entirely inside
  /// earlier lesions).
  std::optional<LesionMeasurement> measurement;
};

/// \brief Result of segmentCase(): masks 0/1, all on the CT grid.
struct CaseSegmentation {
  Mask body;
  Mask lung;
  Mask bone;
  LiverSegmentation liver;
  VesselSegmentation vessels;  ///< vessels.radius_mm: lumen radius (mm) inside vessels, else 0
  LabelMap lesions;            ///< lesion labels 1..N (see lesion_records), 0 elsewhere
  std::vector<LesionRecord> lesion_records;  ///< one per label, sorted by label (1..N)
  /// Hyperdense automatic candidates dropped because at least half of their voxels lie in the
  /// vessel mask (vessel segments, not lesions).
  std::size_t candidates_on_vessels = 0;
  /// Wall time (s) of the steps: "body_lung_bone", "liver", "vessels", "lesions" (steps 4-6).
  std::map<std::string, double> timing_s;
};

/// \brief Segments the case `ct` (HU; see the steps in the file comment). Deterministic.
/// \throws NoDataError "no body found" (segmentBody), "no liver found: ..." (segmentLiver), no
/// vessel region (segmentVessels), or for a lesion seed in air or with
/// no lesion-like region around it (segmentLesionFromSeed); GeometryError for a lesion seed
/// outside the image; UnsupportedError for more than 65535 lesions.
CaseSegmentation segmentCase(const ImageVolume& ct, const CaseSegmentationOptions& options);

}  // namespace rfa::segmentation
