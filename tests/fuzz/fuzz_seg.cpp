// libFuzzer target: DICOM SEG import (dicomexport::readSegFile) onto a fixed reference grid, that
// of the seeds (rfaplan phantom 40x32x10 @ 8 mm), so that mutated seeds reach the frame checks
// and the pixel unpacking.
#include <cstdint>

#include "fuzz_common.h"
#include "rfa/dicomexport/seg.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const rfa::ImageGeometry reference({40, 32, 10}, rfa::Vec3(8, 8, 8),
                                            rfa::Vec3(-156, -124, -36));
  const auto file = rfa::fuzz::writeScratch(data, size, "seg.dcm");
  rfa::fuzz::expectCleanRejection(
      [&] { (void)rfa::dicomexport::readSegFile(file, reference, ""); });
  return 0;
}
