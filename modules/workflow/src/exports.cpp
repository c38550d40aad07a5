#include "rfa/workflow/exports.h"

#include "rfa/core/error.h"
#include "rfa/dicomexport/plan_rois.h"
#include "rfa/dicomexport/rtstruct.h"
#include "rfa/dicomexport/seg.h"
#include "rfa/planning/plan_case.h"
#include "rfa/report/report.h"

namespace rfa::workflow {
namespace {

struct Prepared {
  planning::PlanCase plan_case;
  std::vector<dicomexport::Roi> rois;
};

planning::PlanCase loadCase(const std::filesystem::path& plan_file, const ExportOptions& o) {
  planning::PlanCaseOptions po;
  po.series = o.series;
  po.segmentation = o.segmentation;
  planning::PlanCase c = planning::loadPlanCase(plan_file, po);
  if (o.on_loader_note) {
    for (const std::string& n : c.notes) o.on_loader_note(n);
  }
  return c;
}

// The summary's notes: the loader's, then the writer's.
void setNotes(ExportSummary& s, const std::vector<std::string>& loader,
              const std::vector<std::string>& writer) {
  s.loader_notes = loader;
  s.writer_notes = writer;
  s.notes = loader;
  s.notes.insert(s.notes.end(), writer.begin(), writer.end());
}

Prepared prepare(const std::filesystem::path& plan_file, const ExportOptions& o) {
  Prepared p{loadCase(plan_file, o), {}};
  if (!p.plan_case.image.series) {
    throw UnsupportedError("the plan's image " + p.plan_case.image_path.string() +
                           " is not a DICOM series: DICOM objects must reference one (give " +
                           o.give_series + " with the same voxels)");
  }
  dicomexport::PlanRoiOptions ro;
  ro.session = o.session;
  p.rois = dicomexport::planRois(p.plan_case.plan, *p.plan_case.segmentation.liver,
                                 *p.plan_case.segmentation.lesions, ro);
  return p;
}

std::string describe(const planning::PlanCase& c, int session) {
  return "rfaplan plan " + c.plan_file.filename().string() + " revision " +
         std::to_string(c.plan.revision) +
         (session > 0 ? ", session " + std::to_string(session) : std::string(", all sessions"));
}

}  // namespace

ExportSummary exportRtstruct(const std::filesystem::path& plan_file,
                             const std::filesystem::path& out, const ExportOptions& options) {
  const Prepared p = prepare(plan_file, options);
  dicomexport::RtstructWriteOptions o;
  o.label = options.session > 0 ? "RFA S" + std::to_string(options.session) : "RFA PLAN";
  o.name = describe(p.plan_case, options.session);
  o.description = o.name + " (" + p.plan_case.plan.software + "). RESEARCH USE ONLY.";
  const auto w = dicomexport::writeRtstructFile(out, p.rois, *p.plan_case.image.series, o);
  ExportSummary s;
  s.file = out;
  s.rois = w.rois;
  s.contours = w.contours;
  s.points = w.points;
  s.sop_instance_uid = w.sop_instance_uid;
  s.series_instance_uid = p.plan_case.image.series->series_instance_uid;
  s.text = "RT Structure Set: " + std::to_string(s.rois) + " ROIs, " + std::to_string(s.contours) +
           " contours, " + std::to_string(s.points) + " points; SOP Instance UID " +
           s.sop_instance_uid + "; references series " + s.series_instance_uid;
  setNotes(s, p.plan_case.notes, w.notes);
  return s;
}

ExportSummary exportSeg(const std::filesystem::path& plan_file, const std::filesystem::path& out,
                        const ExportOptions& options) {
  const Prepared p = prepare(plan_file, options);
  dicomexport::SegWriteOptions o;
  o.series_description = describe(p.plan_case, options.session);
  const auto w = dicomexport::writeSegFile(out, p.rois, *p.plan_case.image.series, o);
  ExportSummary s;
  s.file = out;
  s.segments = w.segments;
  s.frames = w.frames;
  s.series_instance_uid = p.plan_case.image.series->series_instance_uid;
  s.text = "DICOM SEG: " + std::to_string(s.segments) + " segments, " + std::to_string(s.frames) +
           " frames; references series " + s.series_instance_uid;
  setNotes(s, p.plan_case.notes, w.notes);
  return s;
}

ExportSummary exportReport(const std::filesystem::path& plan_file, const std::filesystem::path& out,
                           const ExportOptions& options) {
  if (options.session < 0) throw UsageError("session must be >= 1 (0: every session)");
  const planning::PlanCase c = loadCase(plan_file, options);
  report::ReportOptions ro;
  ro.session = options.session;
  ro.software = options.software;
  const report::ReportResult r = report::writeReport(c, out, ro);
  ExportSummary s;
  s.file = r.file;
  s.pages = r.pages;
  s.bytes = r.bytes;
  s.session_sections = r.sessions.size();
  s.text = "report: " + std::to_string(s.pages) + " pages (" + std::to_string(s.session_sections) +
           " session section(s), " + std::to_string((s.bytes + 512) / 1024) + " KiB)";
  setNotes(s, c.notes, {});
  return s;
}

const char* exportKindName(ExportKind kind) {
  switch (kind) {
    case ExportKind::kRtstruct:
      return "rtstruct";
    case ExportKind::kSeg:
      return "seg";
    case ExportKind::kReport:
      return "report";
  }
  return "rtstruct";
}

ExportKind parseExportKind(std::string_view name) {
  for (const ExportKind k : {ExportKind::kRtstruct, ExportKind::kSeg, ExportKind::kReport}) {
    if (name == exportKindName(k)) return k;
  }
  throw UsageError("export kind '" + std::string(name) + "': must be rtstruct, seg or report");
}

ExportSummary exportPlan(ExportKind kind, const std::filesystem::path& plan_file,
                         const std::filesystem::path& out, const ExportOptions& options) {
  switch (kind) {
    case ExportKind::kRtstruct:
      return exportRtstruct(plan_file, out, options);
    case ExportKind::kSeg:
      return exportSeg(plan_file, out, options);
    case ExportKind::kReport:
      return exportReport(plan_file, out, options);
  }
  throw UsageError("unknown export kind");
}

}  // namespace rfa::workflow
