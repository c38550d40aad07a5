// Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): a two-scan 1D
// distance along i, then the lower envelope of parabolas along j and along k. Lengths are in mm
// through the spacing of each axis. Lines that are all 0 or all infinite are left as they are.
#include <cmath>
#include <limits>
#include <vector>

#include "distance_detail.h"
#include "rfa/core/parallel.h"
#include "rfa/segmentation/distance.h"

namespace rfa::segmentation {

namespace detail {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// (spacing * steps)^2, or infinity above the cap.
float squaredLength(double spacing, std::size_t steps, double cap) {
  const double d = spacing * static_cast<double>(steps);
  return d * d > cap ? kInf : static_cast<float>(d * d);
}

// Squared distance (mm^2) along one row to the nearest feature.
void rowTransform(const std::uint8_t* row, bool feature_nonzero, std::size_t n, double spacing,
                  double cap, float* out) {
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::size_t last = kNone;
  for (std::size_t i = 0; i < n; ++i) {
    if ((row[i] != 0) == feature_nonzero) last = i;
    out[i] = last == kNone ? kInf : squaredLength(spacing, i - last, cap);
  }
  last = kNone;
  for (std::size_t i = n; i-- > 0;) {
    if ((row[i] != 0) == feature_nonzero) last = i;
    if (last == kNone) continue;
    const float d = squaredLength(spacing, last - i, cap);
    if (d < out[i]) out[i] = d;
  }
}

// Work space of one line transform.
struct Envelope {
  std::vector<std::size_t> v;  // grid positions of the parabolas of the lower envelope
  std::vector<double> z;       // boundaries between them (index units)
  std::vector<float> f;        // the line, transformed in place
  std::vector<double> base;    // f at the envelope's parabolas, kept before f is overwritten
  explicit Envelope(std::size_t n) : v(n), z(n + 1), f(n), base(n) {}
};

// True if the line needs no work: all values 0 or all infinite.
bool uniform(const std::vector<float>& f) {
  const bool zero = f.front() == 0.0F;
  if (!zero && !std::isinf(f.front())) return false;
  for (const float x : f) {
    if (zero ? x != 0.0F : !std::isinf(x)) return false;
  }
  return true;
}

// Builds the lower envelope of the parabolas at the finite f[q]; returns false if there is none.
bool buildEnvelope(Envelope& e, double w2, std::size_t& k) {
  bool any = false;
  k = 0;
  for (std::size_t q = 0; q < e.f.size(); ++q) {
    if (std::isinf(e.f[q])) continue;
    const auto dq = static_cast<double>(q);
    if (!any) {
      any = true;
      e.v[0] = q;
      e.z[0] = -std::numeric_limits<double>::infinity();
      e.z[1] = std::numeric_limits<double>::infinity();
      continue;
    }
    const double gq = static_cast<double>(e.f[q]) / w2 + dq * dq;
    double s = 0;
    while (true) {
      const auto p = static_cast<double>(e.v[k]);
      s = (gq - (static_cast<double>(e.f[e.v[k]]) / w2 + p * p)) / (2.0 * (dq - p));
      if (s > e.z[k]) break;
      --k;  // z[0] = -inf ends the loop at k = 0
    }
    ++k;
    e.v[k] = q;
    e.z[k] = s;
    e.z[k + 1] = std::numeric_limits<double>::infinity();
  }
  return any;
}

// In place: f[q] <- min_p f[p] + (spacing (q - p))^2 over the finite f[p]; infinite above cap.
void lineTransform(Envelope& e, double spacing, double cap) {
  if (uniform(e.f)) return;
  const double w2 = spacing * spacing;
  std::size_t k = 0;
  if (!buildEnvelope(e, w2, k)) return;
  for (std::size_t m = 0; m <= k; ++m) e.base[m] = static_cast<double>(e.f[e.v[m]]);
  std::size_t m = 0;
  for (std::size_t q = 0; q < e.f.size(); ++q) {
    while (e.z[m + 1] < static_cast<double>(q)) ++m;
    const double d = static_cast<double>(q) - static_cast<double>(e.v[m]);
    const double value = e.base[m] + w2 * d * d;
    e.f[q] = value > cap ? kInf : static_cast<float>(value);
  }
}

void passAlongJ(Volume<float>& d, double spacing, double cap) {
  const std::size_t nx = d.size()[0];
  const std::size_t ny = d.size()[1];
  parallelFor(d.size()[2], [&](std::size_t k) {
    Envelope e(ny);
    float* slice = d.slice(k).data();
    for (std::size_t i = 0; i < nx; ++i) {
      for (std::size_t j = 0; j < ny; ++j) e.f[j] = slice[i + nx * j];
      lineTransform(e, spacing, cap);
      for (std::size_t j = 0; j < ny; ++j) slice[i + nx * j] = e.f[j];
    }
  });
}

// One task per row j: the rows j of all slices are gathered so that memory is read in runs of nx.
void passAlongK(Volume<float>& d, double spacing, double cap) {
  const std::size_t nx = d.size()[0];
  const std::size_t ny = d.size()[1];
  const std::size_t nz = d.size()[2];
  parallelFor(ny, [&](std::size_t j) {
    std::vector<float> block(nx * nz);
    for (std::size_t k = 0; k < nz; ++k) {
      for (std::size_t i = 0; i < nx; ++i) block[k * nx + i] = d(i, j, k);
    }
    Envelope e(nz);
    for (std::size_t i = 0; i < nx; ++i) {
      for (std::size_t k = 0; k < nz; ++k) e.f[k] = block[k * nx + i];
      lineTransform(e, spacing, cap);
      for (std::size_t k = 0; k < nz; ++k) block[k * nx + i] = e.f[k];
    }
    for (std::size_t k = 0; k < nz; ++k) {
      for (std::size_t i = 0; i < nx; ++i) d(i, j, k) = block[k * nx + i];
    }
  });
}

}  // namespace

Volume<float> squaredDistance(const Mask& mask, bool feature_nonzero, double cap_mm2) {
  Volume<float> d = Volume<float>::uninitialized(mask.geometry());
  if (d.empty()) return d;
  const Vec3& s = mask.geometry().spacing();
  const std::size_t nx = d.size()[0];
  const std::size_t ny = d.size()[1];
  parallelFor(d.size()[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < ny; ++j) {
      const std::size_t n = d.linearIndex(0, j, k);
      rowTransform(mask.data().data() + n, feature_nonzero, nx, s.x(), cap_mm2,
                   d.data().data() + n);
    }
  });
  passAlongJ(d, s.y(), cap_mm2);
  passAlongK(d, s.z(), cap_mm2);
  return d;
}

}  // namespace detail

Volume<float> squaredDistanceMm2(const Mask& features) {
  return detail::squaredDistance(features, true, std::numeric_limits<double>::infinity());
}

}  // namespace rfa::segmentation
