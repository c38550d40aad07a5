// Reading and writing the output folder of `rfaplan segment` (see segmentation_folder.h).
#include "rfa/io/segmentation_folder.h"

#include <string>
#include <system_error>

#include "rfa/core/error.h"
#include "rfa/io/volume_file.h"

namespace rfa::io {
namespace {

namespace fs = std::filesystem;

// The first grid met, with its file name, and the check of the others against it.
class GridCheck {
 public:
  explicit GridCheck(const fs::path& dir) : dir_(dir) {}

  void check(const char* file, const ImageGeometry& g) {
    if (first_ == nullptr) {
      first_ = file;
      grid_ = g;
      return;
    }
    if (!g.sameGrid(grid_)) {
      throw GeometryError("segmentation folder " + dir_.string() + ": " + file + " (" +
                          g.describe() + ") is not on the grid of " + first_ + " (" +
                          grid_.describe() + ")");
    }
  }

 private:
  fs::path dir_;
  const char* first_ = nullptr;
  ImageGeometry grid_;
};

Mask toMask(const LabelMap& l) {
  Mask m(l.geometry(), 0);
  for (std::size_t i = 0; i < l.voxelCount(); ++i) m.data()[i] = l.data()[i] != 0 ? 1 : 0;
  return m;
}

}  // namespace

void writeSegmentationFolder(const fs::path& dir, const SegmentationFolder& folder) {
  GridCheck grids(dir);
  const auto check = [&](const char* file, const auto& v) {
    if (v) grids.check(file, v->geometry());
  };
  check("body.nrrd", folder.body);
  check("lung.nrrd", folder.lung);
  check("bone.nrrd", folder.bone);
  check("liver.nrrd", folder.liver);
  check("gallbladder.nrrd", folder.gallbladder);
  check("lesions.nrrd", folder.lesions);
  check("vessels.nrrd", folder.vessel_radius_mm);

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WriteError("cannot create folder " + dir.string() + ": " + ec.message());
  const auto write = [&](const char* file, const auto& v) {
    if (v) writeVolumeFile(dir / file, *v);
  };
  write("body.nrrd", folder.body);
  write("lung.nrrd", folder.lung);
  write("bone.nrrd", folder.bone);
  write("liver.nrrd", folder.liver);
  write("gallbladder.nrrd", folder.gallbladder);
  write("lesions.nrrd", folder.lesions);
  write("vessels.nrrd", folder.vessel_radius_mm);
}

SegmentationFolder readSegmentationFolder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw NotFoundError("segmentation folder " + dir.string() +
                        " not found (expected the output folder of 'rfaplan segment')");
  }
  SegmentationFolder f;
  GridCheck grids(dir);
  const auto present = [&](const char* file) { return fs::exists(dir / file, ec); };
  const auto mask = [&](const char* file, std::optional<Mask>& out) {
    if (!present(file)) return;
    out = toMask(readLabelFile(dir / file));
    grids.check(file, out->geometry());
  };
  mask("body.nrrd", f.body);
  mask("lung.nrrd", f.lung);
  mask("bone.nrrd", f.bone);
  mask("liver.nrrd", f.liver);
  mask("gallbladder.nrrd", f.gallbladder);
  if (present("lesions.nrrd")) {
    f.lesions = readLabelFile(dir / "lesions.nrrd");
    grids.check("lesions.nrrd", f.lesions->geometry());
  }
  if (present("vessels.nrrd")) {
    f.vessel_radius_mm = readVolumeFile(dir / "vessels.nrrd");
    grids.check("vessels.nrrd", f.vessel_radius_mm->geometry());
  }
  return f;
}

std::optional<Mask> vesselMaskOf(const SegmentationFolder& folder) {
  if (!folder.vessel_radius_mm) return std::nullopt;
  Mask mask(folder.vessel_radius_mm->geometry(), 0);
  const auto radius = folder.vessel_radius_mm->data();
  for (std::size_t i = 0; i < radius.size(); ++i) mask.data()[i] = radius[i] > 0 ? 1 : 0;
  return mask;
}

}  // namespace rfa::io
