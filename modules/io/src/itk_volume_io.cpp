// ITK ImageIO (NRRD, NIfTI, MetaImage) behind plain data; see itk_volume_io.h for why.
#include "itk_volume_io.h"

#include <itkImageIOBase.h>
#include <itkMetaImageIO.h>
#include <itkNiftiImageIO.h>
#include <itkNrrdImageIO.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "rfa/core/error.h"

namespace rfa::io::detail {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

itk::ImageIOBase::Pointer ioFor(const std::string& file) {
  const std::string n = lower(file);
  if (endsWith(n, ".nrrd") || endsWith(n, ".nhdr")) return itk::NrrdImageIO::New().GetPointer();
  if (endsWith(n, ".nii") || endsWith(n, ".nii.gz")) return itk::NiftiImageIO::New().GetPointer();
  if (endsWith(n, ".mha") || endsWith(n, ".mhd")) return itk::MetaImageIO::New().GetPointer();
  return nullptr;
}

// ---- Sizes claimed by a header against the bytes the file holds, before any allocation ----

namespace fs = std::filesystem;

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
// deflate (gzip) expands at most 1032-fold: a 258-byte match from 2 bits (RFC 1951).
constexpr std::uint64_t kMaxDeflateRatio = 1032;
// NIfTI-1's header; a .nii's voxels start at vox_offset >= 352.
constexpr std::uint64_t kNiftiHeaderBytes = 348;

std::uint64_t saturatingMul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kU64Max : r;
}

std::uint64_t saturatingAdd(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kU64Max : r;
}

std::uint64_t sizeOf(const fs::path& f) {
  std::error_code ec;
  const std::uintmax_t n = fs::file_size(f, ec);
  return ec ? 0 : static_cast<std::uint64_t>(n);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// How the voxel bytes are stored on disk.
enum class Encoding { kRaw, kDeflate, kText, kHex, kUnavailable };

// Where a header says its voxels are: `bytes` on disk in `encoding`, described by `where`.
struct DataExtent {
  std::uint64_t bytes = 0;
  Encoding encoding = Encoding::kRaw;
  std::string where;
  std::string encoding_name;
};

// Upper bound of the sizes of the regular files in `dir` (data files named by a pattern).
std::uint64_t folderBytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total = saturatingAdd(total, sizeOf(it->path()));
  }
  return total;
}

// The data file(s) a detached header names, relative to the header's folder. "LIST" (names on
// the lines after the field) and patterns ("%03d.raw 1 10 1") are bounded by every file there.
DataExtent detachedData(const fs::path& header, const std::string& value) {
  const fs::path dir = header.parent_path().empty() ? fs::path(".") : header.parent_path();
  std::istringstream tokens(value);
  std::string first;
  tokens >> first;
  std::string rest;
  tokens >> rest;
  DataExtent d;
  if (first == "LIST" || first.find('%') != std::string::npos || !rest.empty()) {
    d.bytes = folderBytes(dir);
    d.where = "the data files in " + dir.string() + " hold";
    return d;
  }
  const fs::path data = fs::path(value).is_absolute() ? fs::path(value) : dir / value;
  d.bytes = sizeOf(data);
  d.where = "its data file " + data.string() + " holds";
  return d;
}

// A NRRD header (up to the first empty line) or MetaImage header (up to ElementDataFile): where the
// voxels are and how they are encoded.
DataExtent headerData(const std::string& file, bool nrrd) {
  std::ifstream in(file, std::ios::binary);
  const std::uint64_t file_bytes = sizeOf(file);
  DataExtent d;
  d.bytes = file_bytes;
  d.where = "the file holds";
  std::string line;
  std::uint64_t header_bytes = 0;
  std::string data_file;
  bool compressed = false;
  while (std::getline(in, line)) {
    header_bytes += line.size() + (in.eof() ? 0 : 1);
    const std::string t = trim(line);
    if (nrrd && t.empty()) break;  // the empty line that ends a NRRD header
    const auto sep = t.find(nrrd ? ':' : '=');
    if (sep == std::string::npos || t[0] == '#') continue;
    if (nrrd && sep + 1 < t.size() && t[sep + 1] == '=') continue;  // key:=value pair
    const std::string key = lower(trim(t.substr(0, sep)));
    const std::string value = trim(t.substr(sep + 1));
    if (nrrd && key == "encoding") {
      const std::string e = lower(value);
      d.encoding_name = e;
      if (e == "gzip" || e == "gz") {
        d.encoding = Encoding::kDeflate;
      } else if (e == "ascii" || e == "text" || e == "txt") {
        d.encoding = Encoding::kText;
      } else if (e == "hex") {
        d.encoding = Encoding::kHex;
      } else if (e != "raw") {
        d.encoding = Encoding::kUnavailable;  // bzip2 and others: not in ITK's NrrdIO
      }
    } else if (nrrd && (key == "data file" || key == "datafile")) {
      data_file = value;
      break;  // a LIST of names may follow; nothing else that matters does
    } else if (!nrrd && key == "compresseddata") {
      compressed = lower(value) == "true";
    } else if (!nrrd && key == "elementdatafile") {
      if (value != "LOCAL") data_file = value;
      break;
    }
  }
  if (!nrrd && compressed) d.encoding = Encoding::kDeflate;
  if (!data_file.empty()) {
    DataExtent detached = detachedData(file, data_file);
    detached.encoding = d.encoding;
    detached.encoding_name = d.encoding_name;
    return detached;
  }
  d.bytes = file_bytes - std::min(file_bytes, header_bytes);
  return d;
}

// Checks that the file can hold the `voxels` (`voxel_bytes`) its header claims (`sizes` for the
// message). Called before the voxel buffer is allocated. \throws CorruptDataError naming the file
// and both sizes; UnsupportedError for a NRRD encoding ITK's NrrdIO cannot read (it would say so
// only after the allocation).
void requireVoxelBytes(const std::string& file, std::uint64_t voxels, std::uint64_t voxel_bytes,
                       const std::string& sizes) {
  const std::string n = lower(file);
  DataExtent d;
  if (endsWith(n, ".nrrd") || endsWith(n, ".nhdr")) {
    d = headerData(file, true);
  } else if (endsWith(n, ".mha") || endsWith(n, ".mhd")) {
    d = headerData(file, false);
  } else {  // NIfTI-1
    const std::uint64_t bytes = sizeOf(file);
    if (endsWith(n, ".gz")) {
      d.bytes = bytes;
      d.encoding = Encoding::kDeflate;
    } else {
      d.bytes = bytes - std::min(bytes, kNiftiHeaderBytes);
    }
    d.where = "the file holds";
  }
  const std::string head = file + ": header says " + std::to_string(voxel_bytes) +
                           " bytes of voxels (" + sizes + "), " + d.where + " " +
                           std::to_string(d.bytes);
  switch (d.encoding) {
    case Encoding::kRaw:
      if (voxel_bytes <= d.bytes) return;
      throw CorruptDataError(head);
    case Encoding::kDeflate: {
      const std::uint64_t most = saturatingMul(d.bytes, kMaxDeflateRatio);
      if (voxel_bytes <= most) return;
      throw CorruptDataError(head + " compressed, at most " + std::to_string(most) +
                             " after decompression");
    }
    case Encoding::kHex:
      if (voxel_bytes <= d.bytes / 2) return;
      throw CorruptDataError(head + " hex digits, at most " + std::to_string(d.bytes / 2) +
                             " bytes");
    case Encoding::kText: {
      const std::uint64_t most = d.bytes / 2 + 1;  // a character and a separator per value
      if (voxels <= most) return;
      throw CorruptDataError(head + " characters of text, at most " + std::to_string(most) +
                             " values");
    }
    case Encoding::kUnavailable:
      break;
  }
  throw UnsupportedError(file + ": NRRD encoding '" + d.encoding_name +
                         "' cannot be read (use raw, gzip, ascii or hex)");
}

// ---- NIfTI-1 orientation, checked before ITK sees it ----

// The NIfTI-1 header's first 348 bytes, through zlib (which reads .nii.gz and plain .nii alike);
// empty when the file is shorter.
std::string niftiHeaderBytes(const std::string& file) {
  gzFile gz = gzopen(file.c_str(), "rb");
  if (gz == nullptr) return {};
  std::string h(kNiftiHeaderBytes, '\0');
  const int n = gzread(gz, h.data(), static_cast<unsigned>(h.size()));
  gzclose(gz);
  return n == static_cast<int>(h.size()) ? h : std::string();
}

// ITK's NiftiImageIO turns the qform/sform into a direction matrix and calls vnl_svd on it, which
// abort()s (no exception) on a non-finite element: a NaN or infinite value, or an axis of length 0
// (normalised to 0/0). Such a header is refused here: non-finite values, values beyond 1e9 (mm, or
// for the quaternion an unnormalised value: their squares overflow the float matrix) and sform axes
// shorter than 1e-6 mm (their squares underflow).
void requireFiniteNiftiOrientation(const std::string& file) {
  const std::string h = niftiHeaderBytes(file);
  if (h.empty()) return;  // ITK says what is wrong
  // Byte order as niftilib decides it (need_nhdr_swap): by dim[0] in 1..7, else by sizeof_hdr.
  std::uint16_t dim0 = 0;
  std::memcpy(&dim0, h.data() + 40, 2);
  std::uint32_t sizeof_hdr = 0;
  std::memcpy(&sizeof_hdr, h.data(), 4);
  const auto validDim0 = [](std::uint16_t d) { return d >= 1 && d <= 7; };
  bool swap = false;
  if (dim0 != 0) {
    if (!validDim0(dim0)) {
      if (!validDim0(__builtin_bswap16(dim0))) return;  // niftilib refuses it
      swap = true;
    }
  } else if (sizeof_hdr != 348U) {
    if (__builtin_bswap32(sizeof_hdr) != 348U) return;
    swap = true;
  }
  const auto i16 = [&](std::size_t at) {
    std::uint16_t v = 0;
    std::memcpy(&v, h.data() + at, 2);
    return static_cast<std::int16_t>(swap ? __builtin_bswap16(v) : v);
  };
  const auto f32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, h.data() + at, 4);
    if (swap) v = __builtin_bswap32(v);
    float f = 0;
    std::memcpy(&f, &v, 4);
    return static_cast<double>(f);
  };
  const auto usable = [](double v) { return std::isfinite(v) && std::abs(v) <= 1e9; };
  const auto refuse = [&](const std::string& what) {
    throw CorruptDataError(file + ": NIfTI " + what +
                           " is not a valid orientation (non-finite, beyond 1e9 or a zero axis)");
  };
  // pixdim[0..3] (76..88): the spacing, and the qfac and scale of the qform.
  for (const std::size_t at : {76, 80, 84, 88}) {
    if (!usable(f32(at))) refuse("pixdim[0..3]");
  }
  // qform: quatern_b/c/d (256..264), qoffset_x/y/z (268..276). Checked for any qform_code (and
  // sform_code) but 0: niftilib and ITK differ on which codes they use.
  if (i16(252) != 0) {
    for (const std::size_t at : {256, 260, 264, 268, 272, 276}) {
      if (!usable(f32(at))) refuse("qform (quatern_b/c/d, qoffset_x/y/z)");
    }
  }
  // sform: srow_x, srow_y, srow_z (280..324); the first three columns are the axes.
  if (i16(254) != 0) {
    std::array<double, 12> m{};
    for (std::size_t k = 0; k < 12; ++k) {
      m[k] = f32(280 + 4 * k);
      if (!usable(m[k])) refuse("sform (srow_x/y/z)");
    }
    for (std::size_t a = 0; a < 3; ++a) {
      if (std::hypot(m[a], m[4 + a], m[8 + a]) < 1e-6) refuse("sform (srow_x/y/z)");
    }
  }
}

template <class Src>
void toFloat(const void* buf, std::size_t n, float* dst) {
  const Src* s = static_cast<const Src*>(buf);
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(s[i]);
}

}  // namespace

bool hasVolumeIo(const std::string& file) {
  return ioFor(file) != nullptr;
}

PlainVolume readPlainVolume(const std::string& file) {
  itk::ImageIOBase::Pointer io = ioFor(file);
  if (!io)
    throw UnsupportedError(file + ": unknown volume file extension (use .nrrd, .nii(.gz), .mha)");
  io->SetFileName(file);
  std::vector<char> buffer;
  PlainVolume out;
  const std::string lname = lower(file);
  if (endsWith(lname, ".nii") || endsWith(lname, ".nii.gz")) requireFiniteNiftiOrientation(file);
  try {
    io->ReadImageInformation();
    if (io->GetNumberOfComponents() != 1) {
      throw UnsupportedError(file + ": " + std::to_string(io->GetNumberOfComponents()) +
                             " components per voxel; only scalar volumes are supported");
    }
    const unsigned dims = io->GetNumberOfDimensions();
    if (dims < 2 || dims > 3)
      throw UnsupportedError(file + ": " + std::to_string(dims) + "-D image; expected 3-D");
    itk::ImageIORegion region(dims);
    for (unsigned a = 0; a < dims; ++a) {
      region.SetIndex(a, 0);
      region.SetSize(a, io->GetDimensions(a));
      out.size[a] = io->GetDimensions(a);
      out.spacing[a] = io->GetSpacing(a);
      out.origin[a] = io->GetOrigin(a);
      const std::vector<double> d = io->GetDirection(a);
      for (unsigned r = 0; r < 3; ++r)
        out.direction[r * 3 + a] = r < d.size() ? d[r] : (r == a ? 1.0 : 0.0);
    }
    if (dims == 2) {  // third axis: cross product of the first two
      const auto& d = out.direction;
      out.direction[2] = d[3] * d[7] - d[6] * d[4];
      out.direction[5] = d[6] * d[1] - d[0] * d[7];
      out.direction[8] = d[0] * d[4] - d[3] * d[1];
    }
    // Every size from the header is checked against the file before anything is allocated: a
    // corrupt header must not turn into a huge allocation (or an overflowed product).
    std::uint64_t voxels = 1;
    std::string sizes;
    for (unsigned a = 0; a < dims; ++a) {
      voxels = saturatingMul(voxels, io->GetDimensions(a));
      sizes += (a ? "x" : "") + std::to_string(io->GetDimensions(a));
    }
    const std::uint64_t component_bytes = io->GetComponentSize();
    const std::uint64_t voxel_bytes = saturatingMul(voxels, component_bytes);
    sizes += " voxels of " + std::to_string(component_bytes) + " bytes";
    if (voxels == 0 || voxel_bytes == kU64Max ||
        voxel_bytes > std::numeric_limits<std::size_t>::max() / sizeof(float)) {
      throw CorruptDataError(file + ": header says " + sizes +
                             ", no or more voxels than can be addressed");
    }
    requireVoxelBytes(file, voxels, voxel_bytes, sizes);
    io->SetIORegion(region);
    buffer.resize(static_cast<std::size_t>(voxel_bytes));
    io->Read(buffer.data());
  } catch (const itk::ExceptionObject& e) {
    throw CorruptDataError(file + ": cannot read volume: " + e.GetDescription());
  }
  const std::size_t n = out.size[0] * out.size[1] * out.size[2];
  out.voxels.resize(n);
  float* dst = out.voxels.data();
  using C = itk::IOComponentEnum;
  switch (io->GetComponentType()) {
    case C::UCHAR:
      toFloat<std::uint8_t>(buffer.data(), n, dst);
      break;
    case C::CHAR:
      toFloat<std::int8_t>(buffer.data(), n, dst);
      break;
    case C::USHORT:
      toFloat<std::uint16_t>(buffer.data(), n, dst);
      break;
    case C::SHORT:
      toFloat<std::int16_t>(buffer.data(), n, dst);
      break;
    case C::UINT:
      toFloat<std::uint32_t>(buffer.data(), n, dst);
      break;
    case C::INT:
      toFloat<std::int32_t>(buffer.data(), n, dst);
      break;
    case C::ULONG:
      toFloat<std::uint64_t>(buffer.data(), n, dst);
      break;
    case C::LONG:
      toFloat<std::int64_t>(buffer.data(), n, dst);
      break;
    case C::FLOAT:
      toFloat<float>(buffer.data(), n, dst);
      break;
    case C::DOUBLE:
      toFloat<double>(buffer.data(), n, dst);
      break;
    default:
      throw UnsupportedError(file + ": voxel type " +
                             itk::ImageIOBase::GetComponentTypeAsString(io->GetComponentType()) +
                             " is not supported");
  }
  return out;
}

void writePlainVolume(const std::string& file, const PlainVolume& g, const void* data,
                      VoxelType type, bool compress) {
  itk::ImageIOBase::Pointer io = ioFor(file);
  if (!io) throw WriteError(file + ": unknown volume file extension (use .nrrd, .nii.gz, .mha)");
  io->SetNumberOfDimensions(3);
  for (unsigned a = 0; a < 3; ++a) {
    io->SetDimensions(a, static_cast<unsigned>(g.size[a]));
    io->SetSpacing(a, g.spacing[a]);
    io->SetOrigin(a, g.origin[a]);
    io->SetDirection(a,
                     std::vector<double>{g.direction[a], g.direction[3 + a], g.direction[6 + a]});
  }
  using C = itk::IOComponentEnum;
  io->SetPixelType(itk::IOPixelEnum::SCALAR);
  io->SetNumberOfComponents(1);
  switch (type) {
    case VoxelType::kFloat:
      io->SetComponentType(C::FLOAT);
      break;
    case VoxelType::kInt16:
      io->SetComponentType(C::SHORT);
      break;
    case VoxelType::kUInt16:
      io->SetComponentType(C::USHORT);
      break;
    case VoxelType::kUInt8:
      io->SetComponentType(C::UCHAR);
      break;
  }
  io->SetUseCompression(compress);
  io->SetFileName(file);
  itk::ImageIORegion region(3);
  for (unsigned a = 0; a < 3; ++a) {
    region.SetIndex(a, 0);
    region.SetSize(a, g.size[a]);
  }
  io->SetIORegion(region);
  try {
    io->WriteImageInformation();
    io->Write(data);
  } catch (const itk::ExceptionObject& e) {
    throw WriteError(file + ": cannot write volume: " + e.GetDescription());
  }
}

}  // namespace rfa::io::detail
