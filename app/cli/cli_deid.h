#pragma once
// The de-identification options shared by export-rtstruct, export-seg and report (--deidentify,
// --mapping, --retain-dates) and `rfaplan deidentify`.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "rfa/workflow/deidentified_export.h"

namespace rfa::cli {

struct DeidArgs {
  bool on = false;
  std::string mapping;
  bool retain_dates = false;
};

/// Adds --mapping and --retain-dates (and --deidentify when `flag`) to `cmd`.
inline void addDeidOptions(CLI::App* cmd, DeidArgs& a, bool flag) {
  if (flag) {
    cmd->add_flag("--deidentify", a.on,
                  "De-identified for research: DICOM PS3.15 E.1 Basic Application Level "
                  "Confidentiality Profile, UIDs and patient ID replaced from the local mapping "
                  "key (the same replacements as 'rfaplan deidentify' of the CT)");
  }
  cmd->add_option("--mapping", a.mapping,
                  "De-identification key and re-identification table, kept locally, never "
                  "exported (default: $XDG_STATE_HOME/rfaplan/deid-mapping.json)");
  cmd->add_flag("--retain-dates", a.retain_dates,
                "Retain Longitudinal Temporal Information with Full Dates Option: keep dates and "
                "times (never the birth date)");
}

inline std::optional<workflow::DeidSettings> deidSettingsOf(const DeidArgs& a, bool always) {
  if (!a.on && !always) {
    if (!a.mapping.empty() || a.retain_dates) {
      std::cerr << "warning: --mapping and --retain-dates apply with --deidentify only\n";
    }
    return std::nullopt;
  }
  workflow::DeidSettings s;
  s.mapping_file = a.mapping;
  s.retain_dates = a.retain_dates;
  s.software = std::string("rfaplan ") + RFAPLAN_VERSION;
  return s;
}

}  // namespace rfa::cli
