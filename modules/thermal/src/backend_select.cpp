// Backend choice at run time, with the GL -> CPU fallback.
#include <string>

#include "rfa/core/error.h"
#include "rfa/thermal/heat_backend.h"

namespace rfa::thermal {

std::unique_ptr<HeatBackend> makeBackend(BackendChoice choice, const HeatProblem& problem,
                                         std::string* fallback_reason) {
  switch (choice) {
    case BackendChoice::kCpu:
      return makeCpuBackend(problem);
    case BackendChoice::kGl:
      return makeGlBackend(problem);
    case BackendChoice::kAuto:
      break;
  }
  try {
    std::unique_ptr<HeatBackend> gl = makeGlBackend(problem);
    const std::string name = gl->name();
    for (const char* software : {"llvmpipe", "softpipe", "swrast", "lavapipe"}) {
      if (name.find(software) != std::string::npos) {
        if (fallback_reason != nullptr) {
          *fallback_reason =
              "GL renderer is software (" + name + "): the CPU backend is faster, using the CPU";
        }
        return makeCpuBackend(problem);
      }
    }
    return gl;
  } catch (const UnsupportedError& e) {
    if (fallback_reason != nullptr) {
      *fallback_reason = std::string("GL backend unavailable, using the CPU: ") + e.what();
    }
    return makeCpuBackend(problem);
  }
}

}  // namespace rfa::thermal
