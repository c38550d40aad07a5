#pragma once
/// \file private_files.h
/// \brief Folders and files that hold patient data (caches, autosave, outgoing exports, the
/// worklist, the audit log) readable by their owner only: folders 0700, files 0600, whatever the
/// umask. POSIX permissions; on a shared workstation other accounts then cannot list or read them.

#include <filesystem>

namespace rfa {

/// What createPrivateFolder() does to `dir` itself when it exists already.
enum class ExistingFolder {
  kNarrow,  ///< set it to 0700: a folder rfaplan owns (its cache, autosave, outgoing, data)
  kKeep,    ///< leave it: a folder the user chose (e.g. the parent of --db FILE, maybe /tmp)
};

/// \brief Creates `dir` and its missing parents, each created folder with mode 0700; `dir` itself,
/// when it existed, is set to 0700 or kept as `existing` says. Parents that existed are left as
/// they are. \throws WriteError naming the folder when one cannot be created or its mode cannot be
/// set, or when `dir` exists and is not a folder.
void createPrivateFolder(const std::filesystem::path& dir,
                         ExistingFolder existing = ExistingFolder::kNarrow);

/// \brief Sets `root` and every folder below it to 0700 and every regular file to 0600 (after a
/// writer that used the umask, e.g. a C-GET or an image writer). Symbolic links are neither
/// followed nor changed. Does nothing when `root` does not exist.
/// \throws WriteError naming the first entry whose mode cannot be set.
void restrictToOwner(const std::filesystem::path& root);

}  // namespace rfa
