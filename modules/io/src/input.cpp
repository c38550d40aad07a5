#include "rfa/io/input.h"

#include <system_error>

#include "rfa/core/error.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"
#include "rfa/io/volume_file.h"

namespace rfa::io {
namespace fs = std::filesystem;

ResolvedInput resolveInput(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFoundError("input not found: " + path.string());
  ResolvedInput r;
  r.path = path;
  r.image_path = path;
  if (fs::is_directory(path, ec)) {
    if (fs::is_regular_file(path / "truth.json", ec) && fs::is_directory(path / "ct", ec)) {
      r.kind = InputKind::kPhantomFolder;
      r.image_path = path / "ct";
    }
    return r;
  }
  if (isVolumeFileName(path)) r.kind = InputKind::kVolumeFile;
  return r;
}

LoadedImage loadImage(const fs::path& input, const std::string& series_id) {
  const ResolvedInput in = resolveInput(input);
  LoadedImage out;
  if (in.kind == InputKind::kVolumeFile) {
    if (!series_id.empty())
      throw SelectionError("--series " + series_id + " given, but " + input.string() +
                           " is a volume file");
    out.image = readVolumeFile(in.image_path);
    out.source = in.image_path.filename().string();
    return out;
  }
  ScanResult scan = scanDicom(in.image_path);
  std::vector<const DicomSeries*> candidates;
  for (const auto& s : scan.series) {
    if (series_id.empty() ? s.loadable
                          : (s.id == series_id || s.series_instance_uid == series_id)) {
      candidates.push_back(&s);
    }
  }
  auto list = [&] {
    std::string l;
    for (const auto& s : scan.series) {
      l += "\n  " + s.id + "  " + s.modality + "  '" + s.description + "'  " +
           std::to_string(s.slices.size()) + " slices" +
           (s.loadable ? "" : "  (not loadable: " + s.error + ")");
    }
    return l;
  };
  if (candidates.empty()) {
    if (series_id.empty()) {
      const DicomSeries& s = scan.series.front();
      throw GeometryError("no loadable series in " + input.string() + ": " + s.id + ": " + s.error);
    }
    throw SelectionError("series " + series_id + " not found in " + input.string() +
                         "; series there:" + list());
  }
  if (candidates.size() > 1) {
    throw SelectionError(std::to_string(candidates.size()) + " series in " + input.string() +
                         "; choose one with --series UID:" + list());
  }
  LoadedSeries loaded = loadSeries(*candidates.front());
  out.image = std::move(loaded.image);
  out.warnings = std::move(loaded.warnings);
  for (const auto& sk : scan.skipped) {
    out.warnings.push_back("skipped " + sk.file.string() + ": " + sk.reason);
  }
  out.source = "DICOM series " + loaded.series.id +
               (loaded.series.description.empty() ? "" : " (" + loaded.series.description + ")");
  out.series = std::move(loaded.series);
  return out;
}

}  // namespace rfa::io
