#pragma once
// Synthetic plan files for the case database tests: real plan files (planning::serializePlan,
// read back by planning::readPlanFile) whose timeline is the planning module's schedule.
#include <filesystem>
#include <string>

#include "rfa/planning/plan.h"

namespace rfa::cases::test {

/// \brief A plan of `patient_id` with `lesions` lesions in `sessions` sessions (batch-rfa profile,
/// 1 systemic cycle between sessions) whose timeline is planning::scheduleSessions() from
/// `start_date` (yyyy-mm-dd; "" = undated, days only). Session 1 has passed labs ("proceed"),
/// the others none ("labs not given").
planning::TreatmentPlan syntheticPlan(const std::string& patient_id, const std::string& start_date,
                                      int sessions = 2, int lesions = 3,
                                      const std::string& profile = "batch-rfa");

/// \brief Writes `plan` to `file` with planning::writePlanFile() (revisions as it does).
void writePlan(const std::filesystem::path& file, planning::TreatmentPlan plan);

/// \brief Writes serializePlan(plan) to `file` with a plain write (no fsync: many files, fast).
void writePlanFast(const std::filesystem::path& file, const planning::TreatmentPlan& plan);

}  // namespace rfa::cases::test
