#pragma once
// The source documents stored (table `source`): what the ingest asks of them
// outside the page writer. A source is keyed by (kind, release, key): a cache
// page is kind "page" with its package as key.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "storage/statement.h"

namespace cachedb {

inline constexpr std::string_view kPageKind = "page";
inline constexpr std::string_view kIndexKind = "index";

struct StoredSource {
  std::int64_t id = 0;
  std::int64_t release_id = 0;
  std::int64_t key_id = 0;  // for a page, its package's id
};

// Finds the stored source of a kind a file is, through the connection given.
class SourceLookup {
 public:
  SourceLookup(SQLite::Database& db, std::string_view kind);

  // Stored from this path with this size and modification time.
  std::optional<StoredSource> by_stamp(std::string_view path, std::int64_t size, std::int64_t mtime_ns);
  // Stored from the same bytes.
  std::optional<StoredSource> by_content(std::string_view fingerprint);

 private:
  std::string kind_;
  Statement by_stamp_, by_content_;
};

// A SourceLookup through a read-only connection of its own, for a loading
// thread, which must not touch the writer's connection. It sees the database
// as committed before the run.
class SourceLookupReader {
 public:
  SourceLookupReader(const std::string& db_path, std::string_view kind);
  SourceLookup& lookup() { return lookup_; }

 private:
  static SQLite::Database& prepared(SQLite::Database& db);
  SQLite::Database db_;
  SourceLookup lookup_;
};

// Whether any source is stored.
bool any_source(SQLite::Database& db);

// Whether a release holds sources of a kind ("page" or "index").
bool release_holds(SQLite::Database& db, std::string_view kind, std::int64_t release_id);

// A stored page's release, package and the path it was last read from.
struct PageNames {
  std::string release, package, path;
};
PageNames page_names(SQLite::Database& db, std::int64_t source_id);

// Calls `each` with the id and path of every source of a kind in a release.
void each_source_of_release(SQLite::Database& db, std::string_view kind, std::int64_t release_id,
                            const std::function<void(std::int64_t id, std::string_view path)>& each);

// Calls `each` with the id, release and path of every source of a kind.
void each_source_of_kind(SQLite::Database& db, std::string_view kind,
                         const std::function<void(std::int64_t id, std::int64_t release_id, std::string_view path)>& each);

}  // namespace cachedb
