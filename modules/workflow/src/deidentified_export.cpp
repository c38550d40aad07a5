// De-identified research exports of a saved plan (deidentified_export.h).
#include "rfa/workflow/deidentified_export.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "rfa/core/error.h"
#include "rfa/core/private_files.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/planning/plan_io.h"
#include "rfa/workflow/exports.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

void replaceAll(std::string& s, const std::string& what, const std::string& by) {
  if (what.empty()) return;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + by.size())) {
    s.replace(at, what.size(), by);
  }
}

// Every string of `j`, recursively.
template <typename F>
void eachString(nlohmann::json& j, const F& f) {
  if (j.is_string()) {
    f(j.get_ref<std::string&>());
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) eachString(v, f);
  }
}

bool digitAt(const std::string& s, std::size_t i) {
  return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0;
}

// Every yyyy-mm-dd (years 1900-2099, not inside a longer run of digits or letters) replaced by
// "(date removed)". (A scanner, not std::regex: GCC 12's regex trips -Wmaybe-uninitialized
// under the sanitizers.)
std::string withoutDates(const std::string& s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const bool starts =
        (i == 0 || std::isalnum(static_cast<unsigned char>(s[i - 1])) == 0) && i + 10 <= s.size() &&
        ((s[i] == '1' && s[i + 1] == '9') || (s[i] == '2' && s[i + 1] == '0')) &&
        digitAt(s, i + 2) && digitAt(s, i + 3) && s[i + 4] == '-' && digitAt(s, i + 5) &&
        digitAt(s, i + 6) && s[i + 7] == '-' && digitAt(s, i + 8) && digitAt(s, i + 9) &&
        (i + 10 == s.size() || std::isalnum(static_cast<unsigned char>(s[i + 10])) == 0);
    if (starts) {
      out += "(date removed)";
      i += 10;
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace

fs::path mappingFileOf(const DeidSettings& s) {
  return s.mapping_file.empty() ? deid::defaultMappingFile() : s.mapping_file;
}

planning::TreatmentPlan deidentifiedPlan(const planning::TreatmentPlan& plan,
                                         deid::Mapping& mapping, bool retain_dates) {
  planning::TreatmentPlan p = plan;
  const planning::PlanSource& src = plan.source;
  const std::string pseudonym = mapping.pseudonym(src.patient_id);
  p.source.patient_id = pseudonym;
  p.source.study_instance_uid = mapping.uid(src.study_instance_uid);
  p.source.series_instance_uid = mapping.uid(src.series_instance_uid);
  p.source.frame_of_reference_uid = mapping.uid(src.frame_of_reference_uid);
  p.source.input = "";
  p.source.segmentation = "";
  p.settings.prior_plan = plan.settings.prior_plan.empty() ? "" : "earlier plan";
  for (planning::PlanSession& s : p.sessions) {
    s.review_by.clear();
    s.review_at.clear();
    s.review_comment.clear();
    if (!retain_dates) s.lab_date.clear();
  }
  if (!retain_dates) {
    p.settings.start_date.clear();
    for (planning::PlanEvent& e : p.timeline) e.date.clear();
  }
  // Free texts: the original paths, patient ID and UIDs replaced; dates removed.
  nlohmann::json j = nlohmann::json::parse(planning::serializePlan(p));
  eachString(j, [&](std::string& s) {
    replaceAll(s, src.input, "the series");
    replaceAll(s, src.segmentation, "the segmentation");
    if (src.patient_id.size() >= 3) replaceAll(s, src.patient_id, pseudonym);
    for (const std::string* u :
         {&src.study_instance_uid, &src.series_instance_uid, &src.frame_of_reference_uid}) {
      replaceAll(s, *u, mapping.uid(*u));
    }
    if (!retain_dates) s = withoutDates(s);
  });
  return planning::parsePlan(j.dump(), "de-identified plan");
}

void deidentifyCase(planning::PlanCase& c, deid::Mapping& mapping, bool retain_dates) {
  c.plan = deidentifiedPlan(c.plan, mapping, retain_dates);
  c.plan_file = c.plan_file.parent_path() / "deidentified-plan.json";
  c.image_path = "the de-identified series";
  c.segmentation_dir = "segmentation";
  if (c.image.series) {
    io::DicomSeries& s = *c.image.series;
    const std::string pseudonym = c.plan.source.patient_id;
    s.study.patient_name = pseudonym;
    s.study.patient_id = pseudonym;
    s.study.patient_birth_date.clear();
    s.study.patient_sex.clear();
    s.study.accession_number.clear();
    s.study.referring_physician.clear();
    s.study.study_description.clear();
    s.study.study_id.clear();
    s.description.clear();  // Series Description: X in the Basic Profile
    s.id = c.plan.source.series_instance_uid;
    if (!retain_dates) {
      s.study.study_date.clear();
      s.study.study_time.clear();
    }
    s.study.study_instance_uid = c.plan.source.study_instance_uid;
    s.series_instance_uid = c.plan.source.series_instance_uid;
    s.frame_of_reference_uid = c.plan.source.frame_of_reference_uid;
  }
  c.notes.clear();
}

DeidBundleSummary deidentifySeries(const fs::path& in, const fs::path& out, const DeidSettings& s) {
  DeidBundleSummary sum;
  sum.out = out;
  sum.mapping_file = mappingFileOf(s);
  deid::checkMappingOutside(sum.mapping_file, out);
  deid::Mapping m = deid::Mapping::openOrCreate(sum.mapping_file);
  deid::DeidOptions o;
  o.retain_dates = s.retain_dates;
  o.software = s.software;
  const deid::DeidFolderResult r = deid::deidentifyFolder(in, out, m, o);
  m.save();
  sum.images = r.files.size();
  sum.skipped = r.skipped;
  return sum;
}

DeidBundleSummary deidentifyPlanBundle(const fs::path& plan_file, const fs::path& out,
                                       const DeidSettings& s,
                                       const planning::PlanCaseOptions& inputs, bool with_exports) {
  DeidBundleSummary sum;
  sum.out = out;
  sum.mapping_file = mappingFileOf(s);
  deid::checkMappingOutside(sum.mapping_file, out);
  const planning::PlanCase c = planning::loadPlanCase(plan_file, inputs);
  if (!c.image.series) {
    throw UnsupportedError("the plan's image " + c.image_path.string() +
                           " is not a DICOM series: rfaplan deidentify takes a plan made on one");
  }
  std::vector<fs::path> files;
  for (const io::DicomSliceInfo& sl : c.image.series->slices) {
    if (files.empty() || files.back() != sl.file) files.push_back(sl.file);
  }
  deid::Mapping m = deid::Mapping::openOrCreate(sum.mapping_file);
  deid::DeidOptions o;
  o.retain_dates = s.retain_dates;
  o.software = s.software;
  createPrivateFolder(out, ExistingFolder::kKeep);
  const deid::DeidFolderResult r = deid::deidentifyFiles(files, out / "ct", m, o);
  sum.images = r.files.size();
  sum.skipped = r.skipped;

  io::writeSegmentationFolder(out / "segmentation", c.segmentation);
  restrictToOwner(out / "segmentation");
  planning::TreatmentPlan p = deidentifiedPlan(c.plan, m, s.retain_dates);
  p.source.input = "ct";
  p.source.segmentation = "segmentation";
  sum.plan = out / "plan.json";
  planning::writePlanFile(sum.plan, p);
  restrictToOwner(sum.plan);
  m.save();
  sum.pseudonym = p.source.patient_id;
  sum.series_instance_uid = p.source.series_instance_uid;
  if (with_exports) {
    ExportOptions eo;
    eo.series = inputs.series;
    eo.segmentation = inputs.segmentation;
    eo.software = s.software;
    eo.deidentify = s;
    eo.deidentify->mapping_file = sum.mapping_file;
    for (const auto& [kind, name] :
         {std::pair{ExportKind::kRtstruct, "rtss.dcm"}, std::pair{ExportKind::kSeg, "seg.dcm"},
          std::pair{ExportKind::kReport, "report.pdf"}}) {
      sum.exports.push_back(exportPlan(kind, plan_file, out / name, eo).file);
    }
  }
  return sum;
}

}  // namespace rfa::workflow
