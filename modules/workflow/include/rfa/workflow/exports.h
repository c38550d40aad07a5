#pragma once
/// \file exports.h
/// \brief Exports of a saved plan, as the CLI's `export-rtstruct`, `export-seg` and `report`
/// commands and the GUI's File > Export menu run them: the plan file is re-read with the series
/// and segmentation it records (dicomexport::loadPlanCase: the series is checked to be the one
/// planned), so what is exported is what was saved. Research use only.
///
/// Files are written atomically (temp + rename). Frames: the DICOM objects reference the planned
/// series (patient LPS mm).

#include <filesystem>
#include <string>
#include <vector>

namespace rfa::workflow {

/// \brief What an export wrote, for a message to the user.
struct ExportSummary {
  std::filesystem::path file;
  std::string text;                ///< one-line summary, e.g. "12 ROIs, 340 contours ..."
  std::vector<std::string> notes;  ///< warnings of the loader and writer
};

/// \brief Which part of the plan, and overrides of the recorded inputs.
struct ExportOptions {
  int session = 0;           ///< 0: every session; N: the lesions of session N
  std::string series;        ///< DICOM folder of the planned series ("": as recorded)
  std::string segmentation;  ///< segmentation folder ("": as recorded)
  std::string software;      ///< e.g. "rfaplan 0.1.0", printed in descriptions and the report
};

/// \brief DICOM RT Structure Set of the plan's ROIs (dicomexport::planRois) at `out`.
/// \throws as dicomexport::loadPlanCase (NotFoundError, CorruptDataError, SelectionError for a
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

}  // namespace rfa::workflow
