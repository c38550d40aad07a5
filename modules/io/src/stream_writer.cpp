// Streaming NIfTI-1 and NRRD writers (stream_writer.h). NIfTI layout: the standard's nifti1.h
// (field offsets below); the quaternion from the rotation as in its nifti_mat44_to_quatern. NRRD:
// the NRRD0004 format (teem), attached header.
#include "stream_writer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "gzip_members.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"

namespace rfa::io::detail {

static_assert(std::endian::native == std::endian::little, "NIfTI files are written little-endian");

namespace {

template <class T>
void put(std::array<std::uint8_t, 352>& h, std::size_t offset, T value) {
  std::memcpy(h.data() + offset, &value, sizeof value);
}

int bitsOf(StreamType t) {
  return t == StreamType::kFloat32 ? 32 : 16;
}

// Voxels [begin, end) of v converted to `type`, little-endian, appended to `out`.
void convertRange(const float* src, std::size_t n, StreamType type, std::uint8_t* out) {
  switch (type) {
    case StreamType::kFloat32:
      std::memcpy(out, src, n * sizeof(float));
      break;
    case StreamType::kInt16: {
      auto* d = reinterpret_cast<std::int16_t*>(out);
      for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::int16_t>(src[i]);
      break;
    }
    case StreamType::kUInt16: {
      auto* d = reinterpret_cast<std::uint16_t*>(out);
      for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint16_t>(src[i]);
      break;
    }
  }
}

}  // namespace

std::array<std::uint8_t, 352> niftiHeader(const ImageGeometry& g, StreamType type) {
  std::array<std::uint8_t, 352> h{};
  put<std::int32_t>(h, 0, 348);  // sizeof_hdr
  put<char>(h, 38, 'r');         // regular
  const std::array<std::int16_t, 8> dim{3,
                                        static_cast<std::int16_t>(g.size()[0]),
                                        static_cast<std::int16_t>(g.size()[1]),
                                        static_cast<std::int16_t>(g.size()[2]),
                                        1,
                                        1,
                                        1,
                                        1};
  for (std::size_t i = 0; i < 8; ++i) put<std::int16_t>(h, 40 + 2 * i, dim[i]);
  put<std::int16_t>(h, 70, static_cast<std::int16_t>(type));  // datatype
  put<std::int16_t>(h, 72, static_cast<std::int16_t>(bitsOf(type)));
  // RAS = diag(-1, -1, 1) LPS.
  Mat3 r = g.direction();
  r.row(0) *= -1;
  r.row(1) *= -1;
  Vec3 o = g.origin();
  o.x() = -o.x();
  o.y() = -o.y();
  // qform: a rotation and qfac = -1 when the axes are left-handed (the third column negated).
  const double qfac = r.determinant() < 0 ? -1.0 : 1.0;
  Mat3 q = r;
  q.col(2) *= qfac;
  double a = q(0, 0) + q(1, 1) + q(2, 2) + 1;
  double b = 0;
  double c = 0;
  double d = 0;
  if (a > 0.5) {
    a = 0.5 * std::sqrt(a);
    b = 0.25 * (q(2, 1) - q(1, 2)) / a;
    c = 0.25 * (q(0, 2) - q(2, 0)) / a;
    d = 0.25 * (q(1, 0) - q(0, 1)) / a;
  } else {
    const double xd = 1.0 + q(0, 0) - (q(1, 1) + q(2, 2));
    const double yd = 1.0 + q(1, 1) - (q(0, 0) + q(2, 2));
    const double zd = 1.0 + q(2, 2) - (q(0, 0) + q(1, 1));
    if (xd > 1.0) {
      b = 0.5 * std::sqrt(xd);
      c = 0.25 * (q(0, 1) + q(1, 0)) / b;
      d = 0.25 * (q(0, 2) + q(2, 0)) / b;
      a = 0.25 * (q(2, 1) - q(1, 2)) / b;
    } else if (yd > 1.0) {
      c = 0.5 * std::sqrt(yd);
      b = 0.25 * (q(0, 1) + q(1, 0)) / c;
      d = 0.25 * (q(1, 2) + q(2, 1)) / c;
      a = 0.25 * (q(0, 2) - q(2, 0)) / c;
    } else {
      d = 0.5 * std::sqrt(zd);
      b = 0.25 * (q(0, 2) + q(2, 0)) / d;
      c = 0.25 * (q(1, 2) + q(2, 1)) / d;
      a = 0.25 * (q(1, 0) - q(0, 1)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  const Vec3& sp = g.spacing();
  const std::array<float, 8> pixdim{static_cast<float>(qfac),
                                    static_cast<float>(sp.x()),
                                    static_cast<float>(sp.y()),
                                    static_cast<float>(sp.z()),
                                    0.0F,
                                    0.0F,
                                    0.0F,
                                    0.0F};
  for (std::size_t i = 0; i < 8; ++i) put<float>(h, 76 + 4 * i, pixdim[i]);
  put<float>(h, 108, 352.0F);    // vox_offset
  put<float>(h, 112, 1.0F);      // scl_slope: values as stored
  put<float>(h, 116, 0.0F);      // scl_inter
  put<std::uint8_t>(h, 123, 2);  // xyzt_units: mm
  put<std::int16_t>(h, 252, 1);  // qform_code: scanner
  put<std::int16_t>(h, 254, 1);  // sform_code: scanner
  put<float>(h, 256, static_cast<float>(b));
  put<float>(h, 260, static_cast<float>(c));
  put<float>(h, 264, static_cast<float>(d));
  for (int i = 0; i < 3; ++i) put<float>(h, 268 + 4 * i, static_cast<float>(o[i]));
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col) {
      put<float>(h, 280 + 16 * row + 4 * col, static_cast<float>(r(row, col) * sp[col]));
    }
    put<float>(h, 280 + 16 * row + 12, static_cast<float>(o[row]));
  }
  std::memcpy(h.data() + 344, "n+1\0", 4);
  return h;  // bytes 348..351: no extension
}

std::string nrrdHeader(const ImageGeometry& g, StreamType type, bool gzip) {
  std::ostringstream h;
  h << std::setprecision(17);
  h << "NRRD0004\n# written by rfaplan (research use only)\n";
  h << "type: "
    << (type == StreamType::kInt16    ? "int16"
        : type == StreamType::kUInt16 ? "uint16"
                                      : "float")
    << "\ndimension: 3\nspace: left-posterior-superior\n";
  h << "sizes: " << g.size()[0] << ' ' << g.size()[1] << ' ' << g.size()[2] << "\n";
  h << "space directions:";
  for (int a = 0; a < 3; ++a) {
    const Vec3 d = g.direction().col(a) * g.spacing()[a];
    h << " (" << d.x() << ',' << d.y() << ',' << d.z() << ')';
  }
  h << "\nkinds: domain domain domain\nendian: little\nencoding: " << (gzip ? "gzip" : "raw")
    << "\nspace origin: (" << g.origin().x() << ',' << g.origin().y() << ',' << g.origin().z()
    << ")\n\n";
  return h.str();
}

void writeStreamed(const std::filesystem::path& file, const ImageVolume& v, StreamType type,
                   bool nrrd, int gzip_level) {
  if (!nrrd) {
    for (int a = 0; a < 3; ++a) {
      if (v.size()[a] > 32767) {
        throw WriteError(file.string() + ": " + std::to_string(v.size()[a]) +
                         " voxels along an axis: NIfTI-1 holds at most 32767");
      }
    }
  }
  // NIfTI: the header is part of the (compressed) stream; NRRD: plain text before it.
  std::vector<std::uint8_t> header;
  if (nrrd) {
    const std::string text = nrrdHeader(v.geometry(), type, gzip_level > 0);
    header.assign(text.begin(), text.end());
  } else {
    const std::array<std::uint8_t, 352> h = niftiHeader(v.geometry(), type);
    header.assign(h.begin(), h.end());
  }
  const bool header_in_stream = !nrrd && gzip_level > 0;
  const std::size_t bytes_per_voxel = static_cast<std::size_t>(bitsOf(type)) / 8;
  const auto src = v.data();
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw WriteError("cannot open " + file.string() + " for writing");
  if (!header_in_stream) {
    out.write(reinterpret_cast<const char*>(header.data()),
              static_cast<std::streamsize>(header.size()));
  }
  // Blocks of voxels: converted (and compressed) in parallel, written in order.
  constexpr std::size_t kBlockVoxels = std::size_t{1} << 21;  // 4 MiB of int16
  const std::size_t blocks = (src.size() + kBlockVoxels - 1) / kBlockVoxels;
  constexpr std::size_t kBatch = 8;  // blocks in memory at once
  // Buffers reused from batch to batch: fresh ones would be fresh pages (a page fault and a
  // zeroing per 4 KiB, the largest cost of a first profile).
  std::vector<std::vector<std::uint8_t>> raw(kBatch);
  std::vector<std::vector<std::uint8_t>> packed(kBatch);
  const std::size_t total = std::max<std::size_t>(blocks, 1);
  for (std::size_t first = 0; first < total; first += kBatch) {
    const std::size_t count = std::min(kBatch, total - first);
    parallelFor(count, [&](std::size_t k) {
      const std::size_t b = first + k;
      const std::size_t begin = std::min(src.size(), b * kBlockVoxels);
      const std::size_t n = std::min(kBlockVoxels, src.size() - begin);
      // The header joins the first block of a compressed file.
      const std::size_t lead = (header_in_stream && b == 0) ? header.size() : 0;
      raw[k].resize(lead + n * bytes_per_voxel);
      std::memcpy(raw[k].data(), header.data(), lead);
      convertRange(src.data() + begin, n, type, raw[k].data() + lead);
      if (gzip_level > 0) packed[k] = gzipMembers(raw[k], gzip_level, raw[k].size());
    });
    for (std::size_t k = 0; k < count; ++k) {
      const std::vector<std::uint8_t>& bytes = gzip_level > 0 ? packed[k] : raw[k];
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
    }
  }
  out.close();
  if (!out) throw WriteError("cannot write " + file.string() + " (disk full?)");
}

}  // namespace rfa::io::detail
