// The case database's default location and the creation of its folder and file with private modes.
#include "db_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"
#include "rfa/core/private_files.h"

namespace rfa::cases {

namespace fs = std::filesystem;

fs::path defaultDatabasePath() {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? std::string(v) : std::string();
  };
  if (const std::string db = env("RFA_CASES_DB"); !db.empty()) return db;
  if (const std::string xdg = env("XDG_DATA_HOME"); !xdg.empty() && xdg.front() == '/') {
    return fs::path(xdg) / "rfaplan" / "cases.sqlite";
  }
  if (const std::string home = env("HOME"); !home.empty()) {
    return fs::path(home) / ".local" / "share" / "rfaplan" / "cases.sqlite";
  }
  throw UsageError("no case database: set RFA_CASES_DB, XDG_DATA_HOME or HOME, or give --db FILE");
}

namespace detail {

void prepareDatabaseFile(const fs::path& file) {
  const fs::path abs = fs::absolute(file);
  // Missing folders 0700; an existing one (the user's choice) is left as it is.
  createPrivateFolder(abs.parent_path(), ExistingFolder::kKeep);
  struct stat st {};
  if (::stat(abs.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      throw NotFoundError(abs.string() + " is not a file: cannot use it as the case database");
    }
    return;
  }
  const int fd = ::open(abs.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;  // created by another process meanwhile
    throw WriteError("cannot create the case database " + abs.string() + ": " +
                     std::strerror(errno));
  }
  const bool ok = ::fchmod(fd, 0600) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) {
    throw WriteError("cannot set mode 0600 on " + abs.string() + ": " + std::strerror(err));
  }
}

}  // namespace detail
}  // namespace rfa::cases
