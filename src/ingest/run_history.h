#pragma once
// Reading the ingest log back (`cachedb runs`).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "ingest/run_counts.h"

namespace cachedb {

struct RunRecord : RunCounts {
  std::int64_t id = 0;
  std::string started_at, finished_at, status, inputs, message;
  std::int64_t findings = 0;
  bool prune = false, force = false, prune_refused = false;
};

// An error (a rejected page) or a finding of one run.
struct RunNote {
  std::string type;  // 'error' or 'finding'
  std::string path;
  std::int64_t line = 0;  // errors: 0 when unknown
  std::string release, package, kind, hash;  // findings
  std::string message;
};

// The `limit` most recent runs, newest first; only run `only` when given.
std::vector<RunRecord> recent_runs(SQLite::Database& db, int limit, std::optional<std::int64_t> only = {});

// The same, with the runs the log still calls 'running' whose process is gone
// shown 'interrupted', as the next ingest will record them. (A killed process
// cannot update its row; the ingest lock, which the kernel drops when the
// process dies, tells.) `ingest_running` says whether an ingest holds the
// database's lock now (nothing when that cannot be told: then the rows are
// shown as they are).
std::vector<RunRecord> recent_runs(SQLite::Database& db, int limit, std::optional<std::int64_t> only,
                                   const std::function<std::optional<bool>()>& ingest_running);

// A run's errors, then its findings, in the order they were met; at most
// `limit` of them (negative: all).
std::vector<RunNote> run_notes(SQLite::Database& db, std::int64_t run_id, int limit = -1);

}  // namespace cachedb
