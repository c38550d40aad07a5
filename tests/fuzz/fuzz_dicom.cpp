// libFuzzer entry: bytes -> DICOM header parsing -> series assembly -> pixel decoding.
// Any exception derived from rfa::Error is an expected, clean rejection; anything else
// (crash, sanitizer report, other exception) is a finding.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"

namespace {

void exercise(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  const std::span<const std::uint8_t> bytes(data, size);
  std::vector<rfa::io::DicomSliceInfo> slices;
  try {
    slices = rfa::io::readSliceHeadersFromMemory(bytes, "fuzz.dcm");
  } catch (const rfa::Error&) {
    return;
  }
  // Assemble one copy, and two copies at shifted positions (a 2-slice series).
  auto one = rfa::io::assembleSeries(slices);
  auto two_slices = slices;
  for (auto s : slices) {
    if (s.position) *s.position += s.row_direction && s.column_direction
                                       ? s.row_direction->cross(*s.column_direction) * 2.5
                                       : rfa::Vec3(0, 0, 2.5);
    s.sop_instance_uid += ".2";
    two_slices.push_back(s);
  }
  auto two = rfa::io::assembleSeries(two_slices);
  (void)two;
  // Decode through the file path (DCMTK/GDCM decoders read files).
  static const fs::path file = fs::temp_directory_path() / ("rfa-fuzz-" + std::to_string(::getpid()) + ".dcm");
  {
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  for (auto& s : one) {
    for (auto& sl : s.slices) sl.file = file;
    if (!s.loadable) continue;
    if (s.geometry.voxelCount() > (1U << 22U)) continue;  // keep memory bounded
    try {
      (void)rfa::io::loadSeries(s);
    } catch (const rfa::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  exercise(data, size);
  return 0;
}
