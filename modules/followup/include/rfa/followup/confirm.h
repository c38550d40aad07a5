#pragma once
/// \file confirm.h
/// \brief Confirmation of one RFA session on its follow-up image: is the follow-up of the same
/// patient, registration to the planning series, ablation-zone segmentation around every treated
/// lesion, and the 3D minimal ablative margin (MAM) of each. What `rfaplan confirm` runs.
/// Research use only: measurements for a tumour board, never a clinical decision.
///
/// Frames and units: every result is on the PLANNING grid and in the planning frame (DICOM patient
/// LPS mm): the follow-up is resampled there through the registration (registration.h), the
/// plan's expected zones (thermal::EllipsoidZone of each placement) are rasterised there, the
/// lesions are the planning segmentation's. Margins in mm, volumes in mL, times in s.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/followup/margin.h"
#include "rfa/followup/registration.h"
#include "rfa/followup/zone.h"
#include "rfa/io/input.h"
#include "rfa/planning/plan.h"

namespace rfa::followup {

/// \brief Whether a follow-up image belongs to the plan's patient.
struct IdentityCheck {
  std::string planning_patient_id;  ///< "" when the planning series had none (volume file)
  std::string followup_patient_id;  ///< "" when the follow-up has none
  bool same_patient_id = false;     ///< both given and equal
  bool same_frame_of_reference = false;
  /// The two grids' boxes overlap in LPS as stored (a follow-up in another frame of reference
  /// may not overlap, which alone is no reason to refuse: the registration aligns the livers).
  bool grids_overlap = false;
  std::string summary;  ///< one line in words
};

/// \brief Compares the plan's source with a follow-up image.
IdentityCheck checkIdentity(const planning::PlanSource& planning, const io::LoadedImage& followup);

/// \brief Refuses a follow-up of another patient: throws SelectionError (exit 9) naming both
/// PatientIDs when they differ (both given), or when neither PatientID nor frame of reference
/// can tie the images together and their grids do not overlap; unless `force`.
void requireSamePatient(const IdentityCheck& check, bool force);

/// \brief What `confirmSession()` measures and how.
struct ConfirmOptions {
  int session = 1;  ///< the plan's session whose lesions are confirmed (1-based)
  /// Also the lesions of the sessions before `session` (a follow-up after several sessions).
  bool include_earlier_sessions = false;
  bool force = false;  ///< go on for a follow-up that requireSamePatient() refuses
  /// Margin needed for technical success; none: the plan's settings.minimum_margin_mm.
  std::optional<double> threshold_mm;
  RegistrationOptions registration;
  ZoneSegmentationOptions zone;
  MarginOptions margin;  ///< threshold_mm is replaced as above
  /// Progress, called on the calling thread: stages "follow-up liver", "rigid", "deformable"
  /// (registerImages()), "zones and margins" (per lesion) and, in assessTimepoint(), "follow-up
  /// lesions"; fraction 0..1 within the stage. May throw to cancel (the exception propagates).
  RegistrationProgress progress;
};

/// \brief The confirmation of one treated lesion.
struct LesionConfirmation {
  int lesion_id = 0;
  int session = 0;
  MarginResult margin;
  ZoneSegmentation zone;  ///< its `zone` mask is moved into ConfirmResult::zones
  std::vector<std::string> warnings;
};

/// \brief Everything `rfaplan confirm` writes.
struct ConfirmResult {
  IdentityCheck identity;
  Registration registration;
  ImageVolume followup_on_planning;  ///< the follow-up resampled onto the planning grid
  LabelMap zones;                    ///< segmented zones (value = lesion id), planning grid
  Volume<float> margin_map;          ///< corrected margin (mm) on lesion surfaces, NaN elsewhere
  std::vector<LesionConfirmation> lesions;  ///< the session's lesions with placements, by id
  double threshold_mm = 5;
  std::vector<std::string> warnings;  ///< registration quality and identity remarks
  double registration_seconds = 0;
  double margin_seconds = 0;  ///< zone segmentation and margins of every lesion
};

/// \brief Confirms session `options.session` of `plan`: identity check (requireSamePatient()),
/// follow-up liver segmentation (segmentation::segmentLiver(); `followup_liver` when given, on
/// the follow-up grid), registration (fixed region: the planning liver; the planned zones dilated
/// by 5 mm excluded from the metric), resampling, then per lesion of the session (and of the
/// earlier ones when include_earlier_sessions) with placements:
/// expected zone = union of its placements' zones; the segmented zones of the session are united;
/// the lesion's margin is measured against that union inside the planning liver.
/// \throws UsageError when the plan has no such session; SelectionError from
/// requireSamePatient(); GeometryError when the planning volumes do not share one grid; what
/// segmentLiver() and registerImages() throw.
ConfirmResult confirmSession(const planning::TreatmentPlan& plan, const ImageVolume& planning_ct,
                             const Mask& planning_liver, const LabelMap& planning_lesions,
                             const io::LoadedImage& followup, const ConfirmOptions& options,
                             const Mask* followup_liver = nullptr);

/// \brief Writes OUTDIR/margins.json (format "rfaplan-margins" 1: identity, registration quality,
/// per lesion MAM, uncorrected MAM, mean, % >= threshold, % subcapsular, residual, volumes, zone
/// levels, histogram, verdict, warnings), OUTDIR/zones.nrrd, OUTDIR/margin_map.nrrd,
/// OUTDIR/followup_registered.nrrd and OUTDIR/registration/ (writeRegistration()). Every file is
/// written atomically. \throws WriteError naming the file.
void writeConfirmation(const ConfirmResult& result, const planning::TreatmentPlan& plan,
                       const std::filesystem::path& outdir);

/// \brief One lesion's row of a margins.json, as read back.
struct MarginsRow {
  int lesion = 0;                ///< the plan's lesion id
  double minimal_margin_mm = 0;  ///< MAM (subcapsular-corrected), mm
  std::string verdict;           ///< as written (e.g. "technical success")
  bool technical_success = false;
};

/// \brief Reads the per-lesion rows of a margins.json written by writeConfirmation().
/// \throws NotFoundError when `file` cannot be opened; CorruptDataError naming it for invalid
/// JSON, another format than "rfaplan-margins" or a malformed row; UnsupportedError for a newer
/// version.
std::vector<MarginsRow> readMarginsFile(const std::filesystem::path& file);

}  // namespace rfa::followup
