// Folder walk and parallel header reading.
#include <algorithm>
#include <mutex>
#include <system_error>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/io/dicom_scan.h"

namespace rfa::io {
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> listFiles(const fs::path& root, bool& saw_dicomdir) {
  std::vector<fs::path> files;
  std::error_code ec;
  const auto st = fs::status(root, ec);
  if (ec || !fs::exists(st)) throw NotFoundError("input not found: " + root.string());
  if (fs::is_regular_file(st)) return {root};
  if (!fs::is_directory(st)) throw NotFoundError("not a file or folder: " + root.string());
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw NotFoundError("cannot read folder " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw NotFoundError("cannot read folder " + root.string() + ": " + ec.message());
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    const auto name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // hidden files (.DS_Store, editor swaps)
    if (name == "DICOMDIR") {
      // The media directory only indexes files that the walk finds anyway.
      saw_dicomdir = true;
      continue;
    }
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

ScanResult scanDicom(const fs::path& path) {
  ScanResult result;
  const std::vector<fs::path> files = listFiles(path, result.used_dicomdir);
  result.files_examined = files.size();
  if (files.empty()) {
    throw NoDataError("no files in folder " + path.string() + ": expected a DICOM series");
  }

  std::vector<std::vector<DicomSliceInfo>> per_file(files.size());
  std::vector<std::optional<SkippedFile>> skipped(files.size());
  parallelFor(files.size(), [&](std::size_t i) {
    try {
      per_file[i] = readSliceHeaders(files[i]);
    } catch (const CorruptDataError& e) {
      skipped[i] = SkippedFile{files[i], e.what(), true};
    } catch (const Error& e) {
      skipped[i] = SkippedFile{files[i], e.what(), false};
    }
  });

  std::vector<DicomSliceInfo> slices;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (skipped[i]) result.skipped.push_back(std::move(*skipped[i]));
    for (auto& s : per_file[i]) slices.push_back(std::move(s));
  }
  if (slices.empty()) {
    std::string why;
    bool any_corrupt = false;
    for (std::size_t i = 0; i < result.skipped.size() && i < 5; ++i) {
      why += "\n  " + result.skipped[i].reason;
    }
    for (const auto& s : result.skipped) any_corrupt = any_corrupt || s.looks_like_dicom;
    if (result.skipped.size() > 5)
      why += "\n  ... and " + std::to_string(result.skipped.size() - 5) + " more";
    const std::string msg = "no DICOM image found in " + path.string() + " (" +
                            std::to_string(files.size()) + " file(s) examined):" + why;
    if (any_corrupt) throw CorruptDataError(msg);
    throw NoDataError(msg);
  }
  result.series = assembleSeries(std::move(slices));
  return result;
}

}  // namespace rfa::io
