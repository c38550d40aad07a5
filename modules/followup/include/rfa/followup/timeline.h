#pragma once
/// \file timeline.h
/// \brief The per-patient follow-up timeline (`rfaplan followup ... -o timeline.json`): the plan's
/// sessions, systemic cycles and imaging events, each assessed time point (registration quality,
/// margins of the treated lesions, matched lesions, RECIST 1.1 / mRECIST), per-lesion histories,
/// and what the next session has to treat within the remaining ablated-volume budget.
/// Research use only.
///
/// Units: diameters and margins mm, volumes mL, fractions 0..1, dates yyyy-mm-dd (or the DICOM
/// yyyymmdd as stored). Positions in the planning frame (LPS mm).

#include <filesystem>
#include <string>
#include <vector>

#include "rfa/followup/timepoint.h"
#include "rfa/planning/plan.h"

namespace rfa::followup {

/// \brief One lesion the next session should treat.
struct NextTarget {
  int id = 0;           ///< id for the next plan: the plan's id, or a new one for a new lesion
  int followup_id = 0;  ///< label in the last time point's follow-up lesion map
  std::string status;   ///< the last time point's status ("stable", "new", ...)
  double diameter_mm = 0;
  std::string reason;
};

/// \brief What is left for the next session after the last time point.
struct NextSession {
  int sessions_done = 0;
  int sessions_left = 0;         ///< profile maximum (plan's settings) minus done
  double ablated_volume_ml = 0;  ///< so far: the zones measured at the last time point
                                 ///< (planned volumes for sessions without a zone)
  double budget_volume_ml = 0;   ///< max fraction x liver volume
  double remaining_volume_ml = 0;
  std::vector<NextTarget> targets;  ///< untreated survivors, residual/progression, new lesions
  std::vector<std::string> notes;
};

/// \brief The next session's targets from the last time point. New lesions and local
/// progressions get ids above every plan lesion id, in follow-up label order. `max_sessions` is
/// the profile's limit.
NextSession nextSession(const planning::TreatmentPlan& plan, const TimepointResult& last,
                        int max_sessions);

/// \brief The timeline JSON (format "rfaplan-timeline", version 1).
std::string timelineJson(const planning::TreatmentPlan& plan,
                         const std::vector<TimepointResult>& timepoints, const NextSession& next);

/// \brief Writes timelineJson() atomically. \throws WriteError naming the file.
void writeTimeline(const planning::TreatmentPlan& plan,
                   const std::vector<TimepointResult>& timepoints, const NextSession& next,
                   const std::filesystem::path& file);

}  // namespace rfa::followup
