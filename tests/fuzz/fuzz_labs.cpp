// libFuzzer target: lab results JSON (planning::readLabsFile), each accepted session checked
// against the shipped protocol profiles (planning::checkLabs), as 'rfaplan plan --labs' does.
#include <cstdint>
#include <vector>

#include "fuzz_common.h"
#include "rfa/planning/labs.h"
#include "rfa/planning/profile.h"

namespace {

const std::vector<rfa::planning::ProtocolProfile>& profiles() {
  static const std::vector<rfa::planning::ProtocolProfile> p =
      rfa::planning::loadProfiles(rfa::planning::defaultProfileDir());
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = rfa::fuzz::writeScratch(data, size, "labs.json");
  rfa::fuzz::expectCleanRejection([&] {
    for (const rfa::planning::LabResults& results : rfa::planning::readLabsFile(file)) {
      for (const rfa::planning::ProtocolProfile& profile : profiles()) {
        (void)rfa::planning::checkLabs(profile, results);
      }
    }
  });
  return 0;
}
