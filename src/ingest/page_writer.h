#pragma once
// Writes one parsed page into the database, replacing what that page (the same
// release and package) said before. The caller owns the transaction. A page
// that parse_page() accepted is always storable, so a failure here is an
// SQLite error (a full disk...) and the caller rolls the whole run back.
#include <cstdint>
#include <compare>
#include <functional>
#include <memory>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "formats/cache_page/page.h"
#include "ingest/known_page.h"
#include "ingest/spec_conflict.h"

namespace cachedb {

// Duplicate: another file of this run already gave the page (same release and
// package); nothing was written.
enum class PageStatus { Added, Updated, Unchanged, Duplicate };

// What identifies a page in the database: its release and package.
struct PageKey {
  std::int64_t release_id = 0;
  std::int64_t package_id = 0;
  bool new_package = false;  // the package was added by key(): it has no specs yet
  auto operator<=>(const PageKey& other) const {
    return std::pair(release_id, package_id) <=> std::pair(other.release_id, other.package_id);
  }
  bool operator==(const PageKey& other) const { return (*this <=> other) == 0; }
};

struct PageWriteResult {
  PageStatus status = PageStatus::Unchanged;
  std::int64_t release_id = 0;
  std::int64_t package_id = 0;
  std::int64_t page_id = 0;
  std::int64_t specs_added = 0;    // (release, spec) pairs the page brought in
  std::int64_t specs_removed = 0;  // pairs that left the release with this version of the page
  // Hashes this page describes differently from what another page stored.
  std::vector<SpecConflict> conflicts;
};

class PageWriter {
 public:
  explicit PageWriter(SQLite::Database& db);
  ~PageWriter();
  PageWriter(const PageWriter&) = delete;
  PageWriter& operator=(const PageWriter&) = delete;

  // The page's release and package, added to their tables when new.
  PageKey key(const Page& page);

  // Writes the page under `key` (from key(page)), unless the stored page of
  // that key is one of `met` (the ids of the pages this run has met: true at
  // their index): then another file gave it first, and it is left alone.
  //
  // A streamed page (Page::streamed) holds no specs: `specs` hands them to the
  // function it is given, a chunk at a time (as parse_page does with a
  // SpecStream); it must be given for such a page, and is not used otherwise.
  using SpecChunks = std::function<void(const std::function<void(const SpecList&)>& take)>;
  PageWriteResult write(const Page& page, const PageKey& key, std::string_view path, std::string_view content_hash,
                        const FileStamp& stamp, std::string_view now, const std::vector<bool>& met,
                        const SpecChunks& specs = {});

  // Whether write() would write the page (Added or Updated), rather than find
  // it a Duplicate or Unchanged; changes nothing. For a streamed page, which
  // is read again only to be written. The answer holds until the next write.
  bool will_write(const PageKey& key, std::string_view content_hash, const std::vector<bool>& met);

  // A stored page's release, package and the path it was last read from.
  struct StoredPage {
    std::string release, package, path;
  };
  StoredPage stored_page(std::int64_t page_id);

  // Records where an unchanged page's file now is, and its stamp.
  void restamp(const KnownPage& page, std::string_view path, const FileStamp& stamp);

  // Removes a page and what only it kept in the database; returns the specs removed.
  std::int64_t remove(std::int64_t page_id);

  // Bulk loading, for a run into an empty database: when the database holds no
  // page yet, drops the secondary indexes of the data tables (inside the
  // caller's transaction), so that rows are appended without maintaining them;
  // finish_bulk_load() builds them again from the sorted data, as SQLite's
  // CREATE INDEX does, which costs less than keeping them up to date row by row.
  // Whatever needs an index in between (a hash pages disagree about, whose
  // claims are settled through release_spec by spec) builds them first and
  // ends the bulk load. Returns whether the indexes were dropped.
  bool begin_bulk_load();
  void finish_bulk_load();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachedb
