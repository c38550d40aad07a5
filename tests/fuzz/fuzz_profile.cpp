// libFuzzer target: protocol profile JSON (planning::readProfileFile).
#include <cstdint>

#include "fuzz_common.h"
#include "rfa/planning/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = rfa::fuzz::writeScratch(data, size, "profile.json");
  rfa::fuzz::expectCleanRejection([&] { (void)rfa::planning::readProfileFile(file); });
  return 0;
}
