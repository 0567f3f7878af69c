// The job pool under the page loader: what it holds, and how it ends.
#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "ingest/job_pool.h"

using namespace cachedb;

namespace {

// A task that counts how many of its kind are alive.
struct Counted {
  static inline std::atomic<int> alive{0};
  Counted() { ++alive; }
  Counted(const Counted&) { ++alive; }
  Counted(Counted&&) noexcept { ++alive; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { --alive; }
};

}  // namespace

TEST_CASE("a job taken and let go is held no more, with no workers or with some") {
  for (unsigned workers : {0u, 1u, 3u}) {
    INFO("workers: " << workers);
    {
      JobPool<Counted, int, int> pool(workers, [] { return 0; }, [](Counted&, int&) { return 1; });
      int own = 0;
      for (int i = 0; i < 1000; ++i) {
        auto job = pool.submit(Counted{});
        CHECK(pool.take(job, own) == 1);
      }
      // Every job was taken and dropped: the pool holds none of them (a worker
      // may still be letting go of the one it ran last).
      CHECK(Counted::alive.load() <= static_cast<int>(workers));
    }
    CHECK(Counted::alive.load() == 0);
  }
}

TEST_CASE("a pool whose threads cannot be started still runs every job, on the taking thread") {
  // In a child process that may start no thread at all (RLIMIT_NPROC, as a
  // user that has processes already): the pool must neither throw nor abort.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0))
      ::_exit(3);
    const rlimit none{0, 0};
    if (::setrlimit(RLIMIT_NPROC, &none) != 0) ::_exit(3);
    int code = 0;
    try {
      JobPool<int, int, int> pool(4, [] { return 0; }, [](int& task, int&) { return task * 2; });
      int own = 0;
      for (int i = 0; i < 100; ++i)
        if (pool.take(pool.submit(i), own) != 2 * i) code = 1;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("status " << status);
  REQUIRE(WIFEXITED(status));  // not killed by std::terminate
  CHECK(WEXITSTATUS(status) == 0);
}
