// rfaplan phantom-followup PLAN --phantom DIR --out FDIR [--session N] [--zone-shift
// ID:dx,dy,dz]...
//   [--zone-grow MM] [--vanish ID]... [--scale ID:S]... [--new-lesion x,y,z:D]... [--deform MM]
//   [--rotate DEG] [--noise HU] [--seed S] [--patient-id ID]
// A synthetic follow-up CT of a plan made on an rfaplan phantom, with exact truth: the
// ablation zones are the plan's preview zones of one session (optionally shifted or grown), the
// lesions may vanish, shrink, grow or appear, the anatomy is deformed by a known smooth map.
// RESEARCH USE ONLY.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/core/sha256.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/phantom/phantom_folder.h"
#include "rfa/phantom/synthetic_followup.h"
#include "rfa/planning/plan.h"
#include "rfa/planning/plan_io.h"

namespace rfa::cli {
namespace {
namespace fs = std::filesystem;

// The deformation's maximum displacement in the liver is accepted within this fraction of --deform.
constexpr double kDeformTolerance = 0.10;

std::string vec(const Vec3& v, int decimals = 1) {
  return "(" + fixed(v.x(), decimals) + ", " + fixed(v.y(), decimals) + ", " +
         fixed(v.z(), decimals) + ")";
}

// A whole decimal number >= 1. \throws UsageError naming `option` and `text`.
int parseId(const std::string& option, const std::string& text, const std::string& whole) {
  try {
    std::size_t used = 0;
    const int id = std::stoi(text, &used);
    if (used == text.size() && id >= 1) return id;
  } catch (const std::exception&) {
  }
  throw UsageError(option + " " + whole + ": '" + text + "' is not a lesion id (an integer >= 1)");
}

double parseNumber(const std::string& option, const std::string& text, const std::string& whole) {
  try {
    std::size_t used = 0;
    const double d = std::stod(text, &used);
    if (used == text.size() && std::isfinite(d)) return d;
  } catch (const std::exception&) {
  }
  throw UsageError(option + " " + whole + ": '" + text + "' is not a number");
}

// "A:B" split at the one colon. \throws UsageError showing `syntax`.
std::pair<std::string, std::string> splitColon(const std::string& option, const std::string& text,
                                               const std::string& syntax) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size() ||
      text.find(':', colon + 1) != std::string::npos) {
    throw UsageError(option + " " + text + ": expected " + syntax);
  }
  return {text.substr(0, colon), text.substr(colon + 1)};
}

// --zone-shift ID:dx,dy,dz
std::pair<int, Vec3> parseZoneShift(const std::string& text) {
  const std::string option = "--zone-shift";
  const auto [id, v] = splitColon(option, text, "ID:dx,dy,dz (lesion id, shift in LPS mm)");
  return {parseId(option, id, text), parseVec3(option + " " + text, v, false)};
}

// --scale ID:S
std::pair<int, double> parseScale(const std::string& text) {
  const std::string option = "--scale";
  const auto [id, s] = splitColon(option, text, "ID:S (lesion id, factor of its semi-axes)");
  const double scale = parseNumber(option, s, text);
  if (scale < 0.0 || scale > 3.0) {
    throw UsageError(option + " " + text + ": the factor must be in [0, 3] (0 = vanished)");
  }
  return {parseId(option, id, text), scale};
}

// --new-lesion x,y,z:D
phantom::NewLesion parseNewLesion(const std::string& text) {
  const std::string option = "--new-lesion";
  const auto [c, d] = splitColon(option, text, "x,y,z:D (centre in LPS mm, diameter in mm)");
  phantom::NewLesion n;
  n.centre_lps = parseVec3(option + " " + text, c, false);
  n.diameter_mm = parseNumber(option, d, text);
  if (!(n.diameter_mm >= 2.0 && n.diameter_mm <= 80.0)) {
    throw UsageError(option + " " + text + ": the diameter must be in [2, 80] mm");
  }
  return n;
}

// The plan's grid and series against the phantom folder's (before the phantom is regenerated),
// then (when the plan recorded it) the voxels of the regenerated phantom as its series stores
// them against the plan's SHA-256.
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

}  // namespace

void addPhantomFollowupCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "phantom-followup",
      "Write a synthetic follow-up CT of a plan made on an rfaplan phantom, with exact truth: the "
      "plan's preview zones of one session as the true ablation zones (optionally shifted or "
      "grown), lesion changes, new lesions, a known smooth deformation (max displacement in the "
      "liver about --deform mm). Writes FDIR/ct (DICOM, same patient, a new study and frame of "
      "reference), FDIR/truth/{liver,lesions,zones}.nrrd and FDIR/truth.json (true minimal "
      "ablative margins, zones, deformation). RESEARCH USE ONLY");
  static std::string plan_file, phantom_dir, out, patient_id;
  static int session = 1;
  static std::vector<std::string> zone_shifts, vanish, scales, new_lesions;
  static double zone_grow = 0, deform = 6, rotate = 2, noise = 10;
  static std::uint64_t seed = 2;
  cmd->add_option("PLAN", plan_file, "Plan JSON made on the phantom ('rfaplan plan')")->required();
  cmd->add_option("--phantom", phantom_dir,
                  "The planning phantom folder ('rfaplan phantom --out DIR') the plan was made on")
      ->required();
  cmd->add_option("--out", out,
                  "Output folder of the follow-up (FDIR/ct, FDIR/truth/, "
                  "FDIR/truth.json)")
      ->required();
  cmd->add_option("--session", session, "The plan's session whose ablations were done (1..)")
      ->capture_default_str();
  cmd->add_option("--zone-shift", zone_shifts,
                  "ID:dx,dy,dz: shift the zones of lesion ID (plan lesion id) by this vector, LPS "
                  "mm (a placement error; repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--zone-grow", zone_grow,
                  "Add MM to every semi-axis of every zone (real zones often exceed the preview)")
      ->check(CLI::Range(-5.0, 30.0))
      ->capture_default_str();
  cmd->add_option("--vanish", vanish,
                  "Lesion ID (plan lesion id) vanished at follow-up (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--scale", scales,
                  "ID:S: lesion ID's semi-axes times S at follow-up (S in [0, 3]; repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--new-lesion", new_lesions,
                  "x,y,z:D: a new lesion at x,y,z (LPS mm, planning frame) of diameter D mm "
                  "(repeatable; write --new-lesion=-10,... for a negative x)")
      ->allow_extra_args(false);
  cmd->add_option("--deform", deform,
                  "Maximum displacement in the liver (mm) of the deformation: translation, "
                  "rotation and two Gaussian bumps (sigma 60 mm); 0 = identity")
      ->check(CLI::Range(0.0, 30.0))
      ->capture_default_str();
  cmd->add_option("--rotate", rotate, "Rotation (deg) about the liver centroid, part of --deform")
      ->check(CLI::Range(-10.0, 10.0))
      ->capture_default_str();
  cmd->add_option("--noise", noise, "Image noise sigma of the follow-up (HU)")
      ->check(CLI::Range(0.0, 200.0))
      ->capture_default_str();
  cmd->add_option("--seed", seed, "Noise seed of the follow-up")->capture_default_str();
  cmd->add_option(
      "--patient-id", patient_id,
      "PatientID of the follow-up (default: the planning phantom's, RFAPHANTOM-<seed>)");
  cmd->footer(
      "Exit codes: 0 written, 2 bad option (syntax, a lesion id the plan or session does not "
      "have, a session the plan does not have), 3 plan or phantom not found, 4 no lesion with "
      "placements in the session, 5 malformed plan or phantom truth (e.g. a truth.json without "
      "\"options\": regenerate the phantom), 8 cannot write (also: FDIR is an existing file), 9 "
      "the plan was not made on this phantom (grid, series or voxels differ) or the phantom "
      "cannot be regenerated.");
  cmd->callback([&exit_code] {
    const auto t0 = std::chrono::steady_clock::now();
    if (session < 1) throw UsageError("--session must be >= 1");
    // Options first (usage errors before any work).
    std::map<int, Vec3> shift_of;
    for (const std::string& s : zone_shifts) {
      const auto [id, v] = parseZoneShift(s);
      if (!shift_of.emplace(id, v).second) {
        throw UsageError("--zone-shift: lesion " + std::to_string(id) + " given twice");
      }
    }
    std::map<int, double> scale_of;  // plan lesion id -> scale
    for (const std::string& s : vanish) {
      const int id = parseId("--vanish", s, s);
      if (!scale_of.emplace(id, 0.0).second) {
        throw UsageError("--vanish: lesion " + std::to_string(id) + " given twice");
      }
    }
    for (const std::string& s : scales) {
      const auto [id, f] = parseScale(s);
      if (!scale_of.emplace(id, f).second) {
        throw UsageError("--scale " + s + ": lesion " + std::to_string(id) +
                         " already changed by --vanish or --scale");
      }
    }
    std::vector<phantom::NewLesion> added;
    for (const std::string& s : new_lesions) added.push_back(parseNewLesion(s));
    const fs::path out_path(out);
    const fs::path dir(phantom_dir);
    {
      std::error_code ec;
      if (fs::exists(out_path, ec) && !fs::is_directory(out_path, ec)) {
        throw WriteError(out + " exists and is not a folder: not overwritten");
      }
      if (fs::exists(out_path, ec) && fs::exists(dir, ec) && fs::equivalent(out_path, dir, ec)) {
        throw UsageError("--out " + out + " is the planning phantom folder: choose another folder");
      }
    }

    // The plan and the phantom it was made on.
    const planning::TreatmentPlan plan = planning::readPlanFile(plan_file);
    const phantom::PhantomFolderTruth truth = phantom::readPhantomFolderTruth(dir);
    requirePlanOnPhantom(plan, plan_file, truth, dir);
    const bool has_session =
        std::any_of(plan.sessions.begin(), plan.sessions.end(),
                    [](const planning::PlanSession& s) { return s.index == session; });
    if (!has_session) {
      std::string have;
      for (const planning::PlanSession& s : plan.sessions) {
        have += (have.empty() ? "" : ", ") + std::to_string(s.index);
      }
      throw UsageError("--session " + std::to_string(session) + ": " + plan_file +
                       " has no such session (sessions: " + (have.empty() ? "none" : have) + ")");
    }
    std::vector<const planning::PlanLesion*> treated;
    std::map<int, const planning::PlanLesion*> by_id;
    for (const planning::PlanLesion& l : plan.lesions) {
      by_id[l.id] = &l;
      if (l.session == session && !l.placements.empty()) treated.push_back(&l);
    }
    if (treated.empty()) {
      throw NoDataError("session " + std::to_string(session) + " of " + plan_file +
                        " has no lesion with placements");
    }
    for (const auto& [id, v] : shift_of) {
      const bool in_session =
          std::any_of(treated.begin(), treated.end(),
                      [id = id](const planning::PlanLesion* l) { return l->id == id; });
      if (!in_session) {
        throw UsageError("--zone-shift: lesion " + std::to_string(id) +
                         " is not treated in session " + std::to_string(session));
      }
    }
    for (const auto& [id, s] : scale_of) {
      if (by_id.count(id) == 0) {
        throw UsageError("--vanish/--scale: the plan has no lesion " + std::to_string(id));
      }
    }

    const phantom::Phantom planning_phantom = phantom::regeneratePhantom(truth);
    requirePlannedVoxels(planning_phantom, plan, plan_file, dir);

    // Zones, lesion changes and new lesions (phantom labels).
    phantom::SyntheticFollowupOptions fo;
    fo.noise_sigma_hu = noise;
    fo.noise_seed = seed;
    std::map<int, int> label_of;  // plan lesion id -> phantom label
    for (const auto& [id, l] : by_id) {
      if (scale_of.count(id) != 0 || (l->session == session && !l->placements.empty())) {
        label_of[id] = phantomLabelOf(*l, planning_phantom);
      }
    }
    std::cout << "follow-up of session " << session << " of " << plan_file << " on the phantom "
              << phantom_dir << " (" << planning_phantom.ct.geometry().describe() << ")\n";
    std::cout << "true ablation zones (plan preview zones";
    if (zone_grow != 0.0)
      std::cout << ", semi-axes " << (zone_grow > 0 ? "+" : "") << fixed(zone_grow, 1) << " mm";
    std::cout << "):\n";
    for (const planning::PlanLesion* l : treated) {
      const int label = label_of.at(l->id);
      const auto shift = shift_of.find(l->id);
      const Vec3 d = shift == shift_of.end() ? Vec3(0, 0, 0) : shift->second;
      for (const planning::PlanPlacement& pl : l->placements) {
        phantom::FollowupZone z;
        z.centre_lps = pl.zone.centre_lps + d;
        z.axes = orthonormalised(pl.zone.axes);
        z.semi_u_mm = pl.zone.semi_u_mm + zone_grow;
        z.semi_v_mm = pl.zone.semi_v_mm + zone_grow;
        z.semi_w_mm = pl.zone.semi_w_mm + zone_grow;
        z.lesion_label = label;
        if (std::min({z.semi_u_mm, z.semi_v_mm, z.semi_w_mm}) <= 0.5) {
          throw UsageError("--zone-grow " + fixed(zone_grow, 1) + ": a zone of lesion " +
                           std::to_string(l->id) + " would have a semi-axis <= 0.5 mm");
        }
        fo.zones.push_back(z);
        std::cout << "  lesion " << l->id;
        if (label != l->id) std::cout << " (phantom label " << label << ")";
        std::cout << ": " << pl.electrode << " zone at " << vec(z.centre_lps) << " mm, semi-axes "
                  << fixed(z.semi_u_mm, 1) << " x " << fixed(z.semi_v_mm, 1) << " x "
                  << fixed(z.semi_w_mm, 1) << " mm";
        if (shift != shift_of.end()) {
          std::cout << ", shifted " << vec(d) << " mm (" << fixed(d.norm(), 1) << " mm)";
        }
        std::cout << "\n";
      }
    }
    for (const auto& [id, s] : scale_of) {
      fo.lesion_changes.push_back({label_of.at(id), s});
      std::cout << "lesion " << id << ": "
                << (s == 0.0 ? std::string("vanished") : "semi-axes x " + fixed(s, 2)) << "\n";
    }
    fo.new_lesions = added;

    // Deformation: calibrated on sampled planning liver points, checked on the generated one.
    phantom::SyntheticFollowup fu;
    double target = deform;
    for (int attempt = 0; attempt < 4; ++attempt) {
      fo.deformation = phantom::calibratedDeformation(planning_phantom.liver, target, rotate);
      try {
        fu = phantom::generateSyntheticFollowup(planning_phantom, fo);
      } catch (const UsageError& e) {
        throw UsageError(std::string("follow-up: ") + e.what());
      }
      const double m = fu.max_displacement_in_liver_mm;
      if (deform == 0.0 || std::abs(m - deform) <= kDeformTolerance * deform || !(m > 0.0)) break;
      if (fo.deformation.translation_mm.norm() == 0.0 && m > deform) break;  // rotation alone
      target *= deform / m;
    }
    const double max_disp = fu.max_displacement_in_liver_mm;
    if (deform > 0.0 && std::abs(max_disp - deform) > kDeformTolerance * deform) {
      std::cerr << "warning: the maximum displacement in the liver is " << fixed(max_disp, 1)
                << " mm, not " << fixed(deform, 1) << " mm"
                << (max_disp > deform ? " (the rotation alone moves the liver more: lower --rotate)"
                                      : "")
                << "\n";
    }
    for (std::size_t n = 0; n < fo.new_lesions.size(); ++n) {
      std::cout << "new lesion (label " << fu.new_lesion_labels[n] << ") at "
                << vec(fo.new_lesions[n].centre_lps) << " mm, "
                << fixed(fo.new_lesions[n].diameter_mm, 1) << " mm\n";
    }
    const phantom::FollowupDeformation& d = fu.deformation;
    if (deform == 0.0) {
      std::cout << "deformation: none (identity)\n";
    } else {
      std::cout << "deformation: translation " << vec(d.translation_mm) << " mm, rotation "
                << fixed(d.rotation_deg, 1) << " deg about the liver centroid "
                << vec(d.rotation_centre_lps) << " mm, " << d.bumps.size()
                << " Gaussian bumps (sigma " << fixed(phantom::kCalibratedBumpSigmaMm, 0)
                << " mm, amplitudes";
      for (const auto& b : d.bumps) std::cout << " " << fixed(b.amplitude_mm.norm(), 1);
      std::cout << " mm)\n";
    }
    std::cout << "max displacement in the liver: " << fixed(max_disp, 2) << " mm (asked "
              << fixed(deform, 1) << " mm)\n";
    std::cout << "true minimal ablative margin (analytic, planning frame):\n";
    for (const phantom::MarginTruth& m : fu.margins) {
      int id = m.lesion_label;
      for (const auto& [pid, label] : label_of) {
        if (label == m.lesion_label) id = pid;
      }
      std::cout << "  lesion " << id << ": MAM " << fixed(m.minimal_margin_mm, 2)
                << " mm (uncorrected " << fixed(m.minimal_margin_uncorrected_mm, 2)
                << " mm), residual " << fixed(m.residual_volume_ml, 3) << " mL\n";
    }

    // The series: same patient, a new study, series and frame of reference.
    const std::uint64_t planning_seed = truth.options.seed;
    std::ostringstream key;
    key.precision(17);
    key << "session " << session << " grow " << zone_grow << " noise " << noise << " seed " << seed
        << " deform " << deform << " rotate " << rotate << " plan " << plan.source.voxel_sha256;
    for (const phantom::FollowupZone& z : fo.zones) {
      key << " zone " << z.lesion_label << " " << z.centre_lps.transpose() << " " << z.semi_u_mm
          << " " << z.semi_v_mm << " " << z.semi_w_mm;
    }
    for (const phantom::LesionChange& c : fo.lesion_changes)
      key << " change " << c.label << " " << c.scale;
    for (const phantom::NewLesion& n : fo.new_lesions) {
      key << " new " << n.centre_lps.transpose() << " " << n.diameter_mm;
    }
    const std::string key_text = key.str();
    phantom::CtSeriesOptions series;
    series.uid_key = "rfaplan-phantom-followup/" + std::to_string(planning_seed) + "/" +
                     std::to_string(session) + "/" +
                     sha256Hex(key_text.data(), key_text.size()).substr(0, 16);
    series.patient_id =
        patient_id.empty() ? "RFAPHANTOM-" + std::to_string(planning_seed) : patient_id;
    series.series_description = "rfaplan phantom follow-up CT";
    series.study_description = "rfaplan synthetic abdomen follow-up";
    series.study_date = "20260131";
    phantom::writeSyntheticFollowupFolder(fu, out_path, series);
    std::cout << "follow-up written to " << out << " (" << fu.ct.geometry().describe() << ", "
              << fixed(secondsSince(t0), 1) << " s)\n"
              << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
