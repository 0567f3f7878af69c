#pragma once
// What a report was made from: the last ingest run whose changes were
// committed. Readers see the database as that run left it (a run still going
// is invisible to them until it commits), so its id and time name the data.
#include <cstdint>
#include <optional>
#include <string>

#include <SQLiteCpp/Database.h>

namespace cachedb {

struct SourceRun {
  std::int64_t id = 0;
  std::string finished_at;  // UTC, ISO 8601, as `cachedb runs` shows it
};

// None when no run was ever committed (an empty or hand-made database).
std::optional<SourceRun> last_committed_run(SQLite::Database& db);

// "ingest run 12, committed 2026-12-02T10:40:41Z", or "no ingest run" when none.
std::string describe(const std::optional<SourceRun>& run);

// The same as every JSON output writes it: {"run_id":12,"finished_at":"..."}, or null.
std::string source_json(const std::optional<SourceRun>& run);

// The line a Markdown output ends with: "\n_Made from ingest run 12, committed ..._\n".
std::string markdown_source_line(const std::optional<SourceRun>& run);

}  // namespace cachedb
