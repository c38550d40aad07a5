// Crash safety: a child process adds 1 000 plan files, each its own transaction, and reports
// every committed case through a pipe; the parent kills it with SIGKILL mid-way. The database
// must then open, pass PRAGMA integrity_check, and hold every case reported committed (and at
// most the one whose report the kill cut off). Repeated with different kill points.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "case_test_support.h"
#include "rfa/cases/case_db.h"
#include "test_support.h"

namespace rfa::cases {
namespace {

namespace fs = std::filesystem;
using rfa::test::TempDir;

constexpr int kWrites = 1000;

class CaseDbCrash : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    for (int i = 0; i < kWrites; ++i) {
      const std::string id = "CRASH-" + std::to_string(i);
      const fs::path file = *dir_ / (id + ".json");
      test::writePlanFast(file, test::syntheticPlan(id, i % 7 == 0 ? "" : "2027-02-01", 2, 2));
      files_.push_back(fs::canonical(file));
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
    files_.clear();
  }
  static TempDir* dir_;
  static std::vector<fs::path> files_;
};

TempDir* CaseDbCrash::dir_ = nullptr;
std::vector<fs::path> CaseDbCrash::files_;

// The child: every write one transaction (addPlan), then (file index, case id) to the pipe.
[[noreturn]] void writeAll(const fs::path& db_file, const std::vector<fs::path>& files, int fd) {
  try {
    CaseDatabase db(db_file);
    for (std::size_t i = 0; i < files.size(); ++i) {
      const AddResult r = db.addPlan(files[i]);
      const std::array<std::int64_t, 2> msg{static_cast<std::int64_t>(i), r.case_id};
      if (::write(fd, msg.data(), sizeof msg) != static_cast<ssize_t>(sizeof msg)) _exit(3);
    }
  } catch (...) {
    _exit(2);
  }
  _exit(0);
}

TEST_P(CaseDbCrash, KillDuringWritesKeepsEveryCommittedCase) {
  const int kill_after = GetParam();
  TempDir tmp;
  const fs::path db_file = tmp / "cases.sqlite";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    writeAll(db_file, files_, fds[1]);
  }
  ::close(fds[1]);
  std::vector<std::array<std::int64_t, 2>> committed;
  bool killed = false;
  for (;;) {
    std::array<std::int64_t, 2> msg{};
    const ssize_t n = ::read(fds[0], msg.data(), sizeof msg);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    ASSERT_EQ(n, static_cast<ssize_t>(sizeof msg));
    committed.push_back(msg);
    if (!killed && static_cast<int>(committed.size()) >= kill_after) {
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer was not killed mid-way (exit "
      << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ", " << committed.size() << " writes)";
  ASSERT_GE(static_cast<int>(committed.size()), kill_after);
  ASSERT_LT(static_cast<int>(committed.size()), kWrites);

  CaseDatabase db(db_file);
  EXPECT_EQ(db.integrityCheck(), "ok");
  const std::vector<CaseSummary> cases = db.listCases();
  EXPECT_GE(cases.size(), committed.size());
  EXPECT_LE(cases.size(), committed.size() + 1);  // at most the write whose report was cut off
  for (const auto& [index, id] : committed) {
    const CaseDetail d = db.openCase(id);
    EXPECT_EQ(fs::path(d.summary.plan_file), files_[static_cast<std::size_t>(index)]) << id;
    EXPECT_EQ(d.sessions.size(), 2U) << id;
    EXPECT_FALSE(d.events.empty()) << id;
  }
  // The database goes on: the next write after the crash works.
  EXPECT_EQ(db.addPlan(files_.back()).outcome, cases.size() == static_cast<std::size_t>(kWrites)
                                                   ? AddOutcome::kUnchanged
                                                   : AddOutcome::kAdded);
  EXPECT_EQ(db.integrityCheck(), "ok");
}

INSTANTIATE_TEST_SUITE_P(KillAfter, CaseDbCrash, ::testing::Values(1, 97, 400, 803),
                         [](const auto& p) { return std::to_string(p.param) + "_writes"; });

}  // namespace
}  // namespace rfa::cases
