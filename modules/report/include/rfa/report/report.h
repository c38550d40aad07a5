#pragma once
/// \file report.h
/// \brief The tumour-board report of a treatment plan as a PDF (A4 portrait), made headless with
/// cairo: a summary page (patient, study, settings, volumes, sessions, unscheduled lesions,
/// timeline), one section per session (lesion table, volumes, lab checks, batching reasons,
/// review, an axial key image per lesion and a 3D overview), lesions not scheduled, and a methods
/// page. Every page carries the RESEARCH USE ONLY header, the patient, the study date, the plan
/// file and revision and "page N of M". Research use only: a planning aid for discussion, never a
/// clinical decision.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "rfa/planning/plan_case.h"
#include "rfa/report/key_image.h"
#include "rfa/report/overview3d.h"

namespace rfa::report {

/// \brief The header's first line, on every page.
inline constexpr const char* kReportBanner =
    "rfaplan \u2014 RFA treatment plan \u2014 RESEARCH USE ONLY, not for clinical use";

/// \brief What to put in the report.
struct ReportOptions {
  int session = 0;  ///< 0: every session; N: the summary, session N only and the methods
  /// The program writing the report, e.g. "rfaplan 0.6.0" (the plan's own "software" is printed
  /// too); empty: "rfaplan".
  std::string software;
  bool overview3d = true;     ///< a 3D overview per session
  KeyImageOptions key_image;  ///< size_px, field, window (CT: liver window by default)
  Overview3dOptions overview;
};

/// \brief A picture placed in the report, in PDF points (1/72 in) from the page's top-left.
struct ReportPicture {
  std::string
      kind;  ///< "key" (key image), "ultrasound" (probe-plane image) or "overview" (3D view)
  int session = 0;
  int lesion_id = 0;      ///< key images: the lesion
  std::size_t slice = 0;  ///< key images: 0-based slice index
  int page = 0;           ///< 1-based page
  double x_pt = 0;
  double y_pt = 0;
  double width_pt = 0;
  double height_pt = 0;
};

/// \brief What was written.
struct ReportResult {
  std::filesystem::path file;
  int pages = 0;
  std::size_t bytes = 0;
  std::vector<ReportPicture> pictures;  ///< in page order
  std::vector<int> sessions;            ///< the session sections written
};

/// \brief The page size: A4 portrait in points.
inline constexpr double kPageWidthPt = 595;
inline constexpr double kPageHeightPt = 842;

/// \brief Renders the report of `plan_case` to PDF bytes; `result` (may be null) receives the
/// page count and the pictures (its `file` and `bytes` are left empty / 0).
/// \throws UsageError when options.session is not a session of the plan (naming how many it
/// has); what renderKeyImage / renderOverview3d throw; WriteError when cairo fails.
std::string renderReportPdf(const planning::PlanCase& plan_case, const ReportOptions& options,
                            ReportResult* result = nullptr);

/// \brief Renders the report and writes it to `out` atomically (writeFileAtomically: readers see
/// the old file or the new one, never a part).
/// \throws as renderReportPdf; WriteError naming `out` when it cannot be written.
ReportResult writeReport(const planning::PlanCase& plan_case, const std::filesystem::path& out,
                         const ReportOptions& options = {});

}  // namespace rfa::report
