#pragma once
/// \file phantom_folder.h
/// \brief A phantom folder read back (the one writePhantomFolder() writes: DIR/ct, DIR/truth/,
/// DIR/truth.json): its recorded truth, the phantom regenerated bit for bit from the options it
/// records, and the voxels as its DICOM series stores them. For tools that build on a phantom
/// case (the synthetic follow-up of a plan made on it). Frames: DICOM patient LPS, mm.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"
#include "rfa/phantom/phantom.h"

namespace rfa::phantom {

/// \brief What DIR/truth.json records of a phantom folder.
struct PhantomFolderTruth {
  std::filesystem::path file;  ///< DIR/truth.json
  PhantomOptions options;      ///< every generator option ("options")
  ImageGeometry grid;          ///< the CT's grid ("geometry": size, spacing, origin; LPS mm)
  double liver_volume_ml = 0;
  struct Lesion {
    int label = 0;
    Vec3 centre_lps{0, 0, 0};  ///< "center_lps_mm"
  };
  std::vector<Lesion> lesions;
  std::string series_instance_uid;  ///< "" when not recorded
};

/// \brief Reads DIR/truth.json. \throws NotFoundError when DIR or its truth.json is missing;
/// CorruptDataError naming the file for invalid JSON, missing "options" (a folder written by an
/// older rfaplan: regenerate it) or a malformed member; UnsupportedError for the MR variant
/// (options.mr_t2), which has no follow-up.
PhantomFolderTruth readPhantomFolderTruth(const std::filesystem::path& dir);

/// \brief generatePhantom(truth.options), checked to be the folder's phantom: same grid (1e-6
/// mm), liver volume (1e-6 relative) and lesion labels and centres (1e-6 mm) as truth.json.
/// \throws CorruptDataError naming truth.json when its options are invalid; SelectionError saying
/// what differs (the folder was written by another rfaplan: regenerate it).
Phantom regeneratePhantom(const PhantomFolderTruth& truth);

/// \brief The value a CT series of writeCtSeries() stores for `hu`: round, + 1024, clamped to
/// [0, 4095] (unsigned 12 bits, RescaleIntercept -1024).
std::uint16_t storedCtPixel(double hu);

/// \brief The voxels of `hu` as its CT series stores them and a DICOM reader reads them back
/// (storedCtPixel() - 1024, so -0.4 HU gives +0, not -0): what the SHA-256 of a plan made on the
/// series covers (core/sha256.h voxelSha256()).
ImageVolume storedCtValues(const ImageVolume& hu);

}  // namespace rfa::phantom
