// readAtlasFolder() (atlas_liver.h): image_<id> / label_<id> pairs of a folder.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "rfa/atlas/atlas_liver.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"

namespace rfa::atlas {

namespace {

namespace fs = std::filesystem;

constexpr const char* kExtensions[] = {".nii.gz", ".nii", ".nrrd"};

// "<prefix><id><ext>" -> id and ext; false for another name.
bool splitName(const std::string& name, const std::string& prefix, std::string& id,
               std::string& ext) {
  if (name.rfind(prefix, 0) != 0) return false;
  for (const char* e : kExtensions) {
    const std::string x = e;
    if (name.size() > prefix.size() + x.size() && name.ends_with(x)) {
      id = name.substr(prefix.size(), name.size() - prefix.size() - x.size());
      ext = x;
      return true;
    }
  }
  return false;
}

bool numericId(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool idLess(const std::string& a, const std::string& b) {
  if (numericId(a) && numericId(b) && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

std::vector<Atlas> readAtlasFolder(const fs::path& folder, int liver_label,
                                   const std::vector<std::string>& skip_ids) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw NotFoundError("atlas folder " + folder.string() + " does not exist");
  }
  std::vector<std::pair<std::string, std::pair<fs::path, fs::path>>> pairs;
  for (const auto& entry : fs::directory_iterator(folder)) {
    std::string id;
    std::string ext;
    if (!entry.is_regular_file() || !splitName(entry.path().filename().string(), "image_", id, ext))
      continue;
    if (std::find(skip_ids.begin(), skip_ids.end(), id) != skip_ids.end()) continue;
    std::string label_name = "label_";
    label_name += id;
    label_name += ext;
    const fs::path label = folder / label_name;
    if (fs::is_regular_file(label, ec)) pairs.push_back({id, {entry.path(), label}});
  }
  if (pairs.empty()) {
    throw NotFoundError("atlas folder " + folder.string() +
                        " holds no image_<id> / label_<id> pair (.nii.gz, .nii or .nrrd)");
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return idLess(a.first, b.first); });
  std::vector<Atlas> atlases;
  for (const auto& [id, files] : pairs) {
    Atlas a;
    a.name = files.first.filename().string();
    a.image = io::loadImage(files.first).image;
    const LabelMap labels = io::readLabelFile(files.second);
    if (!labels.geometry().sameGrid(a.image.geometry())) {
      throw GeometryError("atlas " + files.second.string() + " (" + labels.geometry().describe() +
                          ") is not on the grid of " + files.first.string() + " (" +
                          a.image.geometry().describe() + ")");
    }
    a.liver = Mask(labels.geometry(), 0);
    std::size_t n = 0;
    const auto l = labels.data();
    auto m = a.liver.data();
    for (std::size_t v = 0; v < l.size(); ++v) {
      m[v] = static_cast<int>(l[v]) == liver_label ? 1 : 0;
      n += m[v];
    }
    if (n == 0) {
      throw NoDataError("atlas " + files.second.string() + " holds no voxel of the liver label " +
                        std::to_string(liver_label));
    }
    atlases.push_back(std::move(a));
  }
  return atlases;
}

}  // namespace rfa::atlas
