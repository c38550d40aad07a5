#pragma once
/// \file rtstruct.h
/// \brief DICOM RT Structure Set (RTSTRUCT) out of and into label maps on a source series' grid
/// (DCMTK dcmrt). Every coordinate is DICOM patient LPS in mm, as stored in Contour Data.
///
/// Written: patient/study of the source (same study, a new series), Referenced Frame of Reference
/// Sequence -> RT Referenced Study -> RT Referenced Series -> Contour Image Sequence listing every
/// slice of the source series; per ROI a Structure Set ROI item, an ROI Contour item (display
/// colour, CLOSED_PLANAR contours from contoursOfMask(), each with a Contour Image Sequence item
/// naming the slice it lies on; needles as one OPEN_NONPLANAR two-point contour, skin entry then
/// tip) and an RT ROI Observations item (interpreted type, description). When the source series
/// had no Frame of Reference, the UID rfaplan derived for it is used throughout (and recorded in
/// the file's notes). Decimal strings are written with at most 16 characters (DS), names are cut
/// to their VR's length with a note, and the character set of the source is declared (ISO_IR 100
/// when the source declares none).

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "rfa/dicomexport/roi.h"
#include "rfa/io/dicom_types.h"

namespace rfa::dicomexport {

/// \brief Attributes of a written structure set.
struct RtstructWriteOptions {
  std::string label = "RFAPLAN";  ///< Structure Set Label (SH, <= 16 characters)
  std::string name;               ///< Structure Set Name (LO)
  std::string description;        ///< Structure Set Description (ST)
  std::string series_description = "rfaplan treatment plan structures";
  int series_number = 902;
  /// Non-empty: the series/SOP Instance UIDs are derived from it (same key -> same UIDs); empty:
  /// fresh UIDs.
  std::string uid_key;
  /// Structure Set / Instance Creation date (yyyymmdd) and time (hhmmss); empty: now (UTC).
  std::string date;
  std::string time;
};

/// \brief What was written.
struct RtstructWriteResult {
  std::size_t rois = 0;
  std::size_t contours = 0;
  std::size_t points = 0;
  std::string series_instance_uid;
  std::string sop_instance_uid;
  std::vector<std::string> notes;  ///< empty ROIs, shortened names, derived frame of reference
};

/// \brief Writes `rois` as an RT Structure Set referencing `source` to `out`, atomically (a
/// temporary file renamed over `out`). Volumetric ROIs must be on source.geometry's grid.
/// \throws UnsupportedError when `source` is not loadable or has no slices; GeometryError naming
/// the ROI when a mask is on another grid; UsageError when two ROIs share a number or a needle
/// ROI has not two points; WriteError naming `out`.
RtstructWriteResult writeRtstructFile(const std::filesystem::path& out,
                                      const std::vector<Roi>& rois, const io::DicomSeries& source,
                                      const RtstructWriteOptions& options = {});

/// \brief One contour of a read structure set.
struct RtstructContour {
  std::string geometric_type;    ///< POINT, OPEN_PLANAR, OPEN_NONPLANAR, CLOSED_PLANAR
  std::vector<Vec3> points_lps;  ///< LPS mm
  std::vector<std::string> image_sop_instance_uids;  ///< its Contour Image Sequence
};

/// \brief One ROI of a read structure set.
struct RtstructRoi {
  int number = 0;
  std::string name;
  std::string description;
  std::string interpreted_type;        ///< from RT ROI Observations ("" when absent)
  std::string frame_of_reference_uid;  ///< Referenced Frame of Reference UID (3006,0024)
  std::array<std::uint8_t, 3> colour{0, 0, 0};
  bool has_colour = false;
  std::vector<RtstructContour> contours;
};

/// \brief One series referenced by the structure set (Referenced Frame of Reference Sequence).
struct RtstructReference {
  std::string frame_of_reference_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::vector<std::string> image_sop_instance_uids;
};

/// \brief A structure set as read, before it is put on any grid.
struct RtstructFile {
  std::filesystem::path file;
  std::string sop_instance_uid;
  std::string series_instance_uid;
  std::string study_instance_uid;
  std::string patient_id;
  std::string label;
  std::string specific_character_set;
  std::vector<RtstructReference> references;
  std::vector<RtstructRoi> rois;  ///< in Structure Set ROI Sequence order
  [[nodiscard]] std::size_t contourCount() const;
};

/// \brief Reads an RT Structure Set (with or without File Meta header).
/// \throws NotFoundError (missing file), CorruptDataError naming the file and the element when it
/// is not DICOM, not an RT Structure Set (the SOP Class/Modality is named) or a Contour Data does
/// not hold 3 x Number of Contour Points numbers.
RtstructFile readRtstructFile(const std::filesystem::path& file);

/// \brief How an imported structure set is checked against the series.
struct RtstructImportOptions {
  /// true: the structure set must reference `series` (frame of reference, series UID, every
  /// image UID of a contour); false: only the geometry is used (for files of other systems with
  /// broken references; each mismatch is a note).
  bool check_references = true;
};

/// \brief The ROIs of an imported structure set on the series' grid.
struct RtstructImport {
  std::vector<Roi> rois;  ///< closed contours filled into masks; open contours/points as lines
  std::vector<std::size_t> contour_counts;  ///< per ROI, contours in the file
  std::vector<std::string> notes;
};

/// \brief Fills every ROI's closed planar contours into a mask on `series`' grid (fillContours):
/// open contours and points become `line_lps`.
/// \throws SelectionError naming the file, the UIDs expected and found, when check_references is
/// on and the structure set's frame of reference (unless the series has none: then the series and
/// image references decide), referenced series or a contour's image UID do not match `series`;
/// GeometryError (fillContours) for a contour off the series' slice planes; UnsupportedError when
/// `series` is not loadable.
RtstructImport importRtstruct(const RtstructFile& rtss, const io::DicomSeries& series,
                              const RtstructImportOptions& options = {});

}  // namespace rfa::dicomexport
