#pragma once
// Where the case database lives and how its folder and file are created (modes 0700 / 0600).
#include <filesystem>

namespace rfa::cases::detail {

/// \brief Creates the missing folders up to `file`'s folder with mode 0700 (chmod after mkdir, so
/// the umask does not matter) and, when `file` does not exist, an empty `file` with mode 0600.
/// Existing folders and files keep their modes.
/// \throws WriteError naming the folder or file that cannot be created; NotFoundError when `file`
/// exists but is not a regular file.
void prepareDatabaseFile(const std::filesystem::path& file);

}  // namespace rfa::cases::detail
