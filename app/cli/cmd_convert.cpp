// rfaplan convert INPUT [--series UID] -o out.nrrd|out.nii.gz
#include <iostream>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"

namespace rfa::cli {

void addConvertCommand(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("convert", "Convert a DICOM series (or volume file) to NRRD / NIfTI");
  static std::string input;
  static std::string series;
  static std::string output;
  cmd->add_option("INPUT", input, "DICOM folder/file, phantom folder or volume file")->required();
  cmd->add_option("--series", series, "SeriesInstanceUID (or id from 'rfaplan series') to convert");
  cmd->add_option("-o,--output", output, "Output file: .nrrd, .nii, .nii.gz or .mha")->required();
  cmd->callback([&exit_code] {
    if (!io::isVolumeFileName(output)) {
      throw Error(ExitCode::kUsage,
                  "--output " + output + ": use a .nrrd, .nii, .nii.gz or .mha file name");
    }
    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    io::writeVolumeFile(output, img.image);
    std::cout << "wrote " << output << ": " << img.source << ", " << img.image.geometry().describe()
              << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
