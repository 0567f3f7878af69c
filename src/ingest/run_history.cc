#include "ingest/run_history.h"

#include <algorithm>
#include <set>

#include <SQLiteCpp/Statement.h>

#include "ingest/run_log.h"

namespace cachedb {
namespace {

std::string text(const SQLite::Column& c) { return c.isNull() ? std::string() : c.getString(); }

}  // namespace

std::vector<RunRecord> recent_runs(SQLite::Database& db, int limit, std::optional<std::int64_t> only) {
  SQLite::Statement st(db,
      "SELECT id, started_at, finished_at, status, inputs, message, pages_added, pages_updated, pages_unchanged, "
      "pages_removed, pages_rejected, pages_skipped, pages_legacy, specs_added, specs_removed, findings, prune, "
      "force, prune_refused FROM ingest_runs WHERE ?1 IS NULL OR id = ?1 ORDER BY id DESC LIMIT ?2");
  if (only) st.bind(1, *only);
  st.bind(2, limit);
  std::vector<RunRecord> out;
  while (st.executeStep()) {
    RunRecord r;
    int i = 0;
    r.id = st.getColumn(i++).getInt64();
    r.started_at = text(st.getColumn(i++));
    r.finished_at = text(st.getColumn(i++));
    r.status = text(st.getColumn(i++));
    r.inputs = text(st.getColumn(i++));
    r.message = text(st.getColumn(i++));
    for (auto* n : {&r.pages_added, &r.pages_updated, &r.pages_unchanged, &r.pages_removed, &r.pages_rejected,
                    &r.pages_skipped, &r.pages_legacy, &r.specs_added, &r.specs_removed, &r.findings})
      *n = st.getColumn(i++).getInt64();
    r.prune = st.getColumn(i++).getInt() != 0;
    r.force = st.getColumn(i++).getInt() != 0;
    r.prune_refused = st.getColumn(i++).getInt() != 0;
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
  SQLite::Statement st(db,
      "SELECT 'error', path, line, '', '', '', '', message FROM ingest_errors WHERE run_id = ?1 "
      "UNION ALL "
      "SELECT 'finding', path, NULL, release, package, kind, hash, message FROM ingest_findings WHERE run_id = ?1 "
      "LIMIT ?2");
  st.bind(1, run_id);
  st.bind(2, limit);
  std::vector<RunNote> out;
  while (st.executeStep()) {
    RunNote n;
    n.type = text(st.getColumn(0));
    n.path = text(st.getColumn(1));
    n.line = st.getColumn(2).isNull() ? 0 : st.getColumn(2).getInt64();
    n.release = text(st.getColumn(3));
    n.package = text(st.getColumn(4));
    n.kind = text(st.getColumn(5));
    n.hash = text(st.getColumn(6));
    n.message = text(st.getColumn(7));
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace cachedb
