#pragma once
/// \file pacs_case.h
/// \brief A case from a PACS and a plan back to it: retrieve one series (C-GET) into a local cache
/// folder and open it; export a saved plan's RT Structure Set or SEG and store it (C-STORE). The
/// GUI's File > Open from PACS and Export > Send to PACS. Qt-free; network errors are
/// NetworkError (exit 11) naming the node.

#include <filesystem>
#include <string>

#include "rfa/pacs/pacs.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/exports.h"

namespace rfa::workflow {

/// \brief C-GET of the series into `cache_dir/<series UID>/` (replaced when it exists), owner only
/// (folders 0700, files 0600).
/// \returns that folder. \throws what pacs::getSeries() throws; NoDataError when the peer sent no
/// instance.
std::filesystem::path retrieveSeries(const pacs::DicomNode& node, const std::string& study_uid,
                                     const std::string& series_uid,
                                     const std::filesystem::path& cache_dir);

/// \brief retrieveSeries(), then openCase() on that folder. \throws what pacs::getSeries() and
/// openCase() throw; NoDataError when the peer sent no instance.
CaseState openFromPacs(const pacs::DicomNode& node, const std::string& study_uid,
                       const std::string& series_uid, const std::filesystem::path& cache_dir);

/// \brief What sendPlanToPacs() did.
struct PacsSendSummary {
  ExportSummary exported;  ///< the file written (in work_dir) and its figures
  pacs::StoreResult stored;
};

/// \brief Exports the saved plan (`kind` kRtstruct or kSeg, as exportPlan()) into `work_dir`
/// (created 0700, the file 0600) and
/// C-STOREs the file to `node`. \throws UsageError for the report (a PDF, not a DICOM object);
/// what the export and pacs::store() throw; NetworkError when the peer stored nothing.
PacsSendSummary sendPlanToPacs(const std::filesystem::path& plan_file, ExportKind kind,
                               const pacs::DicomNode& node, const std::filesystem::path& work_dir,
                               const ExportOptions& options = {});

}  // namespace rfa::workflow
