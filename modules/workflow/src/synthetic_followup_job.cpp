// The `rfaplan phantom-followup` job (synthetic_followup_job.h).
#include "rfa/workflow/synthetic_followup_job.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/core/sha256.h"
#include "rfa/phantom/phantom_folder.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;

// The deformation's maximum displacement in the liver is accepted within this fraction.
constexpr double kDeformTolerance = 0.10;

std::string text(double v, int decimals) {
  char s[64];
  std::snprintf(s, sizeof s, "%.*f", decimals, v);
  return s;
}

std::string vec(const Vec3& v) {
  return "(" + text(v.x(), 1) + ", " + text(v.y(), 1) + ", " + text(v.z(), 1) + ")";
}

// The plan's grid and series against the phantom folder's (before the phantom is regenerated).
void requirePlanOnPhantom(const planning::TreatmentPlan& plan, const fs::path& plan_file,
                          const phantom::PhantomFolderTruth& truth, const fs::path& dir) {
  const planning::PlanSource& s = plan.source;
  const ImageGeometry planned(s.size, s.spacing_mm, s.origin_lps_mm, s.direction);
  const auto not_made_on = [&](const std::string& what) {
    throw SelectionError(plan_file.string() + " was not made on the phantom " + dir.string() +
                         ": " + what);
  };
  if (!planned.sameGrid(truth.grid, 1e-3)) {
    not_made_on("the plan's grid is " + planned.describe() + ", the phantom's " +
                truth.grid.describe());
  }
  if (!s.series_instance_uid.empty() && !truth.series_instance_uid.empty() &&
      truth.series_instance_uid != s.series_instance_uid) {
    not_made_on("Series Instance UID " + s.series_instance_uid +
                " (phantom: " + truth.series_instance_uid + ")");
  }
}

// The voxels of the regenerated phantom, as its series stores them, against the plan's SHA-256.
void requirePlannedVoxels(const phantom::Phantom& p, const planning::TreatmentPlan& plan,
                          const fs::path& plan_file, const fs::path& dir) {
  if (plan.source.voxel_sha256.empty()) return;
  const std::string sha = voxelSha256(phantom::storedCtValues(p.ct));
  if (sha != plan.source.voxel_sha256) {
    throw SelectionError(plan_file.string() + " was not made on the phantom " + dir.string() +
                         ": SHA-256 of the voxels " + sha +
                         " (planned: " + plan.source.voxel_sha256 + ")");
  }
}

// Phantom lesion label of a plan lesion: the label at its centroid, else the truth lesion whose
// centroid is nearest within its radius + 5 mm. \throws SelectionError when none.
int phantomLabelOf(const planning::PlanLesion& l, const phantom::Phantom& p) {
  const ImageGeometry& g = p.lesions.geometry();
  const Vec3 idx = g.lpsToIndex(l.centroid_lps);
  const Index3 ijk{static_cast<std::int64_t>(std::lround(idx.x())),
                   static_cast<std::int64_t>(std::lround(idx.y())),
                   static_cast<std::int64_t>(std::lround(idx.z()))};
  if (g.contains(ijk)) {
    const int label = p.lesions(static_cast<std::size_t>(ijk[0]), static_cast<std::size_t>(ijk[1]),
                                static_cast<std::size_t>(ijk[2]));
    if (label != 0) return label;
  }
  int best = 0;
  double best_d = 0;
  for (const phantom::LesionTruth& t : p.lesion_truth) {
    const double d = (t.centroid_voxels_lps - l.centroid_lps).norm();
    if (d <= 0.5 * t.diameter_mm + 5.0 && (best == 0 || d < best_d)) {
      best = t.label;
      best_d = d;
    }
  }
  if (best == 0) {
    throw SelectionError("plan lesion " + std::to_string(l.id) + " (centroid " +
                         vec(l.centroid_lps) + " mm) matches no lesion of the phantom");
  }
  return best;
}

// Nearest orthonormal frame to the plan's axes (rounded to 1e-4 in the file): Gram-Schmidt.
Mat3 orthonormalised(const Mat3& a) {
  Mat3 r;
  const Vec3 u = a.col(0).normalized();
  const Vec3 v = (a.col(1) - a.col(1).dot(u) * u).normalized();
  Vec3 w = u.cross(v);
  if (w.dot(a.col(2)) < 0) w = -w;
  r.col(0) = u;
  r.col(1) = v;
  r.col(2) = w;
  return r;
}

// The series of the follow-up: UIDs derived from every input.
phantom::CtSeriesOptions followupSeries(const planning::TreatmentPlan& plan,
                                        const SyntheticFollowupRequest& r,
                                        const phantom::SyntheticFollowupOptions& fo,
                                        std::uint64_t planning_seed) {
  std::ostringstream key;
  key.precision(17);
  key << "session " << r.session << " grow " << r.zone_grow_mm << " noise " << r.noise_hu
      << " seed " << r.noise_seed << " deform " << r.deform_mm << " rotate " << r.rotate_deg
      << " plan " << plan.source.voxel_sha256;
  for (const phantom::FollowupZone& z : fo.zones) {
    key << " zone " << z.lesion_label << " " << z.centre_lps.transpose() << " " << z.semi_u_mm
        << " " << z.semi_v_mm << " " << z.semi_w_mm;
  }
  for (const phantom::LesionChange& c : fo.lesion_changes) {
    key << " change " << c.label << " " << c.scale;
  }
  for (const phantom::NewLesion& n : fo.new_lesions) {
    key << " new " << n.centre_lps.transpose() << " " << n.diameter_mm;
  }
  const std::string key_text = key.str();
  phantom::CtSeriesOptions series;
  series.uid_key = "rfaplan-phantom-followup/" + std::to_string(planning_seed) + "/" +
                   std::to_string(r.session) + "/" +
                   sha256Hex(key_text.data(), key_text.size()).substr(0, 16);
  series.patient_id =
      r.patient_id.empty() ? "RFAPHANTOM-" + std::to_string(planning_seed) : r.patient_id;
  series.series_description = "rfaplan phantom follow-up CT";
  series.study_description = "rfaplan synthetic abdomen follow-up";
  series.study_date = "20260131";
  return series;
}

}  // namespace

SyntheticFollowupCase makeSyntheticFollowup(const planning::TreatmentPlan& plan,
                                            const fs::path& plan_file, const fs::path& phantom_dir,
                                            const SyntheticFollowupRequest& request) {
  const int session = request.session;
  if (session < 1) throw UsageError("session must be >= 1 (got " + std::to_string(session) + ")");
  const phantom::PhantomFolderTruth truth = phantom::readPhantomFolderTruth(phantom_dir);
  requirePlanOnPhantom(plan, plan_file, truth, phantom_dir);
  const bool has_session =
      std::any_of(plan.sessions.begin(), plan.sessions.end(),
                  [session](const planning::PlanSession& s) { return s.index == session; });
  if (!has_session) {
    std::string have;
    for (const planning::PlanSession& s : plan.sessions) {
      have += (have.empty() ? "" : ", ") + std::to_string(s.index);
    }
    throw UsageError("session " + std::to_string(session) + ": " + plan_file.string() +
                     " has no such session (sessions: " + (have.empty() ? "none" : have) + ")");
  }
  SyntheticFollowupCase out;
  std::map<int, const planning::PlanLesion*> by_id;
  for (const planning::PlanLesion& l : plan.lesions) {
    by_id[l.id] = &l;
    if (l.session == session && !l.placements.empty()) out.treated.push_back(l.id);
  }
  if (out.treated.empty()) {
    throw NoDataError("session " + std::to_string(session) + " of " + plan_file.string() +
                      " has no lesion with placements");
  }
  for (const auto& [id, v] : request.zone_shift_mm) {
    if (std::find(out.treated.begin(), out.treated.end(), id) == out.treated.end()) {
      throw UsageError("zone shift: lesion " + std::to_string(id) + " is not treated in session " +
                       std::to_string(session));
    }
  }
  for (const auto& [id, s] : request.lesion_scale) {
    if (by_id.count(id) == 0) {
      throw UsageError("lesion change: the plan has no lesion " + std::to_string(id));
    }
  }

  out.planning = phantom::regeneratePhantom(truth);
  requirePlannedVoxels(out.planning, plan, plan_file, phantom_dir);

  // Zones, lesion changes and new lesions (phantom labels).
  phantom::SyntheticFollowupOptions& fo = out.options;
  fo.noise_sigma_hu = request.noise_hu;
  fo.noise_seed = request.noise_seed;
  for (const auto& [id, l] : by_id) {
    if (request.lesion_scale.count(id) != 0 || (l->session == session && !l->placements.empty())) {
      out.label_of[id] = phantomLabelOf(*l, out.planning);
    }
  }
  const double grow = request.zone_grow_mm;
  for (const int id : out.treated) {
    const auto shift = request.zone_shift_mm.find(id);
    const Vec3 d = shift == request.zone_shift_mm.end() ? Vec3(0, 0, 0) : shift->second;
    for (const planning::PlanPlacement& pl : by_id.at(id)->placements) {
      phantom::FollowupZone z;
      z.centre_lps = pl.zone.centre_lps + d;
      z.axes = orthonormalised(pl.zone.axes);
      z.semi_u_mm = pl.zone.semi_u_mm + grow;
      z.semi_v_mm = pl.zone.semi_v_mm + grow;
      z.semi_w_mm = pl.zone.semi_w_mm + grow;
      z.lesion_label = out.label_of.at(id);
      if (std::min({z.semi_u_mm, z.semi_v_mm, z.semi_w_mm}) <= 0.5) {
        throw UsageError("zone growth " + text(grow, 1) + " mm: a zone of lesion " +
                         std::to_string(id) + " would have a semi-axis <= 0.5 mm");
      }
      fo.zones.push_back(z);
    }
  }
  for (const auto& [id, s] : request.lesion_scale) {
    fo.lesion_changes.push_back({out.label_of.at(id), s});
  }
  fo.new_lesions = request.new_lesions;

  // Deformation: calibrated on sampled planning liver points, checked on the generated one.
  const double deform = request.deform_mm;
  double target = deform;
  for (int attempt = 0; attempt < 4; ++attempt) {
    fo.deformation = phantom::calibratedDeformation(out.planning.liver, target, request.rotate_deg);
    try {
      out.followup = phantom::generateSyntheticFollowup(out.planning, fo);
    } catch (const UsageError& e) {
      throw UsageError(std::string("follow-up: ") + e.what());
    }
    const double m = out.followup.max_displacement_in_liver_mm;
    if (deform == 0.0 || std::abs(m - deform) <= kDeformTolerance * deform || !(m > 0.0)) break;
    if (fo.deformation.translation_mm.norm() == 0.0 && m > deform) break;  // rotation alone
    target *= deform / m;
  }
  const double reached = out.followup.max_displacement_in_liver_mm;
  out.deformation_as_asked =
      deform == 0.0 || std::abs(reached - deform) <= kDeformTolerance * deform;
  out.series = followupSeries(plan, request, fo, truth.options.seed);
  return out;
}

}  // namespace rfa::workflow
