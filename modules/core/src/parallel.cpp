// parallelFor over a process-wide pool of parked worker threads (created on first use, grown to the
// largest worker count asked for, joined at exit). Starting threads for every call cost 50-100 us
// per call, which the bioheat stepping and the conjugate-gradient iterations pay thousands of times
// per simulation (docs/benchmarks.md). A call made from inside a parallelFor body runs serially on
// its thread; a call made while another thread's call holds the pool starts its own threads, as
// every call did before the pool. A child process made by fork() does not use the pool (its
// threads are not in the child): it starts threads per call.
#include "rfa/core/parallel.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace rfa {

unsigned workerCount() {
  if (const char* env = std::getenv("RFA_THREADS")) {
    const long v = std::strtol(env, nullptr, 10);
    if (v >= 1 && v <= 1024) return static_cast<unsigned>(v);
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

namespace {

thread_local bool t_inside_body = false;  // this thread is running a parallelFor body

// One loop's shared state: dynamic scheduling, one index at a time; the first error is kept.
struct Job {
  const std::function<void(std::size_t)>* body = nullptr;
  std::size_t n = 0;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;

  void work() {
    t_inside_body = true;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n || failed.load()) break;
      try {
        (*body)(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
        break;
      }
    }
    t_inside_body = false;
  }
};

// Runs a job on freshly started threads (the behaviour before the pool).
void runOnNewThreads(Job& job, std::size_t threads) {
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 0; t + 1 < threads; ++t) pool.emplace_back([&job] { job.work(); });
  job.work();
  for (auto& t : pool) t.join();
}

class WorkerPool {
 public:
  WorkerPool() = default;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  WorkerPool(WorkerPool&&) = delete;
  WorkerPool& operator=(WorkerPool&&) = delete;

  ~WorkerPool() {
    if (forked_.load()) return;  // a child of fork(): the threads are the parent's
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // Runs `job` on the calling thread and `helpers` pool threads; false (nothing run) when the pool
  // is serving another caller.
  bool tryRun(Job& job, std::size_t helpers) {
    if (forked_.load()) return false;
    const std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      while (threads_.size() < helpers) {
        const std::size_t index = threads_.size();
        threads_.emplace_back([this, index] { serve(index); });
      }
      job_ = &job;
      helpers_ = helpers;
      running_ = helpers;
      ++generation_;
    }
    wake_.notify_all();
    job.work();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return running_ == 0; });
    job_ = nullptr;
    return true;
  }

  // In the child of fork(): the pool's threads do not exist there and its mutexes may be held by
  // them; the thread handles are leaked, never joined.
  void forgetAfterFork() {
    forked_ = true;
    static auto* leaked =
        new std::vector<std::thread>();  // NOLINT(cppcoreguidelines-owning-memory)
    for (auto& t : threads_) leaked->push_back(std::move(t));
    threads_.clear();
  }

 private:
  void serve(std::size_t index) {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= helpers_) continue;
      Job* job = job_;
      lock.unlock();
      job->work();
      lock.lock();
      if (--running_ == 0) done_.notify_one();
    }
  }

  std::atomic<bool> forked_{false};
  std::mutex busy_;  // held by the caller being served
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> threads_;
  Job* job_ = nullptr;
  std::size_t helpers_ = 0;
  std::size_t running_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

WorkerPool& pool();

void forgetPoolAfterFork() {
  pool().forgetAfterFork();
}

WorkerPool& pool() {
  static WorkerPool p;
  static const int registered = pthread_atfork(nullptr, nullptr, &forgetPoolAfterFork);
  (void)registered;
  return p;
}

}  // namespace

void parallelFor(std::size_t n, const std::function<void(std::size_t)>& body) {
  const std::size_t threads = std::min<std::size_t>(workerCount(), n);
  if (threads <= 1 || t_inside_body) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  Job job;
  job.body = &body;
  job.n = n;
  if (!pool().tryRun(job, threads - 1)) runOnNewThreads(job, threads);
  if (job.first_error) std::rethrow_exception(job.first_error);
}

}  // namespace rfa
