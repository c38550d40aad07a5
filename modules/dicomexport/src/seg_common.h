#pragma once
// Helpers shared by the SEG writer and reader (private to rfa_dicomexport).

#include <dcmtk/dcmiod/cielabutil.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace rfa::dicomexport::seg_detail {

/// sRGB (0..255) -> DICOM CIELab (PS3.3 C.10.7.1.1: L* 0..100 -> 0..65535, a*/b* -128..127 ->
/// 0..65535), each rounded to the nearest integer.
inline std::array<std::uint16_t, 3> rgbToDicomLab(const std::array<std::uint8_t, 3>& rgb) {
  double l = 0, a = 0, b = 0;
  IODCIELabUtil::rgb2DicomLab(l, a, b, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  const auto q = [](double v) {
    return static_cast<std::uint16_t>(std::clamp(std::lround(v), 0L, 65535L));
  };
  return {q(l), q(a), q(b)};
}

/// DICOM CIELab -> sRGB (0..255), rounded to the nearest integer and clamped.
inline std::array<std::uint8_t, 3> dicomLabToRgb(const std::array<std::uint16_t, 3>& lab) {
  double r = 0, g = 0, b = 0;
  IODCIELabUtil::dicomLab2RGB(r, g, b, lab[0], lab[1], lab[2]);
  const auto q = [](double v) {
    return static_cast<std::uint8_t>(std::clamp(std::lround(v * 255.0), 0L, 255L));
  };
  return {q(r), q(g), q(b)};
}

}  // namespace rfa::dicomexport::seg_detail
