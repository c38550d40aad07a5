// gzipMembers(): independent gzip members compressed on all cores (gzip_members.h).
#include "gzip_members.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"

namespace rfa::io::detail {

std::vector<std::uint8_t> gzipMembers(std::span<const std::uint8_t> data, int level,
                                      std::size_t block_bytes) {
  if (level < 1 || level > 12) {
    throw UsageError("gzip compression level " + std::to_string(level) + ": must be 1..12");
  }
  block_bytes = std::max<std::size_t>(block_bytes, 1);
  const std::size_t blocks =
      std::max<std::size_t>(1, (data.size() + block_bytes - 1) / block_bytes);
  std::vector<std::vector<std::uint8_t>> out(blocks);
  parallelFor(blocks, [&](std::size_t b) {
    const std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(
        libdeflate_alloc_compressor(level), &libdeflate_free_compressor);
    if (!c) throw WriteError("gzip: cannot allocate a compressor (out of memory)");
    const std::size_t begin = b * block_bytes;
    const std::size_t n = std::min(block_bytes, data.size() - std::min(begin, data.size()));
    std::vector<std::uint8_t>& o = out[b];
    o.resize(libdeflate_gzip_compress_bound(c.get(), n));
    const std::size_t written =
        libdeflate_gzip_compress(c.get(), data.data() + begin, n, o.data(), o.size());
    if (written == 0) throw WriteError("gzip: compressed block larger than its bound");
    o.resize(written);
  });
  std::size_t total = 0;
  for (const auto& o : out) total += o.size();
  std::vector<std::uint8_t> file(total);
  std::size_t at = 0;
  for (const auto& o : out) {
    std::memcpy(file.data() + at, o.data(), o.size());
    at += o.size();
  }
  return file;
}

}  // namespace rfa::io::detail
