#pragma once
/// \file trajectory.h
/// \brief Straight percutaneous electrode trajectories from the skin to a target point:
/// candidate skin entries sampled over the body surface, hard constraints that reject unsafe or
/// unreachable paths, and a weighted soft cost that ranks the rest. Research use only: the numbers
/// are defaults the user sets, never a clinical recommendation.
///
/// Frames and units: every point and direction is DICOM patient LPS in millimetres (+x Left,
/// +y Posterior, +z Superior); lengths and distances in mm, angles in degrees.
///
/// Hard constraints, checked in this fixed order; a rejected candidate is counted once, under the
/// first constraint it fails (the keys of TrajectoryReport::rejected, see kReject*):
///   1. kRejectPosterior: the outward skin normal at the entry points backwards, i.e. its +y
///      (posterior) component exceeds TrajectoryOptions::max_posterior_normal (no ultrasound
///      window from the back).
///   2. kRejectZWindow: the entry lies outside the craniocaudal window
///      [liver inferior z - below_liver_mm, liver superior z + above_liver_mm] (z of liver voxel
///      centres).
///   3. kRejectTooLong: entry-to-target length > max_length_mm (usable electrode shaft).
///   4. kRejectSkinAngle: angle between the path and the inward skin normal > max_skin_angle_deg.
///   5. kRejectLeavesBody: the path passes through a voxel outside the body mask (it would exit
///      and re-enter the skin), or the needle line beyond the entry, from two voxels out to 40 mm
///      outside the skin, meets the body again (a skin fold or a grazing entry: the shaft would lie
///      in tissue).
///   6. kRejectBone, 7. kRejectLung, 8. kRejectGallbladder: the path passes through a voxel of that
///      mask (every voxel the segment touches is checked, by an exact grid traversal, so nothing
///      is missed between samples).
///   9. kRejectVessel: a vessel voxel of radius >= large_vessel_radius_mm lies closer than
///      vessel_safety_mm to the path. The distance is measured to vessel voxel centres with an
///      exact distance map, sampled every step_mm along the path with a conservative bound (the
///      map is 1-Lipschitz: d(p) >= d(v) - |p - v| over the 8 surrounding voxel centres v), and a
///      sample must clear vessel_safety_mm + step_mm / 2 so that the whole segment clears it.
///
/// Soft cost of an accepted path (lower is better), the sum of four documented terms:
///   length_cost  = length_weight  * length_mm / max_length_mm
///   angle_cost   = angle_weight   * skin_angle_deg / max_skin_angle_deg
///   vessel_cost  = vessel_weight  * vessel_scale_mm / (vessel_scale_mm + d - vessel_safety_mm),
///                  d = min_vessel_distance_mm (the term is 0 when there is no large vessel): 1 x
///                  weight at the safety distance, decaying as the inverse of the distance beyond
///                  it
///   capsule_cost = capsule_weight * capsule_crossings
/// capsule_crossings counts the liver-mask boundary crossings along the path (voxels traversed
/// from the entry to the target) beyond the first entry into the liver: 0 for a path that enters
/// the liver once and stays in it, 2 for one that leaves and re-enters it.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"

namespace rfa::planning {

/// Rejection reasons (keys of TrajectoryReport::rejected), in the order they are checked.
inline constexpr const char* kRejectPosterior = "posterior entry";
inline constexpr const char* kRejectZWindow = "outside craniocaudal window";
inline constexpr const char* kRejectTooLong = "too long";
inline constexpr const char* kRejectSkinAngle = "skin angle";
inline constexpr const char* kRejectLeavesBody = "leaves body";
inline constexpr const char* kRejectBone = "bone";
inline constexpr const char* kRejectLung = "lung";
inline constexpr const char* kRejectGallbladder = "gallbladder";
inline constexpr const char* kRejectVessel = "vessel";

/// The anatomy, all on one grid (ImageGeometry::sameGrid). The planner keeps the pointers: the
/// volumes must outlive it. body and liver are required; the others may be null (constraint off).
struct TrajectoryScene {
  const Mask* body = nullptr;                     ///< inside the skin (required)
  const Mask* liver = nullptr;                    ///< liver parenchyma (required, non-empty)
  const Mask* bone = nullptr;                     ///< ribs, spine
  const Mask* lung = nullptr;                     ///< lung bases
  const ImageVolume* vessel_radius_mm = nullptr;  ///< local vessel radius (mm), 0 outside vessels
  const Mask* gallbladder = nullptr;              ///< gallbladder (and bowel, if labelled into it)
};

/// Planning parameters. Lengths in mm, angles in degrees.
struct TrajectoryOptions {
  double max_length_mm = 150;           ///< usable electrode shaft length, > 0
  double vessel_safety_mm = 3;          ///< minimum distance to a large vessel, >= 0
  double large_vessel_radius_mm = 1.5;  ///< vessels of this radius or more count (diameter 3 mm)
  double max_posterior_normal = 0.3;    ///< entry normal . (0,+1,0) at most, in [-1, 1]
  double below_liver_mm = 50;           ///< entry window reaches this far below the liver, >= 0
  double above_liver_mm = 0;            ///< and this far above its superior extent, >= 0
  double max_skin_angle_deg = 60;       ///< path vs inward skin normal, in [0, 90]
  double entry_spacing_mm = 6;          ///< pitch of the LPS lattice that subsamples skin voxels
  double normal_radius_mm = 10;         ///< ball radius for the skin normal estimate, > 0
  double step_mm = 0.5;                 ///< vessel-distance sampling step along the path, > 0
  int best_k = 5;                       ///< trajectories returned, >= 0
  double length_weight = 1.0;           ///< soft-cost weights (see file comment), >= 0
  double angle_weight = 1.0;
  double vessel_weight = 1.0;
  double vessel_scale_mm = 5.0;  ///< distance scale of the vessel term, > 0
  double capsule_weight = 1.0;
};

/// One accepted trajectory and its score components.
struct Trajectory {
  Vec3 entry_lps{0, 0, 0};         ///< skin entry (a skin voxel centre), LPS mm
  Vec3 target_lps{0, 0, 0};        ///< the target, LPS mm
  Vec3 entry_normal_lps{0, 0, 0};  ///< outward unit skin normal at the entry
  double length_mm = 0;            ///< |target - entry|
  double skin_angle_deg = 0;       ///< angle between the path and the inward skin normal
  double min_vessel_distance_mm =
      0;                      ///< lower bound of the distance to a large vessel (+inf: none)
  int capsule_crossings = 0;  ///< liver boundary crossings beyond the first entry
  double length_cost = 0, angle_cost = 0, vessel_cost = 0, capsule_cost = 0;
  double cost = 0;  ///< sum of the four terms
};

/// Result of planning one target.
struct TrajectoryReport {
  std::vector<Trajectory> best;                 ///< up to best_k accepted paths, cost ascending
  std::map<std::string, std::size_t> rejected;  ///< reason (kReject*) -> candidates rejected
  std::size_t candidates = 0;                   ///< skin entries tried
  std::size_t accepted = 0;  ///< candidates - sum(rejected) (best holds the first best_k of them)
};

/// Plans straight trajectories to many targets over one scene. Construction precomputes the
/// subsampled skin entries with their outward normals and the distance map to large vessels;
/// plan() is const and thread-safe.
///
/// Skin voxels are body voxels with a 6-neighbour inside the grid that is outside the body (body
/// voxels on the grid border are not skin: the field of view cut them, not the skin). One skin
/// voxel is kept per cell of an LPS lattice of pitch entry_spacing_mm (the one nearest the cell
/// centre). Its outward normal is the direction from the centroid of the body voxels to the
/// centroid of all grid voxels within normal_radius_mm: a local-centroid estimate that averages
/// over hundreds of voxels, so it ignores the voxel staircase and noise of the mask, and compares
/// against the ball clipped by the grid so that a cut field of view does not tilt it.
class TrajectoryPlanner {
 public:
  /// \throws NoDataError if body or liver is null or empty (no voxel set), or the body has no skin
  /// voxel; GeometryError if a given volume is not on the body's grid; UsageError for options out
  /// of their ranges.
  TrajectoryPlanner(const TrajectoryScene& scene, const TrajectoryOptions& options = {});

  /// \brief Plans paths to `target_lps` (LPS mm). \throws GeometryError if the target is not
  /// finite or lies outside the grid; NoDataError if it lies outside the body mask (nearest voxel).
  [[nodiscard]] TrajectoryReport plan(const Vec3& target_lps) const;

  /// \brief Checks one given needle line: the needle enters at the skin point where the line
  /// through `tip_lps` along `direction_lps` (LPS, entry towards the tip, any length) leaves the
  /// body going backwards from the tip (sampled every quarter of the smallest voxel spacing), and
  /// runs to the tip. The hard constraints of the file comment are applied to that path in the
  /// same order, the skin normal being that of the nearest subsampled skin entry; on success the
  /// trajectory (entry, tip as target, costs) is returned, on failure the kReject* reason.
  /// Used to re-check the shifted tips of overlapping ablations (coverage.h).
  /// \throws GeometryError when the tip is not finite or outside the grid, or the direction has
  /// zero length; NoDataError when the tip lies outside the body mask.
  struct NeedleCheck {
    bool ok = false;
    std::string reason;  ///< kReject* when !ok
    Trajectory trajectory;
  };
  [[nodiscard]] NeedleCheck checkNeedle(const Vec3& tip_lps, const Vec3& direction_lps) const;

  /// Number of candidate skin entries (after subsampling).
  [[nodiscard]] std::size_t entryCount() const { return entries_.size(); }
  [[nodiscard]] const TrajectoryOptions& options() const { return options_; }

 private:
  struct Entry {
    Vec3 lps;
    Vec3 normal;
  };

  /// Applies the hard constraints and costs to entry -> target; returns -1 (accepted) or the
  /// index of the first failed constraint. `t` is filled as far as the checks went.
  int evaluate(const Entry& entry, const Vec3& target_lps, Trajectory& t) const;
  /// Throws unless `target_lps` is finite, in the grid and in the body.
  void requireTargetInBody(const Vec3& target_lps, const char* what) const;

  TrajectoryScene scene_;
  TrajectoryOptions options_;
  std::vector<Entry> entries_;
  Volume<float> vessel_distance_mm_;  ///< empty when there is no large vessel / no vessel map
  double liver_z_min_ = 0, liver_z_max_ = 0;
};

}  // namespace rfa::planning
