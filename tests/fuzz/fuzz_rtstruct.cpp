// libFuzzer target: RT Structure Set import (dicomexport::readRtstructFile, then importRtstruct
// onto a fixed grid without the reference checks, so that contours are filled as for files of
// other systems). The grid is that of the seeds (rfaplan phantom 40x32x10 @ 8 mm).
#include <cstdint>

#include "fuzz_common.h"
#include "rfa/dicomexport/rtstruct.h"

namespace {

const rfa::io::DicomSeries& series() {
  static const rfa::io::DicomSeries s = [] {
    rfa::io::DicomSeries out;
    out.series_instance_uid = "2.25.1";
    out.frame_of_reference_uid = "2.25.2";
    out.geometry = rfa::ImageGeometry({40, 32, 10}, rfa::Vec3(8, 8, 8), rfa::Vec3(-156, -124, -36));
    out.loadable = true;
    return out;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = rfa::fuzz::writeScratch(data, size, "rtstruct.dcm");
  rfa::fuzz::expectCleanRejection([&] {
    const rfa::dicomexport::RtstructFile rtss = rfa::dicomexport::readRtstructFile(file);
    rfa::dicomexport::RtstructImportOptions options;
    options.check_references = false;
    (void)rfa::dicomexport::importRtstruct(rtss, series(), options);
  });
  return 0;
}
