// Decoding of DICOM pixel data into a float volume, in parallel over files.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <type_traits>

#include "dicom_internal.h"
#include "j2k_decode.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/io/dicom_load.h"

namespace rfa::io {
namespace fs = std::filesystem;

void initDicomCodecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    DcmRLEDecoderRegistration::registerCodecs();
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
  });
}

namespace detail {

bool isJpeg2000(const std::string& ts) {
  return ts == UID_JPEG2000LosslessOnlyTransferSyntax || ts == UID_JPEG2000TransferSyntax ||
         ts == UID_JPEG2000Part2MulticomponentImageCompressionLosslessOnlyTransferSyntax ||
         ts == UID_JPEG2000Part2MulticomponentImageCompressionTransferSyntax;
}

bool isDcmjpegJpeg(const std::string& ts) {
  const std::string prefix = "1.2.840.10008.1.2.4.";
  if (ts.rfind(prefix, 0) != 0 || ts.size() != prefix.size() + 2) return false;
  const int n = (ts[prefix.size()] - '0') * 10 + (ts[prefix.size() + 1] - '0');
  return n >= 50 && n <= 79;
}

long jpegBitDepthScanHangsAt(std::span<const std::uint8_t> p) {
  std::size_t off = 0;
  while (off + 4 < p.size()) {
    const unsigned hi = p[off];
    const unsigned lo = p[off + 1];
    const auto length = static_cast<std::size_t>((p[off + 2] << 8U) | p[off + 3]);
    if (hi == 0xFF && lo >= 0xC0 && lo <= 0xCF && lo != 0xC4 && lo != 0xC8 && lo != 0xCC) {
      return -1;  // frame header: the scan returns its precision
    }
    if (hi == 0xFF && (lo == 0xC4 || lo == 0xC8 || lo == 0xCC || (lo >= 0xDA && lo <= 0xFE))) {
      off += length + 2;
    } else if (hi == 0xFF && lo >= 0xD0 && lo <= 0xD9) {
      off += 2;
    } else if (hi == 0xFF && lo == 0xFF) {
      off += 1;
    } else if (hi == 0xFF && lo == 0x01) {
      return static_cast<long>(off);  // TEM: the scan does not advance
    } else if (hi == 0xFF && lo > 2 && lo <= 0xBF) {
      off += 2;
    } else {
      return -1;  // invalid marker: the scan gives up (decoding then fails cleanly)
    }
  }
  return -1;
}

void checkPixelDataLength(DcmFileFormat& ff, const fs::path& file) {
  DcmDataset& ds = *ff.getDataset();
  DcmElement* px = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, px).bad() || px == nullptr) return;
  const Uint32 declared = px->getLengthField();
  std::uint16_t rows = 0, cols = 0, bits = 0, spp = 1;
  detail::getU16(ds, DCM_Rows, rows);
  detail::getU16(ds, DCM_Columns, cols);
  getU16(ds, DCM_BitsAllocated, bits);
  getU16(ds, DCM_SamplesPerPixel, spp);
  const int frames = getInt(ds, DCM_NumberOfFrames).value_or(1);
  // Bits of all frames, saturating (NumberOfFrames and the 16-bit fields can overflow 64 bits).
  unsigned long long expected_bits = 1;
  for (const unsigned long long f :
       {static_cast<unsigned long long>(rows), static_cast<unsigned long long>(cols),
        static_cast<unsigned long long>(std::max(1, frames)),
        static_cast<unsigned long long>(std::max<std::uint16_t>(1, spp)),
        static_cast<unsigned long long>(bits)}) {
    if (__builtin_mul_overflow(expected_bits, f, &expected_bits)) {
      expected_bits = std::numeric_limits<unsigned long long>::max();
    }
  }
  const unsigned long long expected = expected_bits / 8 + (expected_bits % 8 != 0 ? 1 : 0);
  if (declared == DCM_UndefinedLength) {
    // Encapsulated: the frames are decoded later, into buffers of Rows x Columns x frames; no
    // codec expands its data more than kMaxCodecRatio-fold on real images, so a header claiming
    // more than that of its fragments is refused before anything is allocated (a 2 KB file
    // claiming 65535 x 65535 would otherwise take 25 GB).
    auto* pixel_data = dynamic_cast<DcmPixelData*>(px);
    DcmPixelSequence* seq = nullptr;
    if (pixel_data == nullptr ||
        pixel_data->getEncapsulatedRepresentation(ds.getOriginalXfer(), nullptr, seq).bad() ||
        seq == nullptr) {
      return;  // decoding reports it
    }
    unsigned long long fragment_bytes = 0;
    for (unsigned long i = 1; i < seq->card(); ++i) {  // item 0: the basic offset table
      DcmPixelItem* item = nullptr;
      if (seq->getItem(item, i).good() && item != nullptr) fragment_bytes += item->getLength();
    }
    constexpr unsigned long long kMaxCodecRatio = 65536;
    if (expected / kMaxCodecRatio > fragment_bytes) {
      throw CorruptDataError(file.string() + ": PixelData (7FE0,0010) holds " +
                             std::to_string(fragment_bytes) +
                             " compressed bytes, Rows x Columns x frames x BitsAllocated needs " +
                             std::to_string(expected) + " (more than " +
                             std::to_string(kMaxCodecRatio) + " times as many)");
    }
    return;
  }
  if (declared < expected) {
    throw CorruptDataError(
        file.string() + ": PixelData (7FE0,0010) holds " + std::to_string(declared) +
        " bytes, Rows x Columns x frames x BitsAllocated needs " + std::to_string(expected));
  }
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (!ec && size < declared) {
    throw CorruptDataError(file.string() + ": truncated: file has " + std::to_string(size) +
                           " bytes but PixelData (7FE0,0010) alone declares " +
                           std::to_string(declared));
  }
}

}  // namespace detail

namespace {

// JPEG 2000: DCMTK gives the encapsulated fragments, OpenJPEG decodes each frame's codestream.
void decodeJpeg2000File(const DicomSliceInfo& s, std::size_t frame_bytes, std::uint8_t* dst) {
  const std::string name = s.file.string();
  DcmFileFormat ff;
  const OFCondition st =
      ff.loadFile(s.file.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  if (st.bad()) throw CorruptDataError(name + ": cannot parse DICOM (" + st.text() + ")");
  DcmElement* elem = nullptr;
  if (ff.getDataset()->findAndGetElement(DCM_PixelData, elem).bad() || elem == nullptr) {
    throw CorruptDataError(name + ": PixelData (7FE0,0010) missing");
  }
  auto* px = dynamic_cast<DcmPixelData*>(elem);
  DcmPixelSequence* seq = nullptr;
  if (px == nullptr ||
      px->getEncapsulatedRepresentation(ff.getDataset()->getOriginalXfer(), nullptr, seq).bad() ||
      seq == nullptr) {
    throw CorruptDataError(
        name + ": JPEG 2000 transfer syntax but PixelData (7FE0,0010) is not encapsulated");
  }
  // Item 0 is the basic offset table; then one or more fragments per frame.
  const unsigned long items = seq->card();
  const unsigned long fragments = items > 0 ? items - 1 : 0;
  const auto frames = static_cast<unsigned long>(s.number_of_frames);
  if (fragments == 0 || (frames > 1 && fragments != frames)) {
    throw UnsupportedError(name + ": " + std::to_string(fragments) + " JPEG 2000 fragments for " +
                           std::to_string(frames) +
                           " frames (one fragment per frame, or one frame, supported)");
  }
  auto fragmentBytes = [&](unsigned long index, std::vector<std::uint8_t>& buf) {
    DcmPixelItem* item = nullptr;
    Uint8* bytes = nullptr;
    if (seq->getItem(item, index).bad() || item == nullptr || item->getUint8Array(bytes).bad()) {
      throw CorruptDataError(name + ": JPEG 2000 fragment " + std::to_string(index) +
                             " cannot be read");
    }
    const Uint32 len = item->getLength();
    if (len > 0 && bytes == nullptr) throw CorruptDataError(name + ": empty JPEG 2000 fragment");
    buf.insert(buf.end(), bytes, bytes + len);
  };
  for (unsigned long f = 0; f < frames; ++f) {
    std::vector<std::uint8_t> code;
    if (frames == 1) {
      for (unsigned long i = 1; i < items; ++i) fragmentBytes(i, code);
    } else {
      fragmentBytes(f + 1, code);
    }
    detail::decodeJpeg2000Frame(code.data(), code.size(), s.rows, s.columns, s.bits_allocated,
                                name + " frame " + std::to_string(f), dst + f * frame_bytes);
  }
}

// Raw stored pixel bytes of all frames of one file (host byte order, native layout) into `out`
// (a per-thread buffer reused across files, so large slices do not cost a fresh allocation each).
// DCMTK 3.6.7's JPEG decoder first scans the first fragment for the bit depth, and that scan never
// returns on a TEM marker (FF01) before the frame header (found by fuzzing): refuse such a stream.
void guardJpegScan(DcmDataset& ds, const std::string& name) {
  DcmElement* elem = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, elem).bad() || elem == nullptr) return;
  auto* px = dynamic_cast<DcmPixelData*>(elem);
  DcmPixelSequence* seq = nullptr;
  if (px == nullptr ||
      px->getEncapsulatedRepresentation(ds.getOriginalXfer(), nullptr, seq).bad() ||
      seq == nullptr || seq->card() < 2) {
    return;  // DCMTK reports these itself
  }
  DcmPixelItem* item = nullptr;
  Uint8* bytes = nullptr;
  if (seq->getItem(item, 1).bad() || item == nullptr || item->getUint8Array(bytes).bad() ||
      bytes == nullptr) {
    return;
  }
  const long at = detail::jpegBitDepthScanHangsAt({bytes, item->getLength()});
  if (at >= 0) {
    throw CorruptDataError(name +
                           ": malformed JPEG stream in PixelData (7FE0,0010): TEM marker "
                           "(FF01) before the frame header at byte " +
                           std::to_string(at) + " of the first fragment");
  }
}

void readPixelBytes(const DicomSliceInfo& s, std::vector<std::uint8_t>& out) {
  const std::string name = s.file.string();
  const std::size_t frame_bytes =
      static_cast<std::size_t>(s.rows) * s.columns * s.samples_per_pixel * (s.bits_allocated / 8U);
  const std::size_t need = frame_bytes * static_cast<std::size_t>(s.number_of_frames);
  if (need > (std::size_t{1} << 32U)) {
    throw UnsupportedError(
        name + ": " + std::to_string(need >> 20U) +
        " MiB of pixel data in one file (Rows x Columns x NumberOfFrames); limit 4 GiB");
  }
  out.resize(need);
  if (detail::isJpeg2000(s.transfer_syntax_uid)) {
    decodeJpeg2000File(s, frame_bytes, out.data());
    return;
  }
  DcmFileFormat ff;
  OFCondition st = ff.loadFile(s.file.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
  if (st.bad()) throw CorruptDataError(name + ": cannot parse DICOM (" + st.text() + ")");
  DcmDataset& ds = *ff.getDataset();
  const DcmXfer xfer(ds.getOriginalXfer());
  DcmElement* px = nullptr;
  if (!xfer.isEncapsulated()) {
    // Native pixel data stays on disk until now: copy it straight into the buffer.
    if (ds.findAndGetElement(DCM_PixelData, px).bad() || px == nullptr) {
      throw CorruptDataError(name + ": PixelData (7FE0,0010) missing");
    }
    if (px->getLengthField() < need) {
      throw CorruptDataError(name + ": PixelData (7FE0,0010) holds " +
                             std::to_string(px->getLengthField()) + " bytes, expected " +
                             std::to_string(need));
    }
    DcmFileCache cache;
    st = px->getPartialValue(out.data(), 0, static_cast<Uint32>(need), &cache);
    if (st.bad()) {
      throw CorruptDataError(name + ": PixelData (7FE0,0010) cannot be read (" + st.text() +
                             "); the file may be truncated");
    }
    return;
  }
  if (detail::isDcmjpegJpeg(s.transfer_syntax_uid)) guardJpegScan(ds, name);
  st = ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
  if (st.bad() || !ds.canWriteXfer(EXS_LittleEndianExplicit)) {
    throw UnsupportedError(name + ": cannot decode transfer syntax " + s.transfer_syntax_uid +
                           " (" + xfer.getXferName() + "): " + st.text());
  }
  if (ds.findAndGetElement(DCM_PixelData, px).bad() || px == nullptr) {
    throw CorruptDataError(name + ": PixelData (7FE0,0010) missing");
  }
  const std::uint8_t* bytes = nullptr;
  if (px->getVR() == EVR_OW || s.bits_allocated > 8) {
    Uint16* w = nullptr;
    st = px->getUint16Array(w);
    bytes = reinterpret_cast<const std::uint8_t*>(w);
  } else {
    Uint8* b = nullptr;
    st = px->getUint8Array(b);
    bytes = b;
  }
  if (st.bad() || bytes == nullptr || px->getLength() < need) {
    throw CorruptDataError(name + ": PixelData (7FE0,0010) cannot be decoded to " +
                           std::to_string(need) + " bytes (" + st.text() + ")");
  }
  std::memcpy(out.data(), bytes, need);
}

// Stored value -> rescaled float, honouring BitsStored/HighBit and the sign (two's complement in
// BitsStored bits). Separate signed/unsigned loops so that the compiler vectorises them.
template <class Raw>
void convertFrame(const std::uint8_t* src, std::size_t count, const DicomSliceInfo& s, float* dst) {
  using Wide = std::conditional_t<sizeof(Raw) <= 2, std::uint32_t, std::uint64_t>;
  using SWide = std::make_signed_t<Wide>;
  constexpr unsigned kWideBits = sizeof(Wide) * 8U;
  const unsigned bits_stored = s.bits_stored;  // validated: 1 <= bits_stored <= 8 * sizeof(Raw)
  const unsigned shift = s.high_bit + 1U - bits_stored;
  const Wide mask =
      bits_stored >= kWideBits ? ~Wide{0} : static_cast<Wide>((Wide{1} << bits_stored) - 1U);
  const unsigned up = kWideBits - bits_stored;
  const float slope = static_cast<float>(s.rescale_slope);
  const float intercept = static_cast<float>(s.rescale_intercept);
  if (s.pixel_representation == 1) {
    for (std::size_t i = 0; i < count; ++i) {
      Raw r;
      std::memcpy(&r, src + i * sizeof(Raw), sizeof(Raw));
      const Wide u = (static_cast<Wide>(r) >> shift) & mask;
      const SWide v = static_cast<SWide>(u << up) >> up;  // sign-extend from BitsStored
      dst[i] = static_cast<float>(v) * slope + intercept;
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      Raw r;
      std::memcpy(&r, src + i * sizeof(Raw), sizeof(Raw));
      const Wide u = (static_cast<Wide>(r) >> shift) & mask;
      dst[i] = static_cast<float>(u) * slope + intercept;
    }
  }
}

void convertFrameAny(const std::uint8_t* src, std::size_t count, const DicomSliceInfo& s,
                     float* dst) {
  switch (s.bits_allocated) {
    case 8:
      convertFrame<std::uint8_t>(src, count, s, dst);
      break;
    case 16:
      convertFrame<std::uint16_t>(src, count, s, dst);
      break;
    case 32:
      convertFrame<std::uint32_t>(src, count, s, dst);
      break;
    default:
      throw UnsupportedError(s.file.string() + ": BitsAllocated (0028,0100) = " +
                             std::to_string(s.bits_allocated) + " is not supported (8, 16 or 32)");
  }
}

void checkSupported(const DicomSliceInfo& s) {
  if (s.samples_per_pixel != 1) {
    throw UnsupportedError(
        s.file.string() + ": SamplesPerPixel (0028,0002) = " + std::to_string(s.samples_per_pixel) +
        ": colour images are not supported");
  }
  if (!s.photometric_interpretation.empty() && s.photometric_interpretation != "MONOCHROME2" &&
      s.photometric_interpretation != "MONOCHROME1") {
    throw UnsupportedError(s.file.string() + ": PhotometricInterpretation (0028,0004) = " +
                           s.photometric_interpretation + " is not supported (grayscale only)");
  }
  if (s.bits_allocated != 8 && s.bits_allocated != 16 && s.bits_allocated != 32) {
    throw UnsupportedError(s.file.string() + ": BitsAllocated (0028,0100) = " +
                           std::to_string(s.bits_allocated) + " is not supported (8, 16 or 32)");
  }
  if (s.bits_stored == 0 || s.bits_stored > s.bits_allocated || s.high_bit >= s.bits_allocated ||
      s.high_bit + 1U < s.bits_stored) {
    throw CorruptDataError(s.file.string() +
                           ": inconsistent BitsAllocated/BitsStored/HighBit (0028,0100-0102) = " +
                           std::to_string(s.bits_allocated) + "/" + std::to_string(s.bits_stored) +
                           "/" + std::to_string(s.high_bit));
  }
}

}  // namespace

LoadedSeries loadSeries(const DicomSeries& series) {
  initDicomCodecs();
  if (!series.loadable) {
    throw GeometryError("series " + series.id + " cannot be loaded: " + series.error);
  }
  LoadedSeries out;
  out.series = series;
  out.warnings = series.warnings;
  const std::size_t n = series.slices.size();
  const std::size_t nx = series.slices.front().columns;
  const std::size_t ny = series.slices.front().rows;
  const std::size_t plane = nx * ny;
  for (const auto& s : series.slices) checkSupported(s);
  if (std::any_of(series.slices.begin(), series.slices.end(), [](const DicomSliceInfo& s) {
        return s.photometric_interpretation == "MONOCHROME1";
      })) {
    out.warnings.push_back("MONOCHROME1 slices: values kept as stored (display must invert)");
  }

  // Slices as stored, one plane per slice, in sorted order.
  const Size3 stored_size{nx, ny, n};
  // Every plane is written below, so the voxels need no initialisation.
  ImageVolume stored = ImageVolume::uninitialized(
      series.resampled ? ImageGeometry(stored_size, Vec3(1, 1, 1), Vec3::Zero()) : series.geometry);
  // Files hold one frame (classic) or many (enhanced): decode each file once.
  std::map<fs::path, std::vector<std::size_t>> by_file;
  for (std::size_t k = 0; k < n; ++k) by_file[series.slices[k].file].push_back(k);
  std::vector<const std::vector<std::size_t>*> jobs;
  jobs.reserve(by_file.size());
  for (const auto& [file, ks] : by_file) jobs.push_back(&ks);
  parallelFor(jobs.size(), [&](std::size_t j) {
    const auto& ks = *jobs[j];
    const DicomSliceInfo& first = series.slices[ks.front()];
    thread_local std::vector<std::uint8_t> bytes;
    readPixelBytes(first, bytes);
    const std::size_t frame_bytes = plane * (first.bits_allocated / 8U);
    for (const std::size_t k : ks) {
      const DicomSliceInfo& s = series.slices[k];
      convertFrameAny(bytes.data() + static_cast<std::size_t>(s.frame_index) * frame_bytes, plane,
                      s, stored.slice(k).data());
    }
  });
  if (!series.resampled) {
    out.image = std::move(stored);
    return out;
  }

  // Non-uniform spacing: interpolate linearly along the slice axis onto the uniform grid.
  out.image = ImageVolume::uninitialized(series.geometry);
  const auto& pos = series.slice_positions_mm;
  const double step = series.geometry.spacing()[2] *
                      series.geometry.direction().col(2).dot(
                          series.slices.front()
                              .row_direction->cross(*series.slices.front().column_direction)
                              .normalized());
  const std::size_t nk = series.geometry.size()[2];
  parallelFor(nk, [&](std::size_t k) {
    const double z = pos.front() + static_cast<double>(k) * step;
    const auto it = std::upper_bound(pos.begin(), pos.end(), z);
    std::size_t hi = static_cast<std::size_t>(
        std::clamp<std::ptrdiff_t>(it - pos.begin(), 1, static_cast<std::ptrdiff_t>(n - 1)));
    const std::size_t lo = hi - 1;
    const double t = std::clamp((z - pos[lo]) / (pos[hi] - pos[lo]), 0.0, 1.0);
    const auto a = stored.slice(lo);
    const auto b = stored.slice(hi);
    auto dst = out.image.slice(k);
    for (std::size_t i = 0; i < plane; ++i) {
      dst[i] = static_cast<float>((1.0 - t) * a[i] + t * b[i]);
    }
  });
  return out;
}

}  // namespace rfa::io
