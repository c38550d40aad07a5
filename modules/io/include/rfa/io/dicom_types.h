#pragma once
/// \file dicom_types.h
/// \brief What rfaplan keeps of a DICOM image series: patient/study modules, frame of reference and
/// one record per slice (file, SOP Instance UID, position). Positions and directions are DICOM
/// patient LPS in mm, as stored in the files.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"

namespace rfa::io {

/// \brief Patient and general-study module attributes, copied verbatim (empty when absent).
struct DicomStudyInfo {
  std::string specific_character_set;  ///< (0008,0005)
  std::string patient_name;            ///< (0010,0010)
  std::string patient_id;              ///< (0010,0020)
  std::string patient_birth_date;      ///< (0010,0030)
  std::string patient_sex;             ///< (0010,0040)
  std::string study_instance_uid;      ///< (0020,000D)
  std::string study_date;              ///< (0008,0020)
  std::string study_time;              ///< (0008,0030)
  std::string study_id;                ///< (0020,0010)
  std::string accession_number;        ///< (0008,0050)
  std::string referring_physician;     ///< (0008,0090)
  std::string study_description;       ///< (0008,1030)
};

/// \brief One image plane (a single-frame file, or one frame of a multi-frame file).
struct DicomSliceInfo {
  std::filesystem::path file;
  int frame_index = 0;  ///< 0-based frame within `file` (0 for single-frame files)
  int number_of_frames = 1;
  std::string transfer_syntax_uid;        ///< (0002,0010)
  std::string sop_class_uid;              ///< (0008,0016), or (0002,0002) if that is empty
  std::string sop_instance_uid;           ///< (0008,0018), or (0002,0003) if that is empty
  std::string series_instance_uid;        ///< (0020,000E) (may be empty in broken files)
  std::string frame_of_reference_uid;     ///< (0020,0052)
  std::string modality;                   ///< (0008,0060)
  std::string series_description;         ///< (0008,103E)
  std::optional<int> series_number;       ///< (0020,0011)
  std::optional<int> instance_number;     ///< (0020,0013)
  std::optional<int> acquisition_number;  ///< (0020,0012)
  std::optional<Vec3> position;  ///< ImagePositionPatient (0020,0032), LPS mm, centre of 1st voxel
  std::optional<Vec3>
      row_direction;  ///< ImageOrientationPatient (0020,0037) first triplet (along a row)
  std::optional<Vec3> column_direction;  ///< second triplet (down a column)
  double row_spacing = 0;      ///< PixelSpacing (0028,0030)[0]: mm between rows (0 if absent)
  double column_spacing = 0;   ///< PixelSpacing (0028,0030)[1]: mm between columns (0 if absent)
  double slice_thickness = 0;  ///< (0018,0050), 0 if absent
  double gantry_tilt_deg = 0;  ///< GantryDetectorTilt (0018,1120), 0 if absent
  std::uint16_t rows = 0, columns = 0;
  std::uint16_t bits_allocated = 0, bits_stored = 0, high_bit = 0, pixel_representation = 0;
  std::uint16_t samples_per_pixel = 1;
  std::string photometric_interpretation;
  double rescale_slope = 1.0;      ///< (0028,1053) or the frame's Pixel Value Transformation
  double rescale_intercept = 0.0;  ///< (0028,1052)
  DicomStudyInfo study;            ///< patient/study modules of this file
  std::vector<std::string>
      notes;  ///< per-file oddities found while parsing (e.g. empty SOPClassUID)
};

/// \brief A file that was looked at and not used, with the reason.
struct SkippedFile {
  std::filesystem::path file;
  std::string reason;
  bool looks_like_dicom = false;  ///< true if it had a DICOM preamble/structure but failed later
};

/// \brief One stack of parallel slices: a SeriesInstanceUID, or part of one when it holds several
/// orientations/sizes/spacings. Slices are sorted by position along the slice axis.
struct DicomSeries {
  std::string id;  ///< series UID, or "UID#n" when the UID was split into stacks (n from 1)
  std::string series_instance_uid;
  bool series_uid_generated = false;  ///< true if the files had none and one was derived
  std::string modality, description;
  std::optional<int> series_number;
  DicomStudyInfo study;
  std::string frame_of_reference_uid;
  bool frame_of_reference_generated = false;  ///< true if absent from the files and derived
  std::vector<DicomSliceInfo> slices;         ///< sorted ascending along the slice axis
  std::vector<double> slice_positions_mm;     ///< position of each slice along the slice axis (mm)
  /// Geometry of the volume as loaded (uniform spacing; see `resampled`). Valid only if `loadable`.
  ImageGeometry geometry;
  bool loadable = false;   ///< false when no volume can be formed; `error` says why
  std::string error;       ///< the reason it cannot be loaded (names file and tag)
  bool resampled = false;  ///< true if spacing was non-uniform and loading interpolates to uniform
  double gantry_tilt_deg = 0;  ///< angle between slice stacking axis and slice normal
  std::vector<std::string> warnings;
};

}  // namespace rfa::io
