// SHA-256: the FIPS 180-2 appendix B test vectors, the incremental path and the voxel digest.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "rfa/core/sha256.h"
#include "rfa/core/volume.h"

namespace rfa {
namespace {

std::string hashOf(const std::string& s) {
  return sha256Hex(s.data(), s.size());
}

TEST(Sha256, EmptyMessage) {
  EXPECT_EQ(hashOf(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex(nullptr, 0), hashOf(""));
}

TEST(Sha256, Abc) {
  EXPECT_EQ(hashOf("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessage) {
  EXPECT_EQ(hashOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OneMillionAInOddChunks) {
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  const std::string chunk(997, 'a');
  Sha256 h;
  std::size_t left = 1000000;
  // Chunk sizes 1, 3, 5, ... (mod 997): every offset within a block is crossed.
  for (std::size_t size = 1; left > 0; size = (size + 2) % 997 + 1) {
    const std::size_t n = std::min(size, left);
    h.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(h.hexDigest(), expected);
  EXPECT_EQ(h.hexDigest(), expected);  // finished: same text again
  EXPECT_THROW(h.update("a", 1), std::logic_error);
  const std::string whole(1000000, 'a');
  EXPECT_EQ(hashOf(whole), expected);
}

TEST(Sha256, LengthsAroundThePaddingBoundary) {
  // 55 bytes pad into one block, 56..63 into two: byte-at-a-time must agree with one call.
  for (std::size_t n = 50; n <= 130; ++n) {
    const std::string msg(n, 'x');
    Sha256 h;
    for (const char c : msg) h.update(&c, 1);
    EXPECT_EQ(h.hexDigest(), hashOf(msg)) << n;
  }
  EXPECT_NE(hashOf(std::string(55, 'x')), hashOf(std::string(56, 'x')));
}

TEST(Sha256, VoxelDigestIsOfLittleEndianFloats) {
  ImageVolume image(ImageGeometry({3, 2, 2}, Vec3(1, 1, 2), Vec3(0, 0, 0)), 0.0F);
  for (std::size_t i = 0; i < image.voxelCount(); ++i) {
    image.data()[i] = static_cast<float>(i) * 10.5F - 40.0F;
  }
  // Build the little-endian bytes by hand, x fastest.
  std::string bytes;
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t j = 0; j < 2; ++j) {
      for (std::size_t i = 0; i < 3; ++i) {
        const auto bits = std::bit_cast<std::uint32_t>(image(i, j, k));
        for (int b = 0; b < 4; ++b) bytes += static_cast<char>((bits >> (8 * b)) & 0xFF);
      }
    }
  }
  const std::string digest = voxelSha256(image);
  EXPECT_EQ(digest, hashOf(bytes));
  EXPECT_EQ(digest.size(), 64U);

  ImageVolume changed = image;
  changed(2, 1, 1) += 1.0F;
  EXPECT_NE(voxelSha256(changed), digest);
  changed(2, 1, 1) -= 1.0F;
  EXPECT_EQ(voxelSha256(changed), digest);
  EXPECT_EQ(voxelSha256(ImageVolume()), hashOf(""));
}

}  // namespace
}  // namespace rfa
