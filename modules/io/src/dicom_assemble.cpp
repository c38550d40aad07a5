// Grouping slices into series/stacks, sorting along the normal, and geometry checks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>

#include "rfa/core/error.h"
#include "rfa/core/uid.h"
#include "rfa/io/dicom_scan.h"

namespace rfa::io {
namespace {

std::string fmt(const char* f, double a) {
  char b[64];
  std::snprintf(b, sizeof b, f, a);
  return b;
}
std::string vecStr(const Vec3& v) {
  char b[96];
  std::snprintf(b, sizeof b, "(%.2f, %.2f, %.2f)", v.x(), v.y(), v.z());
  return b;
}

// Key that separates stacks inside one SeriesInstanceUID.
struct StackKey {
  int rows, cols;
  long r[3], c[3];  // orientation rounded to 1e-3
  long prs, pcs;    // pixel spacing rounded to 1e-3 mm
  auto tie() const { return std::tie(rows, cols, r[0], r[1], r[2], c[0], c[1], c[2], prs, pcs); }
  bool operator<(const StackKey& o) const { return tie() < o.tie(); }
};

StackKey stackKey(const DicomSliceInfo& s) {
  StackKey k{};
  k.rows = s.rows;
  k.cols = s.columns;
  for (int a = 0; a < 3; ++a) {
    k.r[a] = s.row_direction ? std::lround((*s.row_direction)[a] * 1000) : 0;
    k.c[a] = s.column_direction ? std::lround((*s.column_direction)[a] * 1000) : 0;
  }
  k.prs = std::lround(s.row_spacing * 1000);
  k.pcs = std::lround(s.column_spacing * 1000);
  return k;
}

std::string describeKey(const StackKey& k) {
  std::ostringstream o;
  o << k.cols << "x" << k.rows << ", pixel spacing " << k.prs / 1000.0 << "/" << k.pcs / 1000.0
    << " mm, orientation [" << k.r[0] / 1000.0 << "," << k.r[1] / 1000.0 << "," << k.r[2] / 1000.0
    << "," << k.c[0] / 1000.0 << "," << k.c[1] / 1000.0 << "," << k.c[2] / 1000.0 << "]";
  return o.str();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Sorts, de-duplicates and checks one stack; fills geometry.
void finishStack(DicomSeries& s) {
  // Slices without position/orientation cannot be placed.
  std::vector<DicomSliceInfo> placed;
  std::vector<std::string> unplaced;
  for (auto& sl : s.slices) {
    if (sl.position && sl.row_direction && sl.column_direction) {
      placed.push_back(std::move(sl));
    } else {
      unplaced.push_back(
          sl.file.filename().string() +
          (sl.number_of_frames > 1 ? " frame " + std::to_string(sl.frame_index) : ""));
    }
  }
  if (placed.empty()) {
    s.slices.clear();
    s.loadable = false;
    s.error =
        "no slice has ImagePositionPatient (0020,0032) and ImageOrientationPatient (0020,0037)" +
        (unplaced.empty() ? std::string() : " (e.g. " + unplaced.front() + ")") +
        ": cannot place the slices in patient space";
    return;
  }
  if (!unplaced.empty()) {
    s.warnings.push_back(
        std::to_string(unplaced.size()) +
        " slice(s) without ImagePositionPatient (0020,0032)/ImageOrientationPatient "
        "(0020,0037) dropped, e.g. " +
        unplaced.front());
  }
  s.slices = std::move(placed);

  const Vec3 row = s.slices.front().row_direction->normalized();
  const Vec3 col = s.slices.front().column_direction->normalized();
  Vec3 normal = row.cross(col);
  if (normal.norm() < 1e-6 || std::abs(row.dot(col)) > 1e-2) {
    s.loadable = false;
    s.error = "ImageOrientationPatient (0020,0037) in " +
              s.slices.front().file.filename().string() + " is not two orthogonal unit vectors";
    return;
  }
  normal.normalize();

  // Sort by distance along the normal; InstanceNumber only breaks exact ties.
  std::stable_sort(s.slices.begin(), s.slices.end(),
                   [&](const DicomSliceInfo& a, const DicomSliceInfo& b) {
                     const double da = normal.dot(*a.position);
                     const double db = normal.dot(*b.position);
                     if (da != db) return da < db;
                     return a.instance_number.value_or(0) < b.instance_number.value_or(0);
                   });

  // Duplicate positions (same place twice): keep the first, warn with file names.
  const double row_sp = s.slices.front().row_spacing > 0 ? s.slices.front().row_spacing : 1.0;
  {
    std::vector<DicomSliceInfo> unique;
    std::size_t dropped = 0;
    std::string example;
    for (auto& sl : s.slices) {
      if (!unique.empty() &&
          (*sl.position - *unique.back().position).norm() < 1e-3 * row_sp + 1e-4) {
        ++dropped;
        if (example.empty()) {
          example = sl.file.filename().string() + " duplicates " +
                    unique.back().file.filename().string() + " at " + vecStr(*sl.position);
        }
        continue;
      }
      unique.push_back(std::move(sl));
    }
    if (dropped) {
      s.warnings.push_back(std::to_string(dropped) + " slice(s) at duplicate positions dropped (" +
                           example + ")");
    }
    s.slices = std::move(unique);
  }

  const auto& first = s.slices.front();
  const std::size_t n = s.slices.size();
  s.slice_positions_mm.clear();
  for (const auto& sl : s.slices) s.slice_positions_mm.push_back(normal.dot(*sl.position));

  if (first.row_spacing <= 0 || first.column_spacing <= 0) {
    s.loadable = false;
    s.error =
        "PixelSpacing (0028,0030) missing or not positive in " + first.file.filename().string();
    return;
  }

  Vec3 slice_axis = normal;
  double spacing_k = first.slice_thickness > 0 ? first.slice_thickness : 1.0;
  if (n >= 2) {
    std::vector<double> diffs;
    for (std::size_t i = 1; i < n; ++i)
      diffs.push_back(s.slice_positions_mm[i] - s.slice_positions_mm[i - 1]);
    const double med = median(diffs);
    spacing_k = med;
    const Vec3 span = *s.slices.back().position - *first.position;
    const double along = normal.dot(span);
    // Gantry tilt: positions move off the normal. Keep the true stacking direction (sheared grid).
    const Vec3 axis = span / along;  // advances 1 mm along the normal per unit
    const double tilt = std::acos(std::clamp(1.0 / axis.norm(), -1.0, 1.0)) * 180.0 / M_PI;
    if (tilt > 0.05) {
      s.gantry_tilt_deg = tilt;
      slice_axis = axis.normalized();
      s.warnings.push_back("gantry tilt " + fmt("%.2f", tilt) +
                           " deg (slice positions drift off the slice normal; GantryDetectorTilt "
                           "(0018,1120) = " +
                           fmt("%.2f", first.gantry_tilt_deg) +
                           "): the volume keeps the sheared geometry (non-orthogonal direction)");
    }
    // Positions must lie on one line.
    double off_line = 0;
    for (const auto& sl : s.slices) {
      const Vec3 d = *sl.position - *first.position;
      off_line = std::max(off_line, (d - axis * normal.dot(d)).norm());
    }
    if (off_line > 0.5 * std::max(first.row_spacing, first.column_spacing)) {
      s.warnings.push_back("slice positions do not lie on a line (max deviation " +
                           fmt("%.2f", off_line) +
                           " mm): slices are placed by their position along the normal only");
    }
    // Non-uniform spacing and gaps.
    double worst = 0;
    for (double d : diffs) worst = std::max(worst, std::abs(d - med));
    if (med <= 1e-6) {
      s.loadable = false;
      s.error = "slice spacing is zero (positions coincide)";
      return;
    }
    if (worst > std::max(0.01 * med, 1e-3)) {
      s.resampled = true;
      for (std::size_t i = 0; i + 1 < n; ++i) {
        const double d = diffs[i];
        if (d > 1.5 * med) {
          const long missing = std::lround(d / med) - 1;
          s.warnings.push_back("missing slice(s): gap of " + fmt("%.3f", d) + " mm (about " +
                               std::to_string(missing) + " slice(s)) between position " +
                               fmt("%.3f", s.slice_positions_mm[i]) + " mm (" +
                               s.slices[i].file.filename().string() + ") and " +
                               fmt("%.3f", s.slice_positions_mm[i + 1]) + " mm (" +
                               s.slices[i + 1].file.filename().string() + ")");
        }
      }
      s.warnings.push_back("non-uniform slice spacing (median " + fmt("%.4g", med) +
                           " mm, max deviation " + fmt("%.4g", worst) +
                           " mm): the volume is resampled linearly to " + fmt("%.4g", med) +
                           " mm along the slice axis");
    }
  }

  Size3 size{first.columns, first.rows, n};
  if (s.resampled) {
    const double extent = s.slice_positions_mm.back() - s.slice_positions_mm.front();
    size[2] = static_cast<std::size_t>(std::lround(extent / spacing_k)) + 1;
  }
  Mat3 dir;
  dir.col(0) = row;
  dir.col(1) = col;
  dir.col(2) = slice_axis;
  // Spacing along a tilted axis is the distance between slice origins, not along the normal.
  const double k_step = spacing_k / std::max(1e-9, slice_axis.dot(normal));
  try {
    s.geometry = ImageGeometry(size, Vec3(first.column_spacing, first.row_spacing, k_step),
                               *first.position, dir);
    s.loadable = true;
  } catch (const Error& e) {
    s.loadable = false;
    s.error = std::string("invalid geometry: ") + e.what();
  }
}

}  // namespace

std::vector<DicomSeries> assembleSeries(std::vector<DicomSliceInfo> slices) {
  // 1. By SeriesInstanceUID; files without one are grouped by what they share and given a UID.
  std::map<std::string, std::vector<DicomSliceInfo>> by_uid;
  std::set<std::string> generated;
  for (auto& s : slices) {
    std::string uid = s.series_instance_uid;
    if (uid.empty()) {
      const std::string key = "rfaplan-series/" + s.frame_of_reference_uid + "/" + s.modality +
                              "/" + s.series_description + "/" +
                              (s.series_number ? std::to_string(*s.series_number) : "") + "/" +
                              std::to_string(s.rows) + "x" + std::to_string(s.columns);
      uid = makeUidFromKey(key);
      generated.insert(uid);
    }
    by_uid[uid].push_back(std::move(s));
  }

  std::vector<DicomSeries> out;
  for (auto& [uid, group] : by_uid) {
    // 2. Split into stacks by size / orientation / spacing.
    std::map<StackKey, std::vector<DicomSliceInfo>> stacks;
    for (auto& s : group) {
      const StackKey k = stackKey(s);
      stacks[k].push_back(std::move(s));
    }
    // Largest stack first so that "UID#1" is the main one.
    std::vector<std::pair<StackKey, std::vector<DicomSliceInfo>>> ordered(stacks.begin(),
                                                                          stacks.end());
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
      return a.second.size() > b.second.size();
    });
    std::string split_note;
    if (ordered.size() > 1) {
      split_note = "SeriesInstanceUID " + uid + " holds " + std::to_string(ordered.size()) +
                   " stacks with different size/orientation/spacing (mixed sizes); split into:";
      for (std::size_t i = 0; i < ordered.size(); ++i) {
        split_note += " #" + std::to_string(i + 1) + " " +
                      std::to_string(ordered[i].second.size()) + " slices " +
                      describeKey(ordered[i].first) + ";";
      }
    }
    for (std::size_t i = 0; i < ordered.size(); ++i) {
      DicomSeries s;
      s.series_instance_uid = uid;
      s.id = ordered.size() > 1 ? uid + "#" + std::to_string(i + 1) : uid;
      s.series_uid_generated = generated.count(uid) > 0;
      s.slices = std::move(ordered[i].second);
      const DicomSliceInfo& f = s.slices.front();
      s.modality = f.modality;
      s.description = f.series_description;
      s.series_number = f.series_number;
      s.study = f.study;
      s.frame_of_reference_uid = f.frame_of_reference_uid;
      if (!split_note.empty()) s.warnings.push_back(split_note);
      if (s.series_uid_generated) {
        s.warnings.push_back(
            "SeriesInstanceUID (0020,000E) is empty: files grouped by frame of reference, "
            "modality, description, number and size; generated UID " +
            uid);
      }
      // Per-file notes, summarised (one line per distinct note).
      std::map<std::string, std::size_t> notes;
      for (const auto& sl : s.slices)
        for (const auto& note : sl.notes) ++notes[note];
      for (const auto& [note, count] : notes) {
        s.warnings.push_back(note + " (" + std::to_string(count) + " file(s))");
      }
      std::set<std::string> fors;
      for (const auto& sl : s.slices) fors.insert(sl.frame_of_reference_uid);
      if (fors.size() > 1) {
        s.warnings.push_back("slices disagree on FrameOfReferenceUID (0020,0052): " +
                             std::to_string(fors.size()) + " values; using the first slice's");
      }
      if (s.frame_of_reference_uid.empty()) {
        s.frame_of_reference_uid = makeUidFromKey("rfaplan-frame-of-reference/" + uid);
        s.frame_of_reference_generated = true;
        s.warnings.push_back("FrameOfReferenceUID (0020,0052) missing: generated " +
                             s.frame_of_reference_uid + " (derived from the series UID, stable)");
      }
      finishStack(s);
      out.push_back(std::move(s));
    }
  }
  // Deterministic order: study, series number, UID.
  std::sort(out.begin(), out.end(), [](const DicomSeries& a, const DicomSeries& b) {
    return std::tie(a.series_number, a.id) < std::tie(b.series_number, b.id);
  });
  return out;
}

}  // namespace rfa::io
