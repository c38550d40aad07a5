#pragma once
/// \file sha256.h
/// \brief SHA-256 (FIPS 180-4) message digests, incremental or in one call, and the digest of an
/// image's voxel values that a plan records to tie it to the series it was made on.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "rfa/core/volume.h"

namespace rfa {

/// \brief Incremental SHA-256: update() any number of times with consecutive pieces of the
/// message, then hexDigest(). Throws nothing but std::bad_alloc (and std::logic_error for an
/// update() after hexDigest()).
class Sha256 {
 public:
  Sha256();
  /// \brief Appends `n` bytes at `data` to the message (`data` may be null when n == 0).
  /// \throws std::logic_error after hexDigest().
  void update(const void* data, std::size_t n);
  /// \brief The digest of everything given so far: 64 lowercase hexadecimal digits. Finishes the
  /// hash: a second call returns the same text; update() afterwards throws std::logic_error.
  std::string hexDigest();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;       ///< bytes in buffer_
  std::uint64_t total_bytes_ = 0;  ///< message length so far
  bool finished_ = false;
  std::string digest_;
};

/// \brief SHA-256 of the `n` bytes at `data`, 64 lowercase hexadecimal digits.
std::string sha256Hex(const void* data, std::size_t n);

/// \brief SHA-256 of the voxel values of `image`: each voxel as an IEEE-754 float32 in
/// little-endian byte order (whatever the host's), in storage order (x fastest: linear index
/// i + nx * (j + ny * k)). The geometry is not hashed. An empty image gives the digest of "".
/// 64 lowercase hexadecimal digits.
std::string voxelSha256(const ImageVolume& image);

}  // namespace rfa
