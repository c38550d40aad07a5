#pragma once
/// \file gui_convert.h
/// \brief Small conversions shared by the workstation's sources (internal to app/gui).

#include <QImage>
#include <QString>
#include <string>

#include "rfa/render/scene.h"
#include "rfa/report/image.h"
#include "rfa/workflow/case_scene.h"

namespace rfa::gui {

/// A std::string (UTF-8) as a QString.
inline QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

/// A scene colour (sRGB 0..1) as the renderer's colour.
inline render::Rgb rgbOf(const workflow::SceneColour& c) {
  return {c[0], c[1], c[2]};
}

/// A report picture (0x00RRGGBB rows) as a QImage (RGB32, deep copy).
inline QImage toQImage(const report::RgbImage& px) {
  QImage image(px.width, px.height, QImage::Format_RGB32);
  for (int y = 0; y < px.height; ++y) {
    auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
    for (int x = 0; x < px.width; ++x) {
      line[x] =
          0xFF000000U | px.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(px.width) +
                                  static_cast<std::size_t>(x)];
    }
  }
  return image;
}

}  // namespace rfa::gui
