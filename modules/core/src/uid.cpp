#include "rfa/core/uid.h"

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace rfa {
namespace {

// GCC/Clang extension; `using` cannot carry __extension__ under -Wpedantic.
__extension__ typedef unsigned __int128 u128;  // NOLINT(modernize-use-using)

std::string toDecimal(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v != 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return s;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

std::string uidFromBits(std::uint64_t hi, std::uint64_t lo) {
  // Make it a version-4-style UUID value so it reads as one, as PS3.5 B.2 expects.
  hi = (hi & ~0xF000ULL) | 0x4000ULL;
  lo = (lo & ~(0xC0ULL << 56U)) | (0x80ULL << 56U);
  const u128 v = (static_cast<u128>(hi) << 64U) | lo;
  return "2.25." + toDecimal(v);
}

}  // namespace

std::string makeUidFromBits(std::uint64_t hi, std::uint64_t lo) {
  return uidFromBits(hi, lo);
}

std::string makeUid() {
  static thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  const std::uint64_t hi = rng();
  const std::uint64_t lo = rng();
  return uidFromBits(hi, lo);
}

std::string makeUidFromKey(std::string_view key) {
  // FNV-1a over the key, then two rounds of splitmix to spread the bits over 128.
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const unsigned char c : key) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  std::uint64_t state = h;
  const std::uint64_t hi = splitmix64(state);
  const std::uint64_t lo = splitmix64(state);
  return uidFromBits(hi, lo);
}

bool isValidUid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return false;
  std::size_t start = 0;
  while (start <= uid.size()) {
    const std::size_t dot = uid.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? uid.size() : dot;
    if (end == start) return false;
    if (end - start > 1 && uid[start] == '0') return false;
    for (std::size_t i = start; i < end; ++i) {
      if (uid[i] < '0' || uid[i] > '9') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace rfa
