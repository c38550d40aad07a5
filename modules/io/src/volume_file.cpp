// Volume files: geometry conversion around the plain ITK bridge, atomic writes.
#include "rfa/io/volume_file.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "gzip_members.h"
#include "itk_volume_io.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "stream_writer.h"

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

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A .nii.gz through writeVolumeFile (writeVolumeFileExact, which `convert` uses, streams instead):
// ITK writes the plain .nii (its header is the reference), which is then compressed on all cores;
// the page cache holds the intermediate file.
void writeNiftiGz(const fs::path& tmp, const detail::PlainVolume& geometry, const void* data,
                  detail::VoxelType type, int level) {
  const fs::path plain = tmp.string().substr(0, tmp.string().size() - 3);  // "....nii"
  std::error_code ec;
  try {
    detail::writePlainVolume(plain.string(), geometry, data, type, false);
    std::vector<std::uint8_t> bytes(fs::file_size(plain));
    {
      std::ifstream in(plain, std::ios::binary);
      if (!in.read(reinterpret_cast<char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()))) {
        throw WriteError(plain.string() + ": cannot read back the written NIfTI file");
      }
    }
    fs::remove(plain, ec);
    const std::vector<std::uint8_t> gz = detail::gzipMembers(bytes, level);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(gz.data()), static_cast<std::streamsize>(gz.size()));
    out.close();
    if (!out) throw WriteError(tmp.string() + ": cannot write (disk full?)");
  } catch (...) {
    fs::remove(plain, ec);
    throw;
  }
}

// Creates the folder, calls write(tmp) for a hidden temporary name of the same extension in it,
// renames it to `file`: readers never see a half-written file, an existing one stays until then.
void writeAtomically(const fs::path& file, const std::function<void(const fs::path&)>& write) {
  std::error_code ec;
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  fs::create_directories(dir, ec);
  if (ec) throw WriteError("cannot create folder " + dir.string() + ": " + ec.message());
  const fs::path tmp =
      dir / (".rfa-tmp-" + std::to_string(::getpid()) + "-" + file.filename().string());
  try {
    write(tmp);
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

void checkWritable(const fs::path& file, const VolumeWriteOptions& options) {
  if (!isVolumeFileName(file)) {
    throw WriteError(file.string() + ": unknown volume file extension (use .nrrd, .nii.gz, .mha)");
  }
  if (options.compression_level < 1 || options.compression_level > 12) {
    throw UsageError("compression level " + std::to_string(options.compression_level) +
                     ": must be 1..12");
  }
}

}  // namespace

template <class T>
void writeVolumeFile(const fs::path& file, const Volume<T>& volume,
                     const VolumeWriteOptions& options) {
  checkWritable(file, options);
  writeAtomically(file, [&](const fs::path& tmp) {
    if (endsWith(file.filename().string(), ".nii.gz")) {
      writeNiftiGz(tmp, plainGeometry(volume.geometry()), volume.data().data(), voxelTypeOf<T>(),
                   options.compression_level);
    } else {
      detail::writePlainVolume(tmp.string(), plainGeometry(volume.geometry()), volume.data().data(),
                               voxelTypeOf<T>());
    }
  });
}

template void writeVolumeFile<float>(const fs::path&, const Volume<float>&,
                                     const VolumeWriteOptions&);
template void writeVolumeFile<std::int16_t>(const fs::path&, const Volume<std::int16_t>&,
                                            const VolumeWriteOptions&);
template void writeVolumeFile<std::uint8_t>(const fs::path&, const Volume<std::uint8_t>&,
                                            const VolumeWriteOptions&);
template void writeVolumeFile<std::uint16_t>(const fs::path&, const Volume<std::uint16_t>&,
                                             const VolumeWriteOptions&);

const char* storedVoxelTypeName(StoredVoxelType t) {
  switch (t) {
    case StoredVoxelType::kInt16:
      return "int16";
    case StoredVoxelType::kUInt16:
      return "uint16";
    case StoredVoxelType::kFloat32:
      return "float32";
  }
  return "float32";
}

namespace {

// Range and integrality of voxels [begin, end): written so that the compiler vectorises it (no
// early exit, integer min/max).
struct ValueRange {
  int lo = 0;
  int hi = 0;
  bool exact = true;  // every voxel an integer in -32768..65535
};

ValueRange rangeOf(const float* p, std::size_t n) {
  int lo = 0;
  int hi = 0;
  int bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float x = p[i];
    // Out of range (or NaN): c = 0 != x, so bad is set.
    const float c = (x >= -32768.0F && x <= 65535.0F) ? x : 0.0F;
    const int v = static_cast<int>(c);
    bad |= static_cast<int>(static_cast<float>(v) != x);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return {lo, hi, bad == 0};
}

}  // namespace

StoredVoxelType exactVoxelType(const ImageVolume& volume) {
  const auto v = volume.data();
  constexpr std::size_t kChunk = std::size_t{1} << 16;
  std::vector<ValueRange> parts((v.size() + kChunk - 1) / kChunk);
  parallelFor(parts.size(), [&](std::size_t c) {
    const std::size_t begin = c * kChunk;
    parts[c] = rangeOf(v.data() + begin, std::min(kChunk, v.size() - begin));
  });
  ValueRange all;
  for (const ValueRange& r : parts) {
    if (!r.exact) return StoredVoxelType::kFloat32;
    all.lo = std::min(all.lo, r.lo);
    all.hi = std::max(all.hi, r.hi);
  }
  if (all.hi <= 32767) return StoredVoxelType::kInt16;
  if (all.lo >= 0) return StoredVoxelType::kUInt16;
  return StoredVoxelType::kFloat32;
}

namespace {

template <class T>
void writeAs(const fs::path& file, const ImageVolume& volume, const VolumeWriteOptions& options) {
  Volume<T> out(volume.geometry());
  const auto src = volume.data();
  auto dst = out.data();
  constexpr std::size_t kChunk = std::size_t{1} << 16;
  parallelFor((src.size() + kChunk - 1) / kChunk, [&](std::size_t c) {
    const std::size_t end = std::min(src.size(), (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) dst[i] = static_cast<T>(src[i]);
  });
  writeVolumeFile(file, out, options);
}

}  // namespace

StoredVoxelType writeVolumeFileExact(const fs::path& file, const ImageVolume& volume,
                                     const VolumeWriteOptions& options) {
  checkWritable(file, options);
  const StoredVoxelType t = exactVoxelType(volume);
  const std::string name = file.filename().string();
  const bool nifti = endsWith(name, ".nii") || endsWith(name, ".nii.gz");
  if (nifti || endsWith(name, ".nrrd")) {
    // Streamed: each block converted (and compressed) on all cores, no copy of the volume.
    const detail::StreamType type = t == StoredVoxelType::kInt16    ? detail::StreamType::kInt16
                                    : t == StoredVoxelType::kUInt16 ? detail::StreamType::kUInt16
                                                                    : detail::StreamType::kFloat32;
    const int level = endsWith(name, ".nii") ? 0 : options.compression_level;
    writeAtomically(file, [&](const fs::path& tmp) {
      detail::writeStreamed(tmp, volume, type, !nifti, level);
    });
    return t;
  }
  switch (t) {
    case StoredVoxelType::kInt16:
      writeAs<std::int16_t>(file, volume, options);
      break;
    case StoredVoxelType::kUInt16:
      writeAs<std::uint16_t>(file, volume, options);
      break;
    case StoredVoxelType::kFloat32:
      writeVolumeFile(file, volume, options);
      break;
  }
  return t;
}

}  // namespace rfa::io
