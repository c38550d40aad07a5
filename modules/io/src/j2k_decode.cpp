// JPEG 2000 through OpenJPEG with a memory stream. DCMTK extracts the fragments; OpenJPEG (fuzzed
// upstream, returns errors instead of asserting) decodes the codestream.
#include "j2k_decode.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "rfa/core/error.h"

namespace rfa::io::detail {
namespace {

struct MemoryStream {
  const std::uint8_t* data;
  OPJ_SIZE_T size;
  OPJ_SIZE_T pos;
};

OPJ_SIZE_T readFn(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (m->pos >= m->size) return static_cast<OPJ_SIZE_T>(-1);
  const OPJ_SIZE_T k = std::min(n, m->size - m->pos);
  std::memcpy(buffer, m->data + m->pos, k);
  m->pos += k;
  return k;
}

OPJ_OFF_T skipFn(OPJ_OFF_T n, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (n < 0) {
    const auto back = static_cast<OPJ_SIZE_T>(-n);
    if (back > m->pos) return -1;
    m->pos -= back;
    return n;
  }
  const OPJ_SIZE_T k = std::min(static_cast<OPJ_SIZE_T>(n), m->size - m->pos);
  m->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL seekFn(OPJ_OFF_T n, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (n < 0 || static_cast<OPJ_SIZE_T>(n) > m->size) return OPJ_FALSE;
  m->pos = static_cast<OPJ_SIZE_T>(n);
  return OPJ_TRUE;
}

void quiet(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

}  // namespace

void decodeJpeg2000Frame(const std::uint8_t* data, std::size_t size, unsigned rows,
                         unsigned columns, unsigned bits_allocated, const std::string& what,
                         std::uint8_t* dst) {
  if (size < 12)
    throw CorruptDataError(what + ": JPEG 2000 fragment too short (" + std::to_string(size) +
                           " bytes)");
  // JP2 files start with a signature box; raw codestreams with SOC (FF 4F).
  static const std::uint8_t jp2_sig[12] = {0,   0,   0,    0x0C, 'j',  'P',
                                           ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
  const bool jp2 = std::memcmp(data, jp2_sig, sizeof jp2_sig) == 0;
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(
      opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  opj_set_info_handler(codec.get(), quiet, nullptr);
  opj_set_warning_handler(codec.get(), quiet, nullptr);
  opj_set_error_handler(codec.get(), quiet, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec.get(), &params))
    throw CorruptDataError(what + ": JPEG 2000 decoder set-up failed");

  MemoryStream ms{data, size, 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(
      opj_stream_create(std::size_t{64} * 1024, OPJ_TRUE));
  opj_stream_set_user_data(stream.get(), &ms, nullptr);
  opj_stream_set_user_data_length(stream.get(), size);
  opj_stream_set_read_function(stream.get(), readFn);
  opj_stream_set_skip_function(stream.get(), skipFn);
  opj_stream_set_seek_function(stream.get(), seekFn);

  opj_image_t* raw = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw)) {
    if (raw) opj_image_destroy(raw);
    throw CorruptDataError(what + ": invalid JPEG 2000 header in PixelData (7FE0,0010)");
  }
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
  if (image->numcomps != 1) {
    throw UnsupportedError(what + ": JPEG 2000 image with " + std::to_string(image->numcomps) +
                           " components; only grayscale is supported");
  }
  const opj_image_comp_t& hdr = image->comps[0];
  if (hdr.w != columns || hdr.h != rows || hdr.dx != 1 || hdr.dy != 1) {
    throw CorruptDataError(what + ": JPEG 2000 image is " + std::to_string(hdr.w) + "x" +
                           std::to_string(hdr.h) + ", Rows/Columns say " + std::to_string(columns) +
                           "x" + std::to_string(rows));
  }
  if (!opj_decode(codec.get(), stream.get(), image.get()) ||
      !opj_end_decompress(codec.get(), stream.get())) {
    throw CorruptDataError(what + ": JPEG 2000 pixel data (7FE0,0010) cannot be decoded");
  }
  const opj_image_comp_t& c = image->comps[0];
  if (c.data == nullptr) throw CorruptDataError(what + ": JPEG 2000 decoder returned no data");
  const std::size_t n = static_cast<std::size_t>(rows) * columns;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::uint32_t>(c.data[i]);  // two's complement bits kept
    switch (bits_allocated) {
      case 8:
        dst[i] = static_cast<std::uint8_t>(v);
        break;
      case 16: {
        const auto w = static_cast<std::uint16_t>(v);
        std::memcpy(dst + 2 * i, &w, 2);
        break;
      }
      default:
        std::memcpy(dst + 4 * i, &v, 4);
        break;
    }
  }
}

}  // namespace rfa::io::detail
