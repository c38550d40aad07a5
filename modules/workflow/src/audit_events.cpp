// Audit events of the workflow steps (audit_events.h).
#include "rfa/workflow/audit_events.h"

#include <exception>

#include "rfa/planning/plan_io.h"

namespace rfa::workflow {

audit::Event planEvent(const std::string& action, const std::string& program,
                       const planning::TreatmentPlan& plan,
                       const std::filesystem::path& plan_file) {
  audit::Event e;
  e.action = action;
  e.program = program;
  const planning::PlanSource& s = plan.source;
  if (!s.study_instance_uid.empty()) e.uids["study"] = s.study_instance_uid;
  if (!s.series_instance_uid.empty()) e.uids["series"] = s.series_instance_uid;
  if (!s.frame_of_reference_uid.empty()) e.uids["frame_of_reference"] = s.frame_of_reference_uid;
  if (!s.voxel_sha256.empty()) e.sha256["voxels"] = s.voxel_sha256;
  if (!plan_file.empty()) {
    if (const std::string h = audit::fileSha256(plan_file); !h.empty()) e.sha256["plan"] = h;
  }
  e.details["revision"] = plan.revision;
  e.details["sessions"] = plan.sessions.size();
  e.details["lesions"] = plan.lesions.size();
  return e;
}

audit::Event planFileEvent(const std::string& action, const std::string& program,
                           const std::filesystem::path& plan_file) {
  try {
    return planEvent(action, program, planning::readPlanFile(plan_file), plan_file);
  } catch (const std::exception&) {
    audit::Event e;
    e.action = action;
    e.program = program;
    if (const std::string h = audit::fileSha256(plan_file); !h.empty()) e.sha256["plan"] = h;
    return e;
  }
}

audit::Event imageEvent(const std::string& action, const std::string& program,
                        const io::LoadedImage& image) {
  audit::Event e;
  e.action = action;
  e.program = program;
  if (image.series) {
    if (!image.series->study.study_instance_uid.empty()) {
      e.uids["study"] = image.series->study.study_instance_uid;
    }
    if (!image.series->series_instance_uid.empty()) {
      e.uids["series"] = image.series->series_instance_uid;
    }
    e.details["modality"] = image.series->modality;
  }
  const auto& n = image.image.geometry().size();
  e.details["size"] = {n[0], n[1], n[2]};
  return e;
}

void addOutput(audit::Event& event, const std::filesystem::path& file,
               const std::string& sop_instance_uid) {
  if (const std::string h = audit::fileSha256(file); !h.empty()) event.sha256["output"] = h;
  if (!sop_instance_uid.empty()) event.uids["output_sop_instance"] = sop_instance_uid;
}

}  // namespace rfa::workflow
