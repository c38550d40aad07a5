#pragma once
/// \file exports.h
/// \brief Exports of a saved plan, as the CLI's `export-rtstruct`, `export-seg` and `report`
/// commands and the GUI's File > Export menu run them: the plan file is re-read with the series
/// and segmentation it records (planning::loadPlanCase: the series is checked to be the one
/// planned), so what is exported is what was saved. Research use only.
///
/// Files are written atomically (temp + rename). Frames: the DICOM objects reference the planned
/// series (patient LPS mm).

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rfa/workflow/deidentified_export.h"

namespace rfa::workflow {

/// \brief What an export wrote: a one-line summary for a message to the user, and the counts and
/// UIDs it is made of, for a caller that words its own output (the CLI).
struct ExportSummary {
  std::filesystem::path file;  ///< the file written (the report: as report::writeReport names it)
  std::string text;            ///< one-line summary, e.g. "RT Structure Set: 12 ROIs, 340 ..."
  std::vector<std::string> notes;         ///< loader_notes then writer_notes
  std::vector<std::string> loader_notes;  ///< planning::loadPlanCase's warnings
  std::vector<std::string> writer_notes;  ///< the RTSTRUCT / SEG writer's notes (report: none)

  // RTSTRUCT (dicomexport::RtstructWriteResult).
  std::size_t rois = 0;
  std::size_t contours = 0;
  std::size_t points = 0;
  std::string sop_instance_uid;  ///< the RT Structure Set's SOP Instance UID (SEG, report: "")
  // SEG (dicomexport::SegWriteResult).
  int segments = 0;
  int frames = 0;
  // RTSTRUCT and SEG: the SeriesInstanceUID of the planned series they reference.
  std::string series_instance_uid;
  /// De-identified exports: the mapping file used and the patient's pseudonym.
  std::filesystem::path mapping_file;
  std::string pseudonym;
  // Report (report::ReportResult).
  int pages = 0;
  std::size_t bytes = 0;
  std::size_t session_sections = 0;  ///< session sections written
};

/// \brief Which part of the plan, and overrides of the recorded inputs.
struct ExportOptions {
  int session = 0;           ///< 0: every session; N: the lesions of session N
  std::string series;        ///< DICOM folder of the planned series ("": as recorded)
  std::string segmentation;  ///< segmentation folder ("": as recorded)
  std::string software;      ///< e.g. "rfaplan 0.1.0", printed in descriptions and the report
  /// How the UnsupportedError for a plan whose image is not a DICOM series says to give one
  /// ("(give " + give_series + " with the same voxels)"); the CLI names its option.
  std::string give_series = "the DICOM series";
  /// Called with each loader note as soon as the plan is loaded, before anything is checked or
  /// written (so that a caller prints them even when the export then fails). They are also in
  /// ExportSummary::loader_notes.
  std::function<void(const std::string&)> on_loader_note;
  /// Set: a de-identified export for research (deidentified_export.h). RTSTRUCT and SEG are
  /// written, then de-identified with the mapping's key (their references then name the
  /// de-identified CT that `rfaplan deidentify` writes with the same mapping), keeping the
  /// descriptors rfaplan generated (Clean Descriptors Option); the report shows deidentifyCase().
  /// The mapping file must not lie inside the output's folder.
  std::optional<DeidSettings> deidentify;
};

/// \brief DICOM RT Structure Set of the plan's ROIs (dicomexport::planRois) at `out`.
/// \throws as planning::loadPlanCase (NotFoundError, CorruptDataError, SelectionError for a
/// series that is not the planned one), UnsupportedError when the plan's image is not a DICOM
/// series, UsageError for a session the plan does not have, WriteError.
ExportSummary exportRtstruct(const std::filesystem::path& plan_file,
                             const std::filesystem::path& out, const ExportOptions& options = {});

/// \brief DICOM Segmentation (binary) of the plan's label maps at `out`. Throws as
/// exportRtstruct().
ExportSummary exportSeg(const std::filesystem::path& plan_file, const std::filesystem::path& out,
                        const ExportOptions& options = {});

/// \brief The tumour-board PDF report (report::writeReport) at `out`. Throws as loadPlanCase and
/// writeReport.
ExportSummary exportReport(const std::filesystem::path& plan_file, const std::filesystem::path& out,
                           const ExportOptions& options = {});

/// \brief What an export writes.
enum class ExportKind { kRtstruct, kSeg, kReport };

/// \brief "rtstruct", "seg", "report": the names the CLI and the GUI's actions use.
const char* exportKindName(ExportKind kind);

/// \brief The kind named `name` (exportKindName()). \throws UsageError naming it and the kinds;
/// never a silent default.
ExportKind parseExportKind(std::string_view name);

/// \brief exportRtstruct(), exportSeg() or exportReport() by `kind`: the one dispatch the GUI and
/// PACS send use.
ExportSummary exportPlan(ExportKind kind, const std::filesystem::path& plan_file,
                         const std::filesystem::path& out, const ExportOptions& options = {});

}  // namespace rfa::workflow
