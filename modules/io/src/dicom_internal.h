#pragma once
// Private helpers shared by the DICOM sources of rfa::io (DCMTK types stay out of public headers).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "rfa/core/points.h"

namespace rfa::io::detail {

bool isSmallElement(DcmItem& item, const DcmTagKey& tag);  ///< present and <= 64 KiB
std::string getString(DcmItem& item, const DcmTagKey& tag);
std::optional<double> getDouble(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0);
std::optional<int> getInt(DcmItem& item, const DcmTagKey& tag);
bool getU16(DcmItem& item, const DcmTagKey& tag, std::uint16_t& out);
std::optional<Vec3> getVec3(DcmItem& item, const DcmTagKey& tag, unsigned long first);
bool hasDicmPreamble(std::span<const std::uint8_t> bytes);
bool looksLikeRawDataset(std::span<const std::uint8_t> bytes);

/// Throws CorruptDataError if native (uncompressed) pixel data is shorter than Rows x Columns x
/// frames x samples x BitsAllocated/8, or longer than the file holds.
void checkPixelDataLength(DcmFileFormat& ff, const std::filesystem::path& file);

/// True for the JPEG 2000 transfer syntaxes (decoded through OpenJPEG).
bool isJpeg2000(const std::string& transfer_syntax_uid);

/// True for the JPEG process 1-14 transfer syntaxes (1.2.840.10008.1.2.4.50-.79: DCMTK's dcmjpeg).
bool isDcmjpegJpeg(const std::string& transfer_syntax_uid);

/// Walks the JPEG markers of a first fragment as DCMTK 3.6.7's bit-depth scan
/// (DJCodecDecoder::scanJpegDataForBitDepth) does, and returns the byte offset where that scan
/// would stop advancing (a TEM marker FF01 before the frame header: it loops forever there), or
/// -1 when the scan ends (frame header found, invalid marker or end of data).
long jpegBitDepthScanHangsAt(std::span<const std::uint8_t> fragment);

}  // namespace rfa::io::detail
