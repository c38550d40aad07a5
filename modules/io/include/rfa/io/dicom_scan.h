#pragma once
/// \file dicom_scan.h
/// \brief Finding DICOM image series in a folder: header parsing, grouping, sorting, checks.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "rfa/io/dicom_types.h"

namespace rfa::io {

/// \brief Result of scanning a folder (or one file) for DICOM image series.
struct ScanResult {
  std::vector<DicomSeries> series;
  std::vector<SkippedFile> skipped;  ///< non-image DICOM objects, non-DICOM files, unreadable files
  std::size_t files_examined = 0;
  bool used_dicomdir =
      false;  ///< a DICOMDIR was found (its records are not needed: files are scanned)
};

/// \brief Scans `path` (a folder, searched recursively, or a single file) for DICOM image series.
/// Files are recognised by content, not by name or extension. Headers are read in parallel.
/// \throws NotFoundError if `path` does not exist or cannot be read.
/// \throws NoDataError if no DICOM image was found (message lists why files were skipped).
/// \throws CorruptDataError if the only DICOM-looking files are truncated or malformed.
ScanResult scanDicom(const std::filesystem::path& path);

/// \brief Parses the header of one DICOM file into one slice record per frame.
/// \throws CorruptDataError (truncated/malformed), NoDataError (not DICOM or no pixel data).
std::vector<DicomSliceInfo> readSliceHeaders(const std::filesystem::path& file);

/// \brief Groups slices by SeriesInstanceUID, then splits each UID by orientation, matrix size and
/// pixel spacing into stacks; sorts each stack along its normal and checks it: duplicate positions
/// (dropped, warned), missing slices / non-uniform spacing (warned; loading resamples to the median
/// spacing), gantry tilt (warned; geometry keeps the shear), missing position/orientation (those
/// slices dropped, or the stack marked not loadable), missing FrameOfReferenceUID (derived,
/// warned). Never throws for bad geometry: problems are recorded in each series.
std::vector<DicomSeries> assembleSeries(std::vector<DicomSliceInfo> slices);

}  // namespace rfa::io
