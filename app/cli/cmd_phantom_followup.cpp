// rfaplan phantom-followup PLAN --phantom DIR --out FDIR [--session N] [--zone-shift
// ID:dx,dy,dz]...
//   [--zone-grow MM] [--vanish ID]... [--scale ID:S]... [--new-lesion x,y,z:D]... [--deform MM]
//   [--rotate DEG] [--noise HU] [--seed S] [--patient-id ID]
// A synthetic follow-up CT of a plan made on an rfaplan phantom, with exact truth: the
// ablation zones are the plan's preview zones of one session (optionally shifted or grown), the
// lesions may vanish, shrink, grow or appear, the anatomy is deformed by a known smooth map.
// RESEARCH USE ONLY.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/phantom/synthetic_followup.h"
#include "rfa/planning/plan.h"
#include "rfa/planning/plan_io.h"
#include "rfa/workflow/synthetic_followup_job.h"

namespace rfa::cli {
namespace {
namespace fs = std::filesystem;

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

// What was made, for the user: the zones, lesion changes, new lesions, deformation and the true
// minimal ablative margins (plan lesion ids).
void printFollowup(const workflow::SyntheticFollowupCase& made, const planning::TreatmentPlan& plan,
                   const workflow::SyntheticFollowupRequest& r) {
  const phantom::SyntheticFollowup& fu = made.followup;
  std::cout << "true ablation zones (plan preview zones";
  if (r.zone_grow_mm != 0.0) {
    std::cout << ", semi-axes " << (r.zone_grow_mm > 0 ? "+" : "") << fixed(r.zone_grow_mm, 1)
              << " mm";
  }
  std::cout << "):\n";
  std::size_t z = 0;
  for (const int id : made.treated) {
    const int label = made.label_of.at(id);
    const auto shift = r.zone_shift_mm.find(id);
    for (const planning::PlanLesion& l : plan.lesions) {
      if (l.id != id) continue;
      for (const planning::PlanPlacement& pl : l.placements) {
        const phantom::FollowupZone& zone = made.options.zones.at(z++);
        std::cout << "  lesion " << id;
        if (label != id) std::cout << " (phantom label " << label << ")";
        std::cout << ": " << pl.electrode << " zone at " << vec(zone.centre_lps)
                  << " mm, semi-axes " << fixed(zone.semi_u_mm, 1) << " x "
                  << fixed(zone.semi_v_mm, 1) << " x " << fixed(zone.semi_w_mm, 1) << " mm";
        if (shift != r.zone_shift_mm.end()) {
          std::cout << ", shifted " << vec(shift->second) << " mm ("
                    << fixed(shift->second.norm(), 1) << " mm)";
        }
        std::cout << "\n";
      }
    }
  }
  for (const auto& [id, s] : r.lesion_scale) {
    std::cout << "lesion " << id << ": "
              << (s == 0.0 ? std::string("vanished") : "semi-axes x " + fixed(s, 2)) << "\n";
  }
  const double max_disp = fu.max_displacement_in_liver_mm;
  if (!made.deformation_as_asked) {
    std::cerr << "warning: the maximum displacement in the liver is " << fixed(max_disp, 1)
              << " mm, not " << fixed(r.deform_mm, 1) << " mm"
              << (max_disp > r.deform_mm
                      ? " (the rotation alone moves the liver more: lower --rotate)"
                      : "")
              << "\n";
  }
  for (std::size_t n = 0; n < r.new_lesions.size(); ++n) {
    std::cout << "new lesion (label " << fu.new_lesion_labels[n] << ") at "
              << vec(r.new_lesions[n].centre_lps) << " mm, "
              << fixed(r.new_lesions[n].diameter_mm, 1) << " mm\n";
  }
  const phantom::FollowupDeformation& d = fu.deformation;
  if (r.deform_mm == 0.0) {
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
            << fixed(r.deform_mm, 1) << " mm)\n";
  std::cout << "true minimal ablative margin (analytic, planning frame):\n";
  for (const phantom::MarginTruth& m : fu.margins) {
    int id = m.lesion_label;
    for (const auto& [pid, label] : made.label_of) {
      if (label == m.lesion_label) id = pid;
    }
    std::cout << "  lesion " << id << ": MAM " << fixed(m.minimal_margin_mm, 2)
              << " mm (uncorrected " << fixed(m.minimal_margin_uncorrected_mm, 2)
              << " mm), residual " << fixed(m.residual_volume_ml, 3) << " mL\n";
  }
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

    workflow::SyntheticFollowupRequest request;
    request.session = session;
    request.zone_shift_mm = shift_of;
    request.zone_grow_mm = zone_grow;
    request.lesion_scale = scale_of;
    request.new_lesions = added;
    request.deform_mm = deform;
    request.rotate_deg = rotate;
    request.noise_hu = noise;
    request.noise_seed = seed;
    request.patient_id = patient_id;
    const planning::TreatmentPlan plan = planning::readPlanFile(plan_file);
    const workflow::SyntheticFollowupCase made =
        workflow::makeSyntheticFollowup(plan, plan_file, dir, request);
    std::cout << "follow-up of session " << session << " of " << plan_file << " on the phantom "
              << phantom_dir << " (" << made.planning.ct.geometry().describe() << ")\n";
    printFollowup(made, plan, request);
    const phantom::SyntheticFollowup& fu = made.followup;
    phantom::writeSyntheticFollowupFolder(fu, out_path, made.series);
    std::cout << "follow-up written to " << out << " (" << fu.ct.geometry().describe() << ", "
              << fixed(secondsSince(t0), 1) << " s)\n"
              << kResearchBanner << "\n";
    exit_code = 0;
  });
}

}  // namespace rfa::cli
