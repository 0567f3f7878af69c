#pragma once
// Bulk loading, for an ingest into an empty database: its secondary indexes
// are dropped (inside the caller's transaction), so that rows are appended
// without maintaining them, and built again once the rows are in, from the
// sorted data, as SQLite's CREATE INDEX does: that costs less than keeping
// them up to date row by row. They are built again in the order the schema
// made them, so the database ends with the indexes, and the order of them,
// that a database upgraded by the migrations has (the order decides which of
// two equally good indexes SQLite's planner takes).
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>

namespace cachedb {

// The page cache, in KiB, while many rows are sorted (building an index, a
// large ORDER BY): also the size of the runs SQLite sorts in memory before it
// writes them to a temporary file, so it bounds a sort's memory (two runs at
// a time, one being written by the helper thread) whatever the number of
// rows. At 2 MiB the index build was the peak of a bulk load of pages (1M
// spec rows: 27 MB, 100k: 24.5); at 1 MiB the loading is (25.5 and 22 MB),
// for ~1% more time.
constexpr int kSortCacheKiB = 1024;

// Whether the database holds no document yet: no source, spec or fact row.
bool holds_no_documents(SQLite::Database& db);

// A load into an empty database writes each page once. In WAL mode every
// page is written twice, to the log and then by the checkpoint into the
// database file; with a rollback journal SQLite journals only the pages the
// file had when the transaction began (a few: the empty schema), and writes
// the rest straight into the file. A kill at any point still leaves the
// database as it was, empty: its journal, hot, is played back at the next
// open. (1 GB of indexes: 4.45 -> 4.10 s, system time 0.8 -> 0.55 s.)
//
// Made before the run's transaction begins, when the database is empty and in
// WAL mode: switches to a rollback journal unless another connection has the
// database open (it is not waited for: the load then runs in WAL mode, as any
// other). Other connections that open it meanwhile wait for the load to
// commit (there is nothing to read before). Back in WAL mode when destroyed,
// after the transaction has ended.
class DirectLoadJournal {
 public:
  explicit DirectLoadJournal(SQLite::Database& db);
  ~DirectLoadJournal();
  DirectLoadJournal(const DirectLoadJournal&) = delete;
  DirectLoadJournal& operator=(const DirectLoadJournal&) = delete;

  // Whether the rollback journal is in use.
  bool active() const { return active_; }

 private:
  SQLite::Database& db_;
  bool active_ = false;
};

// How DeferredIndexes::build() sorts: the page cache (KiB) that sizes its
// sort runs, and how many helper threads sort them.
struct IndexBuildSort {
  int cache_kib = kSortCacheKiB;
  int helper_threads = 1;
};

class DeferredIndexes {
 public:
  // `kept`: indexes the writer keeps while it loads, not dropped.
  DeferredIndexes(SQLite::Database& db, std::vector<std::string> kept, IndexBuildSort sort = {})
      : db_(db), kept_(std::move(kept)), sort_(sort) {}

  // When the database holds no source, spec or fact row yet, drops the
  // indexes of sql/bulk_load_indexes.sql; returns whether it did.
  bool drop_if_empty();
  // Builds what drop_if_empty() dropped; nothing when nothing was.
  void build();
  bool dropped() const { return !dropped_.empty(); }

 private:
  SQLite::Database& db_;
  std::vector<std::string> kept_;
  IndexBuildSort sort_;
  std::vector<std::pair<std::string, std::string>> dropped_;  // name, the SQL that makes it
};

}  // namespace cachedb
