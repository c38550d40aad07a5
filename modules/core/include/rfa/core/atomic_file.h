#pragma once
/// \file atomic_file.h
/// \brief Replacing a file so that readers and crashes see either the old content or the new
/// content, never a mix or a truncated file (POSIX rename semantics).

#include <filesystem>
#include <string>

namespace rfa {

/// \brief Writes `bytes` to `file` atomically: writes `<file>.tmp-<pid>` in the same folder,
/// fsyncs it, renames it over `file` (creating or replacing it), then fsyncs the folder so that
/// the rename itself is durable. `file` ends up with permissions 0666 & ~umask (a replaced file's
/// permissions are not kept).
/// \throws WriteError "cannot write <file>: <what failed>: <strerror>" when any step fails; the
/// temporary file is removed and the previous content of `file` (if any) is left intact. A failure
/// of the final fsync of the folder is also reported, although the new content is then in place.
void writeFileAtomically(const std::filesystem::path& file, const std::string& bytes);

}  // namespace rfa
