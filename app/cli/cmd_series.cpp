// rfaplan series INPUT [--json]: list the DICOM image series found in a folder.
#include <iostream>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"

namespace rfa::cli {

void addSeriesCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("series",
                                 "List DICOM image series in a folder (recursive), with warnings");
  static std::string input;
  static bool as_json = false;
  cmd->add_option("INPUT", input, "DICOM folder or file, or an rfaplan phantom folder")->required();
  cmd->add_flag("--json", as_json, "Print JSON instead of text");
  cmd->callback([&exit_code] {
    const io::ResolvedInput in = io::resolveInput(input);
    if (in.kind == io::InputKind::kVolumeFile) {
      throw Error(ExitCode::kUsage,
                  input + " is a volume file, not DICOM: 'series' lists DICOM series");
    }
    const io::ScanResult scan = io::scanDicom(in.image_path);
    if (as_json) {
      nlohmann::json j;
      j["input"] = input;
      j["files_examined"] = scan.files_examined;
      j["dicomdir_present"] = scan.used_dicomdir;
      j["series"] = nlohmann::json::array();
      for (const auto& s : scan.series) j["series"].push_back(seriesToJson(s));
      j["skipped"] = nlohmann::json::array();
      for (const auto& sk : scan.skipped)
        j["skipped"].push_back({{"file", sk.file.string()}, {"reason", sk.reason}});
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << scan.series.size() << " series in " << input << " (" << scan.files_examined
                << " files" << (scan.used_dicomdir ? ", DICOMDIR present" : "") << ")\n";
      for (const auto& s : scan.series) std::cout << "\n" << seriesToText(s);
      if (!scan.skipped.empty()) {
        std::cout << "\n" << scan.skipped.size() << " file(s) skipped:\n";
        for (const auto& sk : scan.skipped) std::cout << "  " << sk.reason << "\n";
      }
    }
    exit_code = 0;
  });
}

}  // namespace rfa::cli
