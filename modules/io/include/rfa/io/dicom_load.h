#pragma once
/// \file dicom_load.h
/// \brief Decoding a scanned DICOM series into a volume (LPS mm, rescaled values).

#include <string>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/io/dicom_types.h"

namespace rfa::io {

/// \brief A loaded series: the voxels (Hounsfield units for CT: RescaleSlope/Intercept applied),
/// the series metadata export needs later, and warnings (scan warnings plus loading ones).
struct LoadedSeries {
  ImageVolume image;
  DicomSeries series;
  std::vector<std::string> warnings;
};

/// \brief Decodes every slice of `series` in parallel (uncompressed, RLE, JPEG lossless/baseline,
/// JPEG-LS through DCMTK; JPEG 2000 through GDCM) into a float volume on series.geometry.
/// Non-uniform slice spacing is resampled linearly along the slice axis to the median spacing.
/// \throws GeometryError if the series is not loadable (series.error says why).
/// \throws CorruptDataError naming the file if a slice cannot be decoded or its pixel data is
/// short. \throws UnsupportedError for colour images or bit depths other than 8/16/32.
LoadedSeries loadSeries(const DicomSeries& series);

/// \brief Registers DCMTK's decoders (RLE, JPEG, JPEG-LS) once and silences DCMTK's console logger
/// (errors are reported through exceptions). Called by the functions above; thread-safe.
void initDicomCodecs();

}  // namespace rfa::io
