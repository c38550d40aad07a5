#pragma once
// The command line's audit events (rfa::audit through workflow/audit_events.h): recorded after a
// step succeeded; a log that cannot be written is a warning, never a failed command.
#include <iostream>

#include "rfa/audit/audit_log.h"

namespace rfa::cli {

inline constexpr const char* kProgram = "rfaplan";

/// Records `event` in the audit log (audit::defaultLogPath()); prints why when it cannot.
inline void auditRecord(const audit::Event& event) {
  if (const auto why = audit::record(event)) std::cerr << "warning: " << *why << "\n";
}

}  // namespace rfa::cli
