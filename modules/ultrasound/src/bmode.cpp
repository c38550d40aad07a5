// Simulated B-mode image of a probe plane from CT (bmode.h).
#include "rfa/ultrasound/bmode.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"

namespace rfa::ultrasound {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
// Acoustic impedances, MRayl (Duck 1990 orders of magnitude): soft tissue scaled by density from
// the CT number, blood, cortical bone, gas.
constexpr double kSoftZ = 1.63;
constexpr double kFluidZ = 1.61;
constexpr double kBoneZ = 7.8;
constexpr double kGasZ = 0.0004;
constexpr double kBoneAttenuation = 20;  // dB/cm/MHz
constexpr double kGasAttenuation = 40;   // dB/cm/MHz (a stand-in: gas passes almost nothing)
// Echo of a specular reflector relative to diffuse scatter of unit coefficient.
constexpr double kSpecularGain = 60;
// Diffuse backscatter: 0 dB at 60 HU (liver), +1 dB per 6 HU within soft tissue, fluid -35 dB.
constexpr double kScatterRefHu = 60;
constexpr double kScatterDbPerHu = 1.0 / 6.0;
constexpr double kFluidScatterDb = -35;
// Display: liver parenchyma (0 dB scatter, unit speckle mean) sits this far below white.
constexpr double kParenchymaBelowWhiteDb = 22;
constexpr double kSpeckleGridMm = 0.4;
// Net gain (TGC over losses) at most: behind fluid the echo rises (posterior enhancement) so far.
constexpr double kMaxGainDb = 20;

enum class Kind : std::uint8_t { kAir, kSoft, kFluid, kBone, kGas };

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

// Unit complex Gaussian scatterers (E|c|^2 = 1) from hash bits: Box-Muller with tabulated
// radius (12 bits) and phase (12 bits).
struct PhasorTables {
  std::array<float, 4096> radius{};
  std::array<float, 4096> cosine{};
  std::array<float, 4096> sine{};
};
const PhasorTables& phasorTables() {
  static const PhasorTables t = [] {
    PhasorTables p;
    for (std::size_t i = 0; i < 4096; ++i) {
      const double u = (static_cast<double>(i) + 0.5) / 4096.0;
      // Rayleigh radius with E r^2 = 1 (each component variance 1/2).
      p.radius[i] = static_cast<float>(std::sqrt(-std::log(u)));
      const double a = 2.0 * std::numbers::pi * u;
      p.cosine[i] = static_cast<float>(std::cos(a));
      p.sine[i] = static_cast<float>(std::sin(a));
    }
    return p;
  }();
  return t;
}

struct LineGeometry {
  Vec3 start;      // first sample, LPS
  Vec3 direction;  // unit
};

// The plane coordinates (u lateral, v axial from the contact point) of the fan's extent.
struct Extent {
  double u_min = 0, u_max = 0, v_min = 0, v_max = 0;
};

Extent fanExtent(const ProbeModel& p) {
  if (p.kind == ProbeKind::kLinear) return {-0.5 * p.width_mm, 0.5 * p.width_mm, 0, p.depth_mm};
  const double half = 0.5 * p.aperture_deg * kDeg;
  const double outer = p.radius_mm + p.depth_mm;
  return {-outer * std::sin(half), outer * std::sin(half),
          p.radius_mm * std::cos(half) - p.radius_mm, p.depth_mm};
}

void checkOptions(const BModeOptions& o) {
  if (o.width < 16 || o.height < 16 || o.width > 8192 || o.height > 8192) {
    throw UsageError("B-mode simulation: the image must be 16..8192 pixels a side");
  }
  if (o.scan_lines < 0 || o.scan_lines > 8192) {
    throw UsageError("B-mode simulation: scan lines must be 0..8192");
  }
  for (const double v : {o.tissue_attenuation, o.fluid_attenuation, o.tgc}) {
    if (!(v >= 0) || !(v < 50)) {
      throw UsageError("B-mode simulation: attenuation and gain must be in [0, 50) dB/cm/MHz");
    }
  }
  if (!(o.lateral_resolution_mm > 0) || !(o.lateral_resolution_mm <= 20)) {
    throw UsageError("B-mode simulation: the lateral resolution must be in (0, 20] mm");
  }
  if (!(o.dynamic_range_db >= 10) || !(o.dynamic_range_db <= 120)) {
    throw UsageError("B-mode simulation: the dynamic range must be 10..120 dB");
  }
}

}  // namespace

BModeImage simulateBMode(const AcousticMedium& medium, const ProbeModel& probe,
                         const ProbePose& pose, const BModeOptions& options) {
  checkOptions(options);
  // The Fan constructor checks the CT and the pose; its scan lines are not used here.
  if (medium.ct == nullptr) throw UsageError("B-mode simulation: no CT");
  if (std::abs(pose.axial.norm() - 1) > 1e-6 || std::abs(pose.lateral.norm() - 1) > 1e-6 ||
      std::abs(pose.axial.dot(pose.lateral)) > 1e-6) {
    throw UsageError(
        "B-mode simulation: the probe's axial and lateral directions must be unit and "
        "perpendicular");
  }
  const Extent e = fanExtent(probe);
  BModeImage img;
  img.width = options.width;
  img.height = options.height;
  img.pixel_mm =
      std::max((e.u_max - e.u_min) / options.width, (e.v_max - e.v_min) / options.height);
  img.right = pose.lateral;
  img.down = pose.axial;
  const double u0 = 0.5 * (e.u_min + e.u_max) - 0.5 * options.width * img.pixel_mm;
  img.origin_lps = pose.contact_lps + (u0 + 0.5 * img.pixel_mm) * pose.lateral +
                   (e.v_min + 0.5 * img.pixel_mm) * pose.axial;

  // Scan lines and their samples along depth (one per half pixel).
  const int line_count = options.scan_lines > 0 ? options.scan_lines : options.width;
  const double step = 0.5 * img.pixel_mm;
  const auto samples = static_cast<std::size_t>(std::ceil(probe.depth_mm / step)) + 1;
  const bool curved = probe.kind == ProbeKind::kCurvilinear;
  const Vec3 apex = pose.contact_lps - probe.radius_mm * pose.axial;
  auto lineAt = [&](int i) {
    const double f = line_count == 1 ? 0.5 : static_cast<double>(i) / (line_count - 1);
    LineGeometry l;
    if (curved) {
      const double a = (f - 0.5) * probe.aperture_deg * kDeg;
      l.direction = std::cos(a) * pose.axial + std::sin(a) * pose.lateral;
      l.start = apex + probe.radius_mm * l.direction;
    } else {
      l.direction = pose.axial;
      l.start = pose.contact_lps + (f - 0.5) * probe.width_mm * pose.lateral;
    }
    return l;
  };

  const ImageGeometry& g = medium.ct->geometry();
  const auto& size = g.size();
  const std::span<const float> ct = medium.ct->data();
  const auto nx = static_cast<long>(size[0]);
  const auto ny = static_cast<long>(size[1]);
  const auto nz = static_cast<long>(size[2]);
  const double f_mhz = probe.frequency_mhz;
  const double step_cm = step / 10.0;
  // Two-way losses per sample, dB.
  const double soft_loss = 2 * options.tissue_attenuation * f_mhz * step_cm;
  const double fluid_loss = 2 * options.fluid_attenuation * f_mhz * step_cm;
  const double bone_loss = 2 * kBoneAttenuation * f_mhz * step_cm;
  const double gas_loss = 2 * kGasAttenuation * f_mhz * step_cm;
  const double tgc_gain = 2 * options.tgc * f_mhz * step_cm;
  const PhasorTables& phasor = phasorTables();
  const double white_db = kParenchymaBelowWhiteDb;  // display 0 dB = white at this echo level
  // Per line and sample: the scatterers' complex echo (amplitude sqrt(backscatter x path)) and
  // the specular echo intensity; the beam's point spread function is applied to them next.
  const std::size_t cells = static_cast<std::size_t>(line_count) * samples;
  std::vector<float> re(cells, 0.0F);
  std::vector<float> im(cells, 0.0F);
  std::vector<float> specular(cells, 0.0F);
  std::vector<std::uint8_t> reached(cells, 0);
  std::vector<std::uint8_t> covered(cells, 0);  // the CT has data there

  parallelFor(static_cast<std::size_t>(line_count), [&](std::size_t li) {
    const LineGeometry l = lineAt(static_cast<int>(li));
    const Vec3 idx0 = g.lpsToIndex(l.start);
    const Vec3 didx = g.lpsToIndexMatrix() * (l.direction * step);
    const std::size_t base = li * samples;
    double path_db = 0;  // two-way transmission loss so far (<= 0), with TGC
    double z_prev = -1;
    bool in_tissue = false;
    for (std::size_t n = 0; n < samples; ++n) {
      const Vec3 q = idx0 + static_cast<double>(n) * didx;
      const long i = std::lround(q.x());
      const long j = std::lround(q.y());
      const long k = std::lround(q.z());
      if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) break;  // beyond the CT: black
      covered[base + n] = 1;
      const std::size_t v = static_cast<std::size_t>(i) +
                            static_cast<std::size_t>(nx) *
                                (static_cast<std::size_t>(j) +
                                 static_cast<std::size_t>(ny) * static_cast<std::size_t>(k));
      const double hu = ct[v];
      const bool bone = hu >= medium.bone_hu || (medium.bone != nullptr && medium.bone->data()[v]);
      const bool gas =
          !bone && (hu <= medium.gas_hu || (medium.gas != nullptr && medium.gas->data()[v]));
      const bool fluid = !bone && !gas && options.fluid != nullptr && options.fluid->data()[v] != 0;
      if (!in_tissue) {
        if (gas) {
          // Air under the face: skipped while within the skin search depth (the probe is coupled
          // by gel); no contact beyond it: the line stays black.
          if (static_cast<double>(n) * step > medium.skin_search_mm) {
            // The rest of the line is black for want of contact, not for want of CT data.
            for (std::size_t m = n + 1; m < samples; ++m) {
              const Vec3 r = idx0 + static_cast<double>(m) * didx;
              const long a = std::lround(r.x());
              const long b = std::lround(r.y());
              const long c = std::lround(r.z());
              if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) break;
              covered[base + m] = 1;
            }
            break;
          }
          continue;
        }
        in_tissue = true;
      }
      double z = 0;
      double scatter_db = 0;
      double loss = soft_loss;
      if (bone) {
        z = kBoneZ;
        loss = bone_loss;
      } else if (gas) {
        z = kGasZ;
        scatter_db = kFluidScatterDb;
        loss = gas_loss;
      } else if (fluid) {
        z = kFluidZ;
        scatter_db = kFluidScatterDb;
        loss = fluid_loss;
      } else {
        const double h = std::clamp(hu, -200.0, 250.0);
        z = kSoftZ * (1.0 + h / 1000.0);
        scatter_db = (h - kScatterRefHu) * kScatterDbPerHu;
      }
      double reflection = 0;
      if (z_prev > 0) {
        const double r = (z - z_prev) / (z + z_prev);
        reflection = r * r;
      }
      z_prev = z;
      // Scatterers fixed to the anatomy: a hash of the sample's position on a fixed LPS grid.
      const Vec3 p = l.start + (static_cast<double>(n) * step) * l.direction;
      const auto cell = [](double c) {
        return static_cast<std::uint64_t>(
            static_cast<std::int64_t>(std::floor(c / kSpeckleGridMm)));
      };
      const std::uint64_t h = splitmix(
          options.seed ^ splitmix(cell(p.x()) ^ splitmix(cell(p.y()) ^ splitmix(cell(p.z())))));
      const double path = std::pow(10.0, path_db / 10.0);
      const double amplitude = std::sqrt(std::pow(10.0, scatter_db / 10.0) * path);
      const float r = phasor.radius[h & 4095U] * static_cast<float>(amplitude);
      re[base + n] = r * phasor.cosine[(h >> 12U) & 4095U];
      im[base + n] = r * phasor.sine[(h >> 12U) & 4095U];
      specular[base + n] = static_cast<float>(kSpecularGain * reflection * path);
      reached[base + n] = 1;
      // What passes on: the transmitted part of the step (two-way) and the attenuation, with the
      // depth gain of the machine.
      if (reflection > 0) path_db += 20.0 * std::log10(std::max(1e-12, 1.0 - reflection));
      path_db += tgc_gain - loss;
      path_db = std::min(path_db, kMaxGainDb);  // the machine's gain range
    }
  });

  // The point spread function: the complex echoes summed over the lateral beam width (lines
  // within +-lateral_resolution/2 at each depth) and three samples along the beam, normalised so
  // that uniform scatterers keep their mean intensity (fully developed speckle, grain = PSF).
  std::vector<float> line_db(cells, -200.0F);
  const double line_angle =
      curved && line_count > 1 ? probe.aperture_deg * kDeg / (line_count - 1) : 0.0;
  const double line_pitch = !curved && line_count > 1 ? probe.width_mm / (line_count - 1) : 0.0;
  parallelFor(samples, [&](std::size_t n) {
    const double depth = static_cast<double>(n) * step;
    const double spacing = curved ? (probe.radius_mm + depth) * line_angle : line_pitch;
    const long half_w =
        spacing > 0 ? std::max(0L, std::lround(0.5 * options.lateral_resolution_mm / spacing)) : 0L;
    for (long l = 0; l < line_count; ++l) {
      double sr = 0;
      double si = 0;
      double sp = 0;
      int count = 0;
      bool any = false;
      for (long m = std::max(0L, l - half_w); m <= std::min<long>(line_count - 1, l + half_w);
           ++m) {
        for (long d = -1; d <= 1; ++d) {
          const long t = static_cast<long>(n) + d;
          if (t < 0 || t >= static_cast<long>(samples)) continue;
          const std::size_t c = static_cast<std::size_t>(m) * samples + static_cast<std::size_t>(t);
          sr += re[c];
          si += im[c];
          sp += specular[c];
          ++count;
          any = any || (d == 0 && m == l && reached[c] != 0);
        }
      }
      if (!any || count == 0) continue;
      const double intensity = (sr * sr + si * si + sp) / count;
      line_db[static_cast<std::size_t>(l) * samples + n] =
          static_cast<float>(10.0 * std::log10(std::max(intensity, 1e-20)) - white_db);
    }
  });

  // Scan conversion: every pixel from the two nearest lines and samples (bilinear, in dB).
  img.grey.assign(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height), 0);
  img.inside.assign(img.grey.size(), 0);
  img.covered.assign(img.grey.size(), 0);
  const double half = 0.5 * probe.aperture_deg * kDeg;
  const double range = options.dynamic_range_db;
  parallelFor(static_cast<std::size_t>(img.height), [&](std::size_t row) {
    for (int col = 0; col < img.width; ++col) {
      const double u = u0 + (col + 0.5) * img.pixel_mm;
      const double v = e.v_min + (static_cast<double>(row) + 0.5) * img.pixel_mm;
      double line_f = 0;
      double depth = 0;
      if (curved) {
        const double a = std::atan2(u, v + probe.radius_mm);
        const double r = std::hypot(u, v + probe.radius_mm);
        if (std::abs(a) > half || r < probe.radius_mm || r > probe.radius_mm + probe.depth_mm) {
          continue;
        }
        line_f = (a + half) / (2 * half) * (line_count - 1);
        depth = r - probe.radius_mm;
      } else {
        if (u < -0.5 * probe.width_mm || u > 0.5 * probe.width_mm || v < 0 || v > probe.depth_mm) {
          continue;
        }
        line_f = (u / probe.width_mm + 0.5) * (line_count - 1);
        depth = v;
      }
      const double s_f = depth / step;
      const auto l0 =
          std::min(static_cast<std::size_t>(line_f), static_cast<std::size_t>(line_count - 1));
      const std::size_t l1 = std::min(l0 + 1, static_cast<std::size_t>(line_count - 1));
      const auto s0 = std::min(static_cast<std::size_t>(s_f), samples - 1);
      const std::size_t s1 = std::min(s0 + 1, samples - 1);
      const double fl = line_f - static_cast<double>(l0);
      const double fs = s_f - static_cast<double>(s0);
      const auto at = [&](std::size_t l, std::size_t s) {
        return static_cast<double>(line_db[l * samples + s]);
      };
      const double db = (1 - fl) * ((1 - fs) * at(l0, s0) + fs * at(l0, s1)) +
                        fl * ((1 - fs) * at(l1, s0) + fs * at(l1, s1));
      const double grey = std::clamp((db + range) / range, 0.0, 1.0) * 255.0;
      const std::size_t o =
          row * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(col);
      img.grey[o] = static_cast<std::uint8_t>(std::lround(grey));
      img.inside[o] = 1;
      const std::size_t nearest = (fl < 0.5 ? l0 : l1) * samples + (fs < 0.5 ? s0 : s1);
      img.covered[o] = covered[nearest];
    }
  });
  return img;
}

}  // namespace rfa::ultrasound
