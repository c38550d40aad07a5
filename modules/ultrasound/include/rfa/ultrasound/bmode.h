#pragma once
/// \file bmode.h
/// \brief A B-mode-like ultrasound image of a probe plane simulated from CT: what the operator
/// will see at the table. Per scan line, from the probe face into the body:
///  - acoustic impedance from the CT number (density ~ 1 + HU/1000 g/cm3, sound speed of soft
///    tissue; bone and gas by the medium's thresholds and masks, as fan.h);
///  - specular reflection at impedance steps, R = ((Z2 - Z1) / (Z2 + Z1))^2, the rest transmitted;
///    bone and gas reflect nearly all the sound: behind them an acoustic shadow;
///  - diffuse backscatter of the parenchyma rising with the CT number within soft tissue (a
///    hypodense lesion is hypoechoic, a hyperdense one hyperechoic), fluid (vessel mask) anechoic;
///  - attenuation with depth, alpha f (dB/cm/MHz, per tissue; water/blood lower, so tissue behind
///    a vessel shows posterior enhancement), compensated by a depth gain curve for soft tissue
///    (the machine's time-gain compensation);
///  - speckle as interference: random complex scatterers fixed to the anatomy (a hash of the
///    position on a 0.4 mm grid, so the pattern does not flicker while the probe is dragged),
///    summed over the beam's point spread function, then the magnitude and log compression.
/// In the spirit of RobartsVTK's CT-to-US simulation and PLUS's UsSimulator (write-ups read, own
/// code). A picture for planning, not a validated acoustic model. Research use only.
///
/// Frames and units: points and directions DICOM patient LPS, mm; attenuation dB/cm/MHz.

#include <cstdint>
#include <vector>

#include "rfa/core/volume.h"
#include "rfa/ultrasound/fan.h"
#include "rfa/ultrasound/probe.h"

namespace rfa::ultrasound {

/// \brief Settings of the simulation.
struct BModeOptions {
  int width = 512;   ///< image columns (lateral), >= 16
  int height = 512;  ///< image rows (depth), >= 16
  /// Scan lines across the aperture; 0: one per image column.
  int scan_lines = 0;
  /// Soft-tissue attenuation, dB/cm/MHz: liver about 0.5 (Duck, Physical Properties of Tissue,
  /// 1990; ICRU Report 61), blood about 0.15, bone about 20 (taken as blocking).
  double tissue_attenuation = 0.5;
  double fluid_attenuation = 0.15;
  /// Depth gain compensation (dB/cm/MHz, two-way) applied as the machine's TGC: the tissue
  /// attenuation by default, so that homogeneous liver keeps its brightness with depth.
  double tgc = 0.5;
  double dynamic_range_db = 50;  ///< log compression: the brightest 0 dB, this many dB to black
  /// Beam width in the image plane (mm): the lateral extent of the point spread function over
  /// which the scatterers' echoes interfere (about the wavelength x F-number of an abdominal probe
  /// at 3.5 MHz); the axial extent is three samples (1.5 pixels).
  double lateral_resolution_mm = 1.5;
  std::uint64_t seed = 1;       ///< of the speckle pattern (fixed to the anatomy)
  const Mask* fluid = nullptr;  ///< e.g. the vessels: anechoic, low attenuation (optional)
};

/// \brief The simulated image: grey levels row by row, row 0 at the probe face, column 0 at
/// the -lateral edge; pixels outside the fan are 0 and `inside` is 0 there.
struct BModeImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> grey;    ///< width * height
  std::vector<std::uint8_t> inside;  ///< 1 inside the fan
  /// 1 where the CT has data (a fan pixel with 0 lies beyond the CT's edge: black, not a shadow)
  std::vector<std::uint8_t> covered;
  double pixel_mm = 0;       ///< square pixels
  Vec3 origin_lps{0, 0, 0};  ///< centre of pixel (0, 0)
  Vec3 right{0, 0, 1};       ///< unit: +1 column (the pose's lateral)
  Vec3 down{0, 1, 0};        ///< unit: +1 row (the pose's axial)
  /// LPS of the centre of pixel (column, row) (in the imaging plane).
  [[nodiscard]] Vec3 lpsOf(double column, double row) const {
    return origin_lps + right * (column * pixel_mm) + down * (row * pixel_mm);
  }
  /// Column and row of `p` projected on the plane (fractional pixel coordinates).
  [[nodiscard]] std::array<double, 2> pixelOf(const Vec3& p) const {
    const Vec3 d = p - origin_lps;
    return {d.dot(right) / pixel_mm, d.dot(down) / pixel_mm};
  }
  [[nodiscard]] std::uint8_t at(int column, int row) const {
    return grey[static_cast<std::size_t>(row) * static_cast<std::size_t>(width) +
                static_cast<std::size_t>(column)];
  }
};

/// \brief Simulates the B-mode image of `probe` at `pose` on `medium` (nearest voxel samples,
/// every scan line in parallel with rfa::parallelFor). Deterministic for given inputs and seed.
/// \throws UsageError for a null CT, an invalid pose (as Fan) or options out of range.
BModeImage simulateBMode(const AcousticMedium& medium, const ProbeModel& probe,
                         const ProbePose& pose, const BModeOptions& options = {});

}  // namespace rfa::ultrasound
