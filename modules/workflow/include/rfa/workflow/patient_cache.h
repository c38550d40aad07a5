#pragma once
/// \file patient_cache.h
/// \brief The patient data the workstation keeps for itself: series retrieved from a PACS
/// (`<cache>/pacs/<series UID>/`), exports on their way to a PACS (`<cache>/outgoing/`) and the
/// crash-recovery autosave (autosave.h). All of it owner-only (folders 0700, files 0600:
/// private_files.h); the retrieved series are kept within a retention limit (age and total size)
/// and can be cleared at once. Research use only.
///
/// Units: ages in hours, sizes in bytes; times are the file system's modification times.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rfa::workflow {

/// \brief How long and how much of the retrieved series is kept.
struct CacheRetention {
  std::chrono::hours max_age{24 * 7};                   ///< older entries are removed (> 0)
  std::uintmax_t max_bytes = std::uintmax_t{20} << 30;  ///< then the oldest until within this
};

/// \brief What prunePatientCache() or clearPatientCache() removed.
struct CachePruneResult {
  int removed = 0;  ///< entries (series folders or files) removed
  std::uintmax_t removed_bytes = 0;
  int kept = 0;
  std::uintmax_t kept_bytes = 0;
  std::vector<std::string> errors;  ///< entries that could not be removed, with the reason
};

/// \brief Applies `retention` to the entries of `dir` (each direct child, a series folder or a
/// file; its age is its newest modification time, its size the sum of its files): removes those
/// older than max_age at `now`, then the oldest until the rest fits max_bytes. A missing `dir`
/// is empty. Never throws for an entry: failures are listed in `errors`.
CachePruneResult prunePatientCache(const std::filesystem::path& dir,
                                   const CacheRetention& retention,
                                   std::chrono::system_clock::time_point now);

/// \brief Removes every entry of each folder of `dirs` (e.g. the PACS cache and the outgoing
/// folder), keeping the folders themselves. Never throws: failures are listed in `errors`.
CachePruneResult clearPatientCache(const std::vector<std::filesystem::path>& dirs);

}  // namespace rfa::workflow
