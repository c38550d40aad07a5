// imageModality(): the modality to segment a loaded image as (image_modality.h).
#include "image_modality.h"

#include "rfa/core/error.h"

namespace rfa::workflow {

segmentation::Modality imageModality(const io::LoadedImage& image, const std::string& requested,
                                     std::vector<std::string>& warnings) {
  std::optional<segmentation::Modality> asked;
  if (!requested.empty()) {
    asked = segmentation::modalityFromCode(requested);
    if (!asked) throw UsageError("--modality must be CT or MR (got \"" + requested + "\")");
  }
  const std::string header = image.series ? image.series->modality : std::string();
  const std::optional<segmentation::Modality> from_header = segmentation::modalityFromCode(header);
  if (asked) {
    if (image.series && from_header != asked) {
      warnings.push_back(std::string("segmented as ") + segmentation::toString(*asked) +
                         " as requested, although the DICOM Modality (0008,0060) is \"" + header +
                         "\"");
    }
    return *asked;
  }
  if (from_header) return *from_header;
  if (image.series) {
    throw UnsupportedError("DICOM Modality (0008,0060) \"" + header +
                           "\" cannot be segmented (CT or MR only); --modality CT|MR overrides");
  }
  const segmentation::Modality guess = segmentation::guessModality(image.image);
  warnings.push_back(std::string("no modality in a volume file: segmented as ") +
                     segmentation::toString(guess) +
                     (guess == segmentation::Modality::kCT ? " (air below -500: Hounsfield units)"
                                                           : " (no voxel values of air in HU)") +
                     "; --modality CT|MR sets it");
  return guess;
}

}  // namespace rfa::workflow
