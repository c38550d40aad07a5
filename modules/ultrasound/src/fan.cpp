// The imaging fan of a probe and its acoustic shadows (fan.h).
#include "rfa/ultrasound/fan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>

#include "medium_sample.h"
#include "rfa/core/error.h"

namespace rfa::ultrasound {
namespace {

constexpr double kSampleMm = 0.5;
constexpr double kDeg = std::numbers::pi / 180.0;

// Follows one scan line: air before the skin is skipped (skin_search_mm), then the first bone or
// gas sample ends it.
void trace(const AcousticMedium& m, double depth_mm, ScanLine& line) {
  bool in_tissue = false;
  const auto samples = static_cast<long>(std::floor(depth_mm / kSampleMm));
  for (long n = 0; n <= samples; ++n) {
    const double t = static_cast<double>(n) * kSampleMm;
    const std::optional<detail::Sample> s =
        detail::sampleAt(m, line.start_lps + t * line.direction);
    if (!s) {  // the CT ends: nothing known beyond
      line.clear_mm = t;
      line.blocker = in_tissue ? Blocker::kNone : Blocker::kNoContact;
      return;
    }
    const bool bone = s->isBone(m);
    const bool gas = s->isGas(m);
    if (!in_tissue) {
      if (!gas) {
        in_tissue = true;
      } else if (t > m.skin_search_mm) {
        line.clear_mm = 0;
        line.blocker = Blocker::kNoContact;
        return;
      } else {
        continue;
      }
    }
    if (bone || gas) {
      line.clear_mm = t;
      line.blocker = bone ? Blocker::kBone : Blocker::kGas;
      return;
    }
  }
  line.clear_mm = depth_mm;
  line.blocker = Blocker::kNone;
}

}  // namespace

Fan::Fan(const AcousticMedium& medium, const ProbeModel& probe, const ProbePose& pose)
    : probe_(probe), pose_(pose) {
  if (medium.ct == nullptr) throw UsageError("ultrasound fan: no CT");
  if (std::abs(pose.axial.norm() - 1) > 1e-6 || std::abs(pose.lateral.norm() - 1) > 1e-6 ||
      std::abs(pose.axial.dot(pose.lateral)) > 1e-6) {
    throw UsageError(
        "ultrasound fan: the probe's axial and lateral directions must be unit and "
        "perpendicular");
  }
  if (probe.kind == ProbeKind::kCurvilinear) {
    const Vec3 apex = pose.contact_lps - probe.radius_mm * pose.axial;
    const auto n = static_cast<std::size_t>(std::floor(probe.aperture_deg / step_)) + 1;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = (-0.5 * probe.aperture_deg + static_cast<double>(i) * step_) * kDeg;
      ScanLine l;
      l.direction = std::cos(a) * pose.axial + std::sin(a) * pose.lateral;
      l.start_lps = apex + probe.radius_mm * l.direction;
      lines_.push_back(l);
    }
  } else {
    const auto n = static_cast<std::size_t>(std::floor(probe.width_mm / step_)) + 1;
    for (std::size_t i = 0; i < n; ++i) {
      ScanLine l;
      l.direction = pose.axial;
      l.start_lps = pose.contact_lps +
                    (-0.5 * probe.width_mm + static_cast<double>(i) * step_) * pose.lateral;
      lines_.push_back(l);
    }
  }
  for (ScanLine& l : lines_) trace(medium, probe.depth_mm, l);
}

std::optional<std::size_t> Fan::lineOf(const Vec3& p, double& depth) const {
  double pos = 0;
  double half = 0;
  if (probe_.kind == ProbeKind::kCurvilinear) {
    const Vec3 q = p - (pose_.contact_lps - probe_.radius_mm * pose_.axial);
    const double a = q.dot(pose_.axial);
    const double l = q.dot(pose_.lateral);
    depth = std::hypot(a, l) - probe_.radius_mm;
    pos = std::atan2(l, a) / kDeg;
    half = 0.5 * probe_.aperture_deg;
  } else {
    const Vec3 q = p - pose_.contact_lps;
    depth = q.dot(pose_.axial);
    pos = q.dot(pose_.lateral);
    half = 0.5 * probe_.width_mm;
  }
  if (std::abs(pos) > half) return std::nullopt;
  const auto i = static_cast<std::size_t>(std::lround((pos + half) / step_));
  return std::min(i, lines_.size() - 1);
}

double Fan::depthMm(const Vec3& p) const {
  double depth = 0;
  (void)lineOf(p, depth);
  return depth;
}

PointView Fan::classify(const Vec3& p, const ScanLine** line) const {
  if (line != nullptr) *line = nullptr;
  if (std::abs((p - pose_.contact_lps).dot(pose_.elevation())) > 0.5 * probe_.slice_thickness_mm) {
    return PointView::kOutOfPlane;
  }
  double depth = 0;
  const std::optional<std::size_t> i = lineOf(p, depth);
  if (!i) return PointView::kOutsideFan;
  if (line != nullptr) *line = &lines_[*i];
  if (depth < 0 || depth > probe_.depth_mm) return PointView::kOutsideFan;
  return depth <= lines_[*i].clear_mm ? PointView::kVisible : PointView::kShadowed;
}

std::vector<Vec3> lesionPoints(const LabelMap& lesions, int label) {
  const ImageGeometry& g = lesions.geometry();
  std::vector<Vec3> points;
  for (std::size_t k = 0; k < g.size()[2]; ++k) {
    for (std::size_t j = 0; j < g.size()[1]; ++j) {
      for (std::size_t i = 0; i < g.size()[0]; ++i) {
        if (lesions(i, j, k) != label) continue;
        points.push_back(g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k))));
      }
    }
  }
  return points;
}

WindowView viewOf(const Fan& fan, const LabelMap& lesions, int label,
                  const std::optional<std::array<Vec3, 2>>& needle_lps) {
  return viewOf(fan, lesionPoints(lesions, label), needle_lps);
}

WindowView viewOf(const Fan& fan, const std::vector<Vec3>& lesion_points_lps,
                  const std::optional<std::array<Vec3, 2>>& needle_lps) {
  WindowView v;
  std::size_t visible = 0;
  double depth_sum = 0;
  std::map<Blocker, std::size_t> blockers;
  for (const Vec3& p : lesion_points_lps) {
    const ScanLine* line = nullptr;
    const PointView pv = fan.classify(p, &line);
    if (pv == PointView::kOutOfPlane) continue;
    ++v.lesion_points;
    if (pv == PointView::kVisible) {
      ++visible;
      depth_sum += fan.depthMm(p);
    } else if (pv == PointView::kShadowed && line != nullptr) {
      ++blockers[line->blocker];
    }
  }
  if (v.lesion_points > 0) {
    v.lesion_visible = static_cast<double>(visible) / static_cast<double>(v.lesion_points);
  }
  if (visible > 0) v.lesion_depth_mm = depth_sum / static_cast<double>(visible);
  std::size_t most = 0;
  for (const auto& [b, n] : blockers) {
    if (n > most) {
      most = n;
      v.main_blocker = b;
    }
  }
  if (needle_lps) {
    const Vec3 a = (*needle_lps)[0];
    const Vec3 b = (*needle_lps)[1];
    const auto n = std::max<std::size_t>(
        2, static_cast<std::size_t>(std::ceil((b - a).norm() / kSampleMm)) + 1);
    std::size_t seen = 0;
    for (std::size_t s = 0; s < n; ++s) {
      const double f = static_cast<double>(s) / static_cast<double>(n - 1);
      seen += fan.classify(a + f * (b - a)) == PointView::kVisible ? 1 : 0;
    }
    v.needle_visible = static_cast<double>(seen) / static_cast<double>(n);
  }
  return v;
}

}  // namespace rfa::ultrasound
