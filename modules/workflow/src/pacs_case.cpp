#include "rfa/workflow/pacs_case.h"

#include "rfa/core/error.h"
#include "rfa/core/private_files.h"

namespace rfa::workflow {

std::filesystem::path retrieveSeries(const pacs::DicomNode& node, const std::string& study_uid,
                                     const std::string& series_uid,
                                     const std::filesystem::path& cache_dir) {
  const std::filesystem::path dir = cache_dir / series_uid;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // a half-retrieved earlier copy must not mix in
  createPrivateFolder(cache_dir);        // patient data: owner only (0700; the files below it 0600)
  createPrivateFolder(dir);
  const pacs::GetResult got = pacs::getSeries(node, study_uid, series_uid, dir);
  restrictToOwner(dir);
  if (got.received == 0) {
    throw NoDataError("PACS " + pacs::describeNode(node) + " sent no instance of series " +
                      series_uid);
  }
  return dir;
}

CaseState openFromPacs(const pacs::DicomNode& node, const std::string& study_uid,
                       const std::string& series_uid, const std::filesystem::path& cache_dir) {
  return openCase(retrieveSeries(node, study_uid, series_uid, cache_dir));
}

PacsSendSummary sendPlanToPacs(const std::filesystem::path& plan_file, ExportKind kind,
                               const pacs::DicomNode& node, const std::filesystem::path& work_dir,
                               const ExportOptions& options) {
  if (kind == ExportKind::kReport) {
    throw UsageError("send to PACS: the report is a PDF; send the rtstruct or the seg");
  }
  createPrivateFolder(work_dir);
  const std::filesystem::path file =
      work_dir / (plan_file.stem().string() + "-" + exportKindName(kind) + ".dcm");
  PacsSendSummary s;
  s.exported = exportPlan(kind, plan_file, file, options);
  restrictToOwner(file);
  s.stored = pacs::store(node, {file});
  if (s.stored.sent == 0) {
    throw NetworkError(
        "PACS " + pacs::describeNode(node) + " stored nothing: " +
        (s.stored.failures.empty() ? std::string("no reason given") : s.stored.failures.front()));
  }
  return s;
}

}  // namespace rfa::workflow
