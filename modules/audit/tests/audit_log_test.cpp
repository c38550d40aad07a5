// The audit trail: lines as documented (time, user, program, action, UIDs, hashes, details, no
// paths), owner-only modes whatever the umask, $RFA_AUDIT_LOG / "off", a torn last line skipped,
// and a writer killed with SIGKILL during 1 000 appends leaves every reported line readable.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "rfa/audit/audit_log.h"
#include "rfa/core/error.h"
#include "test_support.h"

namespace rfa::audit {
namespace {

namespace fs = std::filesystem;
using rfa::test::TempDir;

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return static_cast<unsigned>(st.st_mode & 07777);
}

Event saveEvent(int i) {
  Event e;
  e.action = "save";
  e.program = "rfaplan";
  e.uids["series"] = "1.2.826.0.1.3680043.2.1125." + std::to_string(i);
  e.sha256["plan"] = std::string(64, 'a');
  e.details["revision"] = i;
  return e;
}

TEST(AuditLog, OneJsonLinePerEventWithWhoWhenAndWhat) {
  TempDir tmp;
  const fs::path log = tmp.path() / "state" / "rfaplan" / "audit.jsonl";
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1799999999123));
  append(log, saveEvent(1), t, "drlee");
  Event approve;
  approve.action = "approve";
  approve.program = "rfaplan-gui";
  approve.details["session"] = 2;
  append(log, approve, t + std::chrono::seconds(5), "drlee");
  const LogContents c = readLog(log);
  ASSERT_EQ(c.events.size(), 2U);
  EXPECT_EQ(c.torn_lines, 0);
  const auto& a = c.events[0];
  EXPECT_EQ(a["time"], "2027-01-15T07:59:59.123Z");
  EXPECT_EQ(a["user"], "drlee");
  EXPECT_EQ(a["program"], "rfaplan");
  EXPECT_EQ(a["action"], "save");
  EXPECT_EQ(a["uids"]["series"], "1.2.826.0.1.3680043.2.1125.1");
  EXPECT_EQ(a["sha256"]["plan"], std::string(64, 'a'));
  EXPECT_EQ(a["details"]["revision"], 1);
  EXPECT_EQ(a["pid"], static_cast<long long>(::getpid()));
  EXPECT_EQ(c.events[1]["action"], "approve");
  EXPECT_EQ(c.events[1]["details"]["session"], 2);
  // Exactly two lines, each ending in a newline.
  std::ifstream in(log);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 2);
}

TEST(AuditLog, OwnerOnlyWhateverTheUmask) {
  for (const mode_t mask : {mode_t{022}, mode_t{0}}) {
    TempDir tmp;
    const mode_t old = ::umask(mask);
    const fs::path log = tmp.path() / "a" / "audit.jsonl";
    append(log, saveEvent(1));
    ::umask(old);
    EXPECT_EQ(modeOf(log.parent_path()), 0700U) << "umask " << mask;
    EXPECT_EQ(modeOf(log), 0600U) << "umask " << mask;
  }
}

TEST(AuditLog, WhereItIsAndOff) {
  TempDir tmp;
  const char* old = std::getenv("RFA_AUDIT_LOG");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("RFA_AUDIT_LOG", (tmp.path() / "x.jsonl").c_str(), 1);
  ASSERT_TRUE(defaultLogPath().has_value());
  EXPECT_EQ(*defaultLogPath(), tmp.path() / "x.jsonl");
  EXPECT_FALSE(record(saveEvent(3)).has_value());
  EXPECT_EQ(readLog(tmp.path() / "x.jsonl").events.size(), 1U);
  // A log that cannot be written: record() says why instead of throwing.
  std::ofstream(tmp.path() / "blocker") << "x";
  ::setenv("RFA_AUDIT_LOG", (tmp.path() / "blocker" / "audit.jsonl").c_str(), 1);
  const std::optional<std::string> why = record(saveEvent(4));
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("blocker"), std::string::npos) << *why;
  ::setenv("RFA_AUDIT_LOG", "off", 1);
  EXPECT_FALSE(defaultLogPath().has_value());
  EXPECT_FALSE(record(saveEvent(5)).has_value());
  ::unsetenv("RFA_AUDIT_LOG");
  ::setenv("XDG_STATE_HOME", tmp.path().c_str(), 1);
  EXPECT_EQ(*defaultLogPath(), tmp.path() / "rfaplan" / "audit.jsonl");
  ::unsetenv("XDG_STATE_HOME");
  if (!saved.empty()) ::setenv("RFA_AUDIT_LOG", saved.c_str(), 1);
  EXPECT_FALSE(currentUser().empty());
}

TEST(AuditLog, ATornLastLineIsCountedAndSkipped) {
  TempDir tmp;
  const fs::path log = tmp.path() / "audit.jsonl";
  append(log, saveEvent(1));
  {
    std::ofstream out(log, std::ios::app);
    out << "{\"time\": \"2027-01-01T00:00:00.000Z\", \"user\": \"x\", \"act";  // cut off
  }
  const LogContents c = readLog(log);
  EXPECT_EQ(c.events.size(), 1U);
  EXPECT_EQ(c.torn_lines, 1);
  EXPECT_THROW((void)readLog(tmp.path() / "missing.jsonl"), NotFoundError);
}

// A child appends 1 000 events and reports each through a pipe; the parent kills it with SIGKILL
// after `kill_after` reports. Every reported event must be in the log, complete, in order.
class AuditLogCrash : public ::testing::TestWithParam<int> {};

TEST_P(AuditLogCrash, KillDuringAppendsKeepsEveryWrittenLine) {
  TempDir tmp;
  const fs::path log = tmp.path() / "audit.jsonl";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    try {
      for (int i = 0; i < 1000; ++i) {
        append(log, saveEvent(i));
        const std::int32_t msg = i;
        if (::write(fds[1], &msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) _exit(3);
      }
    } catch (...) {
      _exit(2);
    }
    _exit(0);
  }
  ::close(fds[1]);
  int reported = 0;
  bool killed = false;
  for (;;) {
    std::int32_t msg = 0;
    const ssize_t n = ::read(fds[0], &msg, sizeof msg);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    ++reported;
    if (!killed && reported >= GetParam()) {
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "not killed mid-way";
  const LogContents c = readLog(log);
  EXPECT_EQ(c.torn_lines, 0);
  ASSERT_GE(static_cast<int>(c.events.size()), reported);
  ASSERT_LE(static_cast<int>(c.events.size()), reported + 1);  // the one whose report was cut
  for (std::size_t i = 0; i < c.events.size(); ++i) {
    EXPECT_EQ(c.events[i]["details"]["revision"], static_cast<int>(i));
  }
  std::printf("killed after %d reported appends: %zu lines, %d torn\n", reported, c.events.size(),
              c.torn_lines);
}

INSTANTIATE_TEST_SUITE_P(KillPoints, AuditLogCrash, ::testing::Values(10, 300, 700));

}  // namespace
}  // namespace rfa::audit
