// Multi-scale Frangi vesselness for bright tubes (vessel_filters.h): scale-normalised Hessian from
// separable sampled Gaussian derivative kernels, closed-form eigenvalues.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "rfa/core/parallel.h"
#include "rfa/core/volume.h"
#include "vessel_filters.h"

namespace rfa::segmentation::vessel_detail {

namespace {

using I64 = std::int64_t;

// Kernels of one axis for sigma `s` (voxels), applied as out[n] = sum_t w[t] in[n + t]: order 0
// sums to 1, order 1 is exact on linear and order 2 on quadratic profiles (derivatives per voxel).
struct AxisKernels {
  int radius = 1;
  std::array<std::vector<float>, 3> w;
};

AxisKernels makeKernels(double s) {
  AxisKernels k;
  k.radius = std::max(1, static_cast<int>(std::ceil(3.0 * s)));
  const std::size_t n = static_cast<std::size_t>(2 * k.radius + 1);
  std::vector<double> g(n);
  std::vector<double> g1(n);
  std::vector<double> g2(n);
  double sum0 = 0;
  for (int t = -k.radius; t <= k.radius; ++t) {
    const std::size_t i = static_cast<std::size_t>(t + k.radius);
    g[i] = std::exp(-0.5 * t * t / (s * s));
    sum0 += g[i];
  }
  double m1 = 0;
  double sum2 = 0;
  for (int t = -k.radius; t <= k.radius; ++t) {
    const std::size_t i = static_cast<std::size_t>(t + k.radius);
    g[i] /= sum0;
    g1[i] = t * g[i];
    m1 += t * g1[i];
    g2[i] = (t * t / (s * s) - 1.0) * g[i];
    sum2 += g2[i];
  }
  double m2 = 0;
  for (int t = -k.radius; t <= k.radius; ++t) {
    const std::size_t i = static_cast<std::size_t>(t + k.radius);
    g2[i] -= sum2 * g[i];  // sum 0 (g sums to 1)
    m2 += 0.5 * t * t * g2[i];
  }
  for (std::size_t i = 0; i < n; ++i) {
    k.w[0].push_back(static_cast<float>(g[i]));
    k.w[1].push_back(static_cast<float>(g1[i] / m1));
    k.w[2].push_back(static_cast<float>(g2[i] / m2));
  }
  return k;
}

// Correlates every line of `in` along `axis` with `w` (clamped borders) into a new volume. Along
// x through a padded copy of the row; along y and z whole x-rows are combined (contiguous, so the
// inner loop vectorises). Parallel over slices (x, y) or rows (z).
ImageVolume filterAxis(const ImageVolume& in, int axis, const std::vector<float>& w) {
  ImageVolume out = ImageVolume::uninitialized(in.geometry());
  const I64 r = static_cast<I64>(w.size() / 2);
  const Size3 s = in.size();
  const std::size_t nx = s[0];
  const float* src = in.data().data();
  float* dst = out.data().data();
  const auto rowAt = [&](std::size_t j, std::size_t k) { return (j + s[1] * k) * nx; };
  if (axis == 0) {
    parallelFor(s[2], [&](std::size_t k) {
      std::vector<float> line(nx + 2 * static_cast<std::size_t>(r));
      for (std::size_t j = 0; j < s[1]; ++j) {
        const float* row = src + rowAt(j, k);
        for (I64 n = -r; n < static_cast<I64>(nx) + r; ++n) {
          line[static_cast<std::size_t>(n + r)] =
              row[std::clamp<I64>(n, 0, static_cast<I64>(nx) - 1)];
        }
        float* o = dst + rowAt(j, k);
        for (std::size_t n = 0; n < nx; ++n) {
          float acc = 0;
          for (std::size_t t = 0; t < w.size(); ++t) acc += w[t] * line[n + t];
          o[n] = acc;
        }
      }
    });
    return out;
  }
  const std::size_t len = s[static_cast<std::size_t>(axis)];
  const std::size_t other = axis == 1 ? s[2] : s[1];
  parallelFor(other, [&](std::size_t b) {
    for (std::size_t n = 0; n < len; ++n) {
      float* o = dst + (axis == 1 ? rowAt(n, b) : rowAt(b, n));
      std::fill(o, o + nx, 0.0F);
      for (I64 t = -r; t <= r; ++t) {
        const auto m = static_cast<std::size_t>(
            std::clamp<I64>(static_cast<I64>(n) + t, 0, static_cast<I64>(len) - 1));
        const float* row = src + (axis == 1 ? rowAt(m, b) : rowAt(b, m));
        const float wt = w[static_cast<std::size_t>(t + r)];
        for (std::size_t i = 0; i < nx; ++i) o[i] += wt * row[i];
      }
    }
  });
  return out;
}

// Gaussian-smoothed image and the six scale-normalised second derivatives (HU) at one scale.
struct ScaleDerivatives {
  ImageVolume g, xx, yy, zz, xy, xz, yz;
};

ScaleDerivatives derivativesAt(const ImageVolume& image, double sigma_mm) {
  const Vec3& sp = image.geometry().spacing();
  std::array<AxisKernels, 3> k;
  for (int a = 0; a < 3; ++a) k[static_cast<std::size_t>(a)] = makeKernels(sigma_mm / sp[a]);
  const auto pass = [&](const ImageVolume& v, int axis, int order) {
    return filterAxis(v, axis,
                      k[static_cast<std::size_t>(axis)].w[static_cast<std::size_t>(order)]);
  };
  ScaleDerivatives d;
  {
    const ImageVolume z0 = pass(image, 2, 0);
    const ImageVolume z0y0 = pass(z0, 1, 0);
    d.g = pass(z0y0, 0, 0);
    d.xx = pass(z0y0, 0, 2);
    d.yy = pass(pass(z0, 1, 2), 0, 0);
    d.xy = pass(pass(z0, 1, 1), 0, 1);
  }
  {
    const ImageVolume z1 = pass(image, 2, 1);
    const ImageVolume z1y0 = pass(z1, 1, 0);
    d.xz = pass(z1y0, 0, 1);
    d.yz = pass(pass(z1, 1, 1), 0, 0);
  }
  d.zz = pass(pass(pass(image, 2, 2), 1, 0), 0, 0);
  // Per-voxel to per-mm derivatives, times sigma^2 (scale normalisation).
  const double s2 = sigma_mm * sigma_mm;
  const auto scale = [&](ImageVolume& v, double f) {
    const float ff = static_cast<float>(f);
    for (float& x : v.data()) x *= ff;
  };
  scale(d.xx, s2 / (sp[0] * sp[0]));
  scale(d.yy, s2 / (sp[1] * sp[1]));
  scale(d.zz, s2 / (sp[2] * sp[2]));
  scale(d.xy, s2 / (sp[0] * sp[1]));
  scale(d.xz, s2 / (sp[0] * sp[2]));
  scale(d.yz, s2 / (sp[1] * sp[2]));
  return d;
}

double frangi(const std::array<double, 3>& l, const FrangiParameters& p) {
  if (l[1] >= 0.0 || l[2] >= 0.0) return 0.0;  // bright tube: both cross-section curvatures < 0
  const double a2 = std::abs(l[1]);
  const double a3 = std::abs(l[2]);
  const double ra = a2 / a3;
  const double rb = std::abs(l[0]) / std::sqrt(a2 * a3);
  const double s2 = l[0] * l[0] + l[1] * l[1] + l[2] * l[2];
  return (1.0 - std::exp(-ra * ra / (2.0 * p.alpha * p.alpha))) *
         std::exp(-rb * rb / (2.0 * p.beta * p.beta)) *
         (1.0 - std::exp(-s2 / (2.0 * p.c_hu * p.c_hu)));
}

}  // namespace

ImageVolume gaussianSmooth(const ImageVolume& image, double sigma_mm) {
  if (sigma_mm <= 0.0) return image;
  const Vec3& sp = image.geometry().spacing();
  ImageVolume v = image;
  for (int a = 2; a >= 0; --a) v = filterAxis(v, a, makeKernels(sigma_mm / sp[a]).w[0]);
  return v;
}

std::array<double, 3> symmetricEigenvalues(double a, double b, double c, double d, double e,
                                           double f) {
  std::array<double, 3> l{};
  const double p1 = b * b + c * c + e * e;
  const double q = (a + d + f) / 3.0;
  const double p2 = (a - q) * (a - q) + (d - q) * (d - q) + (f - q) * (f - q) + 2.0 * p1;
  if (p2 <= 1e-30) {
    l = {q, q, q};
  } else {
    const double p = std::sqrt(p2 / 6.0);
    const double ba = (a - q) / p;
    const double bd = (d - q) / p;
    const double bf = (f - q) / p;
    const double bb = b / p;
    const double bc = c / p;
    const double be = e / p;
    const double det =
        ba * (bd * bf - be * be) - bb * (bb * bf - be * bc) + bc * (bb * be - bd * bc);
    const double phi = std::acos(std::clamp(det / 2.0, -1.0, 1.0)) / 3.0;
    const double e1 = q + 2.0 * p * std::cos(phi);
    const double e3 = q + 2.0 * p * std::cos(phi + 2.0 * std::numbers::pi / 3.0);
    l = {e1, 3.0 * q - e1 - e3, e3};
  }
  std::sort(l.begin(), l.end(), [](double x, double y) { return std::abs(x) < std::abs(y); });
  return l;
}

ImageVolume multiScaleVesselness(const ImageVolume& image, const Mask& active,
                                 const std::vector<double>& sigmas_mm,
                                 const FrangiParameters& parameters, float min_smoothed_hu) {
  ImageVolume m(image.geometry(), 0.0F);
  const Size3 s = image.size();
  const std::size_t slice = s[0] * s[1];
  for (const double sigma : sigmas_mm) {
    const ScaleDerivatives d = derivativesAt(image, sigma);
    parallelFor(s[2], [&](std::size_t k) {
      for (std::size_t n = k * slice; n < (k + 1) * slice; ++n) {
        if (active.data()[n] == 0 || d.g.data()[n] < min_smoothed_hu) continue;
        const auto l = symmetricEigenvalues(d.xx.data()[n], d.xy.data()[n], d.xz.data()[n],
                                            d.yy.data()[n], d.yz.data()[n], d.zz.data()[n]);
        const float v = static_cast<float>(frangi(l, parameters));
        m.data()[n] = std::max(m.data()[n], v);
      }
    });
  }
  return m;
}

}  // namespace rfa::segmentation::vessel_detail
