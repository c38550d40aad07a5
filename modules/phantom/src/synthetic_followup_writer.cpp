// writeSyntheticFollowupFolder(): DIR/ct (DICOM), DIR/truth/{liver,lesions,zones}.nrrd and
// DIR/truth.json
// ("rfaplan-followup-truth" version 1). All positions LPS mm.
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/core/uid.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/synthetic_followup.h"

namespace rfa::phantom {
namespace fs = std::filesystem;

void writeSyntheticFollowupFolder(const SyntheticFollowup& f, const fs::path& dir,
                                  const CtSeriesOptions& series) {
  writeCtSeries(f.ct, dir / "ct", series);
  const fs::path truth = dir / "truth";
  io::writeVolumeFile(truth / "liver.nrrd", f.liver);
  io::writeVolumeFile(truth / "lesions.nrrd", f.lesions);
  io::writeVolumeFile(truth / "zones.nrrd", f.zones);

  using nlohmann::json;
  auto v3 = [](const Vec3& v) { return json::array({v.x(), v.y(), v.z()}); };
  auto uid = [&series](const std::string& given, const std::string& suffix) {
    return given.empty() ? makeUidFromKey(series.uid_key + suffix) : given;
  };
  const SyntheticFollowupOptions& o = f.options;
  const FollowupDeformation& d = f.deformation;
  json j;
  j["format"] = "rfaplan-followup-truth";
  j["version"] = 1;
  j["generator"] = "rfaplan phantom follow-up";
  j["frame"] = "DICOM patient LPS, mm";
  j["note"] = "deformation: followup_to_planning(y) = y + v(y), LPS mm";
  j["planning"] = {{"seed", f.planning_options.seed}, {"lesion_count", f.planning_options.lesions}};
  const auto& g = f.ct.geometry();
  j["geometry"] = {{"size", {g.size()[0], g.size()[1], g.size()[2]}},
                   {"spacing_mm", v3(g.spacing())},
                   {"origin_lps_mm", v3(g.origin())}};
  j["series"] = {{"patient_id", series.patient_id},
                 {"study_instance_uid", uid(series.study_instance_uid, "/study")},
                 {"series_instance_uid", uid(series.series_instance_uid, "/series")},
                 {"frame_of_reference_uid", uid(series.frame_of_reference_uid, "/for")}};
  json bumps = json::array();
  for (const FollowupDeformation::Bump& b : d.bumps) {
    bumps.push_back({{"centre_lps_mm", v3(b.centre_lps)},
                     {"amplitude_mm", v3(b.amplitude_mm)},
                     {"sigma_mm", b.sigma_mm}});
  }
  j["deformation"] = {
      {"model",
       "y + v(y) = c + R(y - c) + t + sum_k a_k exp(-|y - c_k|^2 / (2 sigma_k^2)); R: right-handed "
       "rotation by rotation_deg about rotation_axis"},
      {"rotation_centre_lps_mm", v3(d.rotation_centre_lps)},
      {"rotation_axis", v3(d.rotation_axis)},
      {"rotation_deg", d.rotation_deg},
      {"translation_mm", v3(d.translation_mm)},
      {"bumps", bumps}};
  j["max_displacement_in_liver_mm"] = f.max_displacement_in_liver_mm;
  j["zone_hu"] = o.zone_hu;
  j["liver_hu_shift"] = o.liver_hu_shift;
  j["noise_sigma_hu"] = o.noise_sigma_hu;
  j["noise_seed"] = o.noise_seed;
  j["margins"] = json::array();
  for (const MarginTruth& m : f.margins) {
    j["margins"].push_back({{"label", m.lesion_label},
                            {"minimal_margin_mm", m.minimal_margin_mm},
                            {"minimal_margin_uncorrected_mm", m.minimal_margin_uncorrected_mm},
                            {"residual_volume_ml", m.residual_volume_ml}});
  }
  j["zones"] = json::array();
  for (const FollowupZone& z : o.zones) {
    j["zones"].push_back({{"centre_lps_mm", v3(z.centre_lps)},
                          {"axes", {v3(z.axes.col(0)), v3(z.axes.col(1)), v3(z.axes.col(2))}},
                          {"semi_axes_mm", {z.semi_u_mm, z.semi_v_mm, z.semi_w_mm}},
                          {"lesion", z.lesion_label}});
  }
  j["lesion_changes"] = json::array();
  for (const LesionChange& c : o.lesion_changes) {
    j["lesion_changes"].push_back({{"label", c.label}, {"scale", c.scale}});
  }
  j["new_lesions"] = json::array();
  for (std::size_t n = 0; n < o.new_lesions.size(); ++n) {
    const NewLesion& l = o.new_lesions[n];
    j["new_lesions"].push_back(
        {{"label", n < f.new_lesion_labels.size() ? f.new_lesion_labels[n] : 0},
         {"centre_lps_mm", v3(l.centre_lps)},
         {"diameter_mm", l.diameter_mm},
         {"hu", l.hu}});
  }
  j["files"] = {{"ct", "ct/"},
                {"liver", "truth/liver.nrrd"},
                {"lesions", "truth/lesions.nrrd (viable lesions: planning labels, new ones after)"},
                {"zones", "truth/zones.nrrd"}};
  writeFileAtomically(dir / "truth.json", j.dump(2) + "\n");
}

std::map<int, double> readSyntheticFollowupMargins(const fs::path& dir) {
  const fs::path file = dir / "truth.json";
  std::ifstream in(file);
  if (!in) throw NotFoundError("cannot open follow-up truth " + file.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw CorruptDataError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || j.value("format", std::string()) != "rfaplan-followup-truth") {
    throw CorruptDataError(file.string() +
                           ": not a synthetic follow-up truth (format \"rfaplan-followup-truth\")");
  }
  std::map<int, double> margins;
  try {
    for (const nlohmann::json& m : j.at("margins")) {
      margins[m.at("label").get<int>()] = m.at("minimal_margin_mm").get<double>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw CorruptDataError(file.string() + ": malformed margins (" + e.what() + ")");
  }
  return margins;
}

}  // namespace rfa::phantom
