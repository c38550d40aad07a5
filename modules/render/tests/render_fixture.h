#pragma once
// Synthetic CT cases for the render tests: a 64x56x40 grid, spacing 1.5x1.5x2.5 mm, covering the
// LPS box whose first voxel centre is (-50,-40,-60), with any signed-permutation direction.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"
#include "rfa/render/offscreen.h"
#include "rfa/render/scene.h"

namespace rfa::render::test {

inline const Vec3 kStart{-50, -40, -60};  // centre of the LPS-first voxel on each LPS axis
inline const Vec3 kSpacingLps{1.5, 1.5, 2.5};
inline const std::array<std::size_t, 3> kSizeLps{64, 56, 40};

/// Centre of the grid, LPS mm.
inline Vec3 gridCentre() {
  Vec3 c;
  for (int a = 0; a < 3; ++a) {
    c(a) = kStart(a) +
           0.5 * static_cast<double>(kSizeLps[static_cast<std::size_t>(a)] - 1) * kSpacingLps(a);
  }
  return c;
}

/// A grid covering the test box with `direction` (each column +-e_p, a signed permutation).
inline ImageGeometry testGeometry(const Mat3& direction = Mat3::Identity()) {
  Size3 size{};
  Vec3 spacing, origin;
  for (int a = 0; a < 3; ++a) {
    int p = 0;
    direction.col(a).cwiseAbs().maxCoeff(&p);
    const double sign = direction(p, a);
    const auto up = static_cast<std::size_t>(p);
    size[static_cast<std::size_t>(a)] = kSizeLps[up];
    spacing(a) = kSpacingLps(p);
    origin(p) =
        sign > 0 ? kStart(p) : kStart(p) + static_cast<double>(kSizeLps[up] - 1) * kSpacingLps(p);
  }
  return ImageGeometry(size, spacing, origin, direction);
}

/// An axis-aligned LPS box [lo, hi] (mm).
struct Box {
  Vec3 lo, hi;
  [[nodiscard]] bool contains(const Vec3& p) const {
    return (p.array() >= lo.array()).all() && (p.array() <= hi.array()).all();
  }
  [[nodiscard]] Vec3 centre() const { return 0.5 * (lo + hi); }
};

inline Box boxAround(const Vec3& c, const Vec3& half) {
  return {c - half, c + half};
}

/// Markers (1000 HU on 0 HU) at patient left, anterior and superior of the centre, 15..25 mm away.
inline Box leftMarker() {
  const Vec3 c = gridCentre();
  return {c + Vec3(15, -8, -8), c + Vec3(25, 8, 8)};
}
inline Box anteriorMarker() {
  const Vec3 c = gridCentre();
  return {c + Vec3(-8, -25, -8), c + Vec3(8, -15, 8)};
}
inline Box superiorMarker() {
  const Vec3 c = gridCentre();
  return {c + Vec3(-8, -8, 15), c + Vec3(8, 8, 25)};
}
/// The mask layer box: patient right and posterior of the centre.
inline Box maskBox() {
  return boxAround(gridCentre() + Vec3(-20, 15, 0), Vec3(5, 5, 6));
}

template <class T>
std::shared_ptr<Volume<T>> fill(const ImageGeometry& g, const std::function<T(const Vec3&)>& f) {
  auto v = std::make_shared<Volume<T>>(g);
  for (std::size_t k = 0; k < g.size()[2]; ++k) {
    for (std::size_t j = 0; j < g.size()[1]; ++j) {
      for (std::size_t i = 0; i < g.size()[0]; ++i) {
        (*v)(i, j, k) = f(g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k))));
      }
    }
  }
  return v;
}

inline std::shared_ptr<ImageVolume> markerCt(const ImageGeometry& g) {
  return fill<float>(g, [](const Vec3& p) {
    return leftMarker().contains(p) || anteriorMarker().contains(p) || superiorMarker().contains(p)
               ? 1000.0F
               : 0.0F;
  });
}

inline std::shared_ptr<Mask> boxMask(const ImageGeometry& g, const Box& b) {
  return fill<std::uint8_t>(g, [&](const Vec3& p) { return b.contains(p) ? 1 : 0; });
}

inline LabelLayer maskLayer(const std::string& name, std::shared_ptr<const Mask> mask,
                            Rgb colour = {}, double opacity = 0.4) {
  LabelLayer l;
  l.name = name;
  l.mask = std::move(mask);
  l.colour = colour;
  l.opacity = opacity;
  return l;
}

inline LabelLayer labelLayer(const std::string& name, std::shared_ptr<const LabelMap> labels,
                             Rgb colour = {}, std::map<int, Rgb> colours = {},
                             double opacity = 0.4) {
  LabelLayer l;
  l.name = name;
  l.labels = std::move(labels);
  l.colour = colour;
  l.label_colours = std::move(colours);
  l.opacity = opacity;
  return l;
}

inline NeedleLine needle(const std::string& name, const Vec3& entry, const Vec3& tip, Rgb colour) {
  NeedleLine n;
  n.name = name;
  n.entry_lps = entry;
  n.tip_lps = tip;
  n.colour = colour;
  return n;
}

#define RFA_REQUIRE_GL()                                      \
  do {                                                        \
    std::string why_;                                         \
    if (!::rfa::render::offscreenRenderingAvailable(&why_)) { \
      GTEST_SKIP() << "no off-screen OpenGL: " << why_;       \
    }                                                         \
  } while (false)

/// True when a pixel within `r` pixels of (x, y from the top) satisfies `pred` (thin lines).
inline bool anyNear(const RgbImage& img, int x, int y, int r,
                    const std::function<bool(const std::array<std::uint8_t, 3>&)>& pred) {
  for (int dy = -r; dy <= r; ++dy) {
    for (int dx = -r; dx <= r; ++dx) {
      const int xx = x + dx, yy = y + dy;
      if (xx >= 0 && yy >= 0 && xx < img.width && yy < img.height && pred(img.at(xx, yy)))
        return true;
    }
  }
  return false;
}

inline int grey(const std::array<std::uint8_t, 3>& c) {
  return (c[0] + c[1] + c[2]) / 3;
}

}  // namespace rfa::render::test
