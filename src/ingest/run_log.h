#pragma once
// The ingest log in the database (ingest_runs, ingest_errors, ingest_findings).
//
// A run is recorded in three steps so that the log survives whatever happens
// to the data: the 'running' row is committed on its own before the data
// transaction starts; the final counts, errors and findings are written inside
// the data transaction, so a run reads 'ok' or 'rejected' exactly when its data
// is committed; after a rollback the run is marked 'failed' in a transaction of
// its own. A process killed mid-run leaves its row 'running', and the next run
// marks it 'interrupted' (nothing of it was committed: one run, one transaction).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

namespace cachedb {

struct IngestOptions;
struct IngestSummary;

class RunLog {
 public:
  // Marks runs left 'running' as 'interrupted' and records this one as
  // 'running'. The caller must be the only ingest on this database (the CLI
  // holds the ingest lock). Throws Error when the database cannot be written.
  RunLog(SQLite::Database& db, const std::vector<std::filesystem::path>& inputs, const IngestOptions& options);

  std::int64_t id() const { return id_; }

  // Writes the summary, its rejections and findings. Call inside the data
  // transaction, just before COMMIT.
  void finish(const IngestSummary& summary);

  // Marks the run 'failed' with `message`, in a transaction of its own; call
  // after the data transaction was rolled back. Never throws: a log that cannot
  // be written is reported on stderr, and the caller's error stands.
  void fail(const std::string& message) noexcept;

 private:
  SQLite::Database& db_;
  std::int64_t id_ = 0;
};

// The message of a run whose process died before it finished.
extern const char* const kInterruptedMessage;

// UTC now, ISO 8601 to the second ("2025-03-23T02:15:00Z").
std::string utc_timestamp();

}  // namespace cachedb
