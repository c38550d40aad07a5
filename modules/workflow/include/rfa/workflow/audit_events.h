#pragma once
/// \file audit_events.h
/// \brief The audit events of the workflow steps (rfa::audit), built the same way by the command
/// line and the workstation: the plan's DICOM UIDs (study, series, frame of reference) and the
/// SHA-256 of the plan file, of an image's voxels or of an output file; never a name, a patient ID
/// or a path. Research use only.

#include <filesystem>
#include <string>

#include "rfa/audit/audit_log.h"
#include "rfa/io/input.h"
#include "rfa/planning/plan.h"

namespace rfa::workflow {

/// \brief An event about a plan: `action` by `program`, with the plan's source UIDs, its revision
/// and format version, and the SHA-256 of `plan_file` when given (the bytes saved).
audit::Event planEvent(const std::string& action, const std::string& program,
                       const planning::TreatmentPlan& plan,
                       const std::filesystem::path& plan_file = {});

/// \brief planEvent() of the plan read from `plan_file` (its UIDs, revision and the file's hash);
/// only the hash when the file cannot be read as a plan.
audit::Event planFileEvent(const std::string& action, const std::string& program,
                           const std::filesystem::path& plan_file);

/// \brief An event about an image opened: its study and series UIDs (none for a volume file), its
/// modality and its grid size.
audit::Event imageEvent(const std::string& action, const std::string& program,
                        const io::LoadedImage& image);

/// \brief Adds an output file to `event`: its SHA-256 under sha256["output"] and, for a DICOM
/// object, `sop_instance_uid` under uids["output_sop_instance"] when given.
void addOutput(audit::Event& event, const std::filesystem::path& file,
               const std::string& sop_instance_uid = {});

}  // namespace rfa::workflow
