// libFuzzer target: plan JSON (planning::parsePlan, the parser behind readPlanFile). A plan that is
// accepted must also survive serializePlan() and be accepted again: a plan rfaplan writes but
// cannot read back is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_common.h"
#include "rfa/planning/plan_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rfa::planning::TreatmentPlan plan;
  try {
    plan = rfa::planning::parsePlan(text, "fuzz-plan.json");
  } catch (const rfa::Error& e) {
    rfa::fuzz::noteRejection(e);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: exception other than rfa::Error: %s\n", e.what());
    std::abort();
  }
  const std::string written = rfa::planning::serializePlan(plan);
  try {
    (void)rfa::planning::parsePlan(written, "fuzz-plan-rewritten.json");
  } catch (const rfa::Error& e) {
    std::fprintf(stderr, "FINDING: an accepted plan does not read back after serializePlan: %s\n",
                 e.what());
    std::abort();
  }
  return 0;
}
