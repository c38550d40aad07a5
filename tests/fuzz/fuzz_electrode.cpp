// libFuzzer target: electrode catalogue entries (thermal::readElectrodeFile).
#include <cstdint>

#include "fuzz_common.h"
#include "rfa/thermal/electrode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = rfa::fuzz::writeScratch(data, size, "electrode.json");
  rfa::fuzz::expectCleanRejection([&] { (void)rfa::thermal::readElectrodeFile(file); });
  return 0;
}
