#pragma once
/// \file parallel.h
/// \brief Minimal parallel loop over an index range on std::thread (no external runtime).

#include <cstddef>
#include <functional>

namespace rfa {

/// \brief Number of worker threads used by parallelFor: RFA_THREADS if set (>= 1), else the
/// hardware concurrency.
unsigned workerCount();

/// \brief Calls body(i) for every i in [0, n), spread over workerCount() threads with dynamic
/// scheduling (one index at a time). The first exception thrown by `body` is rethrown after all
/// workers have stopped; remaining indices are then skipped.
void parallelFor(std::size_t n, const std::function<void(std::size_t)>& body);

}  // namespace rfa
