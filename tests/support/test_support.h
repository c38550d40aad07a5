#pragma once
// Helpers for rfaplan tests: shared test data, temporary folders, running programs, hashes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/volume.h"

namespace rfa::test {

/// Root of ../shared (RFA_SHARED_DIR overrides). May not exist in a user's fresh clone.
std::filesystem::path sharedDir();

/// Path of ../shared/testdata/<rel>, or an empty path if it is absent.
std::filesystem::path sharedTestData(const std::string& rel);

/// Skips the current test, saying which shared data is missing, if `p` is empty.
#define RFA_SKIP_IF_MISSING(p, what)                                              \
  do {                                                                            \
    if ((p).empty())                                                              \
      GTEST_SKIP() << "shared test data absent: " << (what)                       \
                   << " (set RFA_SHARED_DIR or place ../shared beside the repo)"; \
  } while (0)

/// Sets an environment variable for its lifetime and restores the previous value (or its absence)
/// on destruction, e.g. RFA_THREADS for a thread-count determinism check.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// A fresh folder under the system temp dir, removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

/// Result of running a program.
struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

/// Runs argv[0] with arguments (no shell), capturing stdout and stderr.
RunResult run(const std::vector<std::string>& argv);

/// True if `program` is found on PATH.
bool haveProgram(const std::string& program);

/// MD5 (hex) of a byte buffer.
std::string md5Hex(const void* data, std::size_t size);

/// MD5 of the volume's voxels converted to little-endian int16 (x fastest), as in the IRCADb
/// reference_stats.json ("ct_int16_md5_zyx_little_endian").
std::string int16Md5(const ImageVolume& v);

}  // namespace rfa::test
