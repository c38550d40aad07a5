#pragma once
// Internal to rfa::io: gzip compression on all cores.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rfa::io::detail {

/// The gzip file of `data` as consecutive independent gzip members (RFC 1952 allows a file of
/// several; zlib's gzread, ITK's NIfTI reader, gzip -d and pigz read them as one stream) of at
/// most `block_bytes` of input each, compressed in parallel (rfa::parallelFor) by libdeflate at
/// `level` (1 fastest .. 12 smallest; 6 is gzip's default). Throws WriteError when libdeflate
/// cannot allocate a compressor, UsageError for a level outside 1..12.
std::vector<std::uint8_t> gzipMembers(std::span<const std::uint8_t> data, int level,
                                      std::size_t block_bytes = std::size_t{4} << 20);

}  // namespace rfa::io::detail
