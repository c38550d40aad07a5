#pragma once
/// \file phantom.h
/// \brief Synthetic abdominal CT phantom with exact ground truth (all coordinates LPS mm).
///
/// The anatomy is fixed in millimetres around the grid centre (it does not scale with the field of
/// view): skin/fat, muscle wall, ribs and spine, lung bases, a liver with portal-venous-phase HU
/// and noise, portal and hepatic vessel trees (3-12 mm diameter), a gallbladder and N hypodense
/// lesions (by default 6-46 mm, see PhantomOptions) of which one touches a vessel and one lies
/// behind a rib. Deterministic for a seed.

#include <cstdint>
#include <string>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::phantom {

/// \brief What to generate.
struct PhantomOptions {
  int lesions = 4;                 ///< number of lesions, 0..12
  std::uint64_t seed = 1;          ///< same seed + options -> identical output, bit for bit
  Size3 size{256, 256, 100};       ///< voxels (columns, rows, slices)
  Vec3 spacing_mm{1.5, 1.5, 2.0};  ///< mm (column, row, slice)
  double noise_sigma_hu = 10.0;    ///< Gaussian image noise (HU), 0 for none
  /// Nominal lesion diameters (mm) are log-spaced from min to max over the lesions, each jittered
  /// by +-8 % (so they lie within [0.92 min, 1.08 max]) and shuffled; a single lesion gets
  /// (min + 0.4 (max - min)) +-10 %. A lesion that does not fit in the liver is shrunk (by 15 %
  /// steps, not below 5 mm) until it does. 3 <= min <= max <= 60.
  double min_lesion_diameter_mm = 6.0;
  double max_lesion_diameter_mm = 46.0;  ///< see min_lesion_diameter_mm
  /// Paint the organs around the liver at contrast-phase intensities close to the liver's (heart
  /// above the dome, spleen joined to the left lobe by a thin bridge, right kidney, vena cava and
  /// aorta, stomach and a bowel loop with oral contrast): the hard case for the liver's boundary.
  /// Off by default (the other figures were measured without them); the truth masks do not change.
  bool neighbours = false;
  /// MR variant: the image holds a T2-weighted fat-suppressed signal (arbitrary units: liver 300,
  /// spleen 420, kidney 450-550, fluid 800-950, fat 90, flowing blood 40-60, air 5) times a smooth
  /// receive-coil sensitivity (0.75..1.25, brighter anteriorly and on the left), plus the noise
  /// (noise_sigma_hu in these units). The truth masks do not change. Written as MR Image Storage.
  bool mr_t2 = false;
};

/// \brief Ground truth of one lesion.
struct LesionTruth {
  int label = 0;                      ///< instance label in `lesions` (1..N)
  Vec3 center_lps{0, 0, 0};           ///< centre, LPS mm
  Vec3 semi_axes_mm{0, 0, 0};         ///< ellipsoid semi-axes (mm) before rotation
  double diameter_mm = 0;             ///< nominal diameter (mm): 2 x mean semi-axis
  double volume_ml_analytic = 0;      ///< 4/3 pi abc / 1000
  double volume_ml_voxels = 0;        ///< voxel count x voxel volume / 1000
  Vec3 centroid_voxels_lps{0, 0, 0};  ///< centroid of the voxelised lesion, LPS mm
  double mean_hu = 0;                 ///< designed lesion HU (before noise)
  std::string location;               ///< e.g. "next to hepatic vein", "behind rib 9", "central"
};

/// \brief Ground truth of one vessel segment (a capsule) of a tree.
struct VesselSegmentTruth {
  std::string tree;                           ///< "portal" or "hepatic"
  Vec3 start_lps{0, 0, 0}, end_lps{0, 0, 0};  ///< segment axis end points, LPS mm
  double radius_mm = 0;
};

/// \brief The phantom in memory: CT (HU) and truth label maps, all on one grid.
struct Phantom {
  ImageVolume ct;             ///< Hounsfield units (noise included), float; MR units if mr_t2
  Mask liver;                 ///< liver parenchyma incl. lesions and intrahepatic vessels
  LabelMap lesions;           ///< instance labels 1..N, 0 elsewhere
  ImageVolume vessel_radius;  ///< local vessel radius (mm) inside vessels, 0 elsewhere
  Mask bone;                  ///< ribs and spine
  Mask lung;                  ///< lung bases (air inside the body)
  Mask body;                  ///< everything inside the skin
  Mask gallbladder;
  std::vector<LesionTruth> lesion_truth;
  std::vector<VesselSegmentTruth> vessel_truth;
  double liver_volume_ml = 0;  ///< voxel count x voxel volume / 1000
  PhantomOptions options;
};

/// \brief Generates the phantom. \throws GeometryError for a non-positive size or spacing;
/// UsageError for lesions outside 0..12, a negative noise sigma, or lesion diameters outside
/// 3 <= min <= max <= 60 mm; UnsupportedError when a lesion cannot be placed in the liver at any
/// size (rfa::Error subclasses, core/error.h, each with its exit code).
Phantom generatePhantom(const PhantomOptions& options);

}  // namespace rfa::phantom
