#pragma once
/// \file slice_plane.h
/// \brief A slice plane of a multiplanar view: an origin and an orthonormal frame (screen right,
/// screen up, and the normal pointing away from the viewer), all in DICOM patient LPS. The
/// radiological axial, coronal and sagittal views are presets; any other plane is oblique, e.g.
/// the plane of an ultrasound probe that contains a needle, rotated about the shaft (the
/// in-plane needle guidance view of 3D Slicer's PathExplorer / SlicerIGT reslice drivers, written
/// here from the geometry). Pure geometry: no VTK.
///
/// Frames and units: points in LPS mm, directions unit LPS vectors; angles in degrees.

#include <array>
#include <string>

#include "rfa/core/points.h"

namespace rfa {

/// The three patient-plane presets.
enum class SlicePreset { kAxial, kCoronal, kSagittal };

/// \brief A plane: origin (a point on it, e.g. the cursor) and frame columns right, up, away.
/// Like a screen (right, up, into the screen) the frame is left-handed (determinant -1): away =
/// up x right, and right x up points at the viewer.
struct SlicePlane {
  Vec3 origin_lps{0, 0, 0};
  Mat3 frame = Mat3::Identity();  ///< columns: screen right, screen up, normal away from viewer

  [[nodiscard]] Vec3 right() const { return frame.col(0); }
  [[nodiscard]] Vec3 up() const { return frame.col(1); }
  [[nodiscard]] Vec3 normal() const { return frame.col(2); }

  /// Signed distance of `p` from the plane along normal(), mm (+ = away from the viewer).
  [[nodiscard]] double distanceMm(const Vec3& p) const;
  /// `p` projected onto the plane.
  [[nodiscard]] Vec3 project(const Vec3& p) const;
  /// In-plane coordinates (mm along right(), up()) of `p` projected onto the plane.
  [[nodiscard]] std::array<double, 2> inPlane(const Vec3& p) const;
  /// The plane moved by `mm` along its normal (scrolling).
  [[nodiscard]] SlicePlane moved(double mm) const;
};

/// \brief The radiological preset through `origin_lps`: axial seen from the feet (right = patient
/// left, up = anterior, away = superior), coronal from the front (right = patient left, up =
/// superior, away = posterior), sagittal from the patient's left (right = posterior, up =
/// superior, away = the patient's right).
SlicePlane presetPlane(SlicePreset preset, const Vec3& origin_lps);

/// \brief The plane through a needle (skin entry -> tip, LPS mm) rotated by `rotation_deg` about
/// the shaft, as an in-plane ultrasound probe sees it: up points from the tip back to the entry
/// (the skin, where the probe is, at the top of the image), right is perpendicular to the shaft;
/// at 0 degrees right is the patient's superior direction made perpendicular to the shaft (the
/// patient's anterior when the needle runs cranio-caudally), then turns right-handed about the
/// shaft direction. The origin is the tip. Every rotation contains the whole needle.
/// \throws GeometryError when entry and tip coincide (closer than 1e-6 mm).
SlicePlane needlePlane(const Vec3& entry_lps, const Vec3& tip_lps, double rotation_deg);

/// \brief The patient-direction letters of a screen direction (unit LPS vector): the letters of
/// its components at least `min_fraction` of the largest, largest first ("L", "A", "S" for +x, -y,
/// +z in LPS; "R", "P", "I" for the opposite), e.g. "L" for (1, 0, 0), "AS" for (0, -0.8, 0.6).
std::string orientationLetters(const Vec3& direction_lps, double min_fraction = 0.35);

/// \brief The letters at the four sides of a view of `plane`: right, left, top, bottom.
std::array<std::string, 4> sideLetters(const SlicePlane& plane);

}  // namespace rfa
