#pragma once
/// \file plan_enums.h
/// \brief The plan's closed vocabularies as enums: a lesion's flag and detection, a session's lab
/// decision and tumour-board review, a timeline event's kind. Strings exist only at the plan
/// file's boundary (plan_io.h) and in what the user reads; toString() gives the file's words.

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace rfa::planning {

/// Why a lesion is not covered with the minimum margin (PlanLesion::flag).
enum class LesionFlag {
  kNone,        ///< "none": covered with the minimum margin
  kNoSafePath,  ///< "no safe path"
  kTooLarge,    ///< "too large": not coverable with the allowed ablations
  kVessel,      ///< "vessel": a major vessel keeps the margin short
  kHeatSink,    ///< "heat sink": the preview covers it, the bioheat confirmation does not
};
inline constexpr std::array kLesionFlags{LesionFlag::kNone, LesionFlag::kNoSafePath,
                                         LesionFlag::kTooLarge, LesionFlag::kVessel,
                                         LesionFlag::kHeatSink};

/// Where a lesion comes from (PlanLesion::detection).
enum class Detection {
  kGiven,      ///< "given": the user's segmentation or clicks
  kAutomatic,  ///< "automatic": a candidate above the confidence for automatic scheduling
  kToReview,   ///< "to review": a candidate below it, left out of every session until accepted
  kAccepted,   ///< "accepted": a candidate to review the user moved into a session
};
inline constexpr std::array kDetections{Detection::kGiven, Detection::kAutomatic,
                                        Detection::kToReview, Detection::kAccepted};

/// The pre-session lab check's outcome (PlanSession::decision).
enum class SessionDecision {
  kProceed,       ///< "proceed"
  kPostpone,      ///< "postpone"
  kIncomplete,    ///< "incomplete": a required value missing
  kLabsNotGiven,  ///< "labs not given"
};
inline constexpr std::array kSessionDecisions{SessionDecision::kProceed, SessionDecision::kPostpone,
                                              SessionDecision::kIncomplete,
                                              SessionDecision::kLabsNotGiven};

/// The tumour board's review of a session (PlanSession::review_status).
enum class ReviewStatus {
  kNotReviewed,  ///< "" (not reviewed, or changed since)
  kApproved,     ///< "approved"
  kRejected,     ///< "rejected"
};
inline constexpr std::array kReviewStatuses{ReviewStatus::kNotReviewed, ReviewStatus::kApproved,
                                            ReviewStatus::kRejected};

/// One kind of timeline event (PlanEvent::kind, schedule.h).
enum class EventKind { kRfa, kSystemicCycle, kImagingTechnicalSuccess, kImagingFollowup };
inline constexpr std::array kEventKinds{EventKind::kRfa, EventKind::kSystemicCycle,
                                        EventKind::kImagingTechnicalSuccess,
                                        EventKind::kImagingFollowup};

/// The plan file's words: "none", "no safe path", ...; "given", "to review", ...; "proceed", ...,
/// "labs not given"; "", "approved", "rejected"; "rfa", "systemic-cycle",
/// "imaging-technical-success", "imaging-followup".
std::string toString(LesionFlag v);
std::string toString(Detection v);
std::string toString(SessionDecision v);
std::string toString(ReviewStatus v);
std::string toString(EventKind v);

/// The value whose toString() is `word`; nullopt for any other word.
template <class E, std::size_t N>
std::optional<E> fromString(const std::array<E, N>& all, std::string_view word) {
  for (const E v : all) {
    if (toString(v) == word) return v;
  }
  return std::nullopt;
}

}  // namespace rfa::planning
