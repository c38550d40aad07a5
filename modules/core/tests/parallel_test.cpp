#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
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

}  // namespace
}  // namespace rfa
