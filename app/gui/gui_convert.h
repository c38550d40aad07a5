#pragma once
/// \file gui_convert.h
/// \brief Small conversions shared by the workstation's sources (internal to app/gui).

#include <QString>
#include <string>

#include "rfa/render/scene.h"
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

}  // namespace rfa::gui
