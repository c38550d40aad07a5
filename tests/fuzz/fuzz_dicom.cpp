// libFuzzer entry: bytes -> file -> DICOM header parsing -> series assembly -> pixel decoding, the
// path every DICOM file takes in rfaplan. An exception derived from rfa::Error is a clean
// rejection; anything else (crash, sanitizer report, other exception, runaway allocation) is a
// finding.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"

namespace {

const std::filesystem::path& scratchFile() {
  static const std::filesystem::path f =
      std::filesystem::temp_directory_path() / ("rfa-fuzz-" + std::to_string(::getpid()) + ".dcm");
  return f;
}

void exercise(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream f(scratchFile(), std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::vector<rfa::io::DicomSliceInfo> slices;
  try {
    slices = rfa::io::readSliceHeaders(scratchFile());
  } catch (const rfa::Error&) {
    return;
  }
  // A second copy one slice further along the normal makes a two-slice series.
  auto two = slices;
  for (auto s : slices) {
    if (s.position && s.row_direction && s.column_direction) {
      *s.position += s.row_direction->cross(*s.column_direction) * 2.5;
    }
    two.push_back(s);
  }
  (void)rfa::io::assembleSeries(two);
  for (const auto& series : rfa::io::assembleSeries(slices)) {
    if (!series.loadable || series.geometry.voxelCount() > (std::size_t{1} << 22U)) continue;
    try {
      (void)rfa::io::loadSeries(series);
    } catch (const rfa::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  exercise(data, size);
  return 0;
}
