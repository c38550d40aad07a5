// Review pictures of a segmentation: patient-plane panels with mask outlines (review_image.h).
#include "rfa/report/review_image.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cairo_util.h"
#include "grey_window.h"
#include "rfa/core/error.h"
#include "rfa/core/resample.h"

namespace rfa::report {

namespace {

// The liver outline: a bright yellow that stands out on grey (the plan's ROI colour is darker).
constexpr Rgb kReviewLiverColour{255, 215, 0};

// Screen axes of a plane in LPS: +x (right on screen) and +y (down on screen).
struct PlaneAxes {
  Vec3 right;
  Vec3 down;
  std::array<const char*, 4> letters;  // left, right, top, bottom edges
};

PlaneAxes axesOf(ReviewPlane p) {
  switch (p) {
    case ReviewPlane::kAxial:
      return {{1, 0, 0}, {0, 1, 0}, {"R", "L", "A", "P"}};
    case ReviewPlane::kCoronal:
      return {{1, 0, 0}, {0, 0, -1}, {"R", "L", "S", "I"}};
    case ReviewPlane::kSagittal:
      return {{0, 1, 0}, {0, 0, -1}, {"A", "P", "S", "I"}};
  }
  return {{1, 0, 0}, {0, 1, 0}, {"R", "L", "A", "P"}};
}

// Nearest-voxel value of `m` at an LPS point (0 outside the grid).
std::uint8_t maskAt(const Mask& m, const Vec3& lps) {
  const Vec3 c = m.geometry().lpsToIndex(lps);
  const Size3& s = m.size();
  std::array<std::size_t, 3> ijk{};
  for (int a = 0; a < 3; ++a) {
    const double r = std::round(c[a]);
    if (!(r >= 0) || r > static_cast<double>(s[a]) - 1) return 0;
    ijk[a] = static_cast<std::size_t>(r);
  }
  return m(ijk[0], ijk[1], ijk[2]);
}

Mask labelMask(const LabelMap& labels, int label) {
  Mask m(labels.geometry(), 0);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) {
    m.data()[n] = labels.data()[n] == label ? 1 : 0;
  }
  return m;
}

Mask anyLabel(const LabelMap& labels) {
  Mask m(labels.geometry(), 0);
  for (std::size_t n = 0; n < m.voxelCount(); ++n) m.data()[n] = labels.data()[n] != 0 ? 1 : 0;
  return m;
}

// LPS bounding box (voxel centres) and centroid of a mask.
struct Extent {
  Vec3 lo{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
          std::numeric_limits<double>::max()};
  Vec3 hi{std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest(),
          std::numeric_limits<double>::lowest()};
  Vec3 centroid{0, 0, 0};
  std::size_t count = 0;
};

Extent extentOf(const Mask& m) {
  Extent e;
  const Size3& s = m.size();
  Vec3 sum(0, 0, 0);
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (m(i, j, k) == 0) continue;
        const Vec3 p = m.geometry().indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        e.lo = e.lo.cwiseMin(p);
        e.hi = e.hi.cwiseMax(p);
        sum += p;
        ++e.count;
      }
    }
  }
  if (e.count > 0) e.centroid = sum / static_cast<double>(e.count);
  return e;
}

}  // namespace

RgbImage renderReviewPanel(const ImageVolume& image, ReviewPlane plane, const Vec3& centre_lps,
                           const std::vector<ReviewOverlay>& overlays,
                           const ReviewPanelOptions& options) {
  if (options.size_px < 32 || options.size_px > 2048) {
    throw UsageError("review panel size must be 32..2048 px");
  }
  if (!(options.field_mm > 0) || (!options.auto_window && !(options.window > 0))) {
    throw UsageError("review panel field and window must be > 0");
  }
  for (const ReviewOverlay& o : overlays) {
    if (o.mask == nullptr) throw UsageError("review panel overlay without a mask");
  }
  const int n = options.size_px;
  const double mm_per_px = options.field_mm / n;
  const PlaneAxes ax = axesOf(plane);
  const auto lpsAt = [&](double x, double y) {
    return Vec3(centre_lps + ((x + 0.5 - n / 2.0) * mm_per_px) * ax.right +
                ((y + 0.5 - n / 2.0) * mm_per_px) * ax.down);
  };
  const auto count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  std::vector<float> grey(count, std::numeric_limits<float>::quiet_NaN());
  const Size3& s = image.size();
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const Vec3 c = image.geometry().lpsToIndex(lpsAt(x, y));
      bool inside = true;
      for (int a = 0; a < 3; ++a) {
        inside = inside && c[a] >= -0.5 && c[a] <= static_cast<double>(s[a]) - 0.5;
      }
      if (inside) {
        grey[static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
             static_cast<std::size_t>(x)] = static_cast<float>(sampleLinear(image, c));
      }
    }
  }
  const auto [window, level] =
      detail::greyWindow(grey, options.auto_window, options.window, options.level);
  RgbImage pic = detail::greyPicture(grey, n, window, level);
  // Overlays: fill, then the outline band on the inner side of the boundary.
  for (const ReviewOverlay& o : overlays) {
    std::vector<std::uint8_t> in(count, 0);
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        in[static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
           static_cast<std::size_t>(x)] = maskAt(*o.mask, lpsAt(x, y));
      }
    }
    const std::vector<std::uint8_t> band = detail::outline(in, n, 2);  // 2 px wide
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        const auto p =
            static_cast<std::size_t>(y) * static_cast<std::size_t>(n) + static_cast<std::size_t>(x);
        if (in[p] == 0) continue;
        const bool edge = band[p] != 0;
        if (edge) {
          pic.set(x, y, o.colour);
        } else if (o.fill > 0) {
          pic.set(x, y, blend(pic.at(x, y), o.colour, std::min(o.fill, 1.0)));
        }
      }
    }
  }
  detail::ImageCanvas canvas(pic);
  cairo_t* cr = canvas.cr();
  const double font = std::max(9.0, n / 28.0);
  detail::setFont(cr, font, true);
  const Rgb white{255, 255, 255};
  detail::haloText(cr, 4, n / 2.0 + font * 0.35, ax.letters[0], white);
  detail::haloText(cr, n - 4 - detail::textWidth(cr, ax.letters[1]), n / 2.0 + font * 0.35,
                   ax.letters[1], white);
  detail::haloText(cr, n / 2.0 - detail::textWidth(cr, ax.letters[2]) / 2, font + 2, ax.letters[2],
                   white);
  detail::haloText(cr, n / 2.0 - detail::textWidth(cr, ax.letters[3]) / 2, n - 4.0, ax.letters[3],
                   white);
  detail::scaleBar(cr, n - 12.0 - 10.0 / mm_per_px, n - 10.0, 10.0 / mm_per_px, font * 0.8, "10 mm",
                   true);
  if (!options.caption.empty()) {
    detail::setFont(cr, font * 0.9, true);
    detail::haloText(cr, 6, 2 * font + 4, options.caption, white);
  }
  return pic;
}

RgbImage montage(const std::vector<RgbImage>& panels, int columns) {
  if (columns < 1) throw UsageError("montage: columns must be >= 1");
  if (panels.empty()) return {};
  const int w = panels.front().width;
  const int h = panels.front().height;
  for (const RgbImage& p : panels) {
    if (p.width != w || p.height != h) throw UsageError("montage: panels differ in size");
  }
  constexpr int kGap = 4;
  const int cols = std::min<int>(columns, static_cast<int>(panels.size()));
  const int rows = (static_cast<int>(panels.size()) + cols - 1) / cols;
  RgbImage out(cols * w + (cols - 1) * kGap, rows * h + (rows - 1) * kGap, Rgb{40, 40, 40});
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const int x0 = static_cast<int>(p) % cols * (w + kGap);
    const int y0 = static_cast<int>(p) / cols * (h + kGap);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) out.set(x0 + x, y0 + y, panels[p].at(x, y));
    }
  }
  return out;
}

RgbImage renderLiverReview(const ImageVolume& image, const Mask& liver, const LabelMap* lesions,
                           bool auto_window) {
  const Extent e = extentOf(liver);
  if (e.count == 0) throw NoDataError("liver review: the liver mask is empty");
  const Vec3 size = e.hi - e.lo;
  ReviewPanelOptions o;
  o.field_mm = std::max(160.0, 1.2 * size.maxCoeff());
  o.auto_window = auto_window;
  std::vector<ReviewOverlay> overlays;
  Mask lesion_mask;
  if (lesions != nullptr) {
    lesion_mask = anyLabel(*lesions);
    overlays.push_back({&lesion_mask, kLesionColour, 0.35});
  }
  overlays.push_back({&liver, kReviewLiverColour, 0.0});
  std::vector<RgbImage> panels;
  for (const double f : {-0.25, 0.0, 0.25}) {
    Vec3 c = e.centroid;
    c.y() += f * size.y();
    o.caption = "coronal y " + std::to_string(static_cast<int>(std::lround(c.y()))) + " mm";
    panels.push_back(renderReviewPanel(image, ReviewPlane::kCoronal, c, overlays, o));
  }
  for (const double f : {0.8, 0.5, 0.2}) {
    Vec3 c = e.centroid;
    c.z() = e.lo.z() + f * size.z();
    o.caption = "axial z " + std::to_string(static_cast<int>(std::lround(c.z()))) + " mm";
    panels.push_back(renderReviewPanel(image, ReviewPlane::kAxial, c, overlays, o));
  }
  for (const double f : {0.25, 0.5, 0.75}) {
    Vec3 c = e.centroid;
    c.x() = e.lo.x() + f * size.x();
    o.caption = "sagittal x " + std::to_string(static_cast<int>(std::lround(c.x()))) + " mm";
    panels.push_back(renderReviewPanel(image, ReviewPlane::kSagittal, c, overlays, o));
  }
  return montage(panels, 3);
}

RgbImage renderLesionReview(const ImageVolume& image, const LabelMap& lesions, int label,
                            const Mask* liver, const Mask* vessels, const std::string& caption,
                            bool auto_window) {
  const Mask lesion = labelMask(lesions, label);
  const Extent e = extentOf(lesion);
  if (e.count == 0) {
    throw NoDataError("lesion review: label " + std::to_string(label) + " has no voxel");
  }
  ReviewPanelOptions o;
  o.field_mm = 100;
  o.auto_window = auto_window;
  std::vector<ReviewOverlay> overlays;
  if (vessels != nullptr) overlays.push_back({vessels, Rgb{70, 140, 255}, 0.0});
  if (liver != nullptr) overlays.push_back({liver, kReviewLiverColour, 0.0});
  overlays.push_back({&lesion, Rgb{255, 60, 60}, 0.3});
  std::vector<RgbImage> panels;
  o.caption = caption;
  panels.push_back(renderReviewPanel(image, ReviewPlane::kAxial, e.centroid, overlays, o));
  o.caption.clear();
  panels.push_back(renderReviewPanel(image, ReviewPlane::kCoronal, e.centroid, overlays, o));
  panels.push_back(renderReviewPanel(image, ReviewPlane::kSagittal, e.centroid, overlays, o));
  return montage(panels, 3);
}

}  // namespace rfa::report
