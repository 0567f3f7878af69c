#pragma once
// How a file already ingested is recognized: by its stamp, or by its bytes.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

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
  bool operator==(const FileStamp&) const = default;
};

// Looks files up among the stored pages; called on a loading thread.
class KnownPages {
 public:
  virtual ~KnownPages() = default;
  virtual std::optional<KnownPage> by_stamp(const std::string& path, const FileStamp& stamp) = 0;
  virtual std::optional<KnownPage> by_content(const std::string& fingerprint) = 0;
};

// Makes the stored-page lookups for one loading thread. It may return null
// (or throw, and then a warning is logged): then that thread reads and parses
// every file, and the caller checks.
using KnownPagesFactory = std::function<std::unique_ptr<KnownPages>()>;

}  // namespace cachedb
