#include "ingest/run_history.h"

#include <algorithm>
#include <set>

#include "ingest/run_log.h"
#include "storage/embedded_sql.h"
#include "storage/statement.h"

namespace cachedb {

std::vector<RunRecord> recent_runs(SQLite::Database& db, int limit, std::optional<std::int64_t> only) {
  Statement st(db, required_sql("storage/recent_runs.sql"));
  std::vector<RunRecord> out;
  for (auto row = st(only, limit); row.next();) {
    RunRecord r;
    int i = 0;
    r.id = row.int64(i++);
    r.started_at = row.text(i++);
    r.finished_at = row.text(i++);
    r.status = row.text(i++);
    r.inputs = row.text(i++);
    r.message = row.text(i++);
    for (auto* n : {&r.pages_added, &r.pages_updated, &r.pages_unchanged, &r.pages_removed, &r.pages_rejected,
                    &r.pages_skipped, &r.pages_legacy, &r.specs_added, &r.specs_removed, &r.findings})
      *n = row.int64(i++);
    r.prune = row.int64(i++) != 0;
    r.force = row.int64(i++) != 0;
    r.prune_refused = row.int64(i++) != 0;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<RunRecord> recent_runs(SQLite::Database& db, int limit, std::optional<std::int64_t> only,
                                   const std::function<std::optional<bool>()>& ingest_running) {
  auto runs = recent_runs(db, limit, only);
  std::set<std::int64_t> running;
  for (const auto& r : runs)
    if (r.status == "running") running.insert(r.id);
  if (running.empty()) return runs;
  auto interrupted = [](RunRecord& r) {
    r.status = "interrupted";
    if (r.message.empty()) r.message = kInterruptedMessage;
  };
  // Asked after the rows were read: an ingest holds the lock from before it
  // logs its run until after it logs the end, so a row read 'running' with
  // the lock free since is a run that ended.
  const auto live = ingest_running();
  if (!live) return runs;
  if (*live) {
    // An ingest marks the runs left 'running' interrupted as it logs its own:
    // only the newest can be the live one.
    const std::int64_t newest =
        db.execAndGet("SELECT coalesce(max(id), 0) FROM ingest_runs WHERE status = 'running'").getInt64();
    for (auto& r : runs)
      if (r.status == "running" && r.id != newest) interrupted(r);
    return runs;
  }
  // Read again: a run that ended between the two readings shows how it ended;
  // one still 'running' died. (A run that started since is not among those
  // read first, and is left as it is.)
  runs = recent_runs(db, limit, only);
  for (auto& r : runs)
    if (r.status == "running" && running.count(r.id)) interrupted(r);
  return runs;
}

std::vector<RunNote> run_notes(SQLite::Database& db, std::int64_t run_id, int limit) {
  Statement st(db, required_sql("storage/run_notes.sql"));
  std::vector<RunNote> out;
  for (auto row = st(run_id, limit); row.next();) {
    RunNote n;
    n.type = row.text(0);
    n.path = row.text(1);
    n.line = row.int64(2);  // 0 for NULL
    n.release = row.text(3);
    n.package = row.text(4);
    n.kind = row.text(5);
    n.hash = row.text(6);
    n.message = row.text(7);
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace cachedb
