#pragma once
/// \file case_state.h
/// \brief An open case (image, segmentation, plan) and the steps the GUI drives on it: open,
/// segment, add or remove a lesion by a click, plan, save. The same library calls as the
/// `rfaplan` CLI (app/cli); no Qt. Research use only: a planning aid for a tumour board, never a
/// clinical decision.
///
/// Frames and units: every point is DICOM patient LPS in millimetres; every volume of the
/// segmentation is on the grid of the image (same ImageGeometry); volumes in mL (plan.h).
///
/// Long steps (segmentation, planning) report progress through a Progress callback that may throw
/// Cancelled to stop them; a step stopped that way leaves the CaseState as it was.

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/io/input.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/planning/labs.h"
#include "rfa/planning/plan.h"
#include "rfa/planning/plan_builder.h"
#include "rfa/planning/plan_io.h"
#include "rfa/planning/profile.h"
#include "rfa/segmentation/candidates.h"
#include "rfa/segmentation/case.h"
#include "rfa/segmentation/modality.h"
#include "rfa/thermal/tissue_condition.h"

namespace rfa::workflow {

/// \brief Thrown by a progress callback to stop a long operation (the GUI's Cancel). Not an
/// rfa::Error: it passes through the libraries' handlers of rfa::Error unchanged.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override;
};

/// Progress of a long step: stage name ("segmentation", "lesions", "confirmation") and fraction
/// done in [0, 1]. Called on the calling thread; may throw Cancelled.
using Progress = std::function<void(const std::string& stage, double fraction)>;

/// \brief An open case: the image, its segmentation, its plan.
/// \brief Triage of automatic lesion candidates (segmentation::triageCandidate()), by lesion label.
using CandidateTriages = std::map<int, segmentation::CandidateTriage>;

/// \brief The triages of the automatic candidates among the lesion records of `c`.
CandidateTriages candidateTriages(const segmentation::CaseSegmentation& c);

/// \brief Sets PlanLesion::detection ("automatic" when confident, else "to review") and
/// detection_reason of the lesions of `plan` whose id `triages` names; the others stay "given".
/// Call between planning::planLesions() and planning::planSessions(): the lesions to review are
/// then planned but left out of every session, listed among the unscheduled ones with the reason.
void applyCandidateTriage(planning::TreatmentPlan& plan, const CandidateTriages& triages);

struct CaseState {
  std::string input;  ///< the path opened, as given (image or plan file)
  io::LoadedImage image;
  io::SegmentationFolder segmentation;  ///< body/lung/bone/liver/lesions/vessels as present
  std::optional<planning::TreatmentPlan> plan;
  std::filesystem::path plan_file;         ///< "" = never saved
  std::string profile_name = "batch-rfa";  ///< planning::resolveProfile() argument
  /// The segmentation changed (a lesion added or removed) after `plan` was made: re-plan.
  bool plan_stale = false;
  /// The image's path as a plan records it (PlanSource::input): `input` for an image, the plan's
  /// source.input for a plan file.
  std::string image_input;
  /// Where the segmentation came from, as PlanSource::segmentation records it: "" (none yet),
  /// "automatic" (segmented here), "edited" (lesions added or removed here), or what the opened
  /// plan recorded ("automatic (written to NAME/)" or a folder).
  std::string segmentation_record;
  /// Triage of the automatic candidates among the lesions (by label), when they were detected
  /// here; planCase() applies it (applyCandidateTriage()).
  CandidateTriages candidate_triage;
  /// How the image is segmented (imageModality(): DICOM header, else a guess); planning refuses MR.
  segmentation::Modality modality = segmentation::Modality::kCT;
};

/// \brief Opens `input`: a plan file (a path ending in ".json": planning::loadPlanCase() loads
/// the plan, its image and its segmentation folder; plan_file, profile_name (the plan's
/// settings.profile), image_input and segmentation_record are taken from it), or else an image
/// (io::loadImage(): DICOM folder or file, phantom folder (opened like a CT only: its truth/ is
/// not read) or volume file; `series_id` as there) with no segmentation yet.
/// \throws NotFoundError when `input` does not exist; CorruptDataError / UnsupportedError when a
/// .json is not a plan (planning::readPlanFile()); otherwise what loadPlanCase() and loadImage()
/// throw.
CaseState openCase(const std::filesystem::path& input, const std::string& series_id = {});

/// \brief Opens `input` as an image only (the image branch of openCase(), whatever its
/// extension): io::loadImage(input, series_id), its modality (imageModality(): the DICOM header,
/// else a guess; a modality neither CT nor MR is segmented as CT, with a warning), no
/// segmentation. \throws what io::loadImage() throws.
CaseState openImageCase(const std::filesystem::path& input, const std::string& series_id = {});

/// \brief Gives the case the segmentation folder `dir` (the output of `rfaplan segment` on the
/// same series): body, liver and lesions required, the other structures as present;
/// segmentation_record becomes `dir` as given (the plan records it), candidate_triage is cleared
/// (the lesions are the folder's). \throws what io::readSegmentationFolder() throws; NoDataError
/// naming the first missing one of body.nrrd, liver.nrrd, lesions.nrrd; GeometryError naming both
/// grids when the folder is on another grid than the image.
void useSegmentationFolder(CaseState& state, const std::filesystem::path& dir);

/// \brief The PlanSource of a loaded image: `input` as given, grid (size, spacing, origin,
/// direction: LPS), SHA-256 of the voxels and, for DICOM, patient/study/series/frame of reference
/// UIDs and modality. `segmentation` is left empty.
planning::PlanSource planSourceOf(const io::LoadedImage& image, const std::string& input);

/// \brief PlanAnatomy pointing into `seg` (which must outlive it): body, liver and lesions
/// required, bone, lung, gallbladder and vessel radius when present.
/// \throws NoDataError naming the first missing one of body, liver, lesions.
planning::PlanAnatomy anatomyOf(const io::SegmentationFolder& seg);

/// \brief Moves a whole-case segmentation (segmentation::segmentCase()) into the folder
/// structure: body, lung, bone, liver mask, lesion labels, vessel radius (no gallbladder).
io::SegmentationFolder toSegmentationFolder(segmentation::CaseSegmentation&& c);

/// \brief Makes sure the case has its anatomy: when body or liver is missing, segments the image
/// (segmentation::segmentCase() with no seeds; automatic lesion detection when `auto_lesions` and
/// the case has no lesion yet) and fills in the missing structures, keeping those present and the
/// existing lesions. When the anatomy is there but no lesion and `auto_lesions`, only the lesion
/// candidates are detected (segmentation::detectLesionCandidates(), labels 1..N in decreasing
/// score). Does nothing otherwise. Progress stage "segmentation" (0 and 1: the step is not
/// divisible); a Cancelled thrown from it leaves `state` unchanged. segmentation_record becomes
/// "automatic" (or "edited" when the case had a recorded segmentation).
/// \throws what segmentCase() / detectLesionCandidates() throw (NoDataError "no body found",
/// "no liver found: ...").
void ensureAnatomy(CaseState& state, bool auto_lesions, const Progress& progress = {});

/// \brief Click-to-segment: ensureAnatomy(state, false), then
/// segmentation::segmentLesionFromSeed(image, seed_lps, {}, liver) added to segmentation.lesions
/// (created when absent) as a new label, the largest label + 1; voxels already labelled keep their
/// label. plan_stale becomes true when there is a plan; segmentation_record becomes "edited".
/// \returns the new label.
/// \throws what ensureAnatomy() throws; as segmentLesionFromSeed() (GeometryError for a seed
/// outside the image, NoDataError for a seed in air or without a lesion-like region), with its
/// message; UsageError naming the label when every voxel of the new lesion is already labelled
/// (the click fell on a segmented lesion); UnsupportedError when label 65535 is taken. On a throw
/// after the anatomy step the lesions are unchanged.
int addLesionFromSeed(CaseState& state, const Vec3& seed_lps);

/// \brief Removes lesion `label` from segmentation.lesions (its voxels become 0; other labels
/// keep their numbers). plan_stale becomes true when there is a plan; segmentation_record becomes
/// "edited". \throws NotFoundError when no voxel has that label.
void removeLesion(CaseState& state, int label);

/// \brief What to plan with (the `rfaplan plan` options).
struct PlanRequest {
  bool confirm = false;  ///< run the bioheat confirmation (planning::confirmLesions())
  std::vector<planning::LabResults> labs;                 ///< one per session in order
  std::optional<std::chrono::year_month_day> start_date;  ///< first RFA; none: days only
  int cycles_between_sessions = 1;                        ///< within the profile's range
  /// Electrodes, search, uncertainty and confirmation settings; labs, start_date,
  /// cycles_between_sessions and progress are taken from the members above and planCase().
  planning::PlanBuildOptions base;
  /// The tissue of the preview zones. In vivo (planning): the shipped living-liver calibration
  /// (thermal::defaultPreviewCalibrationFile()). Another condition (research comparisons with
  /// published ex-vivo zones): the solver's zone in that tissue, one simulation per electrode at
  /// 1 mm (thermal::conditionPreviews()) with base.confirmation.materials.
  thermal::TissueCondition condition = thermal::TissueCondition::kInVivo;
  /// Lines of the condition previews' simulations (another condition only); may be empty.
  std::function<void(const std::string&)> log;
  /// Ultrasound guidance: a probe model (resources/probes) with which the planner prefers needles
  /// in a visible probe plane (acoustic_windows.h needleVisibility()) and each lesion's best
  /// window is recorded in the plan (PlanLesion::ultrasound); "" = no ultrasound assessment.
  std::string ultrasound_probe;
};

/// \brief The checks planCase() makes first, for a front end that wants them before loading
/// anything: the profile planning::resolveProfile(profile_name), request.cycles_between_sessions
/// within its range, every electrode of request.base.electrodes in the catalogue of
/// thermal::defaultElectrodeDir(), the profile's guidance modality in the guidance catalogue
/// (unless request.base.guidance is given) and request.ultrasound_probe among the probes.
/// \returns the profile.
/// \throws UsageError "cycles between sessions: N is outside the profile's A..B";
/// NotFoundError / CorruptDataError for an unknown or unreadable profile or electrode.
planning::ProtocolProfile checkPlanRequest(const PlanRequest& request,
                                           const std::string& profile_name);

/// \brief How long each stage of planCase() took, in seconds (0: not run).
struct PlanTimings {
  double segmentation_s = 0;  ///< ensureAnatomy() on a copy (automatic segmentation)
  double previews_s = 0;      ///< the preview zones of another tissue condition
  double lesions_s = 0;       ///< planning::planLesions()
  double confirmation_s = 0;  ///< planning::confirmLesions()
  double ultrasound_s =
      0;                   ///< the acoustic windows of the final needles (request.ultrasound_probe)
  bool segmented = false;  ///< the anatomy was completed here (automatically)
};

/// \brief The planning pipeline, the one every front end runs (`rfaplan plan`, `rfaplan demo`, the
/// workstation, re-planning after a follow-up): ensureAnatomy() (automatic lesion detection when
/// the case has no lesion), planning::planLesions(), planning::confirmLesions() when
/// request.confirm, planning::planSessions(), with the profile
/// planning::resolveProfile(state.profile_name), the electrodes of thermal::defaultElectrodeDir()
/// and the preview zones of request.condition. The plan's source is planSourceOf(image,
/// image_input) with source.segmentation = segmentation_record, its software "rfaplan " +
/// `version`. A case whose plan continues earlier sessions (settings.prior_sessions > 0, replan.h)
/// keeps its prior sessions, volume and prior plan unless `request` sets them. Progress is
/// forwarded ("segmentation", "lesions", "confirmation"). On success sets state.plan (plan_file is
/// kept: saving there adds a revision) and plan_stale = false; a throw (Cancelled included) leaves
/// `state` unchanged. \throws UnsupportedError for an MR case (the needle paths need bone, lung and
/// vessels, which the MR segmentation does not give); UsageError when cycles_between_sessions is
/// outside the profile's range; NotFoundError / CorruptDataError for an unknown profile or
/// electrode; what ensureAnatomy(), planLesions() (NoDataError "no lesion", GeometryError a lesion
/// outside the liver, ...), confirmLesions() and planSessions() throw; Cancelled from `progress`.
/// \returns the time of each stage.
PlanTimings planCase(CaseState& state, const PlanRequest& request, const std::string& version,
                     const Progress& progress = {});

/// \brief Saves the plan with planning::writePlanFile() (atomic; an earlier plan there is kept as
/// a revision) to `file`, or to state.plan_file when `file` is empty. When the plan's
/// source.segmentation is "automatic", "edited" or "automatic (written to ...)", the segmentation
/// is first written beside the plan as <stem>-segmentation/ (io::writeSegmentationFolder()) and
/// recorded as "automatic (written to <stem>-segmentation/)", the form that
/// planning::loadPlanCase() and openCase() find again; a recorded folder is left as it is.
/// Sets state.plan (its revision and source.segmentation as written) and state.plan_file.
/// \returns the write result.
/// \throws NoDataError when there is no plan; UsageError when `file` and plan_file are both
/// empty; CorruptDataError, before anything is written, when `file` exists and is not a plan;
/// WriteError as writeSegmentationFolder() / writePlanFile().
planning::PlanWriteResult savePlan(CaseState& state, const std::filesystem::path& file = {});

}  // namespace rfa::workflow
