// ITK ImageIO (NRRD, NIfTI, MetaImage) behind plain data; see itk_volume_io.h for why.
#include "itk_volume_io.h"

#include <itkImageIOBase.h>
#include <itkMetaImageIO.h>
#include <itkNiftiImageIO.h>
#include <itkNrrdImageIO.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

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
    io->SetIORegion(region);
    buffer.resize(io->GetImageSizeInBytes());
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
