#pragma once
/// \file ct_writer.h
/// \brief Writes a volume of Hounsfield units as a DICOM CT Image Storage series (one file per
/// slice, DCMTK), and a phantom folder (DIR/ct, DIR/truth/*.nrrd, DIR/truth.json).

#include <filesystem>
#include <string>

#include "rfa/core/volume.h"
#include "rfa/phantom/phantom.h"

namespace rfa::phantom {

/// \brief Series-level attributes of a written CT series. Empty UIDs are derived from `uid_key`
/// (deterministic) so that the same key gives the same files.
struct CtSeriesOptions {
  std::string uid_key = "rfaplan-phantom";  ///< seed of every derived UID
  std::string patient_name = "RFA^Phantom";
  std::string patient_id = "RFAPHANTOM";
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string frame_of_reference_uid;
  std::string series_description = "rfaplan phantom CT (portal venous)";
  std::string study_description = "rfaplan synthetic abdomen";
  std::string study_date = "20260101";
  int series_number = 1;
  bool write_frame_of_reference = true;  ///< false: omit (0020,0052), to test its absence
  std::string file_prefix = "CT";        ///< files are <prefix><k+1 zero-padded>.dcm
  /// "CT" (CT Image Storage, HU) or "MR" (MR Image Storage: the values stored as they are,
  /// 0..4095, no rescale; T2 turbo spin echo acquisition attributes).
  std::string modality = "CT";
};

/// \brief Writes one DICOM file per k-slice of `hu` into `dir` (created). Pixel data are unsigned
/// 16-bit with RescaleIntercept -1024 (values clamped to [-1024, 3071]), explicit VR little endian.
/// ImagePositionPatient/ImageOrientationPatient come from hu.geometry() (LPS mm). With
/// modality "MR" the values are stored unsigned, clamped to [0, 4095], without rescale.
/// \throws WriteError naming the file; UsageError for a modality other than CT or MR.
void writeCtSeries(const ImageVolume& hu, const std::filesystem::path& dir,
                   const CtSeriesOptions& options);

/// \brief Writes `phantom` as DIR/ct/ (DICOM: the image series, MR Image Storage for the MR
/// variant), DIR/truth/<structure>.nrrd and DIR/truth.json.
/// \throws WriteError.
void writePhantomFolder(const Phantom& phantom, const std::filesystem::path& dir);

}  // namespace rfa::phantom
