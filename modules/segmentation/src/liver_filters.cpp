// Resampling, median filter and histogram model used by segmentLiver().
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "liver_internal.h"
#include "rfa/core/parallel.h"
#include "rfa/core/resample.h"

namespace rfa::segmentation::liver_detail {

namespace {

// Inclusive range of fine indices whose centres lie within half a coarse voxel of `centre`
// (fine index units; `ratio` = coarse / fine spacing), clamped to [0, n).
std::array<std::int64_t, 2> window(double centre, double ratio, std::size_t n) {
  const auto last = static_cast<std::int64_t>(n) - 1;
  auto lo = static_cast<std::int64_t>(std::ceil(centre - 0.5 * ratio));
  auto hi = static_cast<std::int64_t>(std::ceil(centre + 0.5 * ratio) - 1.0);
  if (hi < lo) lo = hi = static_cast<std::int64_t>(std::lround(centre));
  return {std::clamp<std::int64_t>(lo, 0, last), std::clamp<std::int64_t>(hi, 0, last)};
}

}  // namespace

ImageGeometry workGrid(const ImageGeometry& ct, double spacing_mm) {
  Vec3 s = ct.spacing();
  for (int a = 0; a < 3; ++a) s[a] = std::max(s[a], spacing_mm);
  return withSpacing(ct, s);
}

ImageVolume boxDownsample(const ImageVolume& ct, const ImageGeometry& work) {
  const ImageGeometry& fine = ct.geometry();
  ImageVolume out(work);
  const Size3& ws = work.size();
  const Size3& fs = fine.size();
  Vec3 ratio;
  for (int a = 0; a < 3; ++a) ratio[a] = work.spacing()[a] / fine.spacing()[a];
  // Centre of work voxel 0 in fine index units (workGrid keeps the outer boundary of voxel 0:
  // the centres differ by half the spacing difference).
  const Vec3 first = fine.lpsToIndex(work.origin());
  parallelFor(ws[2], [&](std::size_t k) {
    const auto wk = window(first[2] + static_cast<double>(k) * ratio[2], ratio[2], fs[2]);
    for (std::size_t j = 0; j < ws[1]; ++j) {
      const auto wj = window(first[1] + static_cast<double>(j) * ratio[1], ratio[1], fs[1]);
      for (std::size_t i = 0; i < ws[0]; ++i) {
        const auto wi = window(first[0] + static_cast<double>(i) * ratio[0], ratio[0], fs[0]);
        double sum = 0;
        std::size_t count = 0;
        for (auto z = wk[0]; z <= wk[1]; ++z) {
          for (auto y = wj[0]; y <= wj[1]; ++y) {
            const float* row = &ct(0, static_cast<std::size_t>(y), static_cast<std::size_t>(z));
            for (auto x = wi[0]; x <= wi[1]; ++x) sum += row[x];
            count += static_cast<std::size_t>(wi[1] - wi[0] + 1);
          }
        }
        out(i, j, k) = static_cast<float>(sum / static_cast<double>(count));
      }
    }
  });
  return out;
}

ImageVolume median3(const ImageVolume& v) {
  ImageVolume out(v.geometry());
  const Size3& s = v.size();
  parallelFor(s[2], [&](std::size_t k) {
    std::array<float, 27> buf{};
    const std::size_t k0 = k > 0 ? k - 1 : 0;
    const std::size_t k1 = std::min(k + 1, s[2] - 1);
    for (std::size_t j = 0; j < s[1]; ++j) {
      const std::size_t j0 = j > 0 ? j - 1 : 0;
      const std::size_t j1 = std::min(j + 1, s[1] - 1);
      for (std::size_t i = 0; i < s[0]; ++i) {
        const std::size_t i0 = i > 0 ? i - 1 : 0;
        const std::size_t i1 = std::min(i + 1, s[0] - 1);
        std::size_t n = 0;
        for (std::size_t z = k0; z <= k1; ++z) {
          for (std::size_t y = j0; y <= j1; ++y) {
            for (std::size_t x = i0; x <= i1; ++x) buf[n++] = v(x, y, z);
          }
        }
        const auto mid = buf.begin() + static_cast<std::ptrdiff_t>(n / 2);
        std::nth_element(buf.begin(), mid, buf.begin() + static_cast<std::ptrdiff_t>(n));
        out(i, j, k) = *mid;
      }
    }
  });
  return out;
}

Mask upsampleMask(const Mask& coarse, const ImageGeometry& fine) {
  ImageVolume f(coarse.geometry());
  for (std::size_t n = 0; n < f.voxelCount(); ++n) f.data()[n] = coarse.data()[n] != 0 ? 1.F : 0.F;
  const ImageVolume up = resample(f, fine, Interpolation::kLinear, 0.0F);
  Mask out = Mask::uninitialized(fine);
  const std::size_t per_slice = fine.size()[0] * fine.size()[1];
  parallelFor(fine.size()[2], [&](std::size_t k) {
    for (std::size_t n = k * per_slice; n < (k + 1) * per_slice; ++n) {
      out.data()[n] = up.data()[n] >= 0.5F ? 1 : 0;
    }
  });
  return out;
}

std::vector<IntensityModel> histogramPeaks(const std::vector<float>& values, float lo, float hi,
                                           std::size_t min_count, std::size_t max_peaks) {
  const auto bins = static_cast<std::size_t>(std::floor(hi - lo)) + 1;
  std::vector<double> h(bins, 0.0);
  std::size_t count = 0;
  for (const float v : values) {
    if (v < lo || v > hi) continue;
    h[static_cast<std::size_t>(v - lo)] += 1.0;
    ++count;
  }
  if (count < min_count || count == 0) return {};
  // Gaussian smoothing, sigma 3 bins.
  constexpr int kRadius = 9;
  std::array<double, 2 * kRadius + 1> kernel{};
  for (int d = -kRadius; d <= kRadius; ++d) kernel[d + kRadius] = std::exp(-d * d / 18.0);
  std::vector<double> s(bins, 0.0);
  for (std::size_t b = 0; b < bins; ++b) {
    for (int d = -kRadius; d <= kRadius; ++d) {
      const auto c = static_cast<std::int64_t>(b) + d;
      if (c >= 0 && c < static_cast<std::int64_t>(bins)) {
        s[b] += kernel[d + kRadius] * h[static_cast<std::size_t>(c)];
      }
    }
  }
  // Local maxima, highest first.
  std::vector<std::size_t> peaks;
  for (std::size_t b = 0; b < bins; ++b) {
    const bool left = b == 0 || s[b] > s[b - 1];
    const bool right = b + 1 == bins || s[b] >= s[b + 1];
    if (left && right && s[b] > 0) peaks.push_back(b);
  }
  std::stable_sort(peaks.begin(), peaks.end(),
                   [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
  std::vector<IntensityModel> out;
  for (const std::size_t peak : peaks) {
    if (out.size() == max_peaks) break;
    const double half = 0.5 * s[peak];
    std::size_t left = peak;
    while (left > 0 && s[left - 1] >= half) --left;
    std::size_t right = peak;
    while (right + 1 < bins && s[right + 1] >= half) ++right;
    // Half-width at half maximum of the narrower side (the other may merge with a neighbour).
    const double hwhm = static_cast<double>(std::min(peak - left, right - peak)) + 0.5;
    IntensityModel m;
    m.mean = static_cast<double>(lo) + static_cast<double>(peak) + 0.5;
    m.sd = hwhm / 1.1774;
    // A shoulder of a higher peak (within its half-maximum width) is not a tissue of its own.
    const bool shoulder = std::any_of(out.begin(), out.end(), [&](const IntensityModel& o) {
      return std::abs(o.mean - m.mean) < 2.0 * std::max(o.sd, m.sd);
    });
    if (!shoulder) out.push_back(m);
  }
  return out;
}

std::optional<IntensityModel> histogramMode(const std::vector<float>& values, float lo, float hi,
                                            std::size_t min_count) {
  const std::vector<IntensityModel> p = histogramPeaks(values, lo, hi, min_count, 1);
  if (p.empty()) return std::nullopt;
  return p.front();
}

IntensityModel robustModel(std::vector<float>& values) {
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  const double median = *mid;
  for (float& v : values) v = static_cast<float>(std::abs(v - median));
  std::nth_element(values.begin(), mid, values.end());
  return {median, 1.4826 * static_cast<double>(*mid)};
}

}  // namespace rfa::segmentation::liver_detail
