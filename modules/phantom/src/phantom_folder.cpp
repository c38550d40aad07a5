// A phantom folder read back (phantom_folder.h).
#include "rfa/phantom/phantom_folder.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "rfa/core/error.h"

namespace rfa::phantom {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Vec3 vec3Of(const json& a) {
  return {a.at(0).get<double>(), a.at(1).get<double>(), a.at(2).get<double>()};
}

std::string mm(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

}  // namespace

PhantomFolderTruth readPhantomFolderTruth(const fs::path& dir) {
  PhantomFolderTruth t;
  t.file = dir / "truth.json";
  const std::string file = t.file.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw NotFoundError("phantom folder " + dir.string() + " not found");
  std::ifstream in(t.file);
  if (!in) {
    throw NotFoundError("cannot open " + file +
                        " (the phantom folder must be one written by 'rfaplan phantom')");
  }
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw CorruptDataError(file + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("options")) {
    throw CorruptDataError(file +
                           " has no \"options\" (written by an older rfaplan): regenerate the "
                           "phantom with 'rfaplan phantom' and plan on it again");
  }
  try {
    const json& o = j.at("options");
    PhantomOptions& p = t.options;
    p.lesions = o.at("lesions").get<int>();
    p.seed = o.at("seed").get<std::uint64_t>();
    const json& size = o.at("size");
    const json& spacing = o.at("spacing_mm");
    if (!size.is_array() || size.size() != 3 || !spacing.is_array() || spacing.size() != 3) {
      throw CorruptDataError(file + ": options.size and options.spacing_mm need 3 values");
    }
    for (std::size_t a = 0; a < 3; ++a) {
      p.size[a] = size[a].get<std::size_t>();
      p.spacing_mm[static_cast<Eigen::Index>(a)] = spacing[a].get<double>();
    }
    p.noise_sigma_hu = o.at("noise_sigma_hu").get<double>();
    p.min_lesion_diameter_mm = o.at("min_lesion_diameter_mm").get<double>();
    p.max_lesion_diameter_mm = o.at("max_lesion_diameter_mm").get<double>();
    p.neighbours = o.value("neighbours", false);  // absent in phantoms written before it
    if (o.value("mr_t2", false)) {
      throw UnsupportedError(file + ": the MR phantom variant has no follow-up (CT only)");
    }
    const json& g = j.at("geometry");
    const json& gs = g.at("size");
    t.grid = ImageGeometry(
        {gs.at(0).get<std::size_t>(), gs.at(1).get<std::size_t>(), gs.at(2).get<std::size_t>()},
        vec3Of(g.at("spacing_mm")), vec3Of(g.at("origin_lps_mm")));
    t.liver_volume_ml = j.at("liver_volume_ml").get<double>();
    for (const json& l : j.at("lesions")) {
      t.lesions.push_back({l.at("label").get<int>(), vec3Of(l.at("center_lps_mm"))});
    }
    const json& series = j.value("series", json::object());
    if (series.contains("series_instance_uid") && series["series_instance_uid"].is_string()) {
      t.series_instance_uid = series["series_instance_uid"].get<std::string>();
    }
  } catch (const json::exception& e) {
    throw CorruptDataError(file + ": malformed phantom truth (" + e.what() + ")");
  } catch (const GeometryError& e) {
    throw CorruptDataError(file + ": malformed geometry (" + e.what() + ")");
  }
  return t;
}

Phantom regeneratePhantom(const PhantomFolderTruth& truth) {
  const std::string file = truth.file.string();
  Phantom p;
  try {
    p = generatePhantom(truth.options);
  } catch (const UsageError& e) {
    throw CorruptDataError(file + ": invalid options (" + e.what() + ")");
  } catch (const GeometryError& e) {
    throw CorruptDataError(file + ": invalid options (" + e.what() + ")");
  }
  const auto mismatch = [&](const std::string& what) {
    throw SelectionError("the phantom regenerated from the options in " + file +
                         " is not the one in " + truth.file.parent_path().string() + " (" + what +
                         "): regenerate the phantom with this rfaplan ('rfaplan phantom') and plan "
                         "on it again");
  };
  if (!truth.grid.sameGrid(p.ct.geometry(), 1e-6)) {
    mismatch("grid " + p.ct.geometry().describe() + ", written " + truth.grid.describe());
  }
  if (std::abs(truth.liver_volume_ml - p.liver_volume_ml) >
      1e-6 * std::max(1.0, truth.liver_volume_ml)) {
    mismatch("liver " + mm(p.liver_volume_ml, 3) + " mL, written " + mm(truth.liver_volume_ml, 3) +
             " mL");
  }
  if (truth.lesions.size() != p.lesion_truth.size()) {
    mismatch(std::to_string(p.lesion_truth.size()) + " lesions, written " +
             std::to_string(truth.lesions.size()));
  }
  for (std::size_t n = 0; n < truth.lesions.size(); ++n) {
    if (truth.lesions[n].label != p.lesion_truth[n].label ||
        (truth.lesions[n].centre_lps - p.lesion_truth[n].center_lps).norm() > 1e-6) {
      mismatch("lesion " + std::to_string(p.lesion_truth[n].label) + " differs");
    }
  }
  return p;
}

std::uint16_t storedCtPixel(double hu) {
  return static_cast<std::uint16_t>(std::clamp(std::round(hu) + 1024.0, 0.0, 4095.0));
}

ImageVolume storedCtValues(const ImageVolume& hu) {
  ImageVolume stored = hu;
  for (float& v : stored.data()) {
    v = static_cast<float>(storedCtPixel(static_cast<double>(v))) - 1024.0F;
  }
  return stored;
}

}  // namespace rfa::phantom
