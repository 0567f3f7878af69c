#pragma once
// The counts of one ingest run: what IngestSummary reports as it ends and what
// ingest_runs keeps of it afterwards.
#include <cstdint>

namespace cachedb {

struct RunCounts {
  std::int64_t pages_added = 0, pages_updated = 0, pages_unchanged = 0, pages_removed = 0;
  std::int64_t pages_rejected = 0, pages_skipped = 0, pages_legacy = 0;
  std::int64_t specs_added = 0, specs_removed = 0;
};

}  // namespace cachedb
