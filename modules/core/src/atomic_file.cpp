// Atomic file replacement: temporary file, fsync, rename, fsync of the folder (atomic_file.h).
#include "rfa/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "rfa/core/error.h"

namespace rfa {

namespace {

// Throws WriteError with the errno of the step that failed (read before anything else runs).
[[noreturn]] void fail(const std::filesystem::path& file, const std::string& step, int err) {
  throw WriteError("cannot write " + file.string() + ": " + step + ": " + std::strerror(err));
}

// The temporary file: closed and removed on destruction unless renamed (release()).
class TempFile {
 public:
  explicit TempFile(std::filesystem::path path) : path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  /// Opens (creates or truncates) the file; false with errno set on failure.
  bool open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    return fd_ >= 0;
  }
  [[nodiscard]] int fd() const { return fd_; }
  /// Closes the descriptor; false with errno set on failure.
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }
  /// The file was renamed (or never created): nothing left to remove.
  void release() { path_.clear(); }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace

void writeFileAtomically(const std::filesystem::path& file, const std::string& bytes) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  std::filesystem::path tmp_path = file;
  tmp_path += ".tmp-" + std::to_string(::getpid());
  const std::string tmp_name = tmp_path.filename().string();

  TempFile tmp(tmp_path);
  if (!tmp.open()) {
    const int err = errno;
    tmp.release();  // not created by us: nothing of ours to remove
    fail(file, "cannot create " + tmp_name, err);
  }
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(tmp.fd(), p, left);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      fail(file, "write to " + tmp_name, err);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0) {
    const int err = errno;
    fail(file, "fsync of " + tmp_name, err);
  }
  if (!tmp.close()) {
    const int err = errno;
    fail(file, "close of " + tmp_name, err);
  }
  if (::rename(tmp_path.c_str(), file.c_str()) != 0) {
    const int err = errno;
    fail(file, "rename of " + tmp_name, err);
  }
  tmp.release();

  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    const int err = errno;
    fail(file, "cannot open folder " + dir.string(), err);
  }
  const int sync_rc = ::fsync(dir_fd);
  const int sync_err = errno;
  ::close(dir_fd);
  if (sync_rc != 0) fail(file, "fsync of folder " + dir.string(), sync_err);
}

}  // namespace rfa
