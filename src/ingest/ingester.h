#pragma once
// `cachedb ingest`: reads pages from files and directories into the database.
//
// One run is one write transaction. A page is read and checked completely
// (on the loader thread) before anything of it is written, so a page that
// cannot be read is rejected and leaves what an earlier version of it stored;
// a fatal error (the database's, or the walk's when it runs out of file
// descriptors or memory) rolls the whole run back, leaving the database as it
// was; readers (WAL) see either the state before the run or after it.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "formats/cache_page/page.h"
#include "ingest/findings.h"
#include "ingest/run_counts.h"

namespace cachedb {

struct IngestOptions {
  bool prune = false;  // the tree is authoritative: pages whose files left it are removed (see Run::prune)
  bool force = false;  // prune even when some pages were rejected
  // Larger files are rejected unread. A page's text is held whole while it is
  // read; a large page's specs are streamed (stream_specs_from), and it then
  // took at most ~1.45 times its size in the shapes measured (read whole,
  // ~2.5): 96 MiB keeps any page well within the 256 MB the project holds
  // itself to for one input. Real pages are a few MB at most.
  std::uintmax_t max_page_bytes = 96ull << 20;
  // Pages whose spec_details is at least this many bytes are checked a chunk of
  // specs at a time by the loader, then read again and written a chunk at a
  // time: they hold their text and a chunk, not every spec besides. Files
  // only: ingest_bytes reads its page whole.
  std::size_t stream_specs_from = kStreamSpecsFrom;
  // Let pages replace the build-cache indexes of a release instead of being refused.
  bool replace_release_kind = false;
  unsigned threads = 0;  // threads that read and parse pages; 0: one per CPU the process may use
  // Called after each file with (files done, files in the run); may be empty.
  std::function<void(std::size_t, std::size_t)> on_progress;
};

struct Rejection {
  std::string path;
  std::size_t line = 0;  // 0 when unknown
  std::string message;
};

// A rejection of `path` whose message may name it first ("x.json: cannot
// open", a listing's "s3://...: no such file under the mirror root"): kept
// without that prefix, so that `cachedb runs` and --json, which print the
// path beside the message, say it once.
Rejection rejection_of(const std::string& path, std::string message);

// The lines ingest and check log: a rejected page ("path:line: reason", an
// error), a file passed over ("path: passed over: why", a warning) and a file
// skipped (below).
void log_rejection(const Rejection& r);
void log_passed_over(const std::string& path, const std::string& why);
// A file that is not a cache page, or a legacy one ("path: skipped: why", at
// info level: -v names every file skipped; cron mail does not).
void log_skipped(const std::string& path, const Page& page);

struct IngestSummary : RunCounts {
  std::vector<Rejection> rejections;
  std::vector<Finding> findings;  // data-quality notes on pages that were stored
  bool prune_refused = false;
  std::int64_t run_id = 0;  // the run's row in ingest_runs
  // Streamed pages (IngestOptions::stream_specs_from) read again to be written.
  std::int64_t pages_read_again = 0;
  // Indexes removed by --prune (counted in pages_removed too, as pruned pages are).
  std::int64_t indexes_pruned = 0;

  // 0 when every page was read, 2 when some were rejected (the rest committed)
  // or a requested prune was refused.
  int exit_code() const { return rejections.empty() && !prune_refused ? 0 : 2; }
  // The run's status as ingest_runs and --json record it.
  const char* status() const { return rejections.empty() ? "ok" : "rejected"; }
};

// Records the run in ingest_runs (see ingest/run_log.h). Throws Error (nothing
// committed, the run logged as 'failed') on a fatal failure.
IngestSummary ingest(SQLite::Database& db, const std::vector<std::filesystem::path>& inputs,
                     const IngestOptions& options);

// Ingests one page given as bytes, as `ingest` would ingest a file holding them
// (the fuzzers' way in; `name` stands for the path in messages and the page
// table). Throws Error (nothing committed) on a fatal failure.
IngestSummary ingest_bytes(SQLite::Database& db, const std::string& name, std::string_view bytes,
                           const IngestOptions& options);

}  // namespace cachedb
