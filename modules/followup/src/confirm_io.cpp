// writeConfirmation(): margins.json and the volumes of a confirmation (confirm.h).
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/followup/confirm.h"
#include "rfa/io/volume_file.h"

namespace rfa::followup {
namespace {

using ojson = nlohmann::ordered_json;

double round3(double v) {
  return std::isfinite(v) ? std::round(v * 1000.0) / 1000.0 : v;
}

ojson vec(const Vec3& v) {
  return ojson::array({round3(v.x()), round3(v.y()), round3(v.z())});
}

ojson qualityJson(const RegistrationQuality& q) {
  ojson j;
  j["mean_abs_difference_initial"] = round3(q.mean_abs_difference_initial);
  j["mean_abs_difference_rigid"] = round3(q.mean_abs_difference_rigid);
  j["mean_abs_difference_final"] = round3(q.mean_abs_difference_final);
  j["liver_surface_mean_mm"] =
      q.liver_surface_mean_mm ? ojson(round3(*q.liver_surface_mean_mm)) : ojson(nullptr);
  j["liver_surface_p95_mm"] =
      q.liver_surface_p95_mm ? ojson(round3(*q.liver_surface_p95_mm)) : ojson(nullptr);
  j["max_deformable_displacement_mm"] = round3(q.max_deformable_displacement_mm);
  j["min_jacobian"] = round3(q.min_jacobian);
  j["rotation_deg"] = round3(q.rotation_deg);
  j["translation_mm"] = round3(q.translation_mm);
  j["seconds"] = round3(q.seconds);
  j["poor"] = q.poor;
  j["warnings"] = q.warnings;
  return j;
}

ojson lesionJson(const LesionConfirmation& l) {
  const MarginResult& m = l.margin;
  ojson j;
  j["lesion"] = l.lesion_id;
  j["session"] = l.session;
  j["verdict"] = m.verdict;
  j["technical_success"] = m.technical_success;
  j["minimal_margin_mm"] = round3(m.minimal_margin_mm);
  j["minimal_margin_uncorrected_mm"] = round3(m.minimal_margin_uncorrected_mm);
  j["mean_margin_mm"] = round3(m.mean_margin_mm);
  j["minimal_margin_point_lps"] = vec(m.minimal_margin_point_lps);
  j["percent_surface_at_threshold"] = round3(m.percent_at_threshold);
  j["percent_surface_subcapsular"] = round3(m.percent_subcapsular);
  j["surface_points"] = m.surface_points;
  j["residual_volume_ml"] = round3(m.residual_volume_ml);
  j["lesion_volume_ml"] = round3(m.lesion_volume_ml);
  j["zone"] = {{"volume_ml", round3(l.zone.volume_ml)},
               {"expected_volume_ml", round3(l.zone.expected_volume_ml)},
               {"dice_with_expected", round3(l.zone.dice_with_expected)},
               {"parenchyma_level", round3(l.zone.parenchyma_level)},
               {"zone_level", round3(l.zone.zone_level)},
               {"threshold", round3(l.zone.threshold)}};
  j["histogram"] = {{"first_bin_mm", m.histogram_min_mm},
                    {"bin_mm", m.histogram_bin_mm},
                    {"surface_points_per_bin", m.histogram},
                    {"note", "first and last bins also hold the margins beyond them"}};
  j["warnings"] = l.warnings;
  return j;
}

}  // namespace

void writeConfirmation(const ConfirmResult& r, const planning::TreatmentPlan& plan,
                       const std::filesystem::path& outdir) {
  std::error_code ec;
  std::filesystem::create_directories(outdir, ec);
  if (ec) throw WriteError("cannot create " + outdir.string() + ": " + ec.message());
  writeRegistration(r.registration, outdir / "registration");
  io::writeVolumeFile(outdir / "zones.nrrd", r.zones);
  io::writeVolumeFile(outdir / "margin_map.nrrd", r.margin_map);
  io::writeVolumeFile(outdir / "followup_registered.nrrd", r.followup_on_planning);

  ojson j;
  j["format"] = "rfaplan-margins";
  j["version"] = 1;
  j["research_use_only"] = "Research use only: not for clinical decisions.";
  j["frame"] = "planning series, DICOM patient LPS mm";
  j["plan"] = {{"patient_id", plan.source.patient_id},
               {"series_instance_uid", plan.source.series_instance_uid},
               {"revision", plan.revision}};
  j["identity"] = {{"planning_patient_id", r.identity.planning_patient_id},
                   {"followup_patient_id", r.identity.followup_patient_id},
                   {"same_patient_id", r.identity.same_patient_id},
                   {"same_frame_of_reference", r.identity.same_frame_of_reference},
                   {"grids_overlap", r.identity.grids_overlap},
                   {"summary", r.identity.summary}};
  j["threshold_mm"] = r.threshold_mm;
  j["method"] =
      "MAM: minimal signed distance from the planning lesion surface to the ablation zone "
      "segmented "
      "on the registered follow-up; subcapsular correction: inside the zone the distance to the "
      "nearest non-ablated liver";
  j["registration"] = qualityJson(r.registration.quality);
  ojson lesions = ojson::array();
  int success = 0;
  for (const LesionConfirmation& l : r.lesions) {
    lesions.push_back(lesionJson(l));
    success += l.margin.technical_success ? 1 : 0;
  }
  j["lesions"] = lesions;
  j["technical_success"] = {{"lesions", static_cast<int>(r.lesions.size())},
                            {"successful", success}};
  j["warnings"] = r.warnings;
  j["seconds"] = {{"registration", round3(r.registration_seconds)},
                  {"margins", round3(r.margin_seconds)}};
  j["files"] = {
      {"zones", "zones.nrrd (label = lesion id, planning grid)"},
      {"margin_map", "margin_map.nrrd (mm on the lesion surface voxels, NaN elsewhere)"},
      {"followup_registered", "followup_registered.nrrd (follow-up on the planning grid)"},
      {"registration", "registration/registration.json"}};
  writeFileAtomically(outdir / "margins.json", j.dump(2) + "\n");
}

std::vector<MarginsRow> readMarginsFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw NotFoundError("cannot open margins file " + file.string());
  ojson j;
  try {
    j = ojson::parse(in);
  } catch (const ojson::exception& e) {
    throw CorruptDataError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || j.value("format", std::string()) != "rfaplan-margins") {
    throw CorruptDataError(file.string() +
                           ": not an rfaplan margins file (format \"rfaplan-margins\")");
  }
  if (j.value("version", 0) > 1) {
    throw UnsupportedError(file.string() + ": margins format version " +
                           std::to_string(j.value("version", 0)) + " is newer than 1");
  }
  std::vector<MarginsRow> rows;
  try {
    for (const ojson& l : j.at("lesions")) {
      rows.push_back({l.at("lesion").get<int>(), l.at("minimal_margin_mm").get<double>(),
                      l.at("verdict").get<std::string>(), l.at("technical_success").get<bool>()});
    }
  } catch (const ojson::exception& e) {
    throw CorruptDataError(file.string() + ": malformed lesion row (" + e.what() + ")");
  }
  return rows;
}

}  // namespace rfa::followup
