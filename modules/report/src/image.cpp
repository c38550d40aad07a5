// Colours and the RGB picture of the report (image.h).
#include "rfa/report/image.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace rfa::report {

Rgb sessionColour(int session) {
  return toRgb(dicomexport::sessionColour(session));
}

Rgb blend(const Rgb& bottom, const Rgb& top, double alpha) {
  const double a = std::clamp(alpha, 0.0, 1.0);
  const auto mix = [a](std::uint8_t lo, std::uint8_t hi) {
    return static_cast<std::uint8_t>(std::lround((1 - a) * lo + a * hi));
  };
  return {mix(bottom.r, top.r), mix(bottom.g, top.g), mix(bottom.b, top.b)};
}

RgbImage::RgbImage(int w, int h, Rgb fill)
    : width(std::max(w, 0)),
      height(std::max(h, 0)),
      pixels(static_cast<std::size_t>(std::max(w, 0)) * static_cast<std::size_t>(std::max(h, 0)),
             (std::uint32_t{fill.r} << 16) | (std::uint32_t{fill.g} << 8) | fill.b) {}

Rgb RgbImage::at(int x, int y) const {
  const std::uint32_t p = pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                                 static_cast<std::size_t>(x)];
  return {static_cast<std::uint8_t>((p >> 16) & 0xFF), static_cast<std::uint8_t>((p >> 8) & 0xFF),
          static_cast<std::uint8_t>(p & 0xFF)};
}

void RgbImage::set(int x, int y, const Rgb& c) {
  pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
         static_cast<std::size_t>(x)] =
      (std::uint32_t{c.r} << 16) | (std::uint32_t{c.g} << 8) | c.b;
}

}  // namespace rfa::report
