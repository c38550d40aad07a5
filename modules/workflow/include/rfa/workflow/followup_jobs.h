#pragma once
/// \file followup_jobs.h
/// \brief The follow-up jobs as one library call each, as `rfaplan register`, `rfaplan confirm`
/// and `rfaplan followup` run them (and a workstation would): register a follow-up CT to the
/// planning CT; confirm one session's margins on its follow-up; assess follow-up time points and
/// the next session. Each reads its inputs, calls rfa::followup, and has a writer for its output
/// folder or file. Research use only.
///
/// Frames and units: the planning series' DICOM patient LPS, mm; volumes mL; times s.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/followup/confirm.h"
#include "rfa/followup/registration.h"
#include "rfa/followup/timeline.h"
#include "rfa/followup/timepoint.h"
#include "rfa/io/input.h"
#include "rfa/planning/plan_case.h"

namespace rfa::workflow {

/// \brief Refuses (before any work) an output folder path that exists and is not a folder, so
/// that a file given by mistake is never overwritten. \throws WriteError naming it.
void requireOutputFolder(const std::filesystem::path& out);

/// \brief A follow-up registered to a planning image.
struct FollowupRegistration {
  io::LoadedImage fixed;   ///< the planning image
  io::LoadedImage moving;  ///< the follow-up image
  followup::IdentityCheck identity;
  followup::Registration registration;
};

/// \brief Registers `moving` to `fixed` (both as loaded by io::loadImage()): the identity check
/// (PatientID, frame of reference, overlap: followup::checkIdentity(); refused unless `force`),
/// both livers segmented automatically, rigid then (unless `rigid_only`) B-spline in the liver
/// (followup::registerImages()).
/// \throws SelectionError for different patients without `force`; NoDataError when a liver is
/// not found; what registerImages() throws.
FollowupRegistration registerFollowup(io::LoadedImage fixed, io::LoadedImage moving,
                                      bool rigid_only, bool force);

/// \brief Writes OUTDIR/registration/ (followup::writeRegistration()) and
/// OUTDIR/moving_registered.nrrd (the follow-up resampled on the planning grid, -1024 outside).
/// \throws WriteError naming the file.
void writeFollowupRegistration(const FollowupRegistration& r, const std::filesystem::path& outdir);

/// \brief One session confirmed on its follow-up.
struct SessionConfirmation {
  planning::PlanCase planned;  ///< the plan, its series and segmentation
  followup::ConfirmResult result;
};

/// \brief Confirms `options.session` of the plan `plan_file` (its series and segmentation as
/// `where` says: planning::loadPlanCase()) on `followup` (followup::confirmSession()).
/// \throws what loadPlanCase() and confirmSession() throw.
SessionConfirmation confirmPlannedSession(const std::filesystem::path& plan_file,
                                          const planning::PlanCaseOptions& where,
                                          const io::LoadedImage& followup,
                                          const followup::ConfirmOptions& options);

/// \brief Writes the confirmation folder: followup::writeConfirmation() (margins.json, zones,
/// margin map, registered follow-up, registration/) and OUTDIR/margin_L<id>.png, each assessable
/// lesion's margin colour map on the registered follow-up through its minimal-margin point
/// (report/margin_image.h). \throws WriteError naming the file.
void writeSessionConfirmation(const SessionConfirmation& c, const std::filesystem::path& outdir);

/// \brief A follow-up time point: the image (a path as given) and the sessions done before it.
struct TimepointInput {
  std::filesystem::path path;
  int sessions_done = 1;
  std::string series;  ///< Series Instance UID when `path` holds several ("" = the only one)
};

/// \brief Follow-up time points of a plan, in order, and the next session.
struct FollowupTimeline {
  std::vector<followup::TimepointResult> timepoints;
  followup::NextSession next;
  /// A note when the plan's profile is not available here (3 sessions are then assumed).
  std::optional<std::string> profile_note;
};

/// \brief Assesses each time point of `inputs` in order against `planned`
/// (followup::assessTimepoint(): registration, zones and margins of the lesions treated so far,
/// lesions matched and categorised with RECIST 1.1 / mRECIST against the nadir so far), then the
/// next session (followup::nextSession(), the profile's session limit). `force` as for the
/// identity check. `progress` as followup::ConfirmOptions::progress (it may throw to cancel).
/// \throws UsageError for no time point; what io::loadImage() and assessTimepoint() throw.
FollowupTimeline assessTimeline(const planning::PlanCase& planned,
                                const std::vector<TimepointInput>& inputs, bool force,
                                const followup::RegistrationProgress& progress = {});

}  // namespace rfa::workflow
