#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rfa/core/parallel.h"

namespace rfa {
namespace {

TEST(Parallel, VisitsEveryIndexOnce) {
  std::vector<std::atomic<int>> hits(1000);
  parallelFor(hits.size(), [&](std::size_t i) { hits[i]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(Parallel, RethrowsFirstError) {
  EXPECT_THROW(parallelFor(100,
                           [](std::size_t i) {
                             if (i == 37) throw std::runtime_error("boom");
                           }),
               std::runtime_error);
}

TEST(Parallel, ZeroIterationsIsNoop) {
  int calls = 0;
  parallelFor(0, [&](std::size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

// Two worker threads whatever the machine, for the tests of the pool.
class TwoThreads {
 public:
  TwoThreads() {
    if (const char* v = std::getenv("RFA_THREADS")) old_ = v;
    setenv("RFA_THREADS", "2", 1);
  }
  ~TwoThreads() {
    if (old_.empty()) {
      unsetenv("RFA_THREADS");
    } else {
      setenv("RFA_THREADS", old_.c_str(), 1);
    }
  }
  TwoThreads(const TwoThreads&) = delete;
  TwoThreads& operator=(const TwoThreads&) = delete;

 private:
  std::string old_;
};

TEST(Parallel, ManyCallsInARowReuseThePool) {
  const TwoThreads two;
  std::atomic<long> total{0};
  for (int call = 0; call < 2000; ++call) {
    parallelFor(4, [&](std::size_t i) { total += static_cast<long>(i) + 1; });
  }
  EXPECT_EQ(total.load(), 2000L * 10);
}

TEST(Parallel, NestedCallRunsOnItsThread) {
  const TwoThreads two;
  std::vector<std::atomic<int>> hits(8 * 50);
  parallelFor(8, [&](std::size_t outer) {
    parallelFor(50, [&](std::size_t inner) { hits[outer * 50 + inner]++; });
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(Parallel, CallsFromTwoThreadsAtOnce) {
  const TwoThreads two;
  std::atomic<long> a{0};
  std::atomic<long> b{0};
  const auto loop = [](std::atomic<long>& sum) {
    for (int call = 0; call < 300; ++call) {
      parallelFor(16, [&](std::size_t i) { sum += static_cast<long>(i); });
    }
  };
  std::thread ta(loop, std::ref(a));
  std::thread tb(loop, std::ref(b));
  ta.join();
  tb.join();
  EXPECT_EQ(a.load(), 300L * 120);
  EXPECT_EQ(b.load(), 300L * 120);
}

TEST(Parallel, ErrorLeavesThePoolUsable) {
  const TwoThreads two;
  EXPECT_THROW(parallelFor(10,
                           [](std::size_t i) {
                             if (i == 3) throw std::runtime_error("boom");
                           }),
               std::runtime_error);
  std::atomic<int> n{0};
  parallelFor(10, [&](std::size_t) { n++; });
  EXPECT_EQ(n.load(), 10);
}

TEST(Parallel, ChildOfForkRunsLoops) {
  const TwoThreads two;
  parallelFor(4, [](std::size_t) {});  // the pool's threads exist in the parent
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::atomic<int> n{0};
    parallelFor(100, [&](std::size_t) { n++; });
    ::_exit(n.load() == 100 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace rfa
