// The audit trail (audit_log.h).
#include "rfa/audit/audit_log.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/core/private_files.h"
#include "rfa/core/sha256.h"

namespace rfa::audit {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string isoUtc(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

std::optional<fs::path> defaultLogPath() {
  const std::string explicit_log = env("RFA_AUDIT_LOG");
  if (explicit_log == "off") return std::nullopt;
  if (!explicit_log.empty()) return fs::path(explicit_log);
  if (const std::string state = env("XDG_STATE_HOME"); !state.empty() && state.front() == '/') {
    return fs::path(state) / "rfaplan" / "audit.jsonl";
  }
  if (const std::string home = env("HOME"); !home.empty()) {
    return fs::path(home) / ".local" / "state" / "rfaplan" / "audit.jsonl";
  }
  return std::nullopt;
}

std::string currentUser() {
  const uid_t uid = ::geteuid();
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr) {
    return found->pw_name;
  }
  if (std::string user = env("USER"); !user.empty()) return user;
  return "uid " + std::to_string(uid);
}

std::string fileSha256(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return sha256Hex(bytes.data(), bytes.size());
}

void append(const fs::path& log, const Event& event, std::chrono::system_clock::time_point now,
            const std::string& user) {
  // Missing folders are made 0700; an existing one (e.g. /tmp for RFA_AUDIT_LOG=/tmp/a.jsonl)
  // is not changed.
  if (log.has_parent_path()) createPrivateFolder(log.parent_path(), ExistingFolder::kKeep);
  nlohmann::ordered_json j;
  j["time"] = isoUtc(now);
  j["user"] = user;
  j["program"] = event.program;
  j["pid"] = static_cast<long long>(::getpid());
  j["action"] = event.action;
  j["uids"] = event.uids;
  j["sha256"] = event.sha256;
  j["details"] = event.details;
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw WriteError("cannot open the audit log " + log.string() + ": " + std::strerror(errno));
  }
  // One write of the whole line: a kill cannot interleave or split it with another writer.
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  const bool synced = ::fsync(fd) == 0;
  const bool narrowed = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    throw WriteError("cannot write the audit log " + log.string() + ": " +
                     (n < 0 ? std::strerror(write_errno) : "short write"));
  }
  if (!synced || !narrowed) {
    throw WriteError("cannot sync or protect the audit log " + log.string() + ": " +
                     std::strerror(errno));
  }
}

std::optional<std::string> record(const Event& event) {
  const std::optional<fs::path> log = defaultLogPath();
  if (!log) return std::nullopt;
  try {
    append(*log, event);
  } catch (const std::exception& e) {
    return std::string("audit log: ") + e.what();
  }
  return std::nullopt;
}

LogContents readLog(const fs::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) throw NotFoundError("cannot open the audit log " + log.string());
  LogContents c;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++c.torn_lines;
      continue;
    }
    c.events.push_back(std::move(j));
  }
  return c;
}

}  // namespace rfa::audit
