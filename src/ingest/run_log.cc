#include "ingest/run_log.h"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "error.h"
#include "ingest/ingester.h"

namespace cachedb {

const char* const kInterruptedMessage =
    "the process stopped before it finished (killed, crashed or the machine went down); nothing of this run was "
    "committed";

std::string utc_timestamp() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(
                                                  std::chrono::system_clock::now())));
}

RunLog::RunLog(SQLite::Database& db, const std::vector<std::filesystem::path>& inputs,
               const IngestOptions& options)
    : db_(db) {
  std::string joined;
  for (const auto& p : inputs) {
    if (!joined.empty()) joined += '\n';
    joined += p.string();
  }
  try {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement interrupted(db_,
        "UPDATE ingest_runs SET status = 'interrupted', message = ? WHERE status = 'running'");
    interrupted.bind(1, kInterruptedMessage);
    if (const int n = interrupted.exec())
      spdlog::warn("{} earlier ingest run(s) had been interrupted; nothing of them was committed, this run redoes it", n);
    SQLite::Statement insert(db_, "INSERT INTO ingest_runs(started_at, inputs, prune, force) VALUES (?, ?, ?, ?)");
    insert.bind(1, utc_timestamp());
    insert.bind(2, joined);
    insert.bind(3, options.prune ? 1 : 0);
    insert.bind(4, options.force ? 1 : 0);
    insert.exec();
    id_ = db_.getLastInsertRowid();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: cannot record the start of the run, nothing was changed: {}", db_.getFilename(),
                            e.what()));
  }
}

void RunLog::finish(const IngestSummary& s) {
  SQLite::Statement update(db_,
      "UPDATE ingest_runs SET finished_at = ?, status = ?, pages_added = ?, pages_updated = ?, "
      "pages_unchanged = ?, pages_removed = ?, pages_rejected = ?, pages_skipped = ?, pages_legacy = ?, "
      "specs_added = ?, specs_removed = ?, findings = ?, prune_refused = ? WHERE id = ?");
  int i = 0;
  update.bind(++i, utc_timestamp());
  update.bind(++i, s.status());
  for (auto n : {s.pages_added, s.pages_updated, s.pages_unchanged, s.pages_removed, s.pages_rejected,
                 s.pages_skipped, s.pages_legacy, s.specs_added, s.specs_removed})
    update.bind(++i, n);
  update.bind(++i, static_cast<std::int64_t>(s.findings.size()));
  update.bind(++i, s.prune_refused ? 1 : 0);
  update.bind(++i, id_);
  update.exec();

  SQLite::Statement error(db_, "INSERT INTO ingest_errors(run_id, path, line, message) VALUES (?, ?, ?, ?)");
  for (const auto& r : s.rejections) {
    error.bind(1, id_);
    error.bind(2, r.path);
    if (r.line) error.bind(3, static_cast<std::int64_t>(r.line));
    else error.bind(3);
    error.bind(4, r.message);
    error.exec();
    error.reset();
  }
  SQLite::Statement finding(db_,
      "INSERT INTO ingest_findings(run_id, path, release, package, kind, hash, message) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const auto& f : s.findings) {
    finding.bind(1, id_);
    finding.bind(2, f.path);
    finding.bind(3, f.release);
    finding.bind(4, f.package);
    finding.bind(5, f.kind);
    if (f.hash.empty()) finding.bind(6);
    else finding.bind(6, f.hash);
    finding.bind(7, f.message);
    finding.exec();
    finding.reset();
  }
}

void RunLog::fail(const std::string& message) noexcept {
  try {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement update(db_,
        "UPDATE ingest_runs SET finished_at = ?, status = 'failed', message = ? WHERE id = ?");
    update.bind(1, utc_timestamp());
    update.bind(2, message);
    update.bind(3, id_);
    update.exec();
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::error("{}: could not record run {} as failed: {}", db_.getFilename(), id_, e.what());
  }
}

}  // namespace cachedb
