// The job pool under the page loader: what it holds, and how it ends.
#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

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
