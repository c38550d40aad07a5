// Owner-only folders and files (private_files.h).
#include "rfa/core/private_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "rfa/core/error.h"

namespace rfa {

namespace fs = std::filesystem;

namespace {

void setMode(const fs::path& p, mode_t mode) {
  if (::chmod(p.c_str(), mode) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    throw WriteError("cannot set mode " + std::string(octal) + " on " + p.string() + ": " +
                     std::strerror(errno));
  }
}

}  // namespace

void createPrivateFolder(const fs::path& dir, ExistingFolder existing) {
  const fs::path abs = fs::absolute(dir);
  std::vector<fs::path> missing;  // innermost first
  for (fs::path d = abs; !d.empty(); d = d.parent_path()) {
    std::error_code ec;
    if (fs::exists(d, ec)) break;
    missing.push_back(d);
    if (d == d.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      throw WriteError("cannot create the folder " + it->string() + ": " + std::strerror(errno));
    }
    setMode(*it, 0700);  // mkdir applies the umask
  }
  std::error_code ec;
  if (!fs::is_directory(abs, ec)) {
    throw WriteError(abs.string() + " exists and is not a folder");
  }
  if (existing == ExistingFolder::kNarrow) setMode(abs, 0700);
}

void restrictToOwner(const fs::path& root) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(root, ec);
  if (ec || !fs::exists(st) || fs::is_symlink(st)) return;
  if (!fs::is_directory(st)) {
    if (fs::is_regular_file(st)) setMode(root, 0600);
    return;
  }
  setMode(root, 0700);
  for (fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
       !ec && it != end; it.increment(ec)) {
    const fs::file_status s = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(s)) {
      setMode(it->path(), 0700);
    } else if (fs::is_regular_file(s)) {
      setMode(it->path(), 0600);
    }
  }
  if (ec) throw WriteError("cannot list " + root.string() + ": " + ec.message());
}

}  // namespace rfa
