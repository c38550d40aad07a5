// Volume files: geometry conversion around the plain ITK bridge, atomic writes.
#include "rfa/io/volume_file.h"

#include <unistd.h>

#include <cmath>
#include <system_error>
#include <type_traits>

#include "itk_volume_io.h"
#include "rfa/core/error.h"

namespace rfa::io {
namespace fs = std::filesystem;

namespace {

detail::PlainVolume plainGeometry(const ImageGeometry& g) {
  detail::PlainVolume p;
  for (int a = 0; a < 3; ++a) {
    p.size[a] = g.size()[a];
    p.spacing[a] = g.spacing()[a];
    p.origin[a] = g.origin()[a];
    for (int r = 0; r < 3; ++r) p.direction[r * 3 + a] = g.direction()(r, a);
  }
  return p;
}

template <class T>
constexpr detail::VoxelType voxelTypeOf() {
  if constexpr (std::is_same_v<T, float>) return detail::VoxelType::kFloat;
  if constexpr (std::is_same_v<T, std::int16_t>) return detail::VoxelType::kInt16;
  if constexpr (std::is_same_v<T, std::uint16_t>) return detail::VoxelType::kUInt16;
  return detail::VoxelType::kUInt8;
}

}  // namespace

bool isVolumeFileName(const fs::path& file) {
  return detail::hasVolumeIo(file.filename().string());
}

ImageVolume readVolumeFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw NotFoundError("volume file not found: " + file.string());
  detail::PlainVolume p = detail::readPlainVolume(file.string());
  Mat3 dir;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) dir(r, c) = p.direction[r * 3 + c];
  ImageGeometry g;
  try {
    g = ImageGeometry({p.size[0], p.size[1], p.size[2]},
                      Vec3(p.spacing[0], p.spacing[1], p.spacing[2]),
                      Vec3(p.origin[0], p.origin[1], p.origin[2]), dir);
  } catch (const GeometryError& e) {
    throw GeometryError(file.string() + ": " + e.what());
  }
  ImageVolume v(g);
  std::copy(p.voxels.begin(), p.voxels.end(), v.data().begin());
  return v;
}

LabelMap readLabelFile(const fs::path& file) {
  const ImageVolume f = readVolumeFile(file);
  LabelMap out(f.geometry());
  const auto src = f.data();
  auto dst = out.data();
  for (std::size_t i = 0; i < src.size(); ++i) {
    const float v = src[i];
    if (!(v >= 0.0F && v <= 65535.0F) || v != std::floor(v)) {
      throw CorruptDataError(file.string() + ": voxel " + std::to_string(i) + " has value " +
                             std::to_string(v) + ", not a label (integer 0..65535)");
    }
    dst[i] = static_cast<std::uint16_t>(v);
  }
  return out;
}

template <class T>
void writeVolumeFile(const fs::path& file, const Volume<T>& volume) {
  if (!isVolumeFileName(file)) {
    throw WriteError(file.string() + ": unknown volume file extension (use .nrrd, .nii.gz, .mha)");
  }
  std::error_code ec;
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  fs::create_directories(dir, ec);
  if (ec) throw WriteError("cannot create folder " + dir.string() + ": " + ec.message());
  // Same extension, hidden temporary name, then rename: readers never see a half-written file.
  const fs::path tmp =
      dir / (".rfa-tmp-" + std::to_string(::getpid()) + "-" + file.filename().string());
  try {
    detail::writePlainVolume(tmp.string(), plainGeometry(volume.geometry()), volume.data().data(),
                             voxelTypeOf<T>());
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw WriteError(file.string() + ": cannot move the written file into place: " + ec.message());
  }
}

template void writeVolumeFile<float>(const fs::path&, const Volume<float>&);
template void writeVolumeFile<std::int16_t>(const fs::path&, const Volume<std::int16_t>&);
template void writeVolumeFile<std::uint8_t>(const fs::path&, const Volume<std::uint8_t>&);
template void writeVolumeFile<std::uint16_t>(const fs::path&, const Volume<std::uint16_t>&);

}  // namespace rfa::io
