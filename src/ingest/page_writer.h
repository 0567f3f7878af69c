#pragma once
// Writes one parsed page into the database, replacing what that page (the same
// release and package) said before. The caller owns the transaction. A page
// that parse_page() accepted is always storable, so a failure here is an
// SQLite error (a full disk...) and the caller rolls the whole run back.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "ingest/known_page.h"
#include "parsing/page.h"

namespace cachedb {

enum class PageStatus { Added, Updated, Unchanged };

// A hash this page describes differently from what another page stored.
struct SpecConflict {
  enum : unsigned { kPackage = 1, kCompiler = 2, kOs = 4, kPlatform = 8, kTarget = 16, kVersions = 32, kVariants = 64 };
  std::string hash;
  unsigned differs = 0;  // which attributes, as the bits above
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

  PageWriteResult write(const Page& page, std::string_view path, std::string_view content_hash,
                        const FileStamp& stamp, std::string_view now);

  // Records where an unchanged page's file now is, and its stamp.
  void restamp(const KnownPage& page, std::string_view path, const FileStamp& stamp);

  // Removes a page and what only it kept in the database; returns the specs removed.
  std::int64_t remove(std::int64_t page_id);

  // Bulk loading, for a run into an empty database: when the database holds no
  // page yet, drops the secondary indexes of the data tables (inside the
  // caller's transaction), so that rows are appended without maintaining them;
  // finish_bulk_load() builds them again from the sorted data, as SQLite's
  // CREATE INDEX does, which costs less than keeping them up to date row by row.
  // Whatever needs an index in between (a page replaced in the same run, a spec
  // another page described differently) builds them first and ends the bulk
  // load. Returns whether the indexes were dropped.
  bool begin_bulk_load();
  void finish_bulk_load();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachedb
