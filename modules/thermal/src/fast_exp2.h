#pragma once
// Private to rfa::thermal: 2^x in single precision without a library call, so that loops calling it
// vectorise (glibc's expf/exp2f are scalar calls unless -ffast-math). Range reduction to the
// nearest integer n and r = x - n in [-0.5, 0.5], then 2^r from its Taylor series to degree 7
// (truncation error < 0.35^8 / 8! = 6e-9 relative, below float rounding) in Horner form, scaled by
// 2^n through the exponent bits. Relative error <= 3 ulp over [-126, 127] (tested against
// std::exp2 in thermal_tests); arguments outside are clamped: below -126 gives 2^-126 (not 0 or a
// subnormal), above 127 gives 2^127. NaN is not handled (callers pass finite values).
#include <bit>
#include <cstdint>

namespace rfa::thermal::detail {

inline constexpr double kLn2 = 0.693147180559945309417232121458;
inline constexpr double kLog2E = 1.442695040888963407359924681002;

[[nodiscard]] inline float fastExp2(float x) {
  constexpr auto kC1 = static_cast<float>(kLn2);
  constexpr auto kC2 = static_cast<float>(kLn2 * kLn2 / 2.0);
  constexpr auto kC3 = static_cast<float>(kLn2 * kLn2 * kLn2 / 6.0);
  constexpr auto kC4 = static_cast<float>(kLn2 * kLn2 * kLn2 * kLn2 / 24.0);
  constexpr auto kC5 = static_cast<float>(kLn2 * kLn2 * kLn2 * kLn2 * kLn2 / 120.0);
  constexpr auto kC6 = static_cast<float>(kLn2 * kLn2 * kLn2 * kLn2 * kLn2 * kLn2 / 720.0);
  constexpr auto kC7 = static_cast<float>(kLn2 * kLn2 * kLn2 * kLn2 * kLn2 * kLn2 * kLn2 / 5040.0);
  x = x < -126.0F ? -126.0F : x;
  x = x > 127.0F ? 127.0F : x;
  // Nearest integer without a library call: truncation of x +- 0.5.
  const auto n = static_cast<std::int32_t>(x >= 0.0F ? x + 0.5F : x - 0.5F);
  const float r = x - static_cast<float>(n);
  float p = kC7;
  p = p * r + kC6;
  p = p * r + kC5;
  p = p * r + kC4;
  p = p * r + kC3;
  p = p * r + kC2;
  p = p * r + kC1;
  p = p * r + 1.0F;
  const float scale = std::bit_cast<float>(static_cast<std::int32_t>((n + 127) << 23));
  return p * scale;
}

}  // namespace rfa::thermal::detail
