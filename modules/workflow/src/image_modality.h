#pragma once
/// \file image_modality.h
/// \brief Which modality a loaded image is segmented as: what the user asked for, else the DICOM
/// header's Modality (0008,0060), else a guess from the intensities (volume files have no header).

#include <string>
#include <vector>

#include "rfa/io/input.h"
#include "rfa/segmentation/modality.h"

namespace rfa::workflow {

/// \brief The modality to segment `image` as. `requested`: "" (decide), "CT" or "MR" (any case).
/// A request that contradicts the DICOM header wins, with a warning in `warnings`; a guess says so
/// in `warnings` too. A DICOM modality other than CT or MR (e.g. "PT", "US") is refused.
/// \throws UsageError for a `requested` value other than "", "CT", "MR"; UnsupportedError for a
/// DICOM series of another modality when nothing was requested.
segmentation::Modality imageModality(const io::LoadedImage& image, const std::string& requested,
                                     std::vector<std::string>& warnings);

}  // namespace rfa::workflow
