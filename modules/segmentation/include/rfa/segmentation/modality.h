#pragma once
/// \file modality.h
/// \brief The imaging modality a segmentation assumes, and the intensity scale it works on: CT in
/// Hounsfield units as stored; MR (arbitrary units, any scaling, T1 or T2) rescaled so that the
/// body's 99th percentile is 1000 (normalizedMr()), which keeps the relative steps (histogram
/// modes, thresholds at k standard deviations) independent of the scanner's scaling.

#include <optional>
#include <string>

#include "rfa/core/volume.h"

namespace rfa::segmentation {

/// \brief Imaging modality of the image to segment.
enum class Modality { kCT, kMR };

/// \brief "CT" or "MR".
const char* toString(Modality m);

/// \brief The modality of a DICOM Modality (0008,0060) value: "CT" or "MR" (case and padding
/// ignored); empty for any other value.
std::optional<Modality> modalityFromCode(const std::string& code);

/// \brief A guess for images without a header (volume files): CT when at least 2 % of the voxels
/// lie below -500 (air and lung in HU; MR magnitudes are >= 0), MR otherwise.
Modality guessModality(const ImageVolume& image);

/// \brief The body/background threshold of an MR image: Otsu's threshold of its histogram (256
/// bins between the minimum and the 99.5th percentile), which splits the dark background from the
/// tissue. \throws NoDataError for an empty or constant image.
float mrBackgroundThreshold(const ImageVolume& mr);

/// \brief `mr` scaled linearly so that the 99th percentile of the voxels above
/// mrBackgroundThreshold() is 1000 (and 0 stays 0). \throws NoDataError as above.
ImageVolume normalizedMr(const ImageVolume& mr);

}  // namespace rfa::segmentation
