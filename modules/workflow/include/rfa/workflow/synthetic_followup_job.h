#pragma once
/// \file synthetic_followup_job.h
/// \brief The `rfaplan phantom-followup` job as one library call: a SYNTHETIC follow-up CT, with
/// exact truth, of a plan made on an rfaplan phantom (phantom/synthetic_followup.h). The plan is
/// checked to be the phantom's (grid, Series Instance UID, SHA-256 of the voxels the series
/// holds); the true ablation zones are the preview zones of one session's placements (optionally
/// shifted per lesion or grown); lesions may vanish, shrink, grow or appear; the anatomy moves by
/// a known smooth deformation calibrated to a maximum displacement in the liver. For testing the
/// margin confirmation (rfa::followup) against known answers. Research use only.
///
/// Frames and units: DICOM patient LPS, mm (the planning frame for shifts, centres and the
/// deformation); HU; degrees.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/phantom/synthetic_followup.h"
#include "rfa/planning/plan.h"

namespace rfa::workflow {

/// \brief What the follow-up shows (the `rfaplan phantom-followup` options).
struct SyntheticFollowupRequest {
  int session = 1;                     ///< the plan's session whose ablations were done (>= 1)
  std::map<int, Vec3> zone_shift_mm;   ///< plan lesion id -> shift of its zones (LPS mm)
  double zone_grow_mm = 0;             ///< added to every semi-axis of every zone
  std::map<int, double> lesion_scale;  ///< plan lesion id -> semi-axes factor (0: vanished)
  std::vector<phantom::NewLesion> new_lesions;  ///< planning frame
  double deform_mm = 6;                         ///< maximum displacement in the liver (0: identity)
  double rotate_deg = 2;                        ///< rotation about the liver centroid, part of it
  double noise_hu = 10;                         ///< image noise sigma
  std::uint64_t noise_seed = 2;
  std::string patient_id;  ///< "" = the planning phantom's (RFAPHANTOM-<seed>)
};

/// \brief The follow-up made, with what it was made from.
struct SyntheticFollowupCase {
  phantom::Phantom planning;                  ///< the planning phantom, regenerated
  phantom::SyntheticFollowupOptions options;  ///< zones, changes, deformation as generated
  phantom::SyntheticFollowup followup;        ///< the CT and its truth
  std::map<int, int> label_of;                ///< plan lesion id -> phantom lesion label
  std::vector<int> treated;                   ///< plan lesion ids treated in the session, in order
  /// The follow-up series: the planning phantom's patient, a new study, series and frame of
  /// reference whose UIDs derive from every input (same inputs, same files).
  phantom::CtSeriesOptions series;
  /// The deformation reached the asked maximum displacement within 10 % (false: a warning; e.g.
  /// the rotation alone moves the liver more).
  bool deformation_as_asked = true;
};

/// \brief Makes the follow-up of session request.session of `plan` (read from `plan_file`, named
/// in messages) on the phantom folder `phantom_dir`. Nothing is written
/// (phantom::writeSyntheticFollowupFolder() writes the case's followup with its series).
/// \throws UsageError for a session < 1 or one the plan does not have (its sessions are listed),
/// a shifted lesion not treated in the session, a scaled lesion the plan does not have, a zone
/// grown to a semi-axis <= 0.5 mm, follow-up options the generator refuses; NoDataError when the
/// session has no lesion with placements; SelectionError when the plan was not made on this
/// phantom (grid, series, voxels) or a planned lesion matches no phantom lesion; what
/// phantom::readPhantomFolderTruth() and regeneratePhantom() throw.
SyntheticFollowupCase makeSyntheticFollowup(const planning::TreatmentPlan& plan,
                                            const std::filesystem::path& plan_file,
                                            const std::filesystem::path& phantom_dir,
                                            const SyntheticFollowupRequest& request);

}  // namespace rfa::workflow
