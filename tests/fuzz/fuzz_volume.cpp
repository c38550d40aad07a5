// libFuzzer target: volume files through io::readVolumeFile / io::readLabelFile (ITK's NRRD and
// NIfTI readers behind rfaplan's checks). Built twice: RFA_FUZZ_VOLUME_NRRD names the input .nrrd;
// otherwise it is a NIfTI-1 file, .nii.gz when it starts with the gzip magic, else .nii.
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "rfa/io/volume_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
#ifdef RFA_FUZZ_VOLUME_NRRD
  const std::string name = "volume.nrrd";
#else
  const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  const std::string name = gz ? "volume.nii.gz" : "volume.nii";
#endif
  const auto file = rfa::fuzz::writeScratch(data, size, name);
  // The label reader is the volume reader plus the voxel-value check: an odd last byte takes it.
  const bool label = size > 0 && (data[size - 1] & 1U) != 0;
  rfa::fuzz::expectCleanRejection([&] {
    if (label) {
      (void)rfa::io::readLabelFile(file);
    } else {
      (void)rfa::io::readVolumeFile(file);
    }
  });
  return 0;
}
