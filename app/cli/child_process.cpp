#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "rfa/core/error.h"

namespace rfa::cli {
namespace fs = std::filesystem;

namespace {

// argv/envp arrays for posix_spawn over strings that outlive the call.
std::vector<char*> cStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> environmentWith(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    bool replaced = false;
    for (const auto& [name, value] : extra) {
      if (entry.rfind(name + "=", 0) == 0) replaced = true;
    }
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [name, value] : extra) {
    std::string entry = name;
    entry += '=';
    entry += value;
    env.push_back(std::move(entry));
  }
  return env;
}

// Spawns argv with stdin from /dev/null and stdout/stderr to `log_fd`; `dup_to_3` (>= 0) becomes
// the child's fd 3. Returns the pid. \throws Error(kInternal).
pid_t spawn(std::vector<std::string> argv, int log_fd, int dup_to_3,
            const std::vector<std::pair<std::string, std::string>>& extra_env) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  if (dup_to_3 >= 0) posix_spawn_file_actions_adddup2(&actions, dup_to_3, 3);
  std::vector<std::string> env = environmentWith(extra_env);
  std::vector<char*> c_argv = cStrings(argv);
  std::vector<char*> c_env = cStrings(env);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw Error(ExitCode::kInternal,
                "cannot start " + argv.front() + ": " + std::string(std::strerror(rc)));
  }
  return pid;
}

int waitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 128;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 128;
}

int openLog(const fs::path& log) {
  std::error_code ec;
  if (log.has_parent_path()) fs::create_directories(log.parent_path(), ec);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(ExitCode::kWriteFailed,
                "cannot write the log " + log.string() + ": " + std::strerror(errno));
  }
  return fd;
}

}  // namespace

fs::path selfExecutable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error(ExitCode::kInternal, "cannot read /proc/self/exe: " + ec.message());
  return p;
}

std::optional<fs::path> findGuiExecutable() {
  const fs::path dir = selfExecutable().parent_path();
  for (const fs::path& p : {dir / "rfaplan-gui", dir / "gui" / "rfaplan-gui"}) {
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

std::optional<fs::path> findOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string d = dirs.substr(start, end - start);
    if (!d.empty()) {
      const fs::path p = fs::path(d) / program;
      if (::access(p.c_str(), X_OK) == 0) return p;
    }
    start = end + 1;
  }
  return std::nullopt;
}

int runChild(const std::vector<std::string>& argv, const fs::path& log,
             const std::vector<std::pair<std::string, std::string>>& extra_env) {
  const int fd = openLog(log);
  pid_t pid = -1;
  try {
    pid = spawn(argv, fd, -1, extra_env);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return waitExit(pid);
}

XvfbDisplay::XvfbDisplay(const fs::path& xvfb, const fs::path& log) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ExitCode::kInternal, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  const int log_fd = openLog(log);
  try {
    pid_ = spawn({xvfb.string(), "-displayfd", "3", "-screen", "0", "1920x1200x24", "-nolisten",
                  "tcp", "-noreset"},
                 log_fd, fds[1], {});
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    ::close(log_fd);
    throw;
  }
  ::close(fds[1]);
  ::close(log_fd);
  // Xvfb writes the display number and a newline once it accepts clients.
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[32];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // Xvfb exited
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fds[0]);
  const std::size_t nl = text.find('\n');
  if (nl == std::string::npos || nl == 0) {
    ::kill(pid_, SIGTERM);
    waitExit(pid_);
    pid_ = -1;
    throw Error(ExitCode::kInternal,
                "Xvfb did not start within 30 s (its log: " + log.string() + ")");
  }
  display_ = ":" + text.substr(0, nl);
}

XvfbDisplay::~XvfbDisplay() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    waitExit(pid_);
  }
}

}  // namespace rfa::cli
