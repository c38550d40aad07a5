#include "rfa/workflow/exports.h"

#include <unistd.h>

#include "rfa/core/error.h"
#include "rfa/core/private_files.h"
#include "rfa/deid/deidentify.h"
#include "rfa/dicomexport/plan_rois.h"
#include "rfa/dicomexport/rtstruct.h"
#include "rfa/dicomexport/seg.h"
#include "rfa/planning/plan_case.h"
#include "rfa/report/report.h"

#include <set>

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

// De-identification of a written DICOM object (deidentified_export.h): `write` writes it to a
// file in a private temporary folder; it is de-identified into `out`. Returns the written
// object's replacement SOP Instance UID.
template <typename Write>
std::string writeDeidentified(const std::filesystem::path& out, const DeidSettings& d,
                              std::set<std::string> known, ExportSummary& s, const Write& write) {
  namespace fs = std::filesystem;
  s.mapping_file = mappingFileOf(d);
  deid::checkMappingOutside(s.mapping_file, out);
  deid::Mapping m = deid::Mapping::openOrCreate(s.mapping_file);
  const fs::path tmp_dir =
      out.parent_path().empty()
          ? fs::path(".rfaplan-deid-" + std::to_string(::getpid()))
          : out.parent_path() / (".rfaplan-deid-" + std::to_string(::getpid()));
  createPrivateFolder(tmp_dir, ExistingFolder::kNarrow);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmp_dir};
  const fs::path identified = tmp_dir / "object.dcm";
  write(identified);
  deid::DeidOptions o;
  o.retain_dates = d.retain_dates;
  o.software = d.software;
  o.known_descriptors = std::move(known);
  const deid::DeidFileResult r = deid::deidentifyFile(identified, out, m, o);
  m.save();
  s.pseudonym = m.pseudonym(s.pseudonym);
  s.series_instance_uid = m.uid(s.series_instance_uid);
  return r.sop_instance_uid;
}

// The descriptors rfaplan generated for `rois` (kept under the Clean Descriptors Option).
std::set<std::string> descriptorsOf(const std::vector<dicomexport::Roi>& rois) {
  std::set<std::string> k;
  for (const dicomexport::Roi& r : rois) {
    k.insert(r.name);
    k.insert(r.description);
  }
  k.erase("");
  return k;
}

}  // namespace

ExportSummary exportRtstruct(const std::filesystem::path& plan_file,
                             const std::filesystem::path& out, const ExportOptions& options) {
  const Prepared p = prepare(plan_file, options);
  dicomexport::RtstructWriteOptions o;
  o.label = options.session > 0 ? "RFA S" + std::to_string(options.session) : "RFA PLAN";
  o.name = describe(p.plan_case, options.session);
  o.description = o.name + " (" + p.plan_case.plan.software + "). RESEARCH USE ONLY.";
  ExportSummary s;
  s.series_instance_uid = p.plan_case.image.series->series_instance_uid;
  dicomexport::RtstructWriteResult w;
  if (options.deidentify) {
    o.name = "rfaplan plan revision " + std::to_string(p.plan_case.plan.revision) +
             (options.session > 0 ? ", session " + std::to_string(options.session)
                                  : std::string(", all sessions"));
    o.description = o.name + ". RESEARCH USE ONLY.";
    std::set<std::string> known = descriptorsOf(p.rois);
    known.insert({o.label, o.name, o.description, o.series_description});
    s.pseudonym = p.plan_case.plan.source.patient_id;
    const std::string sop =
        writeDeidentified(out, *options.deidentify, known, s, [&](const std::filesystem::path& f) {
          w = dicomexport::writeRtstructFile(f, p.rois, *p.plan_case.image.series, o);
        });
    w.sop_instance_uid = sop;
  } else {
    w = dicomexport::writeRtstructFile(out, p.rois, *p.plan_case.image.series, o);
  }
  s.file = out;
  s.rois = w.rois;
  s.contours = w.contours;
  s.points = w.points;
  s.sop_instance_uid = w.sop_instance_uid;
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
  ExportSummary s;
  s.series_instance_uid = p.plan_case.image.series->series_instance_uid;
  dicomexport::SegWriteResult w;
  if (options.deidentify) {
    o.series_description = "rfaplan plan revision " + std::to_string(p.plan_case.plan.revision) +
                           (options.session > 0 ? ", session " + std::to_string(options.session)
                                                : std::string(", all sessions"));
    std::set<std::string> known = descriptorsOf(p.rois);
    known.insert(o.series_description);
    s.pseudonym = p.plan_case.plan.source.patient_id;
    s.sop_instance_uid =
        writeDeidentified(out, *options.deidentify, known, s, [&](const std::filesystem::path& f) {
          w = dicomexport::writeSegFile(f, p.rois, *p.plan_case.image.series, o);
        });
  } else {
    w = dicomexport::writeSegFile(out, p.rois, *p.plan_case.image.series, o);
  }
  s.file = out;
  s.segments = w.segments;
  s.frames = w.frames;
  s.text = "DICOM SEG: " + std::to_string(s.segments) + " segments, " + std::to_string(s.frames) +
           " frames; references series " + s.series_instance_uid;
  setNotes(s, p.plan_case.notes, w.notes);
  return s;
}

ExportSummary exportReport(const std::filesystem::path& plan_file, const std::filesystem::path& out,
                           const ExportOptions& options) {
  if (options.session < 0) throw UsageError("session must be >= 1 (0: every session)");
  planning::PlanCase c = loadCase(plan_file, options);
  ExportSummary s;
  if (options.deidentify) {
    s.mapping_file = mappingFileOf(*options.deidentify);
    deid::checkMappingOutside(s.mapping_file, out);
    deid::Mapping m = deid::Mapping::openOrCreate(s.mapping_file);
    deidentifyCase(c, m, options.deidentify->retain_dates);
    m.save();
    s.pseudonym = c.plan.source.patient_id;
  }
  report::ReportOptions ro;
  ro.session = options.session;
  ro.software = options.software;
  const report::ReportResult r = report::writeReport(c, out, ro);
  if (options.deidentify) restrictToOwner(r.file);  // as the de-identified DICOM objects
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
