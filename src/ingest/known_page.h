#pragma once
// How a file already ingested is recognized: by its stamp, or by its bytes.
#include <cstdint>

namespace cachedb {

// What an earlier run stored from a file with the same bytes.
struct KnownPage {
  std::int64_t page_id;
  std::int64_t release_id;
  std::int64_t package_id;
};

// What stat() says of a file: enough to tell that it has not changed.
struct FileStamp {
  std::int64_t size = -1;
  std::int64_t mtime_ns = -1;
};

}  // namespace cachedb
