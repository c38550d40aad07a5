#pragma once
// JPEG 2000 decoding of one DICOM frame with OpenJPEG (rfa::io internal).
#include <cstdint>
#include <string>
#include <vector>

namespace rfa::io::detail {

/// Decodes one single-component JPEG 2000 codestream (raw J2K or JP2 box format) into `dst`,
/// rows x columns stored values in the native layout of BitsAllocated (8, 16 or 32; two's
/// complement for signed data). Throws CorruptDataError naming `what` on any decoder error or when
/// the decoded image does not match rows/columns/one component.
void decodeJpeg2000Frame(const std::uint8_t* data, std::size_t size, unsigned rows,
                         unsigned columns, unsigned bits_allocated, const std::string& what,
                         std::uint8_t* dst);

}  // namespace rfa::io::detail
