// Retention and clearing of the workstation's patient-data cache (patient_cache.h).
#include "rfa/workflow/patient_cache.h"

#include <algorithm>
#include <system_error>

namespace rfa::workflow {

namespace fs = std::filesystem;

namespace {

struct Entry {
  fs::path path;
  fs::file_time_type newest;
  std::uintmax_t bytes = 0;
};

// The newest modification time and total size of an entry (a file, or a folder's tree).
Entry measure(const fs::path& p) {
  Entry e{p, fs::file_time_type::min(), 0};
  std::error_code ec;
  const auto consider = [&](const fs::directory_entry& d) {
    std::error_code ec2;
    const fs::file_time_type t = d.last_write_time(ec2);
    if (!ec2) e.newest = std::max(e.newest, t);
    if (d.is_regular_file(ec2)) {
      const std::uintmax_t n = d.file_size(ec2);
      if (!ec2) e.bytes += n;
    }
  };
  consider(fs::directory_entry(p, ec));
  if (fs::is_directory(fs::symlink_status(p, ec))) {
    for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
      consider(*it);
    }
  }
  return e;
}

void removeEntry(const Entry& e, CachePruneResult& r) {
  std::error_code ec;
  fs::remove_all(e.path, ec);
  if (ec) {
    r.errors.push_back(e.path.filename().string() + ": " + ec.message());
    ++r.kept;
    r.kept_bytes += e.bytes;
    return;
  }
  ++r.removed;
  r.removed_bytes += e.bytes;
}

std::vector<Entry> entriesOf(const fs::path& dir) {
  std::vector<Entry> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(measure(it->path()));
  }
  return out;
}

}  // namespace

CachePruneResult prunePatientCache(const fs::path& dir, const CacheRetention& retention,
                                   std::chrono::system_clock::time_point now) {
  CachePruneResult r;
  std::vector<Entry> entries = entriesOf(dir);
  // Oldest first.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.newest < b.newest; });
  const auto now_file =
      fs::file_time_type::clock::now() + std::chrono::duration_cast<fs::file_time_type::duration>(
                                             now - std::chrono::system_clock::now());
  std::uintmax_t total = 0;
  for (const Entry& e : entries) total += e.bytes;
  for (const Entry& e : entries) {
    const bool too_old = now_file - e.newest > retention.max_age;
    const bool too_much = total > retention.max_bytes;
    if (too_old || too_much) {
      const int before = r.removed;
      removeEntry(e, r);
      if (r.removed > before) total -= e.bytes;
    } else {
      ++r.kept;
      r.kept_bytes += e.bytes;
    }
  }
  return r;
}

CachePruneResult clearPatientCache(const std::vector<fs::path>& dirs) {
  CachePruneResult r;
  for (const fs::path& d : dirs) {
    for (const Entry& e : entriesOf(d)) removeEntry(e, r);
  }
  return r;
}

}  // namespace rfa::workflow
