#include "ingest/run_log.h"

#include <chrono>
#include <optional>
#include <string_view>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Exception.h>

#include "error.h"
#include "ingest/ingester.h"
#include "storage/embedded_sql.h"
#include "storage/statement.h"
#include "storage/transaction.h"
#include "util/utf8.h"

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
    Transaction tx(db_, Begin::Immediate);
    Statement interrupted(db_, "UPDATE ingest_runs SET status = 'interrupted', message = ? WHERE status = 'running'");
    auto marked = interrupted(kInterruptedMessage);
    marked.exec();
    if (const int n = marked.changes())
      spdlog::warn("{} earlier ingest run(s) had been interrupted; nothing of them was committed, this run redoes it", n);
    Statement insert(db_, "INSERT INTO ingest_runs(started_at, inputs, prune, force) VALUES (?, ?, ?, ?)");
    auto inserted = insert(utc_timestamp(), storable_text(joined), options.prune ? 1 : 0, options.force ? 1 : 0);
    inserted.exec();
    id_ = inserted.last_insert_rowid();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: cannot record the start of the run, nothing was changed: {}", db_.getFilename(),
                            e.what()));
  }
}

void RunLog::finish(const IngestSummary& s) {
  Statement update(db_, required_sql("storage/run_finish.sql"));
  {
    auto use = update.use();
    use(utc_timestamp())(s.status());
    for (auto n : {s.pages_added, s.pages_updated, s.pages_unchanged, s.pages_removed, s.pages_rejected,
                   s.pages_skipped, s.pages_legacy, s.specs_added, s.specs_removed})
      use(n);
    use(static_cast<std::int64_t>(s.findings.size()))(s.prune_refused ? 1 : 0)(id_).exec();
  }

  // Prepared only when there is something to insert: a run that rejected
  // nothing and noticed nothing (an unchanged one) compiles no more SQL than it runs.
  if (!s.rejections.empty()) {
    Statement error(db_, "INSERT INTO ingest_errors(run_id, path, line, message) VALUES (?, ?, ?, ?)");
    for (const auto& r : s.rejections) {
      const auto line = r.line ? std::optional<std::int64_t>(static_cast<std::int64_t>(r.line)) : std::nullopt;
      error(id_, storable_text(r.path), line, storable_text(r.message)).exec();
    }
  }
  if (!s.findings.empty()) {
    Statement finding(db_, required_sql("storage/run_finding_insert.sql"));
    for (const auto& f : s.findings) {
      const auto hash = f.hash.empty() ? std::nullopt : std::optional<std::string_view>(f.hash);
      finding(id_, storable_text(f.path), f.release, f.package, f.kind, hash, storable_text(f.message)).exec();
    }
  }
}

void RunLog::fail(const std::string& message) noexcept {
  try {
    Transaction tx(db_, Begin::Immediate);
    Statement update(db_, "UPDATE ingest_runs SET finished_at = ?, status = 'failed', message = ? WHERE id = ?");
    update(utc_timestamp(), storable_text(message), id_).exec();
    tx.commit();
  } catch (const std::exception& e) {
    // The run's own error comes after this line: say here what it was, for
    // the mail that shows the first line (the log then shows the run
    // `interrupted`).
    spdlog::error("{}: could not record run {} as failed ({}): {}", db_.getFilename(), id_, message, e.what());
  }
}

}  // namespace cachedb
