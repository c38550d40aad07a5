// Modality of an image and the MR intensity scale (modality.h).
#include "rfa/segmentation/modality.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <vector>

#include "rfa/core/error.h"

namespace rfa::segmentation {

namespace {

// The q-quantile (q in [0, 1]) of `values` (reordered).
float quantile(std::vector<float>& values, double q) {
  const auto n = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), values.end());
  return values[n];
}

std::vector<float> finiteValues(const ImageVolume& v) {
  std::vector<float> out;
  out.reserve(v.voxelCount());
  for (const float x : v.data()) {
    if (std::isfinite(x)) out.push_back(x);
  }
  return out;
}

}  // namespace

const char* toString(Modality m) {
  return m == Modality::kMR ? "MR" : "CT";
}

std::optional<Modality> modalityFromCode(const std::string& code) {
  std::string c;
  for (const char ch : code) {
    if (std::isspace(static_cast<unsigned char>(ch)) == 0) {
      c.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    }
  }
  if (c == "CT") return Modality::kCT;
  if (c == "MR") return Modality::kMR;
  return std::nullopt;
}

Modality guessModality(const ImageVolume& image) {
  std::size_t air = 0;
  for (const float v : image.data()) air += v < -500.0F ? 1 : 0;
  return 50 * air >= image.voxelCount() && air > 0 ? Modality::kCT : Modality::kMR;
}

float mrBackgroundThreshold(const ImageVolume& mr) {
  std::vector<float> values = finiteValues(mr);
  if (values.empty()) throw NoDataError("MR intensity scale: the image is empty");
  const float lo = *std::min_element(values.begin(), values.end());
  std::vector<float> copy = values;
  const float hi = quantile(copy, 0.995);
  if (!(hi > lo)) throw NoDataError("MR intensity scale: the image is constant");
  constexpr std::size_t kBins = 256;
  std::array<double, kBins> h{};
  const double width = (static_cast<double>(hi) - lo) / kBins;
  for (const float v : values) {
    const auto b = static_cast<std::size_t>(
        std::clamp((static_cast<double>(v) - lo) / width, 0.0, static_cast<double>(kBins - 1)));
    h[b] += 1.0;
  }
  // Otsu: the split maximising the between-class variance.
  double total = 0;
  double sum = 0;
  for (std::size_t b = 0; b < kBins; ++b) {
    total += h[b];
    sum += static_cast<double>(b) * h[b];
  }
  double w0 = 0;
  double sum0 = 0;
  double best = -1;
  std::size_t split = 0;
  for (std::size_t b = 0; b + 1 < kBins; ++b) {
    w0 += h[b];
    sum0 += static_cast<double>(b) * h[b];
    const double w1 = total - w0;
    if (w0 <= 0 || w1 <= 0) continue;
    const double m0 = sum0 / w0;
    const double m1 = (sum - sum0) / w1;
    const double between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      split = b;
    }
  }
  return static_cast<float>(lo + (static_cast<double>(split) + 1.0) * width);
}

ImageVolume normalizedMr(const ImageVolume& mr) {
  const float threshold = mrBackgroundThreshold(mr);
  std::vector<float> tissue;
  for (const float v : mr.data()) {
    if (std::isfinite(v) && v > threshold) tissue.push_back(v);
  }
  if (tissue.empty()) throw NoDataError("MR intensity scale: no voxel above the background");
  const float p99 = quantile(tissue, 0.99);
  if (!(p99 > 0)) throw NoDataError("MR intensity scale: the tissue intensities are not positive");
  ImageVolume out(mr.geometry());
  const float scale = 1000.0F / p99;
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    const float v = mr.data()[n];
    out.data()[n] = std::isfinite(v) ? v * scale : 0.0F;
  }
  return out;
}

}  // namespace rfa::segmentation
