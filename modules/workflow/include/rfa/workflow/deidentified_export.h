#pragma once
/// \file deidentified_export.h
/// \brief De-identified research exports of a saved plan (DICOM PS3.15 E.1 Basic Application
/// Level Confidentiality Profile, deid/deidentify.h), as `rfaplan deidentify` and the
/// `--deidentify` option of export-rtstruct, export-seg and report run them.
///
/// Every replacement comes from one local key (deid::Mapping, default
/// deid::defaultMappingFile()), so a de-identified RT Structure Set or SEG references the
/// de-identified CT written with the same mapping file, and a de-identified plan loads on it. The
/// mapping file is never written inside an output. Research use only.

#include <filesystem>
#include <string>
#include <vector>

#include "rfa/deid/deidentify.h"
#include "rfa/deid/mapping.h"
#include "rfa/planning/plan.h"
#include "rfa/planning/plan_case.h"

namespace rfa::workflow {

/// \brief How to de-identify.
struct DeidSettings {
  std::filesystem::path mapping_file;  ///< "": deid::defaultMappingFile()
  bool retain_dates = false;           ///< Retain Longitudinal Temporal Information, Full Dates
  std::string software = "rfaplan";    ///< named in De-identification Method
};

/// \brief The mapping file `s` names (its default when empty).
std::filesystem::path mappingFileOf(const DeidSettings& s);

/// \brief `plan` without identifiers: patient ID -> pseudonym; study, series and frame of
/// reference UIDs -> their replacements; the input and segmentation paths, the earlier plan's
/// name and the tumour board's reviewer, time and comment removed; without retain_dates every date
/// (start date, event dates, lab dates and any yyyy-mm-dd in a text) removed (the timeline stays
/// in days). Free texts naming the original paths or patient ID get them replaced.
planning::TreatmentPlan deidentifiedPlan(const planning::TreatmentPlan& plan,
                                         deid::Mapping& mapping, bool retain_dates);

/// \brief `c` as a de-identified report shows it: deidentifiedPlan(), the series' patient and
/// study attributes replaced (name and ID: the pseudonym; birth date, sex, accession, referring
/// physician, description: removed; study date kept only with retain_dates), and the file names
/// and paths neutral. In memory only.
void deidentifyCase(planning::PlanCase& c, deid::Mapping& mapping, bool retain_dates);

/// \brief What `rfaplan deidentify` wrote.
struct DeidBundleSummary {
  std::filesystem::path out;
  std::filesystem::path mapping_file;
  std::size_t images = 0;            ///< de-identified DICOM files
  std::vector<std::string> skipped;  ///< non-DICOM inputs, with why
  std::filesystem::path plan;        ///< OUT/plan.json ("" for a series only)
  std::string pseudonym;             ///< the patient's
  std::string series_instance_uid;   ///< the de-identified series' (plans only)
  /// Plans: the de-identified exports written beside them (rtss.dcm, seg.dcm, report.pdf).
  std::vector<std::filesystem::path> exports;
};

/// \brief De-identifies a DICOM series folder (or file) into `out` (flat, "<new SOP UID>.dcm").
DeidBundleSummary deidentifySeries(const std::filesystem::path& in,
                                   const std::filesystem::path& out, const DeidSettings& s);

/// \brief De-identifies a saved plan with what it needs into `out` (a research package): OUT/ct/
/// (its DICOM series), OUT/segmentation/ (its label maps), OUT/plan.json (deidentifiedPlan(),
/// naming ct and segmentation: `rfaplan export-rtstruct OUT/plan.json` etc. run on it) and, when
/// `with_exports`, OUT/rtss.dcm, OUT/seg.dcm and OUT/report.pdf (exports.h with `deidentify`).
/// \throws as planning::loadPlanCase; UnsupportedError when the plan's image is not a DICOM
/// series; UsageError when the mapping file would be inside `out`; what deid throws.
DeidBundleSummary deidentifyPlanBundle(const std::filesystem::path& plan_file,
                                       const std::filesystem::path& out, const DeidSettings& s,
                                       const planning::PlanCaseOptions& inputs = {},
                                       bool with_exports = true);

}  // namespace rfa::workflow
