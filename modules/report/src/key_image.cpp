// The axial key image of a lesion with the plan drawn over it (key_image.h).
#include "rfa/report/key_image.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <vector>

#include "cairo_util.h"
#include "grey_window.h"
#include "rfa/core/error.h"
#include "rfa/segmentation/distance.h"
#include "slice_sampling.h"

namespace rfa::report {
namespace {

using detail::bilinear;

using detail::ImageCanvas;

// The LPS letter of the patient direction closest to `v`.
std::string letterOf(const Vec3& v) {
  Eigen::Index axis = 0;
  v.cwiseAbs().maxCoeff(&axis);
  const bool positive = v[axis] > 0;
  switch (axis) {
    case 0:
      return positive ? "L" : "R";
    case 1:
      return positive ? "P" : "A";
    default:
      return positive ? "S" : "I";
  }
}

// Distance (mm) from the voxel centres of slice `k0` to the nearest voxel centre of lesion `id`,
// on the slice's (i, j) grid; only voxels within `limit_mm` matter (farther ones read +inf).
struct SliceDistance {
  std::size_t i0 = 0, j0 = 0, ni = 0, nj = 0;  // crop of the slice
  std::vector<float> mm;                       // ni x nj, +inf where farther than the crop
  [[nodiscard]] double at(std::size_t i, std::size_t j) const {
    if (i < i0 || j < j0 || i >= i0 + ni || j >= j0 + nj) {
      return std::numeric_limits<double>::infinity();
    }
    return mm[(i - i0) + ni * (j - j0)];
  }
};

SliceDistance lesionDistance(const LabelMap& lesions, int id, std::size_t k0, double limit_mm) {
  const ImageGeometry& g = lesions.geometry();
  const Size3& s = g.size();
  std::array<std::size_t, 3> pad{};
  for (int a = 0; a < 3; ++a) {
    pad[static_cast<std::size_t>(a)] =
        static_cast<std::size_t>(std::ceil(limit_mm / g.spacing()[a])) + 1;
  }
  const std::size_t klo = k0 > pad[2] ? k0 - pad[2] : 0;
  const std::size_t khi = std::min(s[2] - 1, k0 + pad[2]);
  std::array<std::size_t, 3> lo{s[0], s[1], s[2]};
  std::array<std::size_t, 3> hi{0, 0, 0};
  const auto label = static_cast<std::uint16_t>(id);
  for (std::size_t k = klo; k <= khi; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (lesions(i, j, k) != label) continue;
        lo = {std::min(lo[0], i), std::min(lo[1], j), std::min(lo[2], k)};
        hi = {std::max(hi[0], i), std::max(hi[1], j), std::max(hi[2], k)};
      }
    }
  }
  SliceDistance d;
  if (lo[0] > hi[0]) return d;  // no lesion voxel within reach of the slice
  for (std::size_t a = 0; a < 2; ++a) {
    lo[a] = lo[a] > pad[a] ? lo[a] - pad[a] : 0;
    hi[a] = std::min(s[a] - 1, hi[a] + pad[a]);
  }
  lo[2] = std::min(lo[2], k0);
  hi[2] = std::max(hi[2], k0);
  const Size3 cs{hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1};
  const ImageGeometry cg(cs, g.spacing(),
                         g.indexToLps(Vec3(static_cast<double>(lo[0]), static_cast<double>(lo[1]),
                                           static_cast<double>(lo[2]))),
                         g.direction());
  Mask crop(cg, 0);
  for (std::size_t k = 0; k < cs[2]; ++k) {
    for (std::size_t j = 0; j < cs[1]; ++j) {
      for (std::size_t i = 0; i < cs[0]; ++i) {
        crop(i, j, k) = lesions(lo[0] + i, lo[1] + j, lo[2] + k) == label ? 1 : 0;
      }
    }
  }
  const Volume<float> d2 = segmentation::squaredDistanceMm2(crop);
  d.i0 = lo[0];
  d.j0 = lo[1];
  d.ni = cs[0];
  d.nj = cs[1];
  d.mm.resize(cs[0] * cs[1]);
  const std::size_t kk = k0 - lo[2];
  for (std::size_t j = 0; j < cs[1]; ++j) {
    for (std::size_t i = 0; i < cs[0]; ++i) d.mm[i + cs[0] * j] = std::sqrt(d2(i, j, kk));
  }
  return d;
}

// The parameter interval [a, b] of s in [0, 1] where |d0 + s (d1 - d0)| <= limit (a > b: none).
std::pair<double, double> nearInterval(double d0, double d1, double limit) {
  if (std::abs(d1 - d0) < 1e-12) {
    return std::abs(d0) <= limit ? std::pair{0.0, 1.0} : std::pair{1.0, 0.0};
  }
  double a = (-limit - d0) / (d1 - d0);
  double b = (limit - d0) / (d1 - d0);
  if (a > b) std::swap(a, b);
  return {std::max(a, 0.0), std::min(b, 1.0)};
}

}  // namespace

std::array<double, 2> KeyImage::pixelOf(const Vec3& lps) const {
  const double half = pixels.width / 2.0;
  const Vec3 d = lps - centre_lps;
  return {d.dot(right_lps) / mm_per_px + half - 0.5, d.dot(down_lps) / mm_per_px + half - 0.5};
}

KeyImage renderKeyImage(const ImageVolume& image, const Mask* liver, const LabelMap& lesions,
                        const planning::TreatmentPlan& plan, int lesion_id,
                        const KeyImageOptions& options) {
  if (options.size_px < 32 || options.size_px > 2048) {
    throw UsageError("key image size " + std::to_string(options.size_px) +
                     " px is not in 32..2048");
  }
  if (!(options.field_mm > 0) || (!options.auto_window && !(options.window > 0))) {
    throw UsageError("key image field and window must be > 0");
  }
  const ImageGeometry& g = image.geometry();
  if (!lesions.geometry().sameGrid(g) || (liver != nullptr && !liver->geometry().sameGrid(g))) {
    throw GeometryError("key image: the lesion map or liver mask is not on the image's grid (" +
                        g.describe() + ")");
  }
  const auto it = std::find_if(plan.lesions.begin(), plan.lesions.end(),
                               [&](const planning::PlanLesion& l) { return l.id == lesion_id; });
  if (it == plan.lesions.end()) {
    throw UsageError("key image: the plan has no lesion " + std::to_string(lesion_id));
  }
  const planning::PlanLesion& lesion = *it;
  const Vec3 c = g.lpsToIndex(lesion.centroid_lps);
  if (!g.containsContinuous(c)) {
    throw GeometryError("key image: the centroid of lesion " + std::to_string(lesion_id) +
                        " lies outside the image");
  }
  const Size3& s = g.size();
  const auto k0 =
      static_cast<std::size_t>(std::clamp(std::lround(c.z()), 0L, static_cast<long>(s[2]) - 1));

  KeyImage out;
  out.lesion_id = lesion_id;
  out.session = lesion.session;
  out.slice = k0;
  out.slices = s[2];
  const int n = options.size_px;

  // The slice plane, its in-plane display axes and the picture's scale.
  const Vec3 u = g.direction().col(0);
  const Vec3 v = g.direction().col(1);
  const Vec3 normal = u.cross(v).normalized();
  const auto inPlane = [&](const Vec3& a) { return Vec3(a - a.dot(normal) * normal); };
  Vec3 ex = inPlane(Vec3::UnitX());
  if (ex.norm() < 0.5) ex = inPlane(Vec3::UnitY());
  ex.normalize();
  Vec3 ey = normal.cross(ex).normalized();
  if (std::abs(ey.y()) > 0.5 ? ey.y() < 0 : ey.z() > 0) ey = -ey;
  out.right_lps = ex;
  out.down_lps = ey;
  out.centre_lps = g.indexToLps(Vec3(c.x(), c.y(), static_cast<double>(k0)));
  const double field = std::max(options.field_mm, 2.2 * lesion.diameter_mm + 40);
  out.mm_per_px = field / n;
  out.edge_letters = {letterOf(-ex), letterOf(ex), letterOf(-ey), letterOf(ey)};
  const double slice_gap_mm =
      g.spacing()[2] * std::max(std::abs(g.direction().col(2).dot(normal)), 1e-6);

  // Per pixel: the image value and the overlay fields.
  const std::size_t npx = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  std::vector<float> hu(npx, std::numeric_limits<float>::quiet_NaN());
  std::vector<std::uint8_t> in_liver(npx, 0);
  std::vector<std::uint8_t> in_lesion(npx, 0);
  std::vector<std::uint8_t> in_margin(npx, 0);
  const double margin_mm = plan.settings.minimum_margin_mm;
  const SliceDistance dist = lesionDistance(lesions, lesion_id, k0, margin_mm);
  std::vector<Vec3> lps(npx);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const std::size_t p =
          static_cast<std::size_t>(y) * static_cast<std::size_t>(n) + static_cast<std::size_t>(x);
      const Vec3 q = out.centre_lps + ((x + 0.5 - n / 2.0) * out.mm_per_px) * ex +
                     ((y + 0.5 - n / 2.0) * out.mm_per_px) * ey;
      lps[p] = q;
      const Vec3 idx = g.lpsToIndex(q);
      const double fi = idx.x();
      const double fj = idx.y();
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const double val =
          bilinear(s, fi, fj, nan, [&](std::size_t i, std::size_t j) { return image(i, j, k0); });
      hu[p] = static_cast<float>(val);
      if (liver != nullptr) {
        const double f = bilinear(s, fi, fj, 0.0, [&](std::size_t i, std::size_t j) {
          return (*liver)(i, j, k0) != 0 ? 1.0 : 0.0;
        });
        in_liver[p] = f >= 0.5 ? 1 : 0;
      }
      const double fl = bilinear(s, fi, fj, 0.0, [&](std::size_t i, std::size_t j) {
        return lesions(i, j, k0) != 0 ? 1.0 : 0.0;
      });
      in_lesion[p] = fl >= 0.5 ? 1 : 0;
      if (!dist.mm.empty()) {
        const double dm = bilinear(s, fi, fj, std::numeric_limits<double>::infinity(),
                                   [&](std::size_t i, std::size_t j) { return dist.at(i, j); });
        in_margin[p] = dm <= margin_mm ? 1 : 0;
      }
    }
  }

  // Grey levels.
  const auto [window, level] =
      detail::greyWindow(hu, options.auto_window, options.window, options.level);
  out.window = window;
  out.level = level;
  RgbImage& pic = out.pixels;
  pic = detail::greyPicture(hu, n, window, level);  // outside the image: black

  // Mask overlays: liver outline, lesion fill + edge, margin outline, zone outlines.
  const auto paint = [&](const std::vector<std::uint8_t>& m, const Rgb& colour, double alpha) {
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        if (m[static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
              static_cast<std::size_t>(x)] != 0) {
          pic.set(x, y, blend(pic.at(x, y), colour, alpha));
        }
      }
    }
  };
  if (liver != nullptr) paint(detail::outline(in_liver, n, 1), kLiverColour, 0.9);
  paint(in_lesion, kLesionColour, 0.45);
  paint(detail::outline(in_lesion, n, 1), kLesionColour, 1.0);
  paint(detail::outline(in_margin, n, 2), kMarginColour, 1.0);

  const int session = lesion.session;
  // The session's placements, this lesion's last (drawn on top, full strength; the other
  // lesions' zones and needles of the session thinner and lighter).
  std::vector<std::pair<const planning::PlanPlacement*, bool>> placements;
  for (int own = 0; own < 2; ++own) {
    for (const planning::PlanLesion& l : plan.lesions) {
      const bool mine = l.id == lesion_id;
      if (mine != (own == 1) || (!mine && (session == 0 || l.session != session))) continue;
      for (const planning::PlanPlacement& pl : l.placements) placements.emplace_back(&pl, mine);
    }
  }
  const Rgb zone_colour = sessionColour(session);
  for (const auto& [pl, mine] : placements) {
    std::vector<std::uint8_t> in_zone(npx, 0);
    bool any = false;
    for (std::size_t p = 0; p < npx; ++p) {
      if (pl->zone.contains(lps[p])) {
        in_zone[p] = 1;
        any = true;
      }
    }
    if (!any) continue;
    ++out.zones_cut;
    paint(detail::outline(in_zone, n, mine ? 2 : 1), zone_colour, mine ? 1.0 : 0.55);
  }

  // Vector overlays: needles, scale bar, letters, label.
  {
    ImageCanvas canvas(pic);
    cairo_t* cr = canvas.cr();
    const double near_mm = options.solid_slices * slice_gap_mm;
    for (const auto& [pl, mine] : placements) {
      const double strength = mine ? 1.0 : 0.55;
      const Vec3& e = pl->entry_lps;
      const Vec3& t = pl->tip_lps;
      const double de = (e - out.centre_lps).dot(normal);
      const double dt = (t - out.centre_lps).dot(normal);
      const auto pe = out.pixelOf(e);
      const auto pt = out.pixelOf(t);
      const auto at = [&](double sp) {
        return std::array<double, 2>{pe[0] + sp * (pt[0] - pe[0]) + 0.5,
                                     pe[1] + sp * (pt[1] - pe[1]) + 0.5};
      };
      bool shown = false;
      for (int i = 0; i <= 200 && !shown; ++i) {
        const auto q = at(i / 200.0);
        shown = q[0] >= 0 && q[1] >= 0 && q[0] <= n && q[1] <= n;
      }
      if (!shown) continue;
      ++out.needles_shown;
      const auto [a, b] = nearInterval(de, dt, near_mm);
      const auto stroke = [&](double s0, double s1, bool dashed) {
        if (s1 - s0 <= 1e-9) return;
        const auto q0 = at(s0);
        const auto q1 = at(s1);
        for (int pass = 0; pass < 2; ++pass) {
          cairo_new_path(cr);
          cairo_move_to(cr, q0[0], q0[1]);
          cairo_line_to(cr, q1[0], q1[1]);
          if (dashed) {
            const double dash[] = {5.0, 4.0};
            cairo_set_dash(cr, dash, 2, 0);
          } else {
            cairo_set_dash(cr, nullptr, 0, 0);
          }
          if (pass == 0) {
            cairo_set_source_rgba(cr, 0, 0, 0, 0.7 * strength);
            cairo_set_line_width(cr, 3.6 * strength);
          } else {
            detail::setColour(cr, zone_colour, strength);
            cairo_set_line_width(cr, 1.8 * strength);
          }
          cairo_stroke(cr);
        }
        cairo_set_dash(cr, nullptr, 0, 0);
      };
      if (a > b) {
        stroke(0, 1, true);
      } else {
        stroke(0, a, true);
        stroke(a, b, false);
        stroke(b, 1, true);
      }
      const auto tip = at(1);
      cairo_new_path(cr);
      cairo_arc(cr, tip[0], tip[1], 3.2 * strength, 0, 2 * std::numbers::pi);
      detail::setColour(cr, zone_colour, strength);
      cairo_fill_preserve(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_set_line_width(cr, 1);
      cairo_stroke(cr);
      const auto entry = at(0);
      cairo_new_path(cr);
      cairo_arc(cr, entry[0], entry[1], 4 * strength, 0, 2 * std::numbers::pi);
      detail::setColour(cr, zone_colour, strength);
      cairo_set_line_width(cr, 2);
      cairo_stroke(cr);
    }

    // 10 mm scale bar, bottom right.
    const double bar_px = 10.0 / out.mm_per_px;
    const double font = std::max(9.0, n / 25.0);
    detail::scaleBar(cr, n - 12.0 - bar_px, n - 12.0, bar_px, font, "10 mm", true);
    const Rgb white{255, 255, 255};

    // Orientation letters at the middle of each edge.
    const auto& L = out.edge_letters;
    detail::haloText(cr, 4, n / 2.0 + font / 2, L[0], white);
    detail::haloText(cr, n - 4 - detail::textWidth(cr, L[1]), n / 2.0 + font / 2, L[1], white);
    detail::haloText(cr, n / 2.0 - detail::textWidth(cr, L[2]) / 2, font + 3, L[2], white);
    detail::haloText(cr, n / 2.0 - detail::textWidth(cr, L[3]) / 2, n - 5.0, L[3], white);

    // Lesion label, top left.
    detail::haloText(cr, 5, font + 3, "L" + std::to_string(lesion_id), kLesionColour);
  }
  return out;
}

}  // namespace rfa::report
