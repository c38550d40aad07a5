// Software-rendered 3D overview of a session (overview3d.h): an orthographic ray cast of the
// label volumes averaged onto a coarse grid, exact ellipsoid zones, needles drawn with cairo.
#include "rfa/report/overview3d.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include "cairo_util.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"

namespace rfa::report {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Occupancy fields on the coarse grid: liver, lesions of the session, other lesions (interleaved).
struct Fields {
  ImageGeometry grid;
  Size3 n{0, 0, 0};
  std::vector<std::array<float, 3>> v;

  [[nodiscard]] const std::array<float, 3>& at(std::size_t i, std::size_t j, std::size_t k) const {
    return v[i + n[0] * (j + n[1] * k)];
  }
  // Trilinear interpolation at continuous index `p` (0 outside the grid).
  [[nodiscard]] std::array<double, 3> sample(const Vec3& p) const {
    std::array<double, 3> out{0, 0, 0};
    std::array<std::size_t, 3> i0{};
    std::array<double, 3> t{};
    for (int a = 0; a < 3; ++a) {
      const double x = p[a];
      const auto na = static_cast<double>(n[static_cast<std::size_t>(a)]);
      if (!(x >= -0.5 && x <= na - 0.5)) return out;
      const double c = std::clamp(x, 0.0, na - 1);
      const double f = std::min(std::floor(c), std::max(na - 2, 0.0));
      i0[static_cast<std::size_t>(a)] = static_cast<std::size_t>(f);
      t[static_cast<std::size_t>(a)] = c - f;
    }
    for (int dz = 0; dz < 2; ++dz) {
      const double wz = dz != 0 ? t[2] : 1 - t[2];
      const std::size_t k = std::min(i0[2] + static_cast<std::size_t>(dz), n[2] - 1);
      for (int dy = 0; dy < 2; ++dy) {
        const double wy = dy != 0 ? t[1] : 1 - t[1];
        const std::size_t j = std::min(i0[1] + static_cast<std::size_t>(dy), n[1] - 1);
        for (int dx = 0; dx < 2; ++dx) {
          const double w = wz * wy * (dx != 0 ? t[0] : 1 - t[0]);
          if (w == 0) continue;
          const std::size_t i = std::min(i0[0] + static_cast<std::size_t>(dx), n[0] - 1);
          const auto& f = at(i, j, k);
          for (std::size_t c = 0; c < 3; ++c) out[c] += w * f[c];
        }
      }
    }
    return out;
  }
};

Fields coarseFields(const Mask& liver, const LabelMap& lesions,
                    const std::vector<std::uint8_t>& kind, double voxel_mm) {
  const ImageGeometry& g = liver.geometry();
  const Size3& s = g.size();
  std::array<std::size_t, 3> f{};
  Fields out;
  for (std::size_t a = 0; a < 3; ++a) {
    const double sp = g.spacing()[static_cast<Eigen::Index>(a)];
    f[a] = static_cast<std::size_t>(std::max(1L, std::lround(voxel_mm / sp)));
    out.n[a] = (s[a] + f[a] - 1) / f[a];
  }
  const Vec3 origin =
      g.indexToLps(Vec3((static_cast<double>(f[0]) - 1) / 2, (static_cast<double>(f[1]) - 1) / 2,
                        (static_cast<double>(f[2]) - 1) / 2));
  const Vec3 spacing(g.spacing()[0] * static_cast<double>(f[0]),
                     g.spacing()[1] * static_cast<double>(f[1]),
                     g.spacing()[2] * static_cast<double>(f[2]));
  out.grid = ImageGeometry(out.n, spacing, origin, g.direction());
  out.v.assign(out.n[0] * out.n[1] * out.n[2], {0.0F, 0.0F, 0.0F});
  const auto w = static_cast<float>(1.0 / static_cast<double>(f[0] * f[1] * f[2]));
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const bool l = liver(i, j, k) != 0;
        const std::uint8_t kd = kind[lesions(i, j, k)];
        if (!l && kd == 0) continue;
        auto& cell = out.v[i / f[0] + out.n[0] * (j / f[1] + out.n[1] * (k / f[2]))];
        if (l) cell[0] += w;
        if (kd == 1) cell[1] += w;
        if (kd == 2) cell[2] += w;
      }
    }
  }
  return out;
}

// Smooths channel `c` of the fields with the separable [1 2 1] / 4 kernel (edges clamped): the
// block average of a mask on a grid as fine as the image's is still binary, and its iso-surface
// would show every voxel as a terrace. Only the liver is smoothed: it would erase small lesions.
void smooth(Fields& f, std::size_t c) {
  std::vector<float> line;
  for (std::size_t axis = 0; axis < 3; ++axis) {
    const std::size_t n = f.n[axis];
    if (n < 3) continue;
    const std::size_t stride = axis == 0 ? 1 : (axis == 1 ? f.n[0] : f.n[0] * f.n[1]);
    const std::size_t lines = f.v.size() / n;
    line.resize(n);
    for (std::size_t l = 0; l < lines; ++l) {
      // The first voxel of line l: every index whose `axis` coordinate is 0.
      std::size_t base = 0;
      if (axis == 0) base = l * f.n[0];
      if (axis == 1) base = (l % f.n[0]) + (l / f.n[0]) * f.n[0] * f.n[1];
      if (axis == 2) base = l;
      for (std::size_t i = 0; i < n; ++i) line[i] = f.v[base + i * stride][c];
      for (std::size_t i = 0; i < n; ++i) {
        const float a = line[i > 0 ? i - 1 : 0];
        const float b = line[i + 1 < n ? i + 1 : n - 1];
        f.v[base + i * stride][c] = 0.25F * a + 0.5F * line[i] + 0.25F * b;
      }
    }
  }
}

struct ZoneHit {
  double t = kInf;
  Vec3 normal{0, 0, 0};
};

// Entry of the ray o + t d (t >= 0) into the ellipsoid `z`, with the outward normal there.
ZoneHit enterZone(const thermal::EllipsoidZone& z, const Vec3& o, const Vec3& d) {
  ZoneHit hit;
  const Vec3 semi(z.semi_u_mm, z.semi_v_mm, z.semi_w_mm);
  if (!(semi.minCoeff() > 0) || !semi.allFinite()) return hit;
  const Vec3 q = (z.axes.transpose() * (o - z.centre_lps)).cwiseQuotient(semi);
  const Vec3 dq = (z.axes.transpose() * d).cwiseQuotient(semi);
  const double a = dq.squaredNorm();
  const double b = 2 * q.dot(dq);
  const double c = q.squaredNorm() - 1;
  const double disc = b * b - 4 * a * c;
  if (a <= 0 || disc < 0) return hit;
  const double t = (-b - std::sqrt(disc)) / (2 * a);
  if (t < 0) return hit;
  const Vec3 qh = q + t * dq;
  hit.t = t;
  hit.normal = (z.axes * qh.cwiseQuotient(semi)).normalized();
  return hit;
}

struct Camera {
  Vec3 centre{0, 0, 0};
  Vec3 right{1, 0, 0};
  Vec3 up{0, 0, 1};
  Vec3 fwd{0, 1, 0};
  double mm_per_px = 1;
  double depth_min = 0;
  double depth_max = 0;
  int width = 0;
  int height = 0;
  // Picture coordinates (cairo user space: pixel edges at integers) of an LPS point.
  [[nodiscard]] std::array<double, 2> project(const Vec3& p) const {
    const Vec3 d = p - centre;
    return {d.dot(right) / mm_per_px + width / 2.0, height / 2.0 - d.dot(up) / mm_per_px};
  }
};

}  // namespace

Overview3d renderOverview3d(const Mask& liver, const LabelMap& lesions,
                            const planning::TreatmentPlan& plan, int session,
                            const Overview3dOptions& options) {
  if (options.width_px < 32 || options.height_px < 32 || options.width_px > 4096 ||
      options.height_px > 4096 || !(options.voxel_mm > 0)) {
    throw UsageError("3D overview: size must be 32..4096 px and voxel_mm > 0");
  }
  if (session != 0 &&
      std::none_of(plan.sessions.begin(), plan.sessions.end(),
                   [&](const planning::PlanSession& s) { return s.index == session; })) {
    throw UsageError("session " + std::to_string(session) + " is not in the plan (it has " +
                     std::to_string(plan.sessions.size()) + " session(s))");
  }
  if (!lesions.geometry().sameGrid(liver.geometry())) {
    throw GeometryError("3D overview: the lesion map (" + lesions.geometry().describe() +
                        ") is not on the liver's grid (" + liver.geometry().describe() + ")");
  }
  const auto inSession = [&](const planning::PlanLesion& l) {
    return session == 0 || l.session == session;
  };
  std::vector<std::uint8_t> kind(65536, 2);
  kind[0] = 0;
  for (const planning::PlanLesion& l : plan.lesions) {
    if (l.id > 0 && l.id < 65536 && inSession(l)) kind[static_cast<std::size_t>(l.id)] = 1;
  }
  Fields fields = coarseFields(liver, lesions, kind, options.voxel_mm);
  smooth(fields, 0);
  smooth(fields, 0);
  // A lesion smaller than the coarse voxels may average below the iso-level: its centroid's
  // coarse voxel is marked full, so that every lesion shows at least as a small blob.
  for (const planning::PlanLesion& l : plan.lesions) {
    const Vec3 q = fields.grid.lpsToIndex(l.centroid_lps);
    if (!fields.grid.containsContinuous(q) || l.id <= 0 || l.id >= 65536) continue;
    const auto at = [&](int a) {
      return static_cast<std::size_t>(std::clamp(
          std::lround(q[a]), 0L, static_cast<long>(fields.n[static_cast<std::size_t>(a)]) - 1));
    };
    auto& cell = fields.v[at(0) + fields.n[0] * (at(1) + fields.n[1] * at(2))];
    const std::size_t c = kind[static_cast<std::size_t>(l.id)] == 1 ? 1 : 2;
    cell[c] = std::max(cell[c], 1.0F);
  }
  std::vector<const planning::PlanPlacement*> placements;
  for (const planning::PlanLesion& l : plan.lesions) {
    if (!inSession(l)) continue;
    for (const planning::PlanPlacement& pl : l.placements) placements.push_back(&pl);
  }

  // Scene bounds: the liver (or anything labelled), the session's needles and zones.
  Vec3 lo = Vec3::Constant(kInf);
  Vec3 hi = Vec3::Constant(-kInf);
  const auto include = [&](const Vec3& p) {
    lo = lo.cwiseMin(p);
    hi = hi.cwiseMax(p);
  };
  {
    std::array<std::size_t, 3> a{fields.n[0], fields.n[1], fields.n[2]};
    std::array<std::size_t, 3> b{0, 0, 0};
    for (std::size_t k = 0; k < fields.n[2]; ++k) {
      for (std::size_t j = 0; j < fields.n[1]; ++j) {
        for (std::size_t i = 0; i < fields.n[0]; ++i) {
          const auto& f = fields.at(i, j, k);
          if (f[0] + f[1] + f[2] <= 0) continue;
          a = {std::min(a[0], i), std::min(a[1], j), std::min(a[2], k)};
          b = {std::max(b[0], i), std::max(b[1], j), std::max(b[2], k)};
        }
      }
    }
    if (a[0] > b[0]) {  // nothing labelled: the whole grid
      a = {0, 0, 0};
      b = {fields.n[0] - 1, fields.n[1] - 1, fields.n[2] - 1};
    }
    for (int c = 0; c < 8; ++c) {
      include(fields.grid.indexToLps(
          Vec3((c & 1) != 0 ? static_cast<double>(b[0]) + 0.5 : static_cast<double>(a[0]) - 0.5,
               (c & 2) != 0 ? static_cast<double>(b[1]) + 0.5 : static_cast<double>(a[1]) - 0.5,
               (c & 4) != 0 ? static_cast<double>(b[2]) + 0.5 : static_cast<double>(a[2]) - 0.5)));
    }
  }
  for (const planning::PlanPlacement* pl : placements) {
    include(pl->entry_lps);
    include(pl->tip_lps);
    const double r = std::max({pl->zone.semi_u_mm, pl->zone.semi_v_mm, pl->zone.semi_w_mm});
    if (std::isfinite(r)) {
      include(pl->zone.centre_lps - Vec3::Constant(r));
      include(pl->zone.centre_lps + Vec3::Constant(r));
    }
  }

  // Camera: anterior view, turned about S, raised.
  Camera cam;
  cam.width = options.width_px;
  cam.height = options.height_px;
  cam.centre = (lo + hi) / 2;
  const double az = options.azimuth_deg * std::numbers::pi / 180;
  const double el = options.elevation_deg * std::numbers::pi / 180;
  const Mat3 rz = Eigen::AngleAxisd(az, Vec3::UnitZ()).toRotationMatrix();
  const Vec3 right = rz * Vec3::UnitX();
  const Vec3 fwd0 = rz * Vec3::UnitY();
  cam.right = right;
  cam.fwd = (std::cos(el) * fwd0 - std::sin(el) * Vec3::UnitZ()).normalized();
  cam.up = cam.right.cross(cam.fwd).normalized();
  if (cam.up.z() < 0) cam.up = -cam.up;
  double ex = 0;
  double ey = 0;
  cam.depth_min = kInf;
  cam.depth_max = -kInf;
  for (int c = 0; c < 8; ++c) {
    const Vec3 p((c & 1) != 0 ? hi.x() : lo.x(), (c & 2) != 0 ? hi.y() : lo.y(),
                 (c & 4) != 0 ? hi.z() : lo.z());
    const Vec3 d = p - cam.centre;
    ex = std::max(ex, std::abs(d.dot(cam.right)));
    ey = std::max(ey, std::abs(d.dot(cam.up)));
    cam.depth_min = std::min(cam.depth_min, d.dot(cam.fwd));
    cam.depth_max = std::max(cam.depth_max, d.dot(cam.fwd));
  }
  cam.mm_per_px = std::max({2 * ex / (0.92 * cam.width), 2 * ey / (0.92 * cam.height), 1e-3});

  Overview3d out;
  out.session = session;
  out.mm_per_px = cam.mm_per_px;
  out.grid_spacing_mm = fields.grid.spacing();
  out.pixels = RgbImage(cam.width, cam.height, options.background);

  const Vec3 light = (-cam.fwd + 0.6 * cam.up - 0.4 * cam.right).normalized();
  const Vec3 half = (light - cam.fwd).normalized();
  const Mat3& to_index = fields.grid.lpsToIndexMatrix();
  const Vec3 d_index = to_index * cam.fwd;
  const double step = 0.5 * fields.grid.spacing().minCoeff();
  const Rgb zone_colour = sessionColour(session);

  // Outward normal of field c at LPS point p (gradient of the occupancy, pointing out).
  const auto normalAt = [&](const Vec3& p, std::size_t c) {
    const Vec3 q = fields.grid.lpsToIndex(p);
    Vec3 gi;
    for (int a = 0; a < 3; ++a) {
      Vec3 e = Vec3::Zero();
      e[a] = 1;
      gi[a] = fields.sample(q + e)[c] - fields.sample(q - e)[c];
    }
    const Vec3 gw = to_index.transpose() * gi;
    const double len = gw.norm();
    return len > 1e-12 ? Vec3(-gw / len) : Vec3(-cam.fwd);
  };

  parallelFor(static_cast<std::size_t>(cam.height), [&](std::size_t row) {
    const double sy = (cam.height / 2.0 - (static_cast<double>(row) + 0.5)) * cam.mm_per_px;
    for (int col = 0; col < cam.width; ++col) {
      const double sx = (col + 0.5 - cam.width / 2.0) * cam.mm_per_px;
      const Vec3 origin =
          cam.centre + sx * cam.right + sy * cam.up + (cam.depth_min - 2 * step) * cam.fwd;
      const double length = cam.depth_max - cam.depth_min + 4 * step;
      // Clip to the coarse grid's box (slab test in index space).
      const Vec3 o_index = fields.grid.lpsToIndex(origin);
      double t0 = 0;
      double t1 = length;
      for (int a = 0; a < 3 && t0 <= t1; ++a) {
        const double lo_a = -0.5;
        const double hi_a = static_cast<double>(fields.n[static_cast<std::size_t>(a)]) - 0.5;
        if (std::abs(d_index[a]) < 1e-12) {
          if (o_index[a] < lo_a || o_index[a] > hi_a) t1 = -1;
          continue;
        }
        double ta = (lo_a - o_index[a]) / d_index[a];
        double tb = (hi_a - o_index[a]) / d_index[a];
        if (ta > tb) std::swap(ta, tb);
        t0 = std::max(t0, ta);
        t1 = std::min(t1, tb);
      }
      std::vector<ZoneHit> zone_hits;
      for (const planning::PlanPlacement* pl : placements) {
        const ZoneHit h = enterZone(pl->zone, origin, cam.fwd);
        if (std::isfinite(h.t)) zone_hits.push_back(h);
      }
      std::sort(zone_hits.begin(), zone_hits.end(),
                [](const ZoneHit& a, const ZoneHit& b) { return a.t < b.t; });
      std::size_t next_zone = 0;

      double acc[3] = {0, 0, 0};
      double trans = 1;
      const auto composite = [&](const Rgb& c, double alpha, const Vec3& n, bool specular) {
        const double lambert = std::abs(n.dot(light));
        const double shade = 0.3 + 0.7 * lambert;
        const double spec = specular ? 0.35 * std::pow(std::max(0.0, n.dot(half)), 24) : 0.0;
        const double rgb[3] = {c.r / 255.0, c.g / 255.0, c.b / 255.0};
        for (int i = 0; i < 3; ++i) {
          acc[i] += trans * alpha * std::min(1.0, rgb[i] * shade + spec);
        }
        trans *= 1 - alpha;
      };
      // The zones are drawn as their union: only where the ray first enters one of them (the
      // overlapping zones of one lesion would otherwise hide it).
      const auto flushZones = [&](double t) {
        if (next_zone == 0 && !zone_hits.empty() && zone_hits.front().t <= t) {
          composite(zone_colour, options.zone_opacity, zone_hits.front().normal, false);
          next_zone = 1;
        }
      };

      bool stopped = false;
      if (t0 <= t1) {
        double tp = t0;
        std::array<double, 3> prev = fields.sample(o_index + tp * d_index);
        for (double t = t0 + step; t <= t1 + step && !stopped && trans > 0.01; t += step) {
          const std::array<double, 3> cur = fields.sample(o_index + t * d_index);
          // Crossings of 0.5 within (tp, t], in order.
          std::array<std::pair<double, std::size_t>, 3> cross{};
          std::size_t nc = 0;
          for (std::size_t c = 0; c < 3; ++c) {
            // Entering any surface; leaving the liver too (its back face, also translucent).
            if ((prev[c] < 0.5 && cur[c] >= 0.5) || (c == 0 && prev[c] >= 0.5 && cur[c] < 0.5)) {
              const double f = (0.5 - prev[c]) / (cur[c] - prev[c]);
              cross[nc++] = {tp + f * (t - tp), c};
            }
          }
          for (std::size_t a = 1; a < nc; ++a) {  // in order of t (at most 3)
            for (std::size_t b = a; b > 0 && cross[b].first < cross[b - 1].first; --b) {
              std::swap(cross[b], cross[b - 1]);
            }
          }
          for (std::size_t i = 0; i < nc && !stopped; ++i) {
            const double tc = cross[i].first;
            const std::size_t c = cross[i].second;
            flushZones(tc);
            const Vec3 p = origin + tc * cam.fwd;
            const Vec3 n = normalAt(p, c);
            if (c == 0) {
              composite(kLiverColour, options.liver_opacity, n, false);
            } else {
              composite(c == 1 ? kLesionColour : kOtherLesionColour, 1.0, n, true);
              stopped = true;
            }
          }
          prev = cur;
          tp = t;
        }
      }
      if (!stopped) flushZones(kInf);
      const Rgb bg = options.background;
      const double bgc[3] = {bg.r / 255.0, bg.g / 255.0, bg.b / 255.0};
      Rgb px;
      std::uint8_t* ch[3] = {&px.r, &px.g, &px.b};
      for (int i = 0; i < 3; ++i) {
        *ch[i] = static_cast<std::uint8_t>(
            std::lround(255 * std::clamp(acc[i] + trans * bgc[i], 0.0, 1.0)));
      }
      out.pixels.set(col, static_cast<int>(row), px);
    }
  });

  // Needles, lesion labels and the orientation triad.
  {
    detail::ImageCanvas canvas(out.pixels);
    cairo_t* cr = canvas.cr();
    for (const planning::PlanPlacement* pl : placements) {
      const auto e = cam.project(pl->entry_lps);
      const auto t = cam.project(pl->tip_lps);
      for (int pass = 0; pass < 2; ++pass) {
        cairo_new_path(cr);
        cairo_move_to(cr, e[0], e[1]);
        cairo_line_to(cr, t[0], t[1]);
        if (pass == 0) {
          cairo_set_source_rgba(cr, 0, 0, 0, 0.8);
          cairo_set_line_width(cr, 3.5);
        } else {
          detail::setColour(cr, blend(zone_colour, Rgb{255, 255, 255}, 0.35));
          cairo_set_line_width(cr, 1.8);
        }
        cairo_stroke(cr);
      }
      cairo_new_path(cr);
      cairo_arc(cr, t[0], t[1], 2.8, 0, 2 * std::numbers::pi);
      cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_fill(cr);
    }
    const double font = std::max(9.0, cam.height / 26.0);
    detail::setFont(cr, font, true);
    // Lesion labels beside their centroids, moved around until they do not overlap.
    std::vector<std::array<double, 4>> placed;  // x0, y0, x1, y1
    for (const planning::PlanLesion& l : plan.lesions) {
      if (!inSession(l)) continue;
      const auto p = cam.project(l.centroid_lps);
      out.lesion_pixels[l.id] = {p[0] - 0.5, p[1] - 0.5};
      const std::string label = "L" + std::to_string(l.id);
      const double w = detail::textWidth(cr, label);
      const std::array<std::array<double, 2>, 8> offsets{{{6, -6},
                                                          {6, font + 6},
                                                          {-w - 6, -6},
                                                          {-w - 6, font + 6},
                                                          {6, -font - 10},
                                                          {-w - 6, -font - 10},
                                                          {6, 2 * font + 10},
                                                          {-w - 6, 2 * font + 10}}};
      std::array<double, 2> at = offsets[0];
      for (const auto& o : offsets) {
        const std::array<double, 4> box{p[0] + o[0], p[1] + o[1] - font, p[0] + o[0] + w,
                                        p[1] + o[1]};
        const bool clash = std::any_of(placed.begin(), placed.end(), [&](const auto& b) {
          return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3];
        });
        if (!clash) {
          at = o;
          break;
        }
      }
      placed.push_back({p[0] + at[0], p[1] + at[1] - font, p[0] + at[0] + w, p[1] + at[1]});
      detail::haloText(cr, p[0] + at[0], p[1] + at[1], label, Rgb{255, 255, 255});
    }
    // Triad: patient Left, Superior, Anterior as seen.
    const double ox = 28;
    const double oy = cam.height - 28.0;
    const std::array<std::pair<Vec3, const char*>, 3> axes{
        {{Vec3::UnitX(), "L"}, {Vec3::UnitZ(), "S"}, {-Vec3::UnitY(), "A"}}};
    detail::setFont(cr, font * 0.85, true);
    for (const auto& [axis, name] : axes) {
      const double dx = axis.dot(cam.right) * 18;
      const double dy = -axis.dot(cam.up) * 18;
      cairo_new_path(cr);
      cairo_move_to(cr, ox, oy);
      cairo_line_to(cr, ox + dx, oy + dy);
      cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
      cairo_set_line_width(cr, 1.5);
      cairo_stroke(cr);
      detail::haloText(cr, ox + dx * 1.25 - font * 0.3, oy + dy * 1.25 + font * 0.35, name,
                       Rgb{230, 230, 230});
    }
  }
  return out;
}

}  // namespace rfa::report
