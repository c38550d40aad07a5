// rfaplan convert INPUT [--series UID] [--compression-level N] -o
// out.nrrd|out.nii|out.nii.gz|out.mha
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
  static io::VolumeWriteOptions options;
  cmd->add_option("INPUT", input, "DICOM folder/file, phantom folder or volume file")->required();
  cmd->add_option("--series", series, "SeriesInstanceUID (or id from 'rfaplan series') to convert");
  cmd->add_option("-o,--output", output, "Output file: .nrrd, .nii, .nii.gz or .mha")->required();
  cmd->add_option("--compression-level", options.compression_level,
                  "gzip level of a .nii.gz, 1 (fastest) .. 9 (smallest), as gzip and pigz")
      ->check(CLI::Range(1, 9))
      ->capture_default_str();
  cmd->footer(
      "Voxels are stored exactly in the narrowest type: int16 for CT (Hounsfield units after the "
      "DICOM rescale), uint16 where all values are 0..65535, float32 otherwise. A .nii.gz is "
      "compressed on all cores.");
  cmd->callback([&exit_code] {
    if (!io::isVolumeFileName(output)) {
      throw Error(ExitCode::kUsage,
                  "--output " + output + ": use a .nrrd, .nii, .nii.gz or .mha file name");
    }
    const io::LoadedImage img = io::loadImage(input, series);
    for (const auto& w : img.warnings) std::cerr << "warning: " << w << "\n";
    const io::StoredVoxelType type = io::writeVolumeFileExact(output, img.image, options);
    std::cout << "wrote " << output << ": " << img.source << ", " << img.image.geometry().describe()
              << ", " << io::storedVoxelTypeName(type) << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
