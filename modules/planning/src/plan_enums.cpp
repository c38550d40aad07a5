// The plan's vocabularies as the plan file writes them (plan_enums.h).
#include "rfa/planning/plan_enums.h"

namespace rfa::planning {

std::string toString(LesionFlag v) {
  switch (v) {
    case LesionFlag::kNone:
      return "none";
    case LesionFlag::kNoSafePath:
      return "no safe path";
    case LesionFlag::kTooLarge:
      return "too large";
    case LesionFlag::kVessel:
      return "vessel";
    case LesionFlag::kHeatSink:
      return "heat sink";
  }
  return "none";
}

std::string toString(Detection v) {
  switch (v) {
    case Detection::kGiven:
      return "given";
    case Detection::kAutomatic:
      return "automatic";
    case Detection::kToReview:
      return "to review";
    case Detection::kAccepted:
      return "accepted";
  }
  return "given";
}

std::string toString(SessionDecision v) {
  switch (v) {
    case SessionDecision::kProceed:
      return "proceed";
    case SessionDecision::kPostpone:
      return "postpone";
    case SessionDecision::kIncomplete:
      return "incomplete";
    case SessionDecision::kLabsNotGiven:
      return "labs not given";
  }
  return "labs not given";
}

std::string toString(ReviewStatus v) {
  switch (v) {
    case ReviewStatus::kNotReviewed:
      return "";
    case ReviewStatus::kApproved:
      return "approved";
    case ReviewStatus::kRejected:
      return "rejected";
  }
  return "";
}

std::string toString(EventKind v) {
  switch (v) {
    case EventKind::kRfa:
      return "rfa";
    case EventKind::kSystemicCycle:
      return "systemic-cycle";
    case EventKind::kImagingTechnicalSuccess:
      return "imaging-technical-success";
    case EventKind::kImagingFollowup:
      return "imaging-followup";
  }
  return "rfa";
}

}  // namespace rfa::planning
